from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.scopes import Scope
from shuniu.cases.kinds import all_kinds, kind_of
from shuniu.cases.selectors import case_search
from shuniu.cases.services import today
from shuniu.core import output
from shuniu.regions.codes import InvalidRegionCode, parse

COLUMNS = [("id", "编号"), ("kind", "事项类别"), ("title", "标题"), ("state", "状态"), ("body", "审批党组织"),
           ("submitted_on", "提交日期"), ("due_on", "办理期限"), ("overdue", "已超期"), ("region", "地区代码")]


class Command(BaseCommand):
    help = "列出或导出事项（成立党组织申请、变更/撤销报告、换届选举等），例如 --overdue 列出超期未办的事项。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="地区代码（默认全国）")
        parser.add_argument("--kind", choices=sorted(all_kinds()), help="事项类别")
        parser.add_argument("--state", help="状态，例如 submitted、returned、approved")
        parser.add_argument("--overdue", action="store_true", help="只列超过办理期限仍待审批的事项")
        parser.add_argument("--format", choices=output.FORMATS, default="table")
        parser.add_argument("-o", "--output", help="输出文件（xlsx 必填）")

    def handle(self, *args: Any, **opts: Any) -> None:
        scope = Scope.everything()
        if opts["region"]:
            try:
                scope = Scope.of_region(parse(opts["region"]).short)
            except InvalidRegionCode as exc:
                raise CommandError(f"地区代码“{opts['region']}”格式不正确") from exc
        if opts["format"] == "xlsx" and not opts["output"]:
            raise CommandError("xlsx 格式须用 -o 指定输出文件")
        day = today()
        qs = case_search(scope, kind=opts["kind"] or "", state=opts["state"] or "", overdue=opts["overdue"], today=day)
        rows = [{"id": c.pk, "kind": str(kind_of(c.kind).label), "title": c.title,
                 "state": kind_of(c.kind).state_label(c.state), "body": c.body.name if c.body else "",
                 "submitted_on": c.submitted_on or "", "due_on": c.due_on or "",
                 "overdue": "是" if c.waiting_on == "body" and c.due_on and c.due_on < day else "",
                 "region": c.region_id} for c in qs.order_by("due_on", "id").iterator(chunk_size=2000)]
        output.write(rows, COLUMNS, opts["format"], opts["output"], self.stdout, sheet="事项")
