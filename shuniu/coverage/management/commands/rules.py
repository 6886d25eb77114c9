from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.coverage.rules import RULES, settings_for
from shuniu.coverage.services import rule_configure


class Command(BaseCommand):
    help = "列出规则及其依据、开关与参数；--set 修改（地方性规则默认关闭）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", metavar="RULE", help="要修改的规则")
        parser.add_argument("--enable", action="store_true")
        parser.add_argument("--disable", action="store_true")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=JSON", help="如 min_grade='\"4A\"'")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["set"]:
            params = {}
            for item in opts["param"]:
                name, _sep, raw = item.partition("=")
                try:
                    params[name] = json.loads(raw)
                except json.JSONDecodeError:
                    params[name] = raw
            enabled = True if opts["enable"] else False if opts["disable"] else None
            try:
                rule_configure(actor=SystemActor("cli"), rule_id=opts["set"], enabled=enabled, params=params)
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        for rule in RULES.values():
            enabled, params = settings_for(rule)
            flag = "on " if enabled else "off"
            local = " (local)" if rule.local else ""
            self.stdout.write(f"{flag} {rule.id}{local} {json.dumps(params, ensure_ascii=False)}\n    {rule.source}")
