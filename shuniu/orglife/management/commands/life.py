"""``shuniu life``: the stored organizational-life figures (rule LIFE): rebuild them from the meeting
records, or check that what is stored equals a rebuild."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from shuniu.orglife import compliance


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = ("组织生活统计（规则 LIFE）：--rebuild 从会议记录重算各党组织的统计与汇总（只写有差异的行，并列出变化）；"
            "--check 核对已存统计与重算结果是否一致（不一致时以非零状态退出）。")

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="重算并写入有差异的统计")
        action.add_argument("--check", action="store_true", help="只核对，不写入；不一致时退出状态为 1")
        parser.add_argument("--year", type=int, action="append",
                            help="年度（可重复）；默认：已存的年度、有会议记录的年度与本年度")

    def _years(self, opts: dict[str, Any], *, check: bool) -> list[int]:
        this_year = compliance.today().year
        if opts["year"]:
            bad = [y for y in opts["year"] if not 1949 <= y <= this_year]
            if bad:
                raise CommandError(f"--year {bad[0]} 无效（规则：1949 至 {this_year} 年）")
            return sorted(set(opts["year"]))
        if check:
            return compliance.stored_years()
        return sorted({this_year, *compliance.stored_years(), *compliance.meeting_years()})

    def handle(self, *args: Any, **opts: Any) -> None:
        years = self._years(opts, check=opts["check"])
        if opts["check"]:
            self._check(years)
            return
        t0 = time.perf_counter()
        total = {"tallies": 0, "rollup": 0}
        for year in years:
            changed = compliance.rebuild([year])
            total = {k: total[k] + changed[k] for k in total}
            self.stdout.write(f"{year}: {changed['tallies']} tallies, {changed['rollup']} roll-up rows changed")
        self.stdout.write(f"rebuilt {len(years)} year(s) in {time.perf_counter() - t0:.1f}s: "
                          f"{total['tallies']} tallies, {total['rollup']} roll-up rows changed")

    def _check(self, years: list[int]) -> None:
        if not years:
            self.stdout.write("nothing stored yet: the first reader or `shuniu life --rebuild` computes the figures")
            return
        differing: list[str] = []
        try:
            # The rebuild runs in a transaction undone at the end: nothing is written.
            with transaction.atomic():
                for year in years:
                    changed = compliance.rebuild([year])
                    line = f"{year}: {changed['tallies']} tallies, {changed['rollup']} roll-up rows differ"
                    self.stdout.write(line)
                    if changed["tallies"] or changed["rollup"]:
                        differing.append(str(year))
                raise _Rollback
        except _Rollback:
            pass
        if differing:
            raise CommandError(f"stored figures differ from a rebuild for {', '.join(differing)}; "
                               "run `shuniu life --rebuild` (or let `shuniu scheduler` recompute a month that ended)")
        self.stdout.write(f"stored figures equal a rebuild for {len(years)} year(s)")
