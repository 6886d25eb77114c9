from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.scopes import Scope
from shuniu.core import output
from shuniu.coverage.rules import RULES, evaluate
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.registry.models import SocialOrg

COLUMNS = [("rule_id", "规则"), ("subject_type", "对象类型"), ("subject_id", "编号"), ("subject_name", "名称"),
           ("region", "地区代码"), ("message", "发现"), ("source", "依据")]


class Command(BaseCommand):
    help = "按规则检查社会组织与党组织，列出发现及其政策依据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="地区代码（默认全国）")
        parser.add_argument("--rule", action="append", choices=sorted(RULES), help="只检查这些规则（可重复）")
        parser.add_argument("--format", choices=output.FORMATS, default="table")
        parser.add_argument("--json", action="store_true", help="同 --format json")
        parser.add_argument("-o", "--output", help="输出文件（xlsx 必填）")

    def handle(self, *args: Any, **opts: Any) -> None:
        scope = Scope.everything()
        if opts["region"]:
            try:
                scope = Scope.of_region(parse(opts["region"]).short)
            except InvalidRegionCode as exc:
                raise CommandError(f"地区代码“{opts['region']}”格式不正确") from exc
        fmt = "json" if opts["json"] else opts["format"]
        if fmt == "xlsx" and not opts["output"]:
            raise CommandError("xlsx 格式须用 -o 指定输出文件")
        findings = evaluate(scope.filter(SocialOrg.objects.all()),
                            scope.filter(PartyOrg.objects.all()), rule_ids=opts["rule"],
                            members=scope.filter(PartyMember.objects.all()))
        output.write([asdict(f) for f in findings], COLUMNS, fmt, opts["output"], self.stdout, sheet="发现")
