"""Rule settings in the Django admin: read-only, as everywhere in the admin (``core.admin``).

Writes go through ``services`` (``shuniu rules --set``), which validate the value against the
rule's declaration, audit the change and keep the figures derived from it in step."""

from __future__ import annotations

from django.contrib import admin

from shuniu.core.admin import ReadOnlyAdmin
from shuniu.rulesettings.models import RuleSetting


@admin.register(RuleSetting)
class RuleSettingAdmin(ReadOnlyAdmin):
    list_display = ["rule_id", "name", "region", "value", "source", "changed_by", "updated_at"]
    list_filter = ["rule_id"]
    search_fields = ["rule_id", "region", "source"]
