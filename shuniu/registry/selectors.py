"""Reads of the registry, always through a scope."""

from __future__ import annotations

from django.db.models import QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.registry.models import Hub, SocialOrg


def org_list(scope: Scope) -> QuerySet[SocialOrg]:
    return scope.filter_orgs(SocialOrg.objects.select_related("region", "industry", "hub"))


def org_get(scope: Scope, org_id: int) -> SocialOrg | None:
    """The org if it exists and lies in scope (None otherwise: callers answer 404 either way)."""
    return org_list(scope).filter(pk=org_id).first()


def hub_list(scope: Scope) -> QuerySet[Hub]:
    return scope.filter_hubs(Hub.objects.select_related("region"))
