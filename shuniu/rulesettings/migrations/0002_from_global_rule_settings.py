"""Copy the global rule settings (coverage.RuleSetting: one row per rule, on/off and parameters)
into settings for the whole country (region ""), one row per parameter and one for on/off."""

from typing import Any

from django.db import migrations

SOURCE = "由原全局规则设置迁移"


def forward(apps: Any, schema_editor: Any) -> None:
    Old = apps.get_model("coverage", "RuleSetting")
    New = apps.get_model("rulesettings", "RuleSetting")
    rows = []
    for old in Old.objects.all():
        rows.append(New(rule_id=old.rule_id, name="enabled", region="", value=old.enabled, source=SOURCE,
                        changed_by="migration"))
        rows.extend(New(rule_id=old.rule_id, name=name, region="", value=value, source=SOURCE,
                        changed_by="migration") for name, value in (old.params or {}).items())
    New.objects.bulk_create(rows)


def backward(apps: Any, schema_editor: Any) -> None:
    Old = apps.get_model("coverage", "RuleSetting")
    New = apps.get_model("rulesettings", "RuleSetting")
    national: dict[str, dict[str, Any]] = {}
    for row in New.objects.filter(region=""):
        national.setdefault(row.rule_id, {})[row.name] = row.value
    for rule_id, values in national.items():
        enabled = values.pop("enabled", True)
        Old.objects.update_or_create(rule_id=rule_id, defaults={"enabled": bool(enabled), "params": values})
    # The old table cannot hold a region's settings: going back loses them (forward copies the
    # national ones again).
    New.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rulesettings", "0001_rule_settings_by_region"),
        ("coverage", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
