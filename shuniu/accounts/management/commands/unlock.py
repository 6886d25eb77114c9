from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.accounts.login_security import login_unlock


class Command(BaseCommand):
    help = "解除登录锁定：按用户名和/或网络地址清除失败登录记录（记入审计日志）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default="", help="被锁定的用户名")
        parser.add_argument("--address", default="", help="被锁定的网络地址（IP）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["username"] and not opts["address"]:
            raise CommandError("请给出用户名或 --address（规则：须指明解除哪个锁定）")
        removed = login_unlock(actor=SystemActor("cli"), username=opts["username"], address=opts["address"])
        who = " ".join(x for x in (opts["username"], opts["address"]) if x)
        self.stdout.write(f"unlocked {who}: {removed} record(s) of failed logins removed")
