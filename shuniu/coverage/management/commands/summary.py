from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.scopes import Scope
from shuniu.coverage.summary import summary
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.regions.models import Region


class Command(BaseCommand):
    help = "统计地区、社会组织、党组织、党员、指导员与枢纽型组织的数量。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="地区代码（2、4、6、9 或 12 位）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **opts: Any) -> None:
        code = opts["region"]
        if code:
            try:
                short = parse(code).short
            except InvalidRegionCode as exc:
                raise CommandError(f"地区代码“{code}”格式不正确（2、4、6、9 或 12 位数字）") from exc
            if not Region.objects.filter(code=short).exists():
                raise CommandError(f"地区代码“{code}”不存在（先运行 shuniu loadregions）")
        data = summary(Scope.everything(), code)
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for section, value in data.items():
            if isinstance(value, dict):
                flat = {k: v for k, v in value.items() if not isinstance(v, dict)}
                nested = {k: v for k, v in value.items() if isinstance(v, dict)}
                self.stdout.write(f"{section}: " + ", ".join(f"{k} {v}" for k, v in flat.items()))
                for k, v in nested.items():
                    self.stdout.write(f"  {k}: " + ", ".join(f"{a} {b}" for a, b in v.items()))
            else:
                self.stdout.write(f"{section}: {value}")
