"""Reading local rule settings: the value of a rule's parameter (or its on/off) for a region.

For a region the setting of its most specific prefix wins, parameter by parameter ("320404"
Zhonglou over "3204" Changzhou over "32" Jiangsu over "" the country), and the rule's declared
default applies where nothing is set. ``current()`` returns every setting at once (``Settings``),
so that code resolving many regions (an org list, a rollup, the rules over a province) asks the
database nothing per row; ``param`` / ``enabled`` / ``params`` are shortcuts for one region.

The settings are cached in the process. A write through ``services`` drops the cache when it
commits (and the writing transaction reads its own uncommitted settings without caching them, so a
rolled-back write leaves nothing behind); other processes see the change within
``_RECHECK_SECONDS``, when they next compare the table's row count and latest change with theirs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Max, Q

from shuniu.regions.codes import LEVEL_BY_LENGTH, PREFIX_FIELDS
from shuniu.rulesettings.declarations import ENABLED, declared

_LENGTHS = (12, 9, 6, 4, 2)
# How long a process trusts its cached settings before checking the table for another process's
# change: one small aggregate query at most this often.
_RECHECK_SECONDS = 1.0


def prefixes(region: str) -> list[str]:
    """The prefixes of a region code, most specific first, ending with "" (the whole country).
    A 12-digit code padded with zeros gives padded prefixes too, which no setting uses: harmless."""
    return [region[:n] for n in _LENGTHS if len(region) >= n] + [""]


def prefix_q(region: str, field_prefix: str = "") -> Q:
    """The rows (of any model with the prefix columns) placed in ``region`` ("" matches all)."""
    if not region:
        return Q()
    return Q(**{f"{field_prefix}{PREFIX_FIELDS[LEVEL_BY_LENGTH[len(region)]]}": region})


@dataclass(frozen=True)
class Resolved:
    value: Any
    region: str | None  # the prefix whose setting applies; None when it is the declared default
    source: str


@dataclass(frozen=True)
class Partition:
    """The part of the country where a rule has one configuration: under ``region`` but not under
    any of the more specific prefixes in ``excluded``, which have settings of their own."""

    region: str
    excluded: tuple[str, ...]
    enabled: bool
    params: dict[str, Any]

    def q(self, field_prefix: str = "") -> Q:
        q = prefix_q(self.region, field_prefix)
        for sub in self.excluded:
            q &= ~prefix_q(sub, field_prefix)
        return q


@dataclass(frozen=True)
class Row:
    rule_id: str
    name: str
    region: str
    value: Any
    source: str


class Settings:
    """Every setting as it stood when read; resolves any rule, parameter and region in memory."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows = sorted(rows, key=lambda r: (r.rule_id, r.name, r.region))
        self._by: dict[tuple[str, str], dict[str, Row]] = {}
        for row in self._rows:
            self._by.setdefault((row.rule_id, row.name), {})[row.region] = row

    def rows(self) -> list[Row]:
        return list(self._rows)

    def resolve(self, rule_id: str, name: str, region: str = "") -> Resolved:
        declaration = declared(rule_id)
        default = declaration.default(name)  # KeyError for an undeclared parameter
        found = self._by.get((rule_id, name))
        if found:
            for prefix in prefixes(region):
                row = found.get(prefix)
                if row is not None:
                    return Resolved(row.value, prefix, row.source)
        return Resolved(default, None, "")

    def value(self, rule_id: str, name: str, region: str = "") -> Any:
        return self.resolve(rule_id, name, region).value

    def enabled(self, rule_id: str, region: str = "") -> bool:
        return bool(self.value(rule_id, ENABLED, region))

    def params(self, rule_id: str, region: str = "") -> dict[str, Any]:
        return {name: self.value(rule_id, name, region) for name in declared(rule_id).defaults}

    def overrides(self, rule_id: str, name: str) -> dict[str, Any]:
        """Region prefix → value, where the parameter is set ("" if set for the whole country)."""
        declared(rule_id).default(name)
        return {region: row.value for region, row in self._by.get((rule_id, name), {}).items()}

    def regions(self, rule_id: str) -> set[str]:
        """The prefixes where anything of the rule is set."""
        return {region for (rid, _n), found in self._by.items() if rid == rule_id for region in found}

    def partitions(self, rule_id: str) -> list[Partition]:
        """The rule's configurations and where each applies, the whole country first. Evaluating
        the rule once per partition, over the rows of ``Partition.q()``, evaluates every row with
        the settings of its region."""
        regions = sorted(self.regions(rule_id) | {""}, key=lambda r: (len(r), r))
        return [Partition(region, tuple(r for r in regions if len(r) > len(region) and r.startswith(region)),
                          self.enabled(rule_id, region), self.params(rule_id, region))
                for region in regions]


# ---- the process cache -------------------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[Any, Settings] | None = None  # (the table's state when read, the settings)
_checked_at = 0.0
# Set on a connection by a write, to the transaction that made it (see ``_written``).
_WRITING = "_shuniu_rule_settings_writing"


def _load() -> Settings:
    from shuniu.rulesettings.models import RuleSetting

    return Settings(Row(*r) for r in RuleSetting.objects.order_by().values_list(
        "rule_id", "name", "region", "value", "source"))


def _table_state() -> tuple[int, Any]:
    from shuniu.rulesettings.models import RuleSetting

    state = RuleSetting.objects.order_by().aggregate(n=Count("pk"), at=Max("updated_at"))
    return state["n"], state["at"]


def _outer_transaction(conn: Any) -> Any:
    blocks = getattr(conn, "atomic_blocks", None)
    return blocks[0] if blocks else True


def forget() -> None:
    """Drop the process's cached settings (the next read loads them)."""
    global _cached
    with _lock:
        _cached = None


def _written() -> None:
    """Called by the services after writing settings, inside their transaction."""
    conn = connections[DEFAULT_DB_ALIAS]
    setattr(conn, _WRITING, _outer_transaction(conn))
    forget()

    def committed() -> None:
        setattr(conn, _WRITING, None)
        forget()

    transaction.on_commit(committed)


def current() -> Settings:
    """Every setting, from the process cache when it is known to be current."""
    global _cached, _checked_at
    conn = connections[DEFAULT_DB_ALIAS]
    writing = getattr(conn, _WRITING, None)
    if writing is not None:
        if conn.in_atomic_block and _outer_transaction(conn) is writing:
            return _load()  # this transaction changed settings: read them, keep nothing
        # The writing transaction ended without a commit (a commit clears the mark): rolled back.
        setattr(conn, _WRITING, None)
        forget()
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - _checked_at < _RECHECK_SECONDS:
        return cached[1]
    state = _table_state()  # before loading: a change committed in between is seen next time
    if cached is not None and cached[0] == state:
        _checked_at = now
        return cached[1]
    settings = _load()
    with _lock:
        _cached, _checked_at = (state, settings), now
    return settings


def param(rule_id: str, name: str, region: str = "") -> Any:
    return current().value(rule_id, name, region)


def enabled(rule_id: str, region: str = "") -> bool:
    return current().enabled(rule_id, region)


def params(rule_id: str, region: str = "") -> dict[str, Any]:
    return current().params(rule_id, region)
