"""Coverage writes: snapshots of the rollup, rule settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from shuniu.accounts.actors import Actor, check_admin
from shuniu.audit.services import record
from shuniu.coverage import engine
from shuniu.coverage.models import COUNT_FIELDS, Rollup, RollupSnapshot, RuleSetting
from shuniu.coverage.rules import RULES


@transaction.atomic
def snapshot_take(*, actor: Actor, as_of: dt.date | None = None) -> int:
    """Store the rollup as it stands today, or as recomputed for a past ``as_of``; replaces an
    existing snapshot of the same date. Returns the number of rows stored. Administrators only:
    the snapshot holds the whole country's figures."""
    check_admin(actor)
    day = as_of or engine.today()
    RollupSnapshot.objects.filter(as_of=day).delete()
    live = as_of is None or as_of == engine.today()
    rows = engine.stored_rollup() if live else engine.compute_rollup(as_of=as_of)
    RollupSnapshot.objects.bulk_create(
        (RollupSnapshot(as_of=day, dimension=d, key=k, region=r, **{c: v.get(c, 0) for c in COUNT_FIELDS})
         for (d, k, r), v in rows.items()),
        batch_size=5000,
    )
    record(actor=actor, action="coverage.snapshot", target_type="coverage.rollupsnapshot",
           target_repr=str(day), changes={"rows": [None, len(rows)]})
    return len(rows)


def snapshot_due(today: dt.date) -> dt.date | None:
    """The month-end snapshot that the scheduler still owes: the last day of the previous month."""
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    if RollupSnapshot.objects.filter(as_of=last_month_end).exists():
        return None
    return last_month_end


@transaction.atomic
def rule_configure(*, actor: Actor, rule_id: str, enabled: bool | None = None,
                   params: dict[str, Any] | None = None) -> RuleSetting:
    """Turn a rule on or off and set its parameters. Administrators only: a setting applies to
    every jurisdiction's findings."""
    from django.core.exceptions import ValidationError

    check_admin(actor)
    rule = RULES.get(rule_id)
    if rule is None:
        raise ValidationError({"rule_id": f"未知规则“{rule_id}”；可选：{', '.join(RULES)}"})
    unknown = set(params or {}) - set(rule.defaults)
    if unknown:
        raise ValidationError({"params": f"规则 {rule_id} 没有参数 {', '.join(sorted(unknown))}；"
                                         f"可设参数：{', '.join(rule.defaults) or '无'}"})
    for name, value in (params or {}).items():
        if type(value) is not type(rule.defaults[name]):
            raise ValidationError({"params": f"参数 {name} 须为 {type(rule.defaults[name]).__name__} 类型"})
    setting, _created = RuleSetting.objects.get_or_create(rule_id=rule_id, defaults={"enabled": not rule.local})
    before = {"enabled": setting.enabled, "params": dict(setting.params)}
    if enabled is not None:
        setting.enabled = enabled
    if params:
        setting.params = {**setting.params, **params}
    setting.save()
    record(actor=actor, action="rule.configure", target=setting,
           changes={"enabled": [before["enabled"], setting.enabled], "params": [before["params"], setting.params]})
    return setting


def rollup_count() -> int:
    return Rollup.objects.count()
