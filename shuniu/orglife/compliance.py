"""Org-life compliance (rule LIFE, DOMAIN.md §6 F): one definition, stored figures kept by the
services, a rebuild, and figures as of any past date.

**The definition** (``org_figures``, one SQL query). For a year *Y* seen on a date *d* (today, or the
year's last day for a past year), the population is the party orgs established by *d* and not
dissolved by then. Each kind of meeting the settings require of a party org's kind has slots (the
months, quarters or the year; ``rules.slots``). A slot is

* *required* when it has ended by *d* (its last day ≤ *d*) and the party org existed on its first day;
  (for a past year *d* is its last day; the member review of a year, often held early the next year,
  counts up to the real date;)
* *held* when the party org recorded a meeting of that kind (alone or with other kinds) in it, by *d*;
* *counted* when required, or when held though not required (the current slot, or the slot in which
  the party org was set up): a meeting raises the rate the day it is recorded, and a slot not yet
  over never lowers it.

Per kind: counted (``exp_*``) and held (``held_*``); a party org's rate is Σheld ÷ Σcounted; it is
*complete* when it held every counted slot (and some were counted), *idle* when it existed through the
last ``idle_months`` calendar months (the current one included) and held nothing in them. Attendance
sums the meetings' expected and present members (``Meeting.expected_count``/``present_count``, counted
from the attendance rows when written: ``meeting_counts`` checks them); member-review results count by
grade. A roll-up sums these over the party orgs of a (dimension, key, region): region (its place),
type (its kind), industry and hub (each industry and hub of the social orgs it covers on *d*, and an
industry committee's own industry: a joint branch counts once for each of its orgs' industries and
hubs), at every region level and the country.

**Stored**: ``LifeTally`` (per party org and year) and ``LifeRollup`` (per dimension, key, region and
year), with ``LifeState`` holding the period each year was computed for (``period_key``): the current
year's figures move when a month ends (slots end, the idle window moves), so a write or the scheduler
that finds the key out of date recomputes the year first (``ensure_current``). Every write of
meetings, reviews and party orgs goes through ``track()`` (installed in ``core.derived``, so that the
party services keep these figures as they keep coverage): on leaving, the named party orgs' figures
are recomputed with ``org_figures`` and the difference from their stored tallies (under the keys
stored with them) is applied to the roll-up. ``rebuild()`` recomputes everything and writes only what
differs; a test checks that it changes nothing after any sequence of writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from shuniu.orglife.models import (
    KINDS,
    ROLLUP_FIELDS,
    TALLY_FIELDS,
    LifeRollup,
    LifeState,
    LifeTally,
    Meeting,
)
from shuniu.orglife.rules import APPLIES, RULE, slots
from shuniu.party.models import PartyOrg, PartyOrgCoverage, PartyOrgKind
from shuniu.party.terms import add_months
from shuniu.rulesettings.selectors import Partition, current

LEVELS = ["province_code", "city_code", "county_code", "street_code", "community_code"]
DIMENSIONS = ["region", "type", "industry", "hub"]
Key = tuple[str, str, str]  # (dimension, key, region)


def today() -> dt.date:
    return timezone.localdate()


def seen_on(year: int, day: dt.date | None = None) -> dt.date:
    """The date a year's stored figures are computed for: today, or the year's last day once it is over."""
    day = day or today()
    return min(day, dt.date(year, 12, 31))


def _last_day(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def period_key(day: dt.date) -> str:
    """What the figures seen on ``day`` depend on besides the records: the months ended by then
    (slots end on a month's last day) and the current month (the idle window)."""
    ended = day.month if _last_day(day) else day.month - 1
    return f"{day.year}:{ended}:{day.month}"


# ---- the definition ------------------------------------------------------------------------------

@dataclass
class OrgFigures:
    party_org_id: int
    region: str
    kind: str
    industries: str
    hubs: str
    levels: tuple[str, ...]  # the prefix codes of its place, province first ("" where none)
    counts: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    idle: bool = False

    def keys(self, year: int) -> list[Key]:
        return keys_of(self.region, self.kind, self.industries, self.hubs, self.levels)


def keys_of(region: str, kind: str, industries: str, hubs: str, levels: Iterable[str] | None = None) -> list[Key]:
    """The roll-up rows a party org adds to: each dimension's key at the country and every level of its place."""
    places = [""] + [code for code in (levels if levels is not None else _levels(region)) if code]
    dims: list[tuple[str, str]] = [("region", ""), ("type", kind)]
    dims += [("industry", code) for code in industries.split(",") if code]
    dims += [("hub", hub) for hub in hubs.split(",") if hub]
    return [(dim, key, place) for dim, key in dims for place in places]


def _levels(region: str) -> list[str]:
    from shuniu.regions.codes import parse

    prefixes = parse(region).prefixes()
    return [prefixes.get(level, "") or "" for level in LEVELS]


def _date(value: dt.date) -> str:
    return value.isoformat()


def _d() -> str:
    return "%s::date" if connection.vendor == "postgresql" else "%s"


def _slot_values(year: int, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """The VALUES rows (org kind, bit, kind, slot index, first day, last day) of the year's slots."""
    rows: list[str] = []
    args: list[Any] = []
    d = _d()
    for slot in slots(year, params):
        for org_kind in APPLIES[slot.kind]:
            rows.append(f"(%s, %s, %s, %s, {d}, {d})")
            args += [org_kind, slot.bit, slot.kind, slot.index, _date(slot.start), _date(slot.end)]
    if not rows:  # every kind off: a row that matches nothing keeps the SQL valid
        rows.append(f"(%s, %s, %s, %s, {d}, {d})")
        args += ["", 0, "", 0, _date(dt.date(year, 1, 1)), _date(dt.date(year, 1, 1))]
    return ", ".join(rows), args


def _population_sql(day: dt.date, where: str) -> str:
    d = _d()
    return (f"SELECT o.id, o.kind, o.established_on FROM party_partyorg o "
            f"WHERE o.established_on <= {d} AND (o.dissolved_on IS NULL OR o.dissolved_on > {d}) AND ({where})")


def _sql(year: int, day: dt.date, params: dict[str, Any], where: str) -> tuple[str, list[Any]]:
    """The one query: each party org of the population with its counts, flags and keys.

    How it is written, for SQLite's planner (the rows are those of the plain joins; PostgreSQL plans
    CROSS JOIN … WHERE as any join): ``req``, the slots required, takes the count per kind of party
    org and kind of meeting (``slc``) for the party orgs set up by the year's first day (every slot of
    the year starts after it) and joins the slots only for the others; ``hs``, the slots held, has one
    part per kind of party org, each reading a party org's meetings of the year once through
    ``meeting_org_day`` (CROSS JOIN fixes the order) and matching them to that kind's slots only (left
    to itself SQLite looped over all the slots and read each meeting once per slot containing it);
    ``rev`` reads the population's results through ``review_org_year`` instead of scanning every
    result of the year (130 ms for one party org, a service's refresh)."""
    d = _d()
    # Meetings and slots are the year's, seen on its last day once it is over; a review of the year may
    # be held early the next year, so reviews count up to the date itself.
    until, day = day, min(day, dt.date(year, 12, 31))
    values, value_args = _slot_values(year, params)
    idle_from = add_months(dt.date(day.year, day.month, 1), -(int(params["idle_months"]) - 1))
    kinds_sql = []
    for kind in KINDS:
        kinds_sql.append(f"COALESCE(SUM(CASE WHEN k.kind = '{kind}' THEN k.req + k.extra END), 0) AS exp_{kind}")
        kinds_sql.append(f"COALESCE(SUM(CASE WHEN k.kind = '{kind}' THEN k.held END), 0) AS held_{kind}")
    # The slots held, one part per kind of party org, each matching its meetings with its own slots.
    # (On PostgreSQL one part for all: its planner joins the slots by kind itself, and seven parts
    # would read the meetings seven times.)
    org_kinds = [str(k) for k in PartyOrgKind] if connection.vendor == "sqlite" else [""]
    by_kind = "".join(f"sl_{k} AS MATERIALIZED (SELECT * FROM sl WHERE org_kind = '{k}'),\n" for k in org_kinds if k)
    held = "\n  UNION ALL\n".join(f"""
  SELECT DISTINCT m.party_org_id AS org, sl.kind AS kind, sl.idx AS idx,
         CASE WHEN p.established_on <= sl.s AND sl.e <= {d} THEN 0 ELSE 1 END AS extra
  FROM pop p CROSS JOIN orglife_meeting m CROSS JOIN {f"sl_{k}" if k else "sl"} sl
  WHERE {f"p.kind = '{k}'" if k else "sl.org_kind = p.kind"} AND m.party_org_id = p.id AND (m.kinds & sl.bit) <> 0
    AND m.held_on >= sl.s AND m.held_on <= sl.e AND m.held_on >= {d} AND m.held_on <= {d}""" for k in org_kinds)
    sql = f"""
WITH sl(org_kind, bit, kind, idx, s, e) AS (VALUES {values}),
pop AS ({_population_sql(day, where)}),
slc AS MATERIALIZED (SELECT org_kind, kind, COUNT(*) AS n FROM sl WHERE sl.e <= {d} GROUP BY org_kind, kind),
req AS (
  SELECT p.id AS org, slc.kind AS kind, slc.n AS n FROM pop p JOIN slc ON slc.org_kind = p.kind
  WHERE p.established_on <= {d}
  UNION ALL
  SELECT p.id AS org, sl.kind AS kind, COUNT(*) AS n FROM pop p
  JOIN sl ON sl.org_kind = p.kind AND p.established_on <= sl.s AND sl.e <= {d}
  WHERE p.established_on > {d}
  GROUP BY p.id, sl.kind),
{by_kind}
hs AS ({held}),
k AS (
  SELECT org, kind, n AS req, 0 AS extra, 0 AS held FROM req
  UNION ALL
  SELECT org, kind, 0, SUM(extra), COUNT(*) FROM hs GROUP BY org, kind),
kk AS (SELECT k.org, {", ".join(kinds_sql)} FROM k GROUP BY k.org),
att AS (
  SELECT m.party_org_id AS org, SUM(m.expected_count) AS expected, SUM(m.present_count) AS present
  FROM orglife_meeting m JOIN pop p ON p.id = m.party_org_id
  WHERE m.held_on >= {d} AND m.held_on <= {d} GROUP BY m.party_org_id),
rev AS (
  SELECT r.party_org_id AS org,
    SUM(CASE WHEN r.grade = 'excellent' THEN 1 ELSE 0 END) AS rev_excellent,
    SUM(CASE WHEN r.grade = 'qualified' THEN 1 ELSE 0 END) AS rev_qualified,
    SUM(CASE WHEN r.grade = 'basic' THEN 1 ELSE 0 END) AS rev_basic,
    SUM(CASE WHEN r.grade = 'unqualified' THEN 1 ELSE 0 END) AS rev_unqualified
  FROM pop p CROSS JOIN orglife_reviewresult r
  WHERE r.party_org_id = p.id AND r.year = %s AND r.reviewed_on <= {d} GROUP BY r.party_org_id)
SELECT o.id, o.region_id, o.kind, COALESCE(o.industry_id, ''),
  o.province_code, o.city_code, o.county_code, o.street_code, o.community_code,
  {", ".join(f"COALESCE(kk.exp_{kind}, 0), COALESCE(kk.held_{kind}, 0)" for kind in KINDS)},
  COALESCE(att.expected, 0), COALESCE(att.present, 0),
  COALESCE(rev.rev_excellent, 0), COALESCE(rev.rev_qualified, 0), COALESCE(rev.rev_basic, 0),
  COALESCE(rev.rev_unqualified, 0),
  CASE WHEN o.established_on <= {d} AND NOT EXISTS (
    SELECT 1 FROM orglife_meeting i WHERE i.party_org_id = o.id AND i.held_on >= {d} AND i.held_on <= {d})
  THEN 1 ELSE 0 END
FROM pop JOIN party_partyorg o ON o.id = pop.id
LEFT JOIN kk ON kk.org = o.id LEFT JOIN att ON att.org = o.id LEFT JOIN rev ON rev.org = o.id
ORDER BY o.id"""
    start = _date(dt.date(year, 1, 1))
    args = [*value_args, _date(day), _date(day),  # pop
            _date(day), start, _date(day), start,  # slc, req (set up by the year's first day, or later)
            *[_date(day), start, _date(day)] * len(org_kinds),  # hs, for each kind of party org
            start, _date(day),  # att
            year, _date(until),  # rev
            _date(idle_from), _date(idle_from), _date(day)]  # idle
    return sql, args


def _lines(day: dt.date, where: str, where_args: list[Any]) -> dict[int, tuple[str, str]]:
    """Each party org's industries and hubs on ``day``: those of the social orgs it covers then, and an
    industry committee's own industry."""
    d = _d()
    sql = (f"SELECT c.party_org_id, s.industry_id, s.hub_id FROM party_partyorgcoverage c "
           f"JOIN registry_socialorg s ON s.id = c.org_id JOIN party_partyorg o ON o.id = c.party_org_id "
           f"WHERE c.started_on <= {d} AND (c.ended_on IS NULL OR c.ended_on > {d}) AND ({where}) "
           f"UNION SELECT o.id, o.industry_id, NULL FROM party_partyorg o WHERE o.industry_id IS NOT NULL AND ({where})")
    industries: dict[int, set[str]] = defaultdict(set)
    hubs: dict[int, set[int]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(sql, [_date(day), _date(day), *where_args, *where_args])
        for party_org_id, industry_id, hub_id in cursor.fetchall():
            if industry_id:
                industries[party_org_id].add(str(industry_id))
            if hub_id:
                hubs[party_org_id].add(int(hub_id))
    return {pk: (",".join(sorted(industries.get(pk, ()))), ",".join(str(h) for h in sorted(hubs.get(pk, ()))))
            for pk in set(industries) | set(hubs)}


def _where(party_org_ids: Iterable[int] | None, partition: Partition) -> tuple[str, list[Any]]:
    """The SQL condition on ``o`` (party_partyorg) for a partition of the settings and, optionally, some ids."""
    qs = PartyOrg.objects.filter(partition.q())
    if party_org_ids is not None:
        qs = qs.filter(pk__in=list(party_org_ids))
    inner, args = qs.values("id").query.sql_with_params()
    return f"o.id IN ({inner})", list(args)


def org_figures(year: int, day: dt.date, party_org_ids: Iterable[int] | None = None,
                region: str = "") -> Iterator[OrgFigures]:
    """Each party org's figures for ``year`` as of ``day`` (all, some ids, or those in ``region``); the
    year's slots and meetings are seen on ``day`` or the year's last day, whichever comes first."""
    ids = None if party_org_ids is None else sorted(set(party_org_ids))
    if ids is not None and not ids:
        return
    for partition in current().partitions(RULE):
        where, where_args = _where(ids, partition)
        if region:
            from shuniu.rulesettings.selectors import prefix_q

            inner, more = PartyOrg.objects.filter(prefix_q(region)).values("id").query.sql_with_params()
            where = f"{where} AND o.id IN ({inner})"
            where_args = [*where_args, *more]
        lines = _lines(day, where, where_args)
        sql, args = _sql(year, day, partition.params, where)
        # The partition's condition appears once, inside ``pop``: its arguments follow the values'.
        n_values = len(_slot_values(year, partition.params)[1])
        args = [*args[:n_values + 2], *where_args, *args[n_values + 2:]]
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            for row in cursor.fetchall():
                yield _figures(row, lines)


def _figures(row: tuple[Any, ...], lines: dict[int, tuple[str, str]]) -> OrgFigures:
    pk, region, kind = row[0], str(row[1]), row[2]
    industries, hubs = lines.get(pk, ("", ""))
    levels = tuple(str(code or "") for code in row[4:9])
    values = [int(v or 0) for v in row[9:9 + len(TALLY_FIELDS)]]
    idle = bool(row[9 + len(TALLY_FIELDS)])
    counts = dict(zip(TALLY_FIELDS, values, strict=True))
    exp = sum(counts[f"exp_{k}"] for k in KINDS)
    held = sum(counts[f"held_{k}"] for k in KINDS)
    return OrgFigures(pk, region, kind, industries, hubs, levels, counts,
                      complete=exp > 0 and held == exp, idle=idle)


def add_up(figures: Iterable[OrgFigures], year: int) -> dict[Key, dict[str, int]]:
    """The roll-up rows of some party orgs' figures: each party org's contribution added to each of its
    ``keys`` (the same rows as adding it at every key; summed level by level, so that a national
    rebuild adds each party org once per dimension key, not once per key and level)."""
    # Each party org's contribution, as a vector, summed per (dimension, key) and place (its levels).
    width = len(ROLLUP_FIELDS)
    names = ROLLUP_FIELDS[3:]
    finest: dict[tuple[tuple[str, str], tuple[str, ...]], list[int]] = {}
    for f in figures:
        counts = f.counts
        vector = [1, int(f.complete), int(f.idle), *(counts[name] for name in names)]
        # The party org's dimension keys: its keys at the country (``keys`` with no place).
        for dimension, key, _place in replace(f, levels=()).keys(year):
            at = ((dimension, key), tuple(f.levels))
            acc = finest.get(at)
            if acc is None:
                finest[at] = list(vector)
            else:
                for i in range(width):
                    acc[i] += vector[i]
    # Level by level, deepest first: a place's row is the sum of the party orgs whose level has its
    # code; then the level is dropped and the sums carried up, to the country.
    rows: dict[Key, list[int]] = {}
    current = finest
    for depth in range(len(LEVELS) - 1, -1, -1):
        upper: dict[tuple[tuple[str, str], tuple[str, ...]], list[int]] = {}
        for (dim_key, levels), vector in current.items():
            code = levels[depth] if depth < len(levels) else ""
            if code:
                row = rows.get((*dim_key, code))
                if row is None:
                    rows[(*dim_key, code)] = list(vector)
                else:
                    for i in range(width):
                        row[i] += vector[i]
            up = (dim_key, levels[:depth])
            acc = upper.get(up)
            if acc is None:
                upper[up] = list(vector)
            else:
                for i in range(width):
                    acc[i] += vector[i]
        current = upper
    for (dim_key, _levels), vector in current.items():
        rows[(*dim_key, "")] = vector
    return {key: dict(zip(ROLLUP_FIELDS, vector, strict=True)) for key, vector in rows.items()}


def _contribution(counts: dict[str, int], complete: bool, idle: bool) -> dict[str, int]:
    return {"orgs": 1, "complete": int(complete), "idle": int(idle), **counts}


def compute_rollup(year: int, day: dt.date | None = None, region: str = "") -> dict[Key, dict[str, int]]:
    """The roll-up of ``year`` as of ``day`` (default today, as stored), recomputed from the records."""
    return add_up(org_figures(year, day or today(), region=region), year)


# ---- stored figures ------------------------------------------------------------------------------

def stored_rollup(year: int) -> dict[Key, dict[str, int]]:
    out = {}
    for row in LifeRollup.objects.filter(year=year).values("dimension", "key", "region", *ROLLUP_FIELDS):
        counts = {name: row[name] for name in ROLLUP_FIELDS}
        if any(counts.values()):
            out[(row["dimension"], row["key"], row["region"])] = counts
    return out


def _tally_values(f: OrgFigures) -> dict[str, Any]:
    return {**f.counts, "complete": f.complete, "idle": f.idle, "region": f.region, "kind": f.kind,
            "industries": f.industries, "hubs": f.hubs}


def _stored_tallies(year: int, ids: list[int] | None) -> dict[int, LifeTally]:
    qs = LifeTally.objects.filter(year=year)
    if ids is not None:
        qs = qs.filter(party_org_id__in=ids)
    return {t.party_org_id: t for t in qs}


def _tally_figures(t: LifeTally) -> OrgFigures:
    return OrgFigures(t.party_org_id, t.region, t.kind, t.industries, t.hubs, tuple(_levels(t.region)),
                      {name: getattr(t, name) for name in TALLY_FIELDS}, t.complete, t.idle)


def _apply(year: int, delta: dict[Key, dict[str, int]]) -> None:
    for (dimension, key, region), values in delta.items():
        values = {k: v for k, v in values.items() if v}
        if not values:
            continue
        updated = LifeRollup.objects.filter(year=year, dimension=dimension, key=key, region=region).update(
            **{name: F(name) + value for name, value in values.items()})
        if not updated:
            LifeRollup.objects.create(year=year, dimension=dimension, key=key, region=region, **values)


def _subtract(a: dict[Key, dict[str, int]], b: dict[Key, dict[str, int]]) -> dict[Key, dict[str, int]]:
    out: dict[Key, dict[str, int]] = {}
    for key in set(a) | set(b):
        x, y = a.get(key, {}), b.get(key, {})
        out[key] = {name: x.get(name, 0) - y.get(name, 0) for name in ROLLUP_FIELDS}
    return out


def refresh(party_org_ids: Iterable[int], year: int) -> None:
    """Recompute some party orgs' figures of ``year`` and move the roll-up by the difference."""
    ids = sorted({pk for pk in party_org_ids if pk})
    if not ids:
        return
    new = {f.party_org_id: f for f in org_figures(year, today(), ids)}
    old = _stored_tallies(year, ids)
    changed_new = []
    changed_old = []
    for pk in ids:
        f, t = new.get(pk), old.get(pk)
        if t is not None and f is not None and all(getattr(t, k) == v for k, v in _tally_values(f).items()):
            continue
        if f is not None:
            changed_new.append(f)
            if t is None:
                LifeTally.objects.create(party_org_id=pk, year=year, **_tally_values(f))
            else:
                LifeTally.objects.filter(pk=t.pk).update(**_tally_values(f))
        if t is not None:
            changed_old.append(_tally_figures(t))
            if f is None:
                LifeTally.objects.filter(pk=t.pk).delete()
    if changed_new or changed_old:
        _apply(year, _subtract(add_up(changed_new, year), add_up(changed_old, year)))


def forget(party_org_ids: Iterable[int]) -> None:
    """Take some party orgs out of the stored figures (their tallies and their part of the roll-up),
    before rows they depend on are removed (an import's undo); ``refresh`` puts back those that remain."""
    ids = sorted(set(party_org_ids))
    if not ids:
        return
    for year in stored_years():
        old = [_tally_figures(t) for t in _stored_tallies(year, ids).values()]
        if old:
            _apply(year, _subtract({}, add_up(old, year)))
            LifeTally.objects.filter(year=year, party_org_id__in=ids).delete()


def stored_years() -> list[int]:
    return sorted(LifeState.objects.values_list("year", flat=True))


def _meeting_years() -> set[int]:
    years: set[int] = set()
    first = Meeting.objects.order_by("held_on").values_list("held_on", flat=True).first()
    if first is not None:
        years.update(range(first.year, today().year + 1))
    return years


@transaction.atomic
def rebuild(years: Iterable[int] | None = None) -> dict[str, int]:
    """Recompute every stored figure of ``years`` (default: every year with records, and this one)
    from the records; write only what differs. Returns how many tallies and roll-up rows changed."""
    wanted = sorted(set(years) if years is not None else ({today().year} | set(stored_years()) | _meeting_years()))
    changed = {"tallies": 0, "rollup": 0}
    for year in wanted:
        if year > today().year:
            continue
        day = seen_on(year)
        figures = list(org_figures(year, today()))
        # The stored tallies as plain rows (no model instance for the ones that do not change).
        names = [*TALLY_FIELDS, "complete", "idle", "region", "kind", "industries", "hubs"]
        stored = {row[1]: row for row in LifeTally.objects.filter(year=year).values_list("pk", "party_org_id", *names)}
        create, update = [], []
        for f in figures:
            values = _tally_values(f)
            t = stored.pop(f.party_org_id, None)
            if t is None:
                create.append(LifeTally(party_org_id=f.party_org_id, year=year, **values))
            elif any(old != values[name] for name, old in zip(names, t[2:], strict=True)):
                update.append(LifeTally(pk=t[0], party_org_id=f.party_org_id, year=year, **values))
        LifeTally.objects.bulk_create(create, batch_size=2000)
        LifeTally.objects.bulk_update(update, names, batch_size=2000)
        if stored:
            LifeTally.objects.filter(pk__in=[t[0] for t in stored.values()]).delete()
        changed["tallies"] += len(create) + len(update) + len(stored)
        changed["rollup"] += _write_rollup(year, add_up(figures, year))
        LifeState.objects.update_or_create(year=year, defaults={"period": period_key(day)})
    return changed


def _write_rollup(year: int, computed: dict[Key, dict[str, int]]) -> int:
    # The stored rows as plain tuples (pk, dimension, key, region, *ROLLUP_FIELDS).
    existing = {row[1:4]: row for row in LifeRollup.objects.filter(year=year).values_list(
        "pk", "dimension", "key", "region", *ROLLUP_FIELDS)}
    create, update = [], []
    for key, values in computed.items():
        row = existing.pop(key, None)
        if row is None:
            create.append(LifeRollup(year=year, dimension=key[0], key=key[1], region=key[2], **values))
        elif any(old != values.get(name, 0) for name, old in zip(ROLLUP_FIELDS, row[4:], strict=True)):
            update.append(LifeRollup(pk=row[0], year=year, dimension=key[0], key=key[1], region=key[2],
                                     **{name: values.get(name, 0) for name in ROLLUP_FIELDS}))
    LifeRollup.objects.bulk_create(create, batch_size=2000)
    LifeRollup.objects.bulk_update(update, ROLLUP_FIELDS, batch_size=2000)
    # Rows left over are no longer computed: those the tracker brought down to zeros are the same
    # figures (removed quietly), any other is a difference.
    gone = list(existing.values())
    LifeRollup.objects.filter(pk__in=[r[0] for r in gone]).delete()
    return len(create) + len(update) + sum(1 for r in gone if any(r[4:]))


def ensure_current() -> dict[str, int] | None:
    """Recompute the stored years whose period has moved on since they were computed (a month ended).
    Returns what ``rebuild`` changed, or None when every stored year was current."""
    states = dict(LifeState.objects.values_list("year", "period"))
    if not states:
        return rebuild()
    stale = [year for year, period in states.items() if period != period_key(seen_on(year))]
    if today().year not in states:
        stale.append(today().year)
    if stale:
        return rebuild(stale)
    return None


def scheduled_job() -> str | None:
    """``shuniu scheduler``'s round (``shuniu.core.scheduled``): bring the stored years up to date."""
    changed = ensure_current()
    if changed is None:
        return None
    return f"life figures recomputed: {changed['tallies']} tallies, {changed['rollup']} roll-up rows changed"


def meeting_years() -> list[int]:
    """Every year from the first recorded meeting to this one (what a full rebuild covers)."""
    return sorted(_meeting_years())


# ---- keeping the stored figures in step ----------------------------------------------------------

class LifeTracker:
    """Collects the party orgs (directly, or through the social orgs they cover) and the years a write
    touches; on leaving, ``refresh`` moves their tallies and the roll-up."""

    def __init__(self) -> None:
        self.party_orgs: set[int] = set()
        self.orgs: set[int] = set()
        self.years: set[int] = set()

    def touch(self, *, orgs: Iterable[int | None] = (), party_orgs: Iterable[int | None] = (),
              members: Iterable[int | None] = (), years: Iterable[int] = ()) -> None:
        # A write about members names their workplaces for coverage; their org life is not moved by
        # it (attendance is recorded with each meeting), so only writes about social orgs themselves
        # (a coverage link, a hub) bring in the party orgs that cover them.
        members = list(members)
        if not members:
            self.orgs.update(pk for pk in orgs if pk)
        self.party_orgs.update(pk for pk in party_orgs if pk)
        self.years.update(years)

    def created(self, *, orgs: Iterable[int] = (), party_orgs: Iterable[int] = (),
                members: Iterable[int] = ()) -> None:
        self.touch(orgs=orgs, party_orgs=party_orgs)

    def finish(self) -> None:
        ids = set(self.party_orgs)
        if self.orgs:
            ids.update(PartyOrgCoverage.objects.filter(org_id__in=self.orgs).values_list("party_org_id", flat=True))
        if not ids:
            return
        if not LifeState.objects.exists():
            # Nothing is stored yet: the first reader computes everything (``ensure_current``); a
            # meeting's write computes it now.
            if self.years:
                rebuild()
            return
        ensure_current()
        for year in sorted(set(stored_years()) | {y for y in self.years if y <= today().year}):
            if not LifeState.objects.filter(year=year).exists():
                rebuild([year])
                continue
            refresh(ids, year)


@contextmanager
def track() -> Iterator[LifeTracker]:
    with transaction.atomic():
        tracker = LifeTracker()
        yield tracker
        tracker.finish()


def on_settings_changed(sender: Any, *, changes: list[tuple[str, str, str]], **kwargs: Any) -> None:
    """``rulesettings.signals.settings_changed``: a change of the LIFE settings changes the slots, so
    the stored years are recomputed in the setting's transaction."""
    if any(rule_id == RULE for rule_id, _name, _region in changes) and LifeState.objects.exists():
        rebuild(stored_years())


# ---- checks --------------------------------------------------------------------------------------

def meeting_counts_wrong() -> list[int]:
    """Meetings whose stored expected/present counts differ from their attendance rows (none, always)."""
    from django.db.models import Count

    rows = Meeting.objects.annotate(e=Count("attendance"), p=Count("attendance", filter=Q(attendance__present=True)))
    return [m.pk for m in rows if m.e != m.expected_count or m.p != m.present_count]


__all__ = ["DIMENSIONS", "compute_rollup", "ensure_current", "forget", "org_figures", "period_key", "rebuild",
           "refresh", "stored_rollup", "track"]
