from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.core.backup import BackupError, backup, summary_lines


class Command(BaseCommand):
    help = ("备份数据库：写一个 tar 归档（.tar.gz 则压缩），内含数据库副本和清单（时间、版本、迁移、各表行数、密钥指纹）。"
            "SQLite 在服务运行时也可备份；PostgreSQL 需要 pg_dump。见 docs/backup.md。")
    # Backing up a database whose keys were lost must still be possible: the command checks the keys
    # itself and says so, instead of the system check stopping it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="归档文件，如 shuniu-2025-01-31.tar.gz；不覆盖已有文件")
        parser.add_argument("--include-keys", action="store_true",
                            help="把密钥也写入归档（keys.env）；这样的归档必须像密钥本身一样保管")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = backup(opts["out"], using=opts["database"], include_keys=opts["include_keys"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(f"{result.path}")
        for line in summary_lines(result.manifest):
            self.stdout.write(f"  {line}")
