from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.demo.models import ScenarioRun
from shuniu.demo.scenarios import SCENARIOS
from shuniu.demo.services import demo_users_ensure, scenario_generate


class Command(BaseCommand):
    help = "一键演示：迁移数据库、加载行政区划与演示场景、创建演示用户并启动服务。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", default="beijing-2016", choices=sorted(SCENARIOS))
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", verbosity=0)
        self.stdout.write("数据库已迁移 / migrated")
        call_command("loadregions", stdout=self.stdout)
        name = opts["scenario"]
        if ScenarioRun.objects.filter(name=name).exists():
            self.stdout.write(f"场景 {name} 已存在，跳过生成 / scenario already loaded")
        else:
            run = scenario_generate(actor=SystemActor("demo"), name=name)
            self.stdout.write(f"场景 {name}: " + ", ".join(f"{k} {v}" for k, v in run.counts.items())
                              + f"（{run.seconds:.1f} 秒）")
        self.stdout.write("\n演示用户 / demo users (passwords are new on every run):")
        for username, role, password in demo_users_ensure():
            self.stdout.write(f"  {username:<10} {role:<18} {password}")
        if opts["no_serve"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        addr = f"127.0.0.1:{opts['port']}"
        self.stdout.write(f"\n请在浏览器打开 / open http://{addr}/  (Ctrl+C 停止)")
        # Django's runserver serves static files only with DEBUG; --insecure keeps the demo usable
        # with DEBUG off (no stack traces to the browser). Production runs gunicorn (docs/deploy.md).
        call_command("runserver", addr, "--insecure", "--noreload")
