from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.core import scheduled
from shuniu.coverage import engine
from shuniu.coverage.services import snapshot_due, snapshot_take


class Command(BaseCommand):
    help = ("定时任务：每月月末覆盖统计快照（缺哪个月补哪个月），以及各应用登记的任务（如月末重算组织生活统计）。"
            "--once 检查一次后退出（适合 cron）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=int, default=3600, help="检查间隔（秒）")

    def handle(self, *args: Any, **opts: Any) -> None:
        while True:
            due = snapshot_due(engine.today())
            if due is not None:
                n = snapshot_take(actor=SystemActor("scheduler"), as_of=due)
                self.stdout.write(f"snapshot {due}: {n} rows")
            # The jobs of the apps above coverage (shuniu.core.scheduled), e.g. org life's month ends.
            for name, line in scheduled.run_all():
                self.stdout.write(f"{name}: {line}")
            if opts["once"]:
                return
            time.sleep(opts["interval"])
