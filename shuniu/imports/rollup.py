"""Keeping the coverage engine true after a bulk write of social orgs.

The engine's ``Tracker`` reads each touched org and adds its contribution key by key in Python:
about 50 µs an org, more than an import's whole budget at 100,000 rows. Here the same
contributions are computed with one GROUP BY per chunk of ids (orgs that share a place, type,
industry, supervisory unit, hub, registration level and status contribute to the same rollup rows,
so the groups are few) and applied with the engine's ``apply_delta``. Statuses themselves are left
to ``engine.refresh_orgs``. The import tests compare the result with a full ``engine.rebuild()``.

Use: ``subtract(ids)`` before changing orgs, write, ``engine.refresh_orgs`` for the orgs whose status
inputs changed, ``add(ids)`` for the changed and created orgs, then ``apply()``; all in the
import's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from shuniu.coverage import engine
from shuniu.coverage.due import due_q
from shuniu.registry.models import OrgStatus, SocialOrg

_GROUP = [*engine.LEVEL_FIELDS, *engine.ORG_DIMENSIONS.values(), "coverage_status"]
GROUP = _GROUP  # the attributes an org's rollup contribution depends on (``add_groups``)
Groups = dict[tuple[Any, ...], list[int]]
_RUN = 50  # ids in a run at least this long are selected with BETWEEN, the others with IN


def _where(ids: list[int]) -> Iterator[Q]:
    """Filters covering ``ids``: contiguous runs (an import's new ids are one) as ranges."""
    ids = sorted(set(ids))
    singles: list[int] = []
    start = 0
    while start < len(ids):
        end = start
        while end + 1 < len(ids) and ids[end + 1] == ids[end] + 1:
            end += 1
        if end - start + 1 >= _RUN:
            yield Q(id__range=(ids[start], ids[end]))
        else:
            singles.extend(ids[start:end + 1])
        start = end + 1
    size = 20_000 if connection.vendor == "postgresql" else 900
    for i in range(0, len(singles), size):
        yield Q(id__in=singles[i:i + size])


class OrgRollupDelta:
    def __init__(self) -> None:
        self.delta: dict[engine.Key, dict[str, int]] = defaultdict(dict)

    def _contribute(self, ids: Iterable[int], sign: int) -> None:
        ids = list(ids)
        if not ids:
            return
        active = SocialOrg.objects.filter(status=OrgStatus.ACTIVE).order_by()
        aggregates = {"n": Count("pk"), "staff": Sum("full_time_staff"), "staff_members": Sum("members_on_staff"),
                      "due": Count("pk", filter=due_q())}
        groups: Groups = defaultdict(lambda: [0, 0, 0, 0])
        with connection.cursor() as cur:
            for where in _where(ids):
                # Compiled by the ORM (the "due" predicate is ``coverage.due``'s), fetched without
                # its per-value converters.
                sql, sql_params = active.filter(where).values_list(*_GROUP).annotate(**aggregates).values_list(
                    *_GROUP, *aggregates).query.sql_with_params()
                cur.execute(sql, sql_params)
                for row in cur.fetchall():
                    sums = groups[row[:len(_GROUP)]]
                    for i, v in enumerate(row[len(_GROUP):]):
                        sums[i] += v or 0
        self.add_groups(groups, sign)

    def add_groups(self, groups: Groups, sign: int = +1) -> None:
        """Add contributions already grouped: ``GROUP`` values → [orgs, full-time staff, members
        on staff, orgs due a party org of their own (``coverage.due``)], of active orgs (as
        ``_contribute`` selects)."""
        n_levels = len(engine.LEVEL_FIELDS)
        dims = list(engine.ORG_DIMENSIONS)
        for key_values, (n, staff, staff_members, due) in groups.items():
            status = key_values[-1]
            vec = {"population": n, status: n, "staff": staff, "staff_members": staff_members, "due": due}
            regions = ["", *(r for r in key_values[:n_levels] if r)]
            keys = [("region", "", r) for r in regions]
            for dim, value in zip(dims, key_values[n_levels:-1], strict=True):
                if value not in (None, ""):
                    keys.extend((dim, str(value), r) for r in regions)
            for key in keys:
                acc = self.delta[key]
                for col, v in vec.items():
                    acc[col] = acc.get(col, 0) + sign * v

    def subtract(self, ids: Iterable[int]) -> None:
        """Take off the current contribution of orgs about to change or be removed."""
        self._contribute(ids, -1)

    def add(self, ids: Iterable[int]) -> None:
        """Add the contribution of orgs as they are now (changed or just created)."""
        self._contribute(ids, +1)

    def apply(self) -> None:
        engine.apply_delta(self.delta)
        self.delta = defaultdict(dict)
