from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.imports.kinds import KINDS
from shuniu.imports.services import UnknownKind, kind_get
from shuniu.imports.spreadsheets import write_template


class Command(BaseCommand):
    help = "生成导入模板（xlsx）：中文列名、示例行、可选值下拉列表与填写说明。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"导入类型：{'、'.join(KINDS)}")
        parser.add_argument("-o", "--output", required=True, help="输出文件（.xlsx）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            kind = kind_get(opts["kind"])
        except UnknownKind as exc:
            raise CommandError(str(exc)) from exc
        write_template(kind, opts["output"])
        self.stdout.write(f"{opts['output']}: {kind.label}模板，{len(kind.columns)} 列")
