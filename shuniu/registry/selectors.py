"""Reads of the registry, always through a scope."""

from __future__ import annotations

from django.db.models import QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.audit.models import AuditEntry
from shuniu.core.sql import unique_row
from shuniu.regions.models import Region
from shuniu.registry.models import Hub, SocialOrg


def org_list(scope: Scope) -> QuerySet[SocialOrg]:
    return scope.filter(SocialOrg.objects.select_related("region", "industry", "hub"))


def org_get(scope: Scope, org_id: int) -> SocialOrg | None:
    """The org if it exists and lies in scope (None otherwise: callers answer 404 either way), with
    what its page shows."""
    return unique_row(org_list(scope).select_related("supervisory_unit").filter(pk=org_id))


def hub_list(scope: Scope) -> QuerySet[Hub]:
    return scope.filter(Hub.objects.select_related("region"))


def region_list(scope: Scope) -> QuerySet[Region]:
    """Current divisions inside the scope: where a user may place an org (empty unless a region scope)."""
    qs = Region.objects.filter(retired_on__isnull=True)
    if scope.kind == "all":
        return qs
    if scope.kind == "region" and scope.region is not None:
        return qs.filter(**{scope.region.field: scope.region.short})
    return qs.none()


def org_history(org: SocialOrg) -> QuerySet[AuditEntry]:
    """The audit entries about one org, newest first (the caller has checked the org is in scope)."""
    return AuditEntry.objects.filter(target_type="registry.socialorg", target_id=str(org.pk)).order_by("-at", "-id")
