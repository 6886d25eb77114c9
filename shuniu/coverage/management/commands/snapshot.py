from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.coverage.services import snapshot_take


class Command(BaseCommand):
    help = "保存覆盖统计快照（默认今天；--as-of 按历史记录重算某日），供趋势图使用。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD")

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = None
        if opts["as_of"]:
            try:
                as_of = dt.date.fromisoformat(opts["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of “{opts['as_of']}”不是有效日期（YYYY-MM-DD）") from exc
        n = snapshot_take(actor=SystemActor("cli"), as_of=as_of)
        self.stdout.write(f"snapshot {as_of or 'today'}: {n} rows")
