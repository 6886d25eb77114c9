"""Set-based writes for imports: reserve ids, insert and update many rows with one prepared statement.

Django's ``bulk_create`` prepares every value of every row through its field (and on SQLite splits
an insert into statements of 999 parameters, 32 rows of a social org): about 360 µs a row here,
three times the whole budget of an import. These helpers write the values the importer has already
validated and converted, with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL). They only run inside
the import's transaction: the whole batch commits or nothing does.

Ids are reserved before inserting so that the batch knows them without reading them back: from the
table's identity sequence on PostgreSQL (safe beside concurrent writers), after the largest id ever
used (``sqlite_sequence``, so a removed row's id is not reused) on SQLite, whose writes are serialized
by the transaction's write lock (settings: ``transaction_mode`` IMMEDIATE).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from shuniu.core.sql import max_params, select_in  # noqa: F401  (re-exported for the kinds)


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("bulk import writes must run inside the import's transaction")


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    _require_transaction()
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        top = cur.fetchone()[0] or 0
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cur.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
    return list(range(start, start + n))


def _sqlite_converters(fields: Sequence[models.Field[Any, Any]]) -> list[tuple[int, Callable[[Any], Any]]]:
    """Per-column conversions for sqlite3. Booleans need none (bool is an int); dates go through
    the adapter below, in C, rather than a Python call per cell."""
    _register_date_adapter()
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for idx, f in enumerate(fields):
        if isinstance(f, models.DateTimeField):
            out.append((idx, _Once(connection.ops.adapt_datetimefield_value)))
        elif isinstance(f, models.JSONField):
            out.append((idx, _json))
    return out


def _register_date_adapter() -> None:
    # What Django writes for a DateField on SQLite (ISO 8601), and what sqlite3's deprecated default
    # adapter did; registered for exactly ``date`` (datetime, a subclass, is looked up separately).
    import sqlite3

    sqlite3.register_adapter(dt.date, dt.date.isoformat)


class _Once:
    """A converter that remembers its last input: every row of a batch shares one timestamp."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.last: Any = object()
        self.out: Any = None

    def __call__(self, value: Any) -> Any:
        if value is not self.last:
            self.last, self.out = value, self.fn(value)
        return self.out


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[list[Any]]) -> int:
    """INSERT ``rows`` (lists of values in ``attnames`` order; ids included if reserved)."""
    _require_transaction()
    # get_field knows attnames ("region_id") too.
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(a)) for a in attnames]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    n = 0
    if connection.vendor == "postgresql":
        json_idx = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        connection.ensure_connection()
        with connection.connection.cursor() as raw, raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            pause_after = _pause_after()
            for row in rows:
                for i in json_idx:
                    row[i] = None if row[i] is None else _json(row[i])
                copy.write_row(row)
                n += 1
                if n == pause_after:
                    _pause(n)
        return n
    convert = _sqlite_converters(fields)
    batch: list[list[Any]] = []
    marks = ", ".join(["%s"] * len(fields))
    pause_after = _pause_after()
    with connection.cursor() as cur:
        for row in rows:
            for i, fn in convert:
                if row[i] is not None:
                    row[i] = fn(row[i])
            batch.append(row)
            if len(batch) >= 5000 or n + len(batch) == pause_after:
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                n += len(batch)
                batch = []
                if n == pause_after:
                    _pause(n)
        if batch:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
            n += len(batch)
    return n


def _pause_after() -> int | None:
    """Test hook: with SHUNIU_IMPORT_PAUSE_AFTER_ROWS=N an insert stops for a long time (or
    SHUNIU_IMPORT_PAUSE_SECONDS) once N rows of the table are written, inside the open transaction,
    after printing ``SHUNIU_IMPORT_PAUSED rows=N`` to stderr; the tests kill the process there to
    show that nothing of the batch remains. Never set in production."""
    value = os.environ.get("SHUNIU_IMPORT_PAUSE_AFTER_ROWS")
    return int(value) if value else None


def _pause(n: int) -> None:
    sys.stderr.write(f"SHUNIU_IMPORT_PAUSED rows={n}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("SHUNIU_IMPORT_PAUSE_SECONDS", "3600")))


def update_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[list[Any]]) -> int:
    """UPDATE the rows whose id is the last value of each row, setting ``attnames`` to the others."""
    _require_transaction()
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(a)) for a in attnames]
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in fields)
    convert = _sqlite_converters(fields) if connection.vendor == "sqlite" else []
    prepared = []
    for row in rows:
        for i, fn in convert:
            if row[i] is not None:
                row[i] = fn(row[i])
        if connection.vendor == "postgresql":
            for i, f in enumerate(fields):
                if isinstance(f, models.JSONField) and row[i] is not None:
                    row[i] = _json(row[i])
        prepared.append(row)
    with connection.cursor() as cur:
        for start in range(0, len(prepared), 5000):
            cur.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", prepared[start:start + 5000])
    return len(prepared)


def runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive ids as (first, count) runs."""
    out: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if out and out[-1][0] + out[-1][1] == pk:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((pk, 1))
    return out


def id_chunks(ids: Sequence[int], size: int = 900) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
