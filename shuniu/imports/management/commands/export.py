from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shuniu.accounts.actors import SystemActor
from shuniu.accounts.models import User
from shuniu.accounts.scopes import Scope
from shuniu.audit.services import record_export
from shuniu.imports.selectors import EXPORT_KINDS, STATISTICS_KINDS, export_table
from shuniu.imports.spreadsheets import write_export
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region


class Command(BaseCommand):
    help = "导出清单或统计表（xlsx、csv）：社会组织、党组织、党员（个人信息脱敏）、指导员、覆盖统计表、组织生活统计表。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=EXPORT_KINDS)
        parser.add_argument("--region", help="地区代码（默认：全部，或该用户的管辖范围）")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--user", help="按该用户的管辖范围导出（默认不限）")

    def handle(self, *args: Any, **opts: Any) -> None:
        scope = Scope.everything()
        actor: User | SystemActor = SystemActor("cli")
        if opts["user"]:
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"用户“{opts['user']}”不存在")
            if not user.is_active:
                raise CommandError(f"用户“{opts['user']}”已停用")
            scope, actor = Scope.for_user(user), user
        try:
            rows, columns, title = export_table(opts["kind"], scope, opts["region"])
        except (InvalidRegionCode, Region.DoesNotExist) as exc:
            raise CommandError(f"地区代码“{opts['region']}”不存在（规则：须为现行行政区划代码）") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        statistics = opts["kind"] in STATISTICS_KINDS
        note = f"统计日期：{timezone.localdate():%Y-%m-%d}" if statistics else ""
        write_export(rows, columns, opts["format"], opts["output"], title=title, totals=statistics,
                     note=note)
        record_export(actor=actor, kind=opts["kind"], fmt=opts["format"], scope=scope, rows=len(rows),
                      region=opts["region"], via="cli")
        self.stdout.write(f"{opts['output']}: {len(rows)} rows")
