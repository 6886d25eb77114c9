"""Writing local rule settings: set or clear a rule's parameters (or its on/off) for a region.

Each change names its source (the local document that says so), is audited, and is announced
(``signals.settings_changed``) in the same transaction so that figures derived from a setting are
kept in step with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.actors import actor_label, is_system
from shuniu.accounts.scopes import Scope, check_write
from shuniu.audit.services import record
from shuniu.core.services import Errors
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.regions.models import Region
from shuniu.rulesettings import selectors
from shuniu.rulesettings.declarations import ENABLED, Declaration, all_declared
from shuniu.rulesettings.models import RuleSetting
from shuniu.rulesettings.signals import settings_changed

SOURCE_MAX = RuleSetting._meta.get_field("source").max_length or 300


def _rule(errors: Errors, rule_id: str) -> Declaration | None:
    declaration = all_declared().get(rule_id)
    if declaration is None:
        errors.add("rule_id", _("未知规则“%(rule)s”（规则：取值为 %(allowed)s 之一）")
                   % {"rule": rule_id, "allowed": " / ".join(sorted(all_declared()))}, "choice")
    return declaration


def _region(errors: Errors, region: str) -> str:
    """The short code of ``region`` ("" for the whole country), which must be a current division."""
    region = (region or "").strip()
    if not region:
        return ""
    try:
        short = parse(region).short
    except InvalidRegionCode:
        short = ""
    if not short or not Region.objects.filter(code=short, retired_on__isnull=True).exists():
        errors.add("region", _("地区代码“%(code)s”不存在（规则：须为现行行政区划代码）") % {"code": region}, "region")
    return short


def _check_write(actor: Any, region: str) -> None:
    if region:
        check_write(actor, region_code=region)
        return
    check_write(actor)
    if not is_system(actor) and Scope.for_user(actor).kind != "all":
        raise PermissionDenied(_("只有管理员可以修改全国的规则设置（规则：管辖范围）"))


def _same_type(value: Any, default: Any) -> bool:
    # bool is an int in Python, but a flag is not a number here, nor a number a flag.
    return type(value) is type(default) or (type(default) is float and type(value) is int)


def _clean_values(errors: Errors, declaration: Declaration, values: Mapping[str, Any]) -> None:
    names = declaration.names()
    for name, value in values.items():
        if name not in names:
            errors.add("params", _("规则 %(rule)s 没有参数 %(name)s（规则：可设参数为 %(allowed)s）")
                       % {"rule": declaration.rule_id, "name": name, "allowed": " / ".join(names)}, "unknown")
            continue
        default = declaration.default(name)
        if not _same_type(value, default):
            errors.add("params", _("参数 %(name)s 的取值“%(value)s”类型不对（规则：须与默认值 %(default)s 同类型）")
                       % {"name": name, "value": value, "default": default}, "type")
            continue
        check = declaration.checks.get(name)
        problem = check(value) if check is not None else None
        if problem:
            errors.add("params", problem, "invalid")


def _clean_source(errors: Errors, source: str) -> str:
    source = (source or "").strip()
    if not source:
        errors.add("source", _("依据不能为空：写明哪份地方文件作此规定（规则：每项设置须有依据）"), "required")
    elif len(source) > SOURCE_MAX:
        errors.add("source", _("依据不能超过 %(n)s 个字符（规则：长度）") % {"n": SOURCE_MAX}, "max_length")
    return source


def _announce(changes: list[tuple[str, str, str]], before: selectors.Settings) -> None:
    if not changes:
        return
    selectors._written()
    settings_changed.send(sender=RuleSetting, changes=changes, before=before, after=selectors.current())


@transaction.atomic
def rule_setting_set(*, actor: Any, rule_id: str, region: str = "", enabled: bool | None = None,
                     params: Mapping[str, Any] | None = None, source: str = "", note: str = "") -> list[RuleSetting]:
    """Set a rule's on/off and/or parameters for ``region`` (a region code, "" for the whole
    country), citing ``source``; the most specific setting of an org's region applies to it."""
    errors = Errors()
    declaration = _rule(errors, rule_id)
    short = _region(errors, region)
    values = dict(params or {})
    if enabled is not None:
        values[ENABLED] = enabled
    if not values:
        errors.add("params", _("没有要修改的内容：请给出启用、停用或参数（规则：必填）"), "required")
    if declaration is not None:
        _clean_values(errors, declaration, values)
    source = _clean_source(errors, source)
    errors.raise_if_any()
    _check_write(actor, short)
    before = selectors.current()
    written: list[RuleSetting] = []
    changes = []
    for name, value in values.items():
        setting = RuleSetting.objects.select_for_update().filter(rule_id=rule_id, name=name, region=short).first()
        old = (setting.value, setting.source, setting.note) if setting is not None else None
        if setting is not None and old == (value, source, note):
            written.append(setting)
            continue
        if setting is None:
            setting = RuleSetting(rule_id=rule_id, name=name, region=short)
        setting.value, setting.source, setting.note = value, source, note
        setting.changed_by = actor_label(actor)
        setting.save()
        record(actor=actor, action="rule_setting.set", target=setting, changes={
            "value": [old[0] if old else None, value], "source": [old[1] if old else None, source],
            **({"note": [old[2] if old else None, note]} if note or (old and old[2]) else {}),
        })
        written.append(setting)
        changes.append((rule_id, name, short))
    _announce(changes, before)
    return written


@transaction.atomic
def rule_setting_clear(*, actor: Any, rule_id: str, region: str = "", names: Iterable[str] | None = None) -> int:
    """Remove the settings of ``rule_id`` for ``region`` (all of them, or those ``names``), so that
    the region follows the settings above it again; returns how many were removed."""
    errors = Errors()
    declaration = _rule(errors, rule_id)
    short = _region(errors, region)
    wanted = list(names) if names is not None else None
    if declaration is not None and wanted:
        _clean_values(errors, declaration, {n: declaration.default(n) if n in declaration.names() else None
                                            for n in wanted})
    errors.raise_if_any()
    _check_write(actor, short)
    before = selectors.current()
    qs = RuleSetting.objects.select_for_update().filter(rule_id=rule_id, region=short)
    if wanted is not None:
        qs = qs.filter(name__in=wanted)
    changes = []
    for setting in qs.order_by("name"):
        record(actor=actor, action="rule_setting.clear", target=setting,
               changes={"value": [setting.value, None], "source": [setting.source, None]})
        changes.append((rule_id, setting.name, short))
        setting.delete()
    _announce(changes, before)
    return len(changes)
