"""Plain SQL helpers for set-based reads of many keys (imports look up 100,000 codes at once), and
the one-row read of a unique key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import QuerySet

T = TypeVar("T")


def max_params() -> int:
    """How many parameters one statement may carry (SQLite's compiled limit; psycopg sends arrays)."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return max(100, min(limit, 30_000) - 10)
    return 50_000


def select_in(sql: str, column: str, values: Sequence[Any], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` (with a ``{where}`` placeholder) for ``values`` of ``column``, in as few statements
    as the database allows: ``column = ANY(array)`` on PostgreSQL (one parameter, planned once),
    ``IN (...)`` on SQLite."""
    out: list[tuple[Any, ...]] = []
    values = list(values)
    size = max_params() - len(params)
    with connection.cursor() as cur:
        for start in range(0, len(values), size):
            chunk = values[start:start + size]
            if connection.vendor == "postgresql":
                cur.execute(sql.format(where=f"{column} = ANY(%s)"), [*params, chunk])
            else:
                cur.execute(sql.format(where=f"{column} IN ({', '.join(['%s'] * len(chunk))})"), [*params, *chunk])
            out.extend(cur.fetchall())
    return out


def unique_row(qs: QuerySet[Any, T]) -> T | None:
    """The row of a query on a unique key (or None): ``[:1]`` rather than ``first()``, whose
    ORDER BY is compiled for nothing (the API pays it on every request: token, org, rollup row)."""
    return next(iter(qs[:1]), None)
