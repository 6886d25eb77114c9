from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.imports.jobs import queue_name, worker_run


class Command(BaseCommand):
    help = "运行后台任务（导入提交）的 Redis 队列工作进程；需设置 REDIS_URL。未设置时任务在 Web 进程内运行，无需本命令。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="队列为空时退出")
        parser.add_argument("--no-fork", action="store_true", help="在本进程内运行任务（默认每个任务在子进程中运行）")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(f"shuniu worker: queue {queue_name()}")
        try:
            worker_run(burst=opts["burst"], fork=not opts["no_fork"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
