from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.imports.models import ImportBatch
from shuniu.imports.services import batch_rollback


class Command(BaseCommand):
    help = ("撤销一个已导入的批次：修改过的数据恢复原值；新增的数据删除（若已被其他数据引用则保留）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch_id", type=int)

    def handle(self, *args: Any, **opts: Any) -> None:
        batch = ImportBatch.objects.filter(pk=opts["batch_id"]).first()
        if batch is None:
            raise CommandError(f"批次 #{opts['batch_id']} 不存在")
        try:
            batch = batch_rollback(actor=SystemActor("cli"), batch=batch)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        c = batch.counts
        self.stdout.write(f"batch #{batch.pk} rolled back: {c.get('restored', 0)} restored, "
                          f"{c.get('removed', 0)} removed, {c.get('kept', 0)} kept (referenced by other records)")
