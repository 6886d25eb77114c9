from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuniu.core.backup import BackupError, read_manifest, restore, summary_lines


class Command(BaseCommand):
    help = ("从 shuniu backup 的归档恢复数据库：先核对清单和密钥，恢复后核对各表行数与密钥。"
            "目标数据库须为空，或加 --force 以备份替换其中的数据。见 docs/backup.md。")
    # The database being replaced may well fail the key check (that is often why one restores).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="shuniu backup 写出的归档文件")
        parser.add_argument("--force", action="store_true", help="目标数据库不是空的时，以备份替换其中的全部数据")
        parser.add_argument("--install-keys", action="store_true",
                            help="把归档中的密钥（备份时加了 --include-keys）写入 SHUNIU_VAR_DIR，原有密钥文件改名保留")
        parser.add_argument("--dry-run", action="store_true", help="只显示清单并核对版本与密钥，不恢复")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            manifest = read_manifest(opts["archive"])
            for line in summary_lines(manifest):
                self.stdout.write(line)
            result = restore(opts["archive"], using=opts["database"], force=opts["force"],
                             install_keys=opts["install_keys"], dry_run=opts["dry_run"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if opts["dry_run"]:
            self.stdout.write(_("核对通过：版本与密钥相符，可以恢复（未改动数据库）"))
            return
        self.stdout.write(_("已恢复：%(tables)s 张表、%(rows)s 行，与备份清单一致；密钥已核对")
                          % {"tables": result.tables, "rows": result.rows})
        for path in result.keys_installed:
            self.stdout.write(_("已写入密钥文件 %(path)s") % {"path": path})
        if result.unapplied:
            self.stdout.write(_("备份来自较早版本的 shuniu：请运行 shuniu migrate（%(n)s 个迁移未应用）")
                              % {"n": len(result.unapplied)})
