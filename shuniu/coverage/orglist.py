"""The org list behind every figure: the coverage drill-down, searched and filtered (the org list
page and its exports). Here rather than in the registry, whose selectors it builds on, because it
counts and filters as the coverage figures do."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.core.validators import normalize_code
from shuniu.coverage.due import due_q
from shuniu.coverage.engine import ORG_DIMENSIONS
from shuniu.coverage.selectors import active_org_count, drilldown, resolve_region
from shuniu.regions.codes import PREFIX_FIELDS, InvalidRegionCode
from shuniu.registry.models import SocialOrg

ORG_SORTS = {
    "name": ("name", "id"),
    "-established_on": ("-established_on", "name"),
    "established_on": ("established_on", "name"),
    "-full_members": ("-full_members", "name"),
    "-full_time_staff": ("-full_time_staff", "name"),
    "region": ("street_code", "community_code", "name"),
    "-updated_at": ("-updated_at", "-id"),
}


def org_search(
    scope: Scope, *, region: str | None = None, statuses: list[str] | None = None, due: bool = False,
    by: str | None = None, key: str | None = None, q: str = "", org_type: str = "", industry: str = "",
    hub: str = "", grade: str = "", state: str = "active", sort: str = "name",
) -> QuerySet[SocialOrg]:
    """The org list behind every number: the coverage drill-down (same region, status, due and
    dimension semantics, so a list always has as many rows as the figure that links to it), plus
    search by name or USCC and the list's own filters.

    Raises PermissionDenied for a region outside the scope and Region.DoesNotExist for an unknown one.
    """
    if state == "active":
        qs = drilldown(scope, region, due=due, by=by, key=key)
    else:
        qs = scope.filter(SocialOrg.objects.all())
        if region:
            found = resolve_region(scope, region)
            assert found is not None
            qs = qs.filter(**{PREFIX_FIELDS[found.level]: found.code})
        if by and by in ORG_DIMENSIONS and key is not None:
            qs = qs.filter(**{ORG_DIMENSIONS[by]: key})
        if due:
            qs = qs.filter(due_q())
        if state == "deregistered":
            qs = qs.filter(status="deregistered")
    if statuses:
        qs = qs.filter(coverage_status__in=statuses)
    if q := q.strip():
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__startswith=normalize_code(q)))
    if org_type:
        qs = qs.filter(type=org_type)
    if industry:
        qs = qs.filter(industry_id=industry)
    if hub:
        qs = qs.filter(hub_id=hub)
    if grade:
        qs = qs.filter(evaluation_grade=grade)
    return qs.select_related("region", "industry", "hub").order_by(*ORG_SORTS.get(sort, ORG_SORTS["name"]))


def org_search_count(
    scope: Scope, *, region: str | None = None, statuses: list[str] | None = None, due: bool = False,
    by: str | None = None, key: str | None = None, q: str = "", org_type: str = "", industry: str = "",
    hub: str = "", grade: str = "", state: str = "active", sort: str = "name",
) -> int | None:
    """The number of rows ``org_search`` gives for the same arguments, from the live rollup when it
    holds exactly that number (active orgs, at most one dimension, statuses or due); else None."""
    dims = [(d, k) for d, k in (("type", org_type), ("industry", industry), ("hub", hub)) if k]
    if by and by != "level" and key is not None:
        dims.append((by, key))
    if state != "active" or q.strip() or grade or len(dims) > 1 or any(k == "" for _d, k in dims):
        return None
    dim, value = dims[0] if dims else ("region", "")
    try:
        return active_org_count(scope, region or None, by=dim, key=str(value), statuses=statuses or (), due=due)
    except InvalidRegionCode:
        return None
