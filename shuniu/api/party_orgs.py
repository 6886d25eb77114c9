"""Party orgs: list, detail, establish, and coverage of social orgs. Reads through the party
selectors, writes through the party services."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from shuniu.accounts.scopes import Scope
from shuniu.api.common import found, in_region, page, referenced, scope_in, scope_of
from shuniu.api.schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    CoverageIn,
    CoverageLinkOut,
    Page,
    PartyOrgDetail,
    PartyOrgFilters,
    PartyOrgIn,
    PartyOrgOut,
)
from shuniu.party import selectors
from shuniu.party.models import PartyOrg
from shuniu.party.services import coverage_add, party_org_create
from shuniu.registry.selectors import org_get, org_list

router = Router(tags=["party-orgs"])
PartyOrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="党组织编号")]


def party_org_get(scope: Scope, party_org_id: int) -> PartyOrg | None:
    """The party org (dissolved ones too) if it exists and lies in scope."""
    return selectors.party_org_list(scope).filter(pk=party_org_id).first()


@router.get("/party-orgs", response={200: Page[PartyOrgOut], **ERRORS}, summary="党组织列表")
def list_party_orgs(request: HttpRequest, filters: Query[PartyOrgFilters]) -> Any:
    scope, region = scope_in(request, filters.region)
    qs = in_region(selectors.party_org_list(scope), "region", region)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.formation:
        qs = qs.filter(formation=filters.formation)
    if filters.superior is not None:
        qs = qs.filter(superior_id=filters.superior)
    if filters.dissolved is not None:
        qs = qs.filter(dissolved_on__isnull=not filters.dissolved)
    return page(qs.order_by(filters.ordering, "id"), filters)


@router.get("/party-orgs/{id}", response={200: PartyOrgDetail, **ERRORS}, summary="党组织详情")
def get_party_org(request: HttpRequest, id: PartyOrgId) -> Any:
    return found(party_org_get(scope_of(request), id))


@router.post("/party-orgs", response={201: PartyOrgDetail, **WRITE_ERRORS}, summary="成立党组织")
def create_party_org(request: HttpRequest, payload: PartyOrgIn) -> Any:
    scope = scope_of(request)
    data = payload.dict(exclude_unset=True)
    if data.get("superior") is not None:
        data["superior"] = referenced("superior", party_org_get(scope, data["superior"]),
                                      _("上级党组织"), data["superior"])
    ids = data.get("covers", [])
    orgs = {org.pk: org for org in org_list(scope).filter(pk__in=ids)} if ids else {}
    data["covers"] = [referenced("covers", orgs.get(pk), _("社会组织"), pk) for pk in ids]
    party_org = party_org_create(actor=request.auth, **data)  # type: ignore[attr-defined]
    return Status(201, party_org_get(scope, party_org.pk) or party_org)


@router.post("/party-orgs/{id}/coverages", response={201: CoverageLinkOut, **WRITE_ERRORS}, summary="党组织覆盖社会组织")
def add_coverage(request: HttpRequest, id: PartyOrgId, payload: CoverageIn) -> Any:
    scope = scope_of(request)
    party_org = found(party_org_get(scope, id))
    org = referenced("org", org_get(scope, payload.org), _("社会组织"), payload.org)
    link = coverage_add(actor=request.auth, party_org=party_org, org=org,  # type: ignore[attr-defined]
                        started_on=payload.started_on)
    return Status(201, link)
