"""Social orgs: list, detail, register, change. Reads through the registry selectors, writes
through the registry services."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from shuniu.accounts.scopes import Scope
from shuniu.api.common import found, in_region, page, referenced, scope_in, scope_of
from shuniu.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, OrgDetail, OrgFilters, OrgIn, OrgOut, OrgPatch, Page
from shuniu.core.sql import unique_row
from shuniu.coverage.selectors import active_org_count
from shuniu.registry import selectors
from shuniu.registry.models import Hub, SocialOrg
from shuniu.registry.services import org_create, org_update

router = Router(tags=["orgs"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="社会组织编号")]


def _hub(request: HttpRequest, hub_id: int | None) -> Hub | None:
    if hub_id is None:
        return None
    hub = selectors.hub_list(scope_of(request)).filter(pk=hub_id).first()
    return referenced("hub", hub, _("枢纽型社会组织"), hub_id)


@router.get("/orgs", response={200: Page[OrgOut], **ERRORS}, summary="社会组织列表")
def list_orgs(request: HttpRequest, filters: Query[OrgFilters]) -> Any:
    scope, region = scope_in(request, filters.region)
    qs = in_region(selectors.org_list(scope), "region", region)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(uscc__icontains=filters.q))
    for attr, lookup in (("type", "type"), ("industry", "industry_id"), ("hub", "hub_id"),
                         ("coverage_status", "coverage_status"), ("grade", "evaluation_grade")):
        value = getattr(filters, attr)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    # Only what OrgOut shows: of 30 columns and three joins, 16 columns and the region's name.
    qs = qs.select_related(None).select_related("region").only(*_LIST_COLUMNS)
    return page(qs.order_by(filters.ordering, "id"), filters, count=_rollup_count(scope, filters))


_LIST_COLUMNS = ("id", "name", "uscc", "type", "region__name", "registration_level", "industry_id", "hub_id",
                 "status", "coverage_status", "established_on", "full_time_staff", "full_members",
                 "evaluation_grade", "evaluation_year")


def _rollup_count(scope: Scope, filters: OrgFilters) -> int | None:
    """The list's total from the live rollup when it holds exactly that number: active orgs of a
    region, of at most one dimension (type, industry or hub) and coverage status. None otherwise."""
    if filters.status != "active" or filters.q or filters.grade is not None:
        return None
    dims = [(by, str(value)) for by, value in (("type", filters.type), ("industry", filters.industry),
                                                ("hub", filters.hub)) if value is not None]
    if len(dims) > 1:
        return None
    by, key = dims[0] if dims else ("region", "")
    return active_org_count(scope, by=by, key=key, statuses=[filters.coverage_status] if filters.coverage_status else [])


# What OrgDetail shows: the list's columns, the rest of the org's own and three names. Reading only
# these (instead of four whole joined rows, ~90 columns) halves the cost of building the query.
_DETAIL_COLUMNS = (*_LIST_COLUMNS, "registration_region_id", "supervisory_unit__name", "hub__name",
                   "deregistered_on", "has_trade_union", "trade_union_on", "has_youth_league", "youth_league_on",
                   "members_on_staff", "created_at", "updated_at")


def _detail(request: HttpRequest, id: int) -> SocialOrg | None:
    """The org as OrgDetail shows it, if in the caller's scope."""
    return unique_row(selectors.org_list(scope_of(request)).select_related(None)
                      .select_related("region", "supervisory_unit", "hub").only(*_DETAIL_COLUMNS).filter(pk=id))


@router.get("/orgs/{id}", response={200: OrgDetail, **ERRORS}, summary="社会组织详情")
def get_org(request: HttpRequest, id: OrgId) -> Any:
    return found(_detail(request, id))


@router.post("/orgs", response={201: OrgDetail, **WRITE_ERRORS}, summary="登记社会组织")
def create_org(request: HttpRequest, payload: OrgIn) -> Any:
    data = payload.dict(exclude_unset=True)
    data.setdefault("registration_level", payload.registration_level)
    if "hub" in data:
        data["hub"] = _hub(request, data["hub"])
    org = org_create(actor=request.auth, **data)  # type: ignore[attr-defined]
    return Status(201, _with_warnings(_detail(request, org.pk) or org, org))


@router.patch("/orgs/{id}", response={200: OrgDetail, **WRITE_ERRORS}, summary="修改社会组织")
def update_org(request: HttpRequest, id: OrgId, payload: OrgPatch) -> Any:
    org = found(selectors.org_get(scope_of(request), id))
    data = payload.dict(exclude_unset=True)
    if "hub" in data:
        data["hub"] = _hub(request, data["hub"])
    org = org_update(actor=request.auth, org=org, **data)  # type: ignore[attr-defined]
    return _with_warnings(_detail(request, org.pk) or org, org)


def _with_warnings(detail: Any, saved: Any) -> Any:
    """The service's warnings (rule DUPLICATE_NAME) on the org read back for the response."""
    detail.warnings = getattr(saved, "warnings", [])
    return detail
