"""Rule settings in the Django admin: read-only, as everywhere in the admin (``core.admin``).

Writes go through ``services`` (``shuniu rules --set``), which validate the value against the
rule's declaration, audit the change and keep the figures derived from it in step."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shuniu.rulesettings.models import RuleSetting


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    list_display = ["rule_id", "name", "region", "value", "source", "changed_by", "updated_at"]
    list_filter = ["rule_id"]
    search_fields = ["rule_id", "region", "source"]

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
