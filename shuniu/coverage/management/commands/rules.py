from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.coverage.rules import RULES
from shuniu.rulesettings.declarations import ENABLED, all_declared
from shuniu.rulesettings.selectors import current
from shuniu.rulesettings.services import rule_setting_clear, rule_setting_set


def _value(raw: str) -> Any:
    """A parameter's value as typed: JSON where it parses (2, true, "3A"), else the text (3A)."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


class Command(BaseCommand):
    help = ("列出规则及其依据、开关与参数（--show，可加 --region 看某地区实际生效的设置）；"
            "--set 按地区修改（须 --source 注明依据；地方性规则默认关闭）；--clear 删除某地区的设置。")

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--set", metavar="RULE", help="要修改的规则")
        action.add_argument("--clear", metavar="RULE", help="删除该规则在 --region 的设置（恢复继承上级）")
        action.add_argument("--show", action="store_true", help="列出规则与设置（默认）")
        parser.add_argument("--region", default="", help="地区代码：32 江苏、3204 常州、320404 钟楼区；缺省为全国")
        parser.add_argument("--enable", action="store_true")
        parser.add_argument("--disable", action="store_true")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="如 min_grade=3A、min_full_members=2（--clear 时只写 NAME）")
        parser.add_argument("--source", default="", help="依据：哪份地方文件作此规定（--set 必填）")
        parser.add_argument("--note", default="", help="说明")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = SystemActor("cli")
        try:
            if opts["set"]:
                params = {}
                for item in opts["param"]:
                    name, _sep, raw = item.partition("=")
                    params[name.strip()] = _value(raw.strip())
                enabled = True if opts["enable"] else False if opts["disable"] else None
                rule_setting_set(actor=actor, rule_id=opts["set"], region=opts["region"], enabled=enabled,
                                 params=params, source=opts["source"], note=opts["note"])
            elif opts["clear"]:
                names = [item.partition("=")[0].strip() for item in opts["param"]]
                if opts["enable"] or opts["disable"]:
                    names.append(ENABLED)
                rule_setting_clear(actor=actor, rule_id=opts["clear"], region=opts["region"], names=names or None)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self._show(opts["region"])

    def _show(self, region: str) -> None:
        """Each rule with what applies in ``region`` (the country if none), and where it is set."""
        settings = current()
        where = region or "全国"
        # The rules that find things, then the settings declared by other apps that are no finding
        # rule (RESPONSIBLE_BODY: the order of the lines of the responsible party body).
        shown = [(r.id, r.local, list(r.defaults), r.source) for r in RULES.values()]
        shown += [(rule_id, not d.enabled, list(d.defaults), d.source)
                  for rule_id, d in sorted(all_declared().items()) if rule_id not in RULES]
        for rule_id, is_local, names, source in shown:
            enabled = settings.resolve(rule_id, ENABLED, region)
            params = {name: settings.resolve(rule_id, name, region) for name in names}
            flag = "on " if enabled.value else "off"
            local = " (local)" if is_local else ""
            values = json.dumps({n: r.value for n, r in params.items()}, ensure_ascii=False)
            self.stdout.write(f"{flag} {rule_id}{local} {values}  [{where}]\n    {source}")
            for row in (r for r in settings.rows() if r.rule_id == rule_id):
                self.stdout.write(f"    · {row.region or '全国'} {row.name}={json.dumps(row.value, ensure_ascii=False)}"
                                  f"  依据：{row.source}")
