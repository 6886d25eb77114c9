from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shuniu.core import output
from shuniu.imports.selectors import batch_rows

COLUMNS = [("id", "批次"), ("kind", "类型"), ("status", "状态"), ("filename", "文件"), ("actor", "操作人"),
           ("committed_at", "导入时间"), ("created", "新增"), ("updated", "修改"), ("unchanged", "未变"),
           ("rolled_back_at", "撤销时间"), ("file_sha256", "SHA-256")]


class Command(BaseCommand):
    help = "列出导入批次（最近的在前）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind")
        parser.add_argument("--all", action="store_true", help="包括未导入的预览")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--format", choices=output.FORMATS, default="table")
        parser.add_argument("-o", "--output")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = batch_rows(kind=opts["kind"], include_previews=opts["all"], limit=opts["limit"])
        columns = COLUMNS if opts["format"] != "table" else COLUMNS[:-1]
        output.write(rows, columns, opts["format"], opts["output"], self.stdout)
