"""Party members: list (numbers always masked), detail (full numbers only for roles with the
right, see ``can_see_personal_data``), record. Reads through the party selectors, writes through
the party services.

Looking members up by ID number and reading full numbers are audited (``shuniu.party.privacy``);
responses that can carry full numbers are ``Cache-Control: no-store``. A registration refused
because the number is taken says whose it is only to those ``privacy.may_learn_owner`` allows, and
too many such refusals are answered 429.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from shuniu.accounts.scopes import Scope, can_see_personal_data
from shuniu.api.common import found, in_region, page, referenced, scope_in, scope_of
from shuniu.api.party_orgs import party_org_get
from shuniu.api.schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    ErrorsOut,
    MemberDetail,
    MemberEndIn,
    MemberFilters,
    MemberIn,
    MemberOut,
    Page,
)
from shuniu.core import crypto
from shuniu.core.validators import normalize_code
from shuniu.party import privacy, selectors
from shuniu.party.models import PartyMember
from shuniu.party.services import member_create, member_end
from shuniu.registry.selectors import org_get

router = Router(tags=["members"])
MemberId = Annotated[int, Path(ge=1, le=MAX_ID, description="党员编号")]


def member_get(scope: Scope, member_id: int) -> PartyMember | None:
    """The member (one who has left too) if it exists and lies in scope."""
    return scope.filter(
        PartyMember.objects.select_related("workplace", "relation_org").filter(pk=member_id)).first()


@router.get("/members", response={200: Page[MemberOut], **ERRORS}, summary="党员列表（身份号码、电话均遮蔽）")
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> Any:
    scope, region = scope_in(request, filters.region)
    qs = in_region(selectors.member_list(scope), "region", region)
    number = normalize_code(filters.id_number or "")
    if number:
        # Finding a person by ID number tells who holds it: only for those who may see the numbers.
        if not can_see_personal_data(request.auth):  # type: ignore[attr-defined]
            privacy.record_lookup(request.auth, number, None, via="api")  # type: ignore[attr-defined]
            raise PermissionDenied(_("您的角色无权按公民身份号码查找党员"))
        qs = qs.filter(id_number_hash=crypto.keyed_hash(number))
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    for attr, lookup in (("status", "status"), ("gender", "gender"), ("workplace", "workplace_id"),
                         ("relation_org", "relation_org_id"), ("is_mobile", "is_mobile")):
        value = getattr(filters, attr)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    result = page(qs.order_by(filters.ordering, "id"), filters)
    if number:
        privacy.record_lookup(request.auth, number, result["count"], via="api")  # type: ignore[attr-defined]
    return result


def _personal_shown(request: HttpRequest, member: PartyMember) -> list[str]:
    """The full numbers that ``MemberDetail`` shows this caller."""
    if not can_see_personal_data(request.auth):  # type: ignore[attr-defined]
        return []
    return [f for f, stored in (("id_number", member.id_number_encrypted), ("phone", member.phone_encrypted))
            if stored]


@router.get("/members/{id}", response={200: MemberDetail, **ERRORS}, summary="党员详情")
def get_member(request: HttpRequest, response: HttpResponse, id: MemberId) -> Any:
    member = found(member_get(scope_of(request), id))
    response["Cache-Control"] = "no-store"
    shown = _personal_shown(request, member)
    if shown:
        privacy.record_personal_read(request.auth, member, shown, via="api")  # type: ignore[attr-defined]
    return member


@router.post("/members", response={201: MemberDetail, **WRITE_ERRORS, 429: ErrorsOut}, summary="登记党员")
def create_member(request: HttpRequest, response: HttpResponse, payload: MemberIn) -> Any:
    response["Cache-Control"] = "no-store"
    scope = scope_of(request)
    data = payload.dict(exclude_unset=True)
    if data.get("workplace") is not None:
        data["workplace"] = referenced("workplace", org_get(scope, data["workplace"]), _("工作单位"), data["workplace"])
    if data.get("relation_org") is not None:
        data["relation_org"] = referenced("relation_org", party_org_get(scope, data["relation_org"]),
                                          _("组织关系所在党组织"), data["relation_org"])
    member = member_create(actor=request.auth, **data)  # type: ignore[attr-defined]
    return Status(201, member_get(scope, member.pk) or member)


@router.post("/members/{id}/end", response={200: MemberDetail, **WRITE_ERRORS}, summary="党员减少（按统计分类登记原因）")
def end_member(request: HttpRequest, id: MemberId, payload: MemberEndIn) -> Any:
    scope = scope_of(request)
    member = found(member_get(scope, id))
    member_end(actor=request.auth, member=member, on=payload.ended_on, reason=payload.reason,  # type: ignore[attr-defined]
               note=payload.note or "")
    return member_get(scope, member.pk) or member
