from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.scopes import Scope
from shuniu.core import output
from shuniu.coverage import engine
from shuniu.coverage.selectors import BY_CHOICES, coverage_rows
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region

COLUMNS = [
    ("region", "地区代码"), ("name", "名称"), ("population", "社会组织数"), ("own", "单独建立党组织"),
    ("joint", "联合党组织覆盖"), ("instructor", "指导员覆盖"), ("mass_org", "群团组织覆盖"), ("none", "未覆盖"),
    ("org_coverage_rate", "党的组织覆盖率"), ("work_coverage_rate", "党的工作覆盖率"),
    ("due_not_established", "应建未建"), ("members_full", "正式党员"), ("members_probationary", "预备党员"),
]


class Command(BaseCommand):
    help = "党的组织覆盖与工作覆盖统计：本地区一行，随后为下级地区（或按 --by 分组）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="地区代码（默认全国）")
        parser.add_argument("--by", choices=BY_CHOICES, default="level")
        parser.add_argument("--as-of", help="统计日期 YYYY-MM-DD（按历史记录重新计算）")
        parser.add_argument("--format", choices=output.FORMATS, default="table")
        parser.add_argument("--json", action="store_true", help="同 --format json")
        parser.add_argument("-o", "--output", help="输出文件（xlsx 必填）")
        parser.add_argument("--rebuild", action="store_true", help="先从头重算每个组织的覆盖状态与全部汇总")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["rebuild"]:
            t0 = time.perf_counter()
            n = engine.rebuild()
            self.stderr.write(f"rebuilt {n} rollup rows in {time.perf_counter() - t0:.1f}s")
        as_of = None
        if opts["as_of"]:
            try:
                as_of = dt.date.fromisoformat(opts["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of “{opts['as_of']}”不是有效日期（YYYY-MM-DD）") from exc
        fmt = "json" if opts["json"] else opts["format"]
        if fmt == "xlsx" and not opts["output"]:
            raise CommandError("xlsx 格式须用 -o 指定输出文件")
        try:
            rows = coverage_rows(Scope.everything(), opts["region"], by=opts["by"], as_of=as_of)
        except (InvalidRegionCode, Region.DoesNotExist) as exc:
            raise CommandError(f"地区代码“{opts['region']}”不存在（规则：须为现行行政区划代码）") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        columns = COLUMNS if opts["by"] == "level" else [("key", "分组"), *COLUMNS]
        output.write(rows, columns, fmt, opts["output"], self.stdout)
