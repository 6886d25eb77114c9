"""Reads of the registry, always through a scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.audit.models import AuditEntry
from shuniu.core.sql import unique_row
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region
from shuniu.registry.models import Hub, SocialOrg


def org_list(scope: Scope) -> QuerySet[SocialOrg]:
    return scope.filter_orgs(SocialOrg.objects.select_related("region", "industry", "hub"))


def org_get(scope: Scope, org_id: int) -> SocialOrg | None:
    """The org if it exists and lies in scope (None otherwise: callers answer 404 either way), with
    what its page shows."""
    return unique_row(org_list(scope).select_related("supervisory_unit").filter(pk=org_id))


def hub_list(scope: Scope) -> QuerySet[Hub]:
    return scope.filter_hubs(Hub.objects.select_related("region"))


def region_list(scope: Scope) -> QuerySet[Region]:
    """Current divisions inside the scope: where a user may place an org (empty unless a region scope)."""
    qs = Region.objects.filter(retired_on__isnull=True)
    if scope.kind == "all":
        return qs
    if scope.kind == "region" and scope.region is not None:
        return qs.filter(**{scope.region.field: scope.region.short})
    return qs.none()


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
    from shuniu.coverage.engine import ORG_DIMENSIONS
    from shuniu.coverage.selectors import drilldown, resolve_region
    from shuniu.regions.codes import PREFIX_FIELDS

    if state == "active":
        qs = drilldown(scope, region, due=due, by=by, key=key)
    else:
        qs = scope.filter_orgs(SocialOrg.objects.all())
        if region:
            found = resolve_region(scope, region)
            assert found is not None
            qs = qs.filter(**{PREFIX_FIELDS[found.level]: found.code})
        if by and by in ORG_DIMENSIONS and key is not None:
            qs = qs.filter(**{ORG_DIMENSIONS[by]: key})
        if due:
            from shuniu.coverage.due import due_q

            qs = qs.filter(due_q())
        if state == "deregistered":
            qs = qs.filter(status="deregistered")
    if statuses:
        qs = qs.filter(coverage_status__in=statuses)
    if q := q.strip():
        from shuniu.core.validators import normalize_code

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
    from shuniu.coverage.selectors import active_org_count

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


def org_history(org: SocialOrg) -> QuerySet[AuditEntry]:
    """The audit entries about one org, newest first (the caller has checked the org is in scope)."""
    return AuditEntry.objects.filter(target_type="registry.socialorg", target_id=str(org.pk)).order_by("-at", "-id")
