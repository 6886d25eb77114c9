"""Bulk row writer for the scenario generator: COPY on PostgreSQL, executemany on SQLite.

Ids are assigned here (continuing after the table's current maximum) so that rows of one table can
reference rows of another before anything is flushed; PostgreSQL's identity sequences are moved
past them at the end. Values are given by attname; fields not given take their model default.
Only for generated data: it bypasses validation and the audit log (the generator records one
audit entry for the whole run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

NOT_PROVIDED = models.fields.NOT_PROVIDED


class BulkWriter:
    def __init__(self, model: type[models.Model], *, batch: int = 20_000) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.attnames = [f.attname for f in self.fields]
        self.table = model._meta.db_table
        self.batch = batch
        now = timezone.now()
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.attname in ("created_at", "updated_at"):
                self.defaults[f.attname] = now
            elif f.default is not NOT_PROVIDED:
                self.defaults[f.attname] = f.get_default()
            elif isinstance(f, models.CharField | models.TextField) and not f.null:
                self.defaults[f.attname] = ""
            else:
                self.defaults[f.attname] = None
        pk = model._meta.pk
        self.auto_pk = isinstance(pk, models.AutoField)
        self.next_id = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 if self.auto_pk else 0
        self.rows: list[list[Any]] = []
        self.written = 0
        self.vendor = connection.vendor

    def reserve_id(self) -> int:
        """An id for a row to be added later (e.g. one whose path contains its own id)."""
        self.next_id += 1
        return self.next_id - 1

    def add(self, **values: Any) -> Any:
        if self.auto_pk and "id" not in values:
            values["id"] = self.next_id
            self.next_id += 1
        d = self.defaults
        self.rows.append([values[a] if a in values else d[a] for a in self.attnames])
        if len(self.rows) >= self.batch:
            self.flush()
        return values.get("id", values.get(self.model._meta.pk.attname))

    def _sqlite_rows(self) -> list[list[Any]]:
        """Convert only the columns that need it (dates, booleans) for sqlite3's executemany."""
        convert: list[tuple[int, Callable[[Any], Any]]] = []
        for idx, f in enumerate(self.fields):
            if isinstance(f, models.BooleanField):
                convert.append((idx, int))
            elif isinstance(f, models.DateTimeField):
                convert.append((idx, lambda v: v.isoformat(sep=" ")))
            elif isinstance(f, models.DateField):
                convert.append((idx, dt.date.isoformat))
        for row in self.rows:
            for idx, fn in convert:
                v = row[idx]
                if v is not None:
                    row[idx] = fn(v)
        return self.rows

    def flush(self) -> None:
        if not self.rows:
            return
        cols = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in self.fields)
        if self.vendor == "postgresql":
            with connection.connection.cursor() as cur, cur.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.fields))
            with connection.cursor() as cur:
                cur.executemany(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", self._sqlite_rows())
        self.written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.vendor == "postgresql" and self.auto_pk:
            with connection.cursor() as cur:
                for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                    cur.execute(sql)
