from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.imports.kinds import KINDS
from shuniu.imports.readers import UnreadableFile
from shuniu.imports.services import UnknownKind, import_file
from shuniu.imports.spreadsheets import write_annotated

SHOW_ERRORS = 20


class Command(BaseCommand):
    help = ("导入表格（xlsx、xls、csv）：逐行校验，全部正确才写入（一个事务，全有或全无）。"
            "退出码：已导入，或 --dry-run 且文件无误时为 0；否则非 0。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"导入类型：{'、'.join(KINDS)}")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--errors", metavar="OUT.xlsx", help="把文件连同错误标注写到此处（有错误时）")
        parser.add_argument("--mapping", metavar="FILE.json", help="列对应关系：{\"字段\": \"文件中的列名\"}")
        parser.add_argument("--save-mapping", metavar="FILE.json", help="把本次识别出的列对应关系写到此处")

    def handle(self, *args: Any, **opts: Any) -> None:
        mapping = None
        if opts["mapping"]:
            try:
                mapping = json.loads(Path(opts["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取列对应关系 {opts['mapping']}：{exc}") from exc
            if not isinstance(mapping, dict):
                raise CommandError("列对应关系须为 JSON 对象：{\"字段\": \"列名\"}")
        t0 = time.perf_counter()
        try:
            preview, batch = import_file(actor=SystemActor("cli"), kind=opts["kind"], path=opts["file"], mapping=mapping,
                                         dry_run=opts["dry_run"])
        except (UnknownKind, UnreadableFile, PermissionDenied, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:  # a conflict with a concurrent write: nothing was imported
            raise CommandError("; ".join(exc.messages), returncode=1) from exc
        if opts["save_mapping"]:
            Path(opts["save_mapping"]).write_text(json.dumps(preview.header.headers, ensure_ascii=False, indent=2),
                                                  encoding="utf-8")
        if preview.header.ignored:
            self.stderr.write(f"未识别的列（已忽略）：{'、'.join(preview.header.ignored)}")
        if not preview.ok:
            self._report_errors(preview, opts)
            raise CommandError(f"{len(preview.errors)} 处错误（{preview.counts()['error_rows']} 行），未导入任何数据",
                               returncode=1)
        counts = preview.counts()
        if batch is None:  # a dry run of a clean file
            self.stdout.write(self._counts_line(counts, "dry run: would have ") + f" in {time.perf_counter() - t0:.1f}s")
            return
        self.stdout.write(f"batch #{batch.pk}: " + self._counts_line(batch.counts, "")
                          + f" in {time.perf_counter() - t0:.1f}s")

    @staticmethod
    def _counts_line(counts: dict[str, int], prefix: str) -> str:
        line = (f"{prefix}{counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged")
        if counts.get("skipped"):
            line += f", {counts['skipped']} skipped (example rows)"
        return line

    def _report_errors(self, preview: Any, opts: dict[str, Any]) -> None:
        errors = preview.errors
        for e in errors[:SHOW_ERRORS]:
            self.stderr.write(f"row {e.row}, column {e.column or '-'}, rule {e.code}: {e.message}")
        if len(errors) > SHOW_ERRORS:
            self.stderr.write(f"... {len(errors) - SHOW_ERRORS} more")
        if opts["errors"]:
            write_annotated(preview, opts["errors"])
            self.stderr.write(f"annotated file: {opts['errors']}")
