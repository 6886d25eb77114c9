"""Django admin, read-only for orgs and people and filtered through the one scope layer.

Writes go through the services (validation, audit, derived status), which the admin's generic
save would bypass; so the admin is a scoped viewer, and users are managed through the User admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from shuniu.accounts.scopes import Scope


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    #: the Scope method that filters this model (filter_orgs, filter_members, ...)
    scope_filter = "filter_orgs"
    #: for rows that hang off an org: the field name passed to Scope.filter_by_org
    scope_org_field: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        scope = Scope.for_user(request.user)
        if self.scope_org_field:
            return scope.filter_by_org(qs, self.scope_org_field)
        return getattr(scope, self.scope_filter)(qs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
