from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.accounts.models import Role
from shuniu.accounts.services import token_create, user_create


class Command(BaseCommand):
    help = "创建用户：角色与管辖范围（地区代码、hub:ID、party:ID 或 instructor:ID）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--scope", default="", help="地区代码、hub:ID、party:ID 或 instructor:ID")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--token", action="store_true", help="同时创建并打印接口令牌（仅显示一次）")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = sys.stdin.readline().rstrip("\n") if opts["password_stdin"] else None
        try:
            user, pw = user_create(actor=SystemActor("cli"), username=opts["username"], role=opts["role"], scope=opts["scope"],
                                   password=password, full_name=opts["name"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(f"created {user.username} ({user.role})")
        if password is None:
            self.stdout.write(f"password: {pw}")
        if opts["token"]:
            self.stdout.write(f"token: {token_create(actor=SystemActor('cli'), user=user)}")
