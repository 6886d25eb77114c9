"""Set-based writes for imports: reserve ids, insert and update many rows with one prepared statement.

Django's ``bulk_create`` prepares every value of every row through its field (and on SQLite splits
an insert into statements of 999 parameters, 32 rows of a social org): about 360 µs a row here,
three times the whole budget of an import. These helpers write the values the importer has already
validated and converted, with ``COPY`` (PostgreSQL) or multi-row INSERTs from a writer thread
(SQLite; ``executemany`` for updates). They only run inside the import's transaction: the whole
batch commits or nothing does.

Ids are reserved before inserting so that the batch knows them without reading them back: from the
table's identity sequence on PostgreSQL (safe beside concurrent writers), after the largest id ever
used (``sqlite_sequence``, so a removed row's id is not reused) on SQLite, whose writes are serialized
by the transaction's write lock (settings: ``transaction_mode`` IMMEDIATE).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from shuniu.core.sql import max_params, select_in  # noqa: F401  (select_in re-exported for the kinds)


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
        # The raw cursor's errors as Django's (a conflicting writer's unique violation is an IntegrityError).
        with connection.wrap_database_errors, connection.connection.cursor() as raw, \
                raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            pause_after = _pause_after()
            for row in rows:
                for i in json_idx:
                    row[i] = None if row[i] is None else _json(row[i])
                copy.write_row(row)
                n += 1
                if n == pause_after:
                    _pause(n)
        return n
    return _sqlite_insert(table, cols, fields, rows)


def _sqlite_insert(table: str, cols: str, fields: Sequence[models.Field[Any, Any]], rows: Iterable[list[Any]]) -> int:
    """SQLite: multi-row INSERTs of as many rows as a statement's parameters allow (about 1,000
    of a social org), run by a writer thread on the same connection, inside the caller's
    transaction; this thread (the import's) waits for the writer before returning.

    sqlite3 releases the GIL while SQLite executes a statement, but takes it back to bind the next
    row: with ``executemany`` on a writer thread, each row waited for the checking thread to hand
    over the GIL (up to a switch interval, 5 ms) and the import became twice as slow. One statement
    of 1,000 rows binds them all at once, then inserts and indexes them without the GIL: SQLite
    works on the second core while the import checks the next rows (2 s of 100,000 orgs'
    inserts, see docs/benchmarks.md). Even without a free core, one statement of 1,000 rows costs
    less than 1,000 executions of one.
    """
    convert = _sqlite_converters(fields)
    width = len(fields)
    per = max(1, max_params() // width)
    pause_after = _pause_after()
    writer = _SqliteWriter(f"INSERT INTO {table} ({cols}) VALUES ", width, pause_after)
    flat: list[Any] = []
    n = k = 0
    try:
        for row in rows:
            for i, fn in convert:
                if row[i] is not None:
                    row[i] = fn(row[i])
            flat += row
            k += 1
            if k == per or n + k == pause_after:
                writer.put(k, flat)
                n += k
                k, flat = 0, []
        if k:
            writer.put(k, flat)
            n += k
    except BaseException:
        writer.close(raise_error=False)
        raise
    writer.close()
    return n


class _SqliteWriter:
    """Runs the INSERT of each batch ``put`` on a thread of its own, in order, on the caller's
    connection (sqlite3's connections may be shared between threads; nothing else uses this one
    meanwhile). Its errors are raised by the next ``put`` or by ``close``, as Django's exceptions."""

    def __init__(self, insert: str, width: int, pause_after: int | None) -> None:
        self.conn = connection.connection
        self.insert, self.width, self.pause_after = insert, width, pause_after
        self.sql: dict[int, str] = {}
        self.written = 0
        self.error: BaseException | None = None
        # Two batches in flight at most: the rows wait here, not in memory without bound.
        self.queue: queue.Queue[tuple[int, list[Any]] | None] = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="shuniu-import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with closing(self.conn.cursor()) as cur:
            while (item := self.queue.get()) is not None:
                if self.error is not None:
                    continue  # drain: the caller raises it
                k, params = item
                try:
                    sql = self.sql.get(k)
                    if sql is None:
                        marks = "(" + ", ".join(["?"] * self.width) + ")"
                        sql = self.sql[k] = self.insert + ", ".join([marks] * k)
                    cur.execute(sql, params)
                except BaseException as exc:
                    self.error = exc
                    continue
                self.written += k
                if self.written == self.pause_after:
                    _pause(self.written)

    def put(self, k: int, params: list[Any]) -> None:
        if self.error is not None:
            self._raise()
        self.queue.put((k, params))

    def close(self, raise_error: bool = True) -> None:
        """Wait until the batches put so far are written (or abandoned after an error)."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and raise_error:
            self._raise()

    def _raise(self) -> None:
        error, self.error = self.error, None
        assert error is not None
        with connection.wrap_database_errors:  # sqlite3's errors as Django's (IntegrityError...)
            raise error


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
