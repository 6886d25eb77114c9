"""Django admin, read-only: writes go through the services (validation, audit, derived status),
which the admin's generic save would bypass. ``shuniu.accounts.admin.ScopedReadOnlyAdmin`` adds the
scope layer for orgs and people; this base serves the models that are not scoped (divisions, the
audit log, import batches), which say themselves who may list them."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
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
