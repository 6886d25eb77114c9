"""Users (administrators only), and the scoped read-only admin that every app's orgs and people use."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from shuniu.accounts.models import User
from shuniu.accounts.scopes import Scope
from shuniu.core.admin import ReadOnlyAdmin


class ScopedReadOnlyAdmin(ReadOnlyAdmin):
    """Read-only, and only the rows inside the user's scope (the model declares its scope binding)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return Scope.for_user(request.user).filter(super().get_queryset(request))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "role", "scope_region", "scope_hub", "scope_party_org", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("角色与管辖范围", {"fields": ("role", "scope_region", "scope_hub",
                                                                   "scope_party_org", "scope_instructor")}))
    raw_id_fields = ["scope_region", "scope_hub", "scope_party_org", "scope_instructor"]

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
