from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from shuniu.cases.services import send_digests


class Command(BaseCommand):
    help = ("按日发送待办摘要邮件（每位有邮箱的用户：待办事项与提醒的数量和最紧急的 10 项）。"
            "默认不启用：设 SHUNIU_DIGEST=1 并配置 Django 的邮件设置（EMAIL_HOST 等），再由 cron 每日运行。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出将发送给谁，不发送")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.SHUNIU_DIGEST and not opts["dry_run"]:
            self.stdout.write("待办摘要邮件未启用（SHUNIU_DIGEST=1 启用）")
            return
        sent = send_digests(dry_run=opts["dry_run"])
        for username, count in sent:
            self.stdout.write(f"{username}\t{count}")
        self.stdout.write(f"{'将发送' if opts['dry_run'] else '已发送'} {len(sent)} 封")
