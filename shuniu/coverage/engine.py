"""The coverage engine: each org's stored status, and the rollup table kept in step with it.

Live figures come from two stored, derived things, both kept true by the services:

* on each ``SocialOrg``: ``coverage_status`` (DOMAIN.md §4, as of today), ``full_members`` and
  ``members_on_staff`` (current party members among its staff);
* ``Rollup``: counts per (dimension, key, region) for every region level and the whole country.

A service that changes anything these depend on opens ``track()`` and names the rows it touches
*before* changing them; on leaving, the engine recomputes those orgs' statuses and applies to the
rollup the difference between the rows' contributions after and before. ``rebuild()`` recomputes
everything from the dated facts; the two must agree exactly (a hypothesis test checks it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import add
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from shuniu.core import derived
from shuniu.coverage import due as due_module
from shuniu.coverage.due import Thresholds, due_q, thresholds
from shuniu.coverage.models import COUNT_FIELDS, Rollup
from shuniu.party.models import (
    InstructorAssignment,
    MemberStatus,
    PartyMember,
    PartyOrg,
    PartyOrgCoverage,
    own_party_q,
)
from shuniu.registry.models import CoverageStatus, SocialOrg

LEVEL_FIELDS = ["province_code", "city_code", "county_code", "street_code", "community_code"]
# Dimension → the SocialOrg attribute holding its key.
ORG_DIMENSIONS = {
    "type": "type",
    "industry": "industry_id",
    "hub": "hub_id",
    "supervisory": "supervisory_unit_id",
    "registration": "registration_level",
}
PARTY_KINDS = ["committee", "general_branch", "branch", "joint_branch", "temporary_branch", "industry_committee",
               "comprehensive_committee"]
OWN_PARTY = own_party_q("party_org__")

Key = tuple[str, str, str]  # (dimension, key, region)


def today() -> dt.date:
    return timezone.localdate()


# ---- per-org status ----------------------------------------------------------------------------
#
# DOMAIN.md §4 as data (``status_definition``): each status but the last, in order, with the fact
# that shows it. Two forms are generated from it: ``status_expression``, a CASE of correlated
# EXISTS for any queryset and any date (figures as of a past date, drill-downs), and ``_refresh``,
# which computes the stored statuses of today by joining each fact table once (at national scale
# on PostgreSQL the correlated form took 40 s longer). A test compares the two on every org.

LINK, ASSIGNMENT, ORG = "link", "assignment", "org"


def _active(as_of: dt.date) -> Q:
    return Q(started_on__lte=as_of) & (Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))


def _link_active(as_of: dt.date) -> Q:
    return (_active(as_of) & Q(party_org__established_on__lte=as_of)
            & (Q(party_org__dissolved_on__isnull=True) | Q(party_org__dissolved_on__gt=as_of)))


def _mass_org(as_of: dt.date) -> Q:
    return (Q(has_trade_union=True) & (Q(trade_union_on__isnull=True) | Q(trade_union_on__lte=as_of))) | (
        Q(has_youth_league=True) & (Q(youth_league_on__isnull=True) | Q(youth_league_on__lte=as_of)))


def _facts(as_of: dt.date) -> dict[str, QuerySet[Any]]:
    """The dated facts a status can rest on, each row naming its org (``org_id``)."""
    return {LINK: PartyOrgCoverage.objects.filter(_link_active(as_of)),
            ASSIGNMENT: InstructorAssignment.objects.filter(_active(as_of))}


def status_definition(as_of: dt.date) -> list[tuple[CoverageStatus, str, Q]]:
    """(status, fact, condition), first that applies; an org with none of them is ``none``.
    ``LINK``: it has an active coverage link meeting the condition; ``ASSIGNMENT``: an active
    instructor assignment; ``ORG``: its own row meets the condition."""
    return [
        (CoverageStatus.OWN, LINK, OWN_PARTY),
        (CoverageStatus.JOINT, LINK, ~OWN_PARTY),
        (CoverageStatus.INSTRUCTOR, ASSIGNMENT, Q()),
        (CoverageStatus.MASS_ORG, ORG, _mass_org(as_of)),
    ]


def status_expression(as_of: dt.date) -> Case:
    """SQL CASE giving an org's status on ``as_of`` from the dated facts (first that applies)."""
    facts = _facts(as_of)
    whens = []
    for status, fact, condition in status_definition(as_of):
        test = condition if fact == ORG else Exists(facts[fact].filter(condition, org=OuterRef("pk")))
        whens.append(When(test, then=Value(status.value)))
    return Case(*whens, default=Value(CoverageStatus.NONE.value))


def refresh_orgs(org_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored status and member counts of the given orgs (all when None), as of today.

    Only rows whose values change are written: on PostgreSQL every written row costs a new row
    version and an entry in each of the table's indexes, which made a full rebuild write-bound.
    """
    if org_ids is None:
        return _refresh(None)
    ids = list(org_ids)
    changed = _refresh(ids)
    if ids:
        derived.orgs_refreshed.send(sender=refresh_orgs, org_ids=frozenset(ids))
    return changed


def _flag(condition: Q) -> Case | Value:
    return Case(When(condition, then=Value(1)), default=Value(0)) if condition else Value(1)


def _sql(qs: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _refresh(ids: list[int] | None) -> int:
    """Every (or each of ``ids``) org's status and member counts by one UPDATE that joins each fact
    table once, generated from ``status_definition``: a CTE per fact with one 0/1 column per
    status resting on it, the org's own conditions as 0/1 columns of the org rows, then the CASE."""
    day = today()
    facts = _facts(day)
    members = PartyMember.objects.filter(ended_on__isnull=True, workplace__isnull=False)
    orgs: QuerySet[SocialOrg] = SocialOrg.objects.all()
    if ids is not None:
        if not ids:
            return 0
        facts = {name: qs.filter(org_id__in=ids) for name, qs in facts.items()}
        members = members.filter(workplace_id__in=ids)
        orgs = orgs.filter(pk__in=ids)
    columns: dict[str, dict[str, Any]] = {LINK: {}, ASSIGNMENT: {}, ORG: {}}
    whens = []
    for i, (status, fact, condition) in enumerate(status_definition(day)):
        col = f"s{i}"
        columns[fact][col] = _flag(condition) if fact == ORG else Max(_flag(condition))
        assert status.value.isidentifier()  # written into the statement as a literal
        whens.append(f"WHEN {'o' if fact == ORG else 'f_' + fact}.{col} = 1 THEN '{status.value}'")
    parts = [(f"f_{fact}", _sql(facts[fact].order_by().values("org_id").annotate(**columns[fact])))
             for fact in (LINK, ASSIGNMENT) if columns[fact]]
    parts.append(("f_staff", _sql(members.order_by().values("workplace_id").annotate(
        n=Count("pk"), n_full=Count("pk", filter=Q(status=MemberStatus.FULL.value))))))
    org_sql, org_params = _sql(orgs.order_by().annotate(**columns[ORG]).values("id", *columns[ORG]))
    joins = " ".join(f"LEFT JOIN {name} ON {name}.org_id = o.id" for name, _q in parts if name != "f_staff")
    q = connection.ops.quote_name
    table = q(SocialOrg._meta.db_table)
    sql = f"""
        UPDATE {table} SET coverage_status = computed.st, full_members = computed.fm, members_on_staff = computed.sm
        FROM (
            WITH {", ".join(f"{name} AS ({part[0]})" for name, part in parts)}
            SELECT o.id, CASE {" ".join(whens)} ELSE '{CoverageStatus.NONE.value}' END AS st,
                   COALESCE(f_staff.n_full, 0) AS fm, COALESCE(f_staff.n, 0) AS sm
            FROM ({org_sql}) o {joins}
            LEFT JOIN f_staff ON f_staff.workplace_id = o.id) AS computed
        WHERE computed.id = {table}.id AND ({table}.coverage_status <> computed.st
                                            OR {table}.full_members <> computed.fm
                                            OR {table}.members_on_staff <> computed.sm)"""
    params = [p for _name, part in parts for p in part[1]] + list(org_params)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


# ---- contributions to the rollup ---------------------------------------------------------------

def _regions(row: dict[str, Any]) -> list[str]:
    return [""] + [row[f] for f in LEVEL_FIELDS if row[f]]


def _org_contributions(rows: Iterable[dict[str, Any]], sign: int, out: dict[Key, dict[str, int]]) -> None:
    due = thresholds()
    for row in rows:
        if row["status"] != "active":
            continue
        regions = _regions(row)
        vec = {"population": 1, row["coverage_status"]: 1, "staff": row["full_time_staff"],
               "staff_members": row["members_on_staff"],
               "due": int(due.is_due(row["full_members"], row["coverage_status"], regions[-1]))}
        keys = [("region", "", r) for r in regions]
        for dim, attr in ORG_DIMENSIONS.items():
            if row[attr] not in (None, ""):
                keys.extend((dim, str(row[attr]), r) for r in regions)
        for key in keys:
            acc = out[key]
            for col, v in vec.items():
                acc[col] = acc.get(col, 0) + sign * v


def _simple_contributions(rows: Iterable[dict[str, Any]], column: str, sign: int,
                          out: dict[Key, dict[str, int]]) -> None:
    for row in rows:
        col = row[column]
        for r in _regions(row):
            acc = out[("region", "", r)]
            acc[col] = acc.get(col, 0) + sign


_ORG_COLS = ["status", "coverage_status", "full_time_staff", "members_on_staff", "full_members",
             *LEVEL_FIELDS, *ORG_DIMENSIONS.values()]


def _contribute(out: dict[Key, dict[str, int]], sign: int, orgs: set[int], party_orgs: set[int],
                members: set[int]) -> None:
    if orgs:
        _org_contributions(SocialOrg.objects.filter(pk__in=orgs).values(*_ORG_COLS), sign, out)
    if party_orgs:
        rows = PartyOrg.objects.filter(pk__in=party_orgs, dissolved_on__isnull=True).values("kind", *LEVEL_FIELDS)
        _simple_contributions(rows, "kind", sign, out)
    if members:
        rows = (PartyMember.objects.filter(pk__in=members, ended_on__isnull=True)
                .annotate(col=Case(When(status="full", then=Value("members_full")),
                                   default=Value("members_probationary")))
                .values("col", *LEVEL_FIELDS))
        _simple_contributions(rows, "col", sign, out)


def apply_delta(delta: dict[Key, dict[str, int]]) -> None:
    """Add ``delta`` to the rollup rows (creating them), then drop rows left with nothing in them."""
    changed = {k: v for k, v in delta.items() if any(v.values())}
    if not changed:
        return
    table = Rollup._meta.db_table
    cols = COUNT_FIELDS
    insert = (f"INSERT INTO {table} (dimension, key, region, {', '.join(cols)}) "
              f"VALUES (%s, %s, %s, {', '.join(['%s'] * len(cols))}) "
              f"ON CONFLICT (dimension, key, region) DO UPDATE SET "
              + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols))
    params: list[list[Any]] = [[*k, *(v.get(c, 0) for c in cols)] for k, v in changed.items()]
    with connection.cursor() as cur:
        cur.executemany(insert, params)
    empty = Q(**{c: 0 for c in cols})
    keys = list(changed)
    for start in range(0, len(keys), 300):
        chunk = keys[start:start + 300]
        match = Q()
        for dim, key, region in chunk:
            match |= Q(dimension=dim, key=key, region=region)
        Rollup.objects.filter(match).filter(empty).delete()


class Tracker:
    """Collects the rows a service touches; see the module docstring."""

    def __init__(self) -> None:
        self.delta: dict[Key, dict[str, int]] = defaultdict(dict)
        self.orgs: set[int] = set()
        self.party_orgs: set[int] = set()
        self.members: set[int] = set()

    def touch(self, *, orgs: Iterable[int | None] = (), party_orgs: Iterable[int | None] = (),
              members: Iterable[int | None] = ()) -> None:
        """Name rows about to change (or just created): their current contribution is taken off now."""
        new_orgs = {i for i in orgs if i is not None} - self.orgs
        new_party = {i for i in party_orgs if i is not None} - self.party_orgs
        new_members = {i for i in members if i is not None} - self.members
        _contribute(self.delta, -1, new_orgs, new_party, new_members)
        self.orgs |= new_orgs
        self.party_orgs |= new_party
        self.members |= new_members

    def created(self, *, orgs: Iterable[int] = (), party_orgs: Iterable[int] = (),
                members: Iterable[int] = ()) -> None:
        """Name rows just created: they contributed nothing before."""
        self.orgs |= set(orgs)
        self.party_orgs |= set(party_orgs)
        self.members |= set(members)

    def finish(self) -> None:
        if self.orgs:
            refresh_orgs(self.orgs)
        _contribute(self.delta, +1, self.orgs, self.party_orgs, self.members)
        apply_delta(self.delta)


@contextmanager
def track() -> Iterator[Tracker]:
    """Keep statuses and the rollup in step with the writes made inside the block (one transaction)."""
    tracker = Tracker()
    with transaction.atomic():
        yield tracker
        tracker.finish()


# ---- full rebuild --------------------------------------------------------------------------------

def _sources(as_of: dt.date | None) -> tuple[QuerySet[SocialOrg], QuerySet[PartyOrg], QuerySet[PartyMember],
                                                 dict[str, str]]:
    """Org, party-org and member querysets for the live figures (as_of None: the stored fields) or
    as of a past date (recomputed from the dated facts), and the names of the org status columns."""
    if as_of is None:
        orgs = SocialOrg.objects.filter(status="active")
        party = PartyOrg.objects.filter(dissolved_on__isnull=True)
        members = PartyMember.objects.filter(ended_on__isnull=True).alias(
            full=Case(When(status="full", then=Value(True)), default=Value(False)))
        return orgs, party, members, {"st": "coverage_status", "fm": "full_members", "sm": "members_on_staff"}
    orgs = SocialOrg.objects.filter(Q(established_on__isnull=True) | Q(established_on__lte=as_of)).filter(
        Q(deregistered_on__isnull=True) | Q(deregistered_on__gt=as_of))
    member_on = (Q(admitted_on__isnull=True) | Q(admitted_on__lte=as_of)) & (
        Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
    full_on = Q(full_on__lte=as_of) | Q(full_on__isnull=True, status="full")

    def counted(full_only: bool) -> Coalesce:
        qs = PartyMember.objects.filter(member_on, workplace=OuterRef("pk"))
        if full_only:
            qs = qs.filter(full_on)
        return Coalesce(Subquery(qs.order_by().values("workplace").annotate(n=Count("pk")).values("n")), Value(0))

    orgs = orgs.alias(st=status_expression(as_of), fm=counted(True), sm=counted(False))
    party = PartyOrg.objects.filter(Q(established_on__lte=as_of)
                                    & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of)))
    members = PartyMember.objects.filter(member_on).alias(
        full=Case(When(full_on, then=Value(True)), default=Value(False)))
    return orgs, party, members, {"st": "st", "fm": "fm", "sm": "sm"}


def compute_rollup(*, as_of: dt.date | None = None, region: str = "", levels: list[str | None] | None = None,
                   dimensions: list[str] | None = None) -> dict[Key, dict[str, int]]:
    """Rollup rows by GROUP BY, as dicts of their non-zero counts (see ``rollup_vectors``)."""
    vectors = rollup_vectors(as_of=as_of, region=region, levels=levels, dimensions=dimensions)
    return {k: {COUNT_FIELDS[i]: int(n) for i, n in enumerate(vec) if n} for k, vec in vectors.items()}


def rollup_vectors(*, as_of: dt.date | None = None, region: str = "", levels: list[str | None] | None = None,  # noqa: C901
                   dimensions: list[str] | None = None, due: Thresholds | None = None) -> dict[Key, list[int]]:
    """Rollup rows by GROUP BY: each key's counts in the order of ``COUNT_FIELDS`` (rows all zero left out).

    ``as_of`` None reads the stored per-org fields (what ``rebuild`` writes); a date recomputes
    statuses from the dated facts. ``region`` (a short code) limits the rows counted; ``levels``
    (None for the whole country, or prefix field names) and ``dimensions`` limit what is grouped.
    ``due``: the thresholds of "due but not established" (those of the current settings if None).
    The thresholds are today's settings for a past ``as_of`` too: settings have no history.
    """
    orgs, party, members, col = _sources(as_of)
    if region:
        where = {f"{LEVEL_FIELDS[len(_prefix_levels(region)) - 1]}": region}
        orgs, party, members = orgs.filter(**where), party.filter(**where), members.filter(**where)
    orgs, party, members = orgs.order_by(), party.order_by(), members.order_by()
    st, fm, sm = col["st"], col["fm"], col["sm"]
    # Each table's aggregates, named and ordered as a contiguous run of COUNT_FIELDS.
    org_aggs = {
        "population": Count("pk"),
        **{s.value: Count("pk", filter=Q(**{st: s.value})) for s in CoverageStatus},
        "due": Count("pk", filter=due_q(full_members=fm, status=st, thresholds=due)),
        "staff": Coalesce(Sum("full_time_staff"), 0),
        "staff_members": Coalesce(Sum(sm), 0),
    }
    party_aggs = {k: Count("pk", filter=Q(kind=k)) for k in PARTY_KINDS}
    member_aggs = {"members_full": Count("pk", filter=Q(full=True)),
                   "members_probationary": Count("pk", filter=Q(full=False))}

    dims = ORG_DIMENSIONS if dimensions is None else {d: ORG_DIMENSIONS[d] for d in dimensions if d != "region"}
    wanted = [None, *LEVEL_FIELDS] if levels is None else levels
    level_pos = {LEVEL_FIELDS.index(level) for level in wanted if level is not None}
    national = None in wanted
    n_levels = len(LEVEL_FIELDS)
    whole_table = connection.vendor == "sqlite" and as_of is None and not region

    def merge(level: dict[tuple[Any, ...], tuple[int, ...]]) -> dict[tuple[Any, ...], tuple[int, ...]]:
        """Sum the entries of ``level`` whose keys agree but for their last element."""
        parent: dict[tuple[Any, ...], tuple[int, ...]] = {}
        for k, v in level.items():
            pk = k[:-1]
            acc = parent.get(pk)
            parent[pk] = v if acc is None else tuple(map(add, acc, v))
        return parent

    # One GROUP BY per table and dimension at the finest grain (all five prefix columns), fetched
    # without the ORM's per-value converters, then summed level by level here (community → street →
    # … → country), each level from the one below: 8 queries instead of one per level and dimension,
    # and each fetched row added once rather than once per level.
    # Each table's counts by rollup key; the tables' aggregates follow each other in COUNT_FIELDS.
    assert [*org_aggs, *party_aggs, *member_aggs] == COUNT_FIELDS
    parts: list[dict[Key, tuple[int, ...]]] = []
    with connection.cursor() as cur:
        for qs, aggs, table_dims in (
            (orgs, org_aggs, {"region": None, **dims}),
            (party, party_aggs, {"region": None}),
            (members, member_aggs, {"region": None}),
        ):
            names = list(aggs)
            part: dict[Key, tuple[int, ...]] = {}
            parts.append(part)

            def put(key: Key, vals: tuple[int, ...], part: dict[Key, tuple[int, ...]] = part) -> None:
                acc = part.get(key)
                part[key] = vals if acc is None else tuple(map(add, acc, vals))

            for dim, attr in table_dims.items():
                base = qs
                # Street first: SQLite sorts to group, and compares the columns in this order; the
                # street code tells rows apart at once where the province code almost never does.
                group = list(_GROUP_ORDER)
                if attr is not None:
                    base = (base.exclude(**{f"{attr}__isnull": True}) if attr.endswith("_id")
                            else base.exclude(**{attr: ""}))
                    group.append(attr)
                sql, params = base.values_list(*group).annotate(**aggs).values_list(*group, *names).query.sql_with_params()
                if whole_table:
                    # Left to itself SQLite walks the table through a prefix index to skip a sort,
                    # one random row read per row: at national scale twice as slow as a plain scan.
                    table = connection.ops.quote_name(base.model._meta.db_table)
                    sql = sql.replace(f"FROM {table} ", f"FROM {table} NOT INDEXED ", 1)
                cur.execute(sql, params)
                # Keyed (dimension key, province, city, county, street, community).
                p0, p1, p2, p3, p4 = _LEVEL_AT
                if attr is None:
                    level = {("", r[p0], r[p1], r[p2], r[p3], r[p4]): r[n_levels:] for r in cur.fetchall()}
                else:
                    level = {(str(r[n_levels]), r[p0], r[p1], r[p2], r[p3], r[p4]): r[n_levels + 1:]
                             for r in cur.fetchall()}
                for pos in range(n_levels - 1, -1, -1):
                    if pos in level_pos:
                        for k, v in level.items():
                            if k[-1]:
                                put((dim, k[0], k[-1]), v)
                    level = merge(level)
                if national:
                    for k, v in level.items():
                        put((dim, k[0], ""), v)
    org_part, party_part, member_part = parts
    z_org, z_party, z_member = (0,) * len(org_aggs), (0,) * len(party_aggs), (0,) * len(member_aggs)
    out: dict[Key, list[int]] = {}
    for key in org_part.keys() | party_part.keys() | member_part.keys():
        vec = [*org_part.get(key, z_org), *party_part.get(key, z_party), *member_part.get(key, z_member)]
        if any(vec):
            out[key] = vec
    return out


_GROUP_ORDER = ["street_code", "community_code", "county_code", "city_code", "province_code"]
_LEVEL_AT = [_GROUP_ORDER.index(f) for f in LEVEL_FIELDS]  # where each level's code is in a grouped row


def _prefix_levels(code: str) -> list[str]:
    """The prefix fields down to ``code``'s level ("320404" → province, city, county)."""
    from shuniu.regions.codes import LEVELS, parse

    level = parse(code).level
    return LEVEL_FIELDS[: LEVELS.index(level) + 1]


@transaction.atomic
def rebuild() -> int:
    """Recompute every org's status and the whole rollup from the dated facts; returns the row count.

    The rollup is compared with what is stored and only the differing rows are written (none when
    the incremental upkeep was right), without the ORM's per-value preparation (``_upsert``).
    """
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The statements are long scans; JIT compilation costs more than it saves here.
            cur.execute("SET LOCAL jit = off")
    refresh_orgs(None)
    rows = rollup_vectors()
    table = Rollup._meta.db_table
    pending = dict(rows)
    gone: list[int] = []
    upserts: list[list[Any]] = []
    with connection.cursor() as cur:
        cur.execute(f"SELECT dimension, key, region, id, {', '.join(COUNT_FIELDS)} FROM {table}")
        for r in cur.fetchall():
            new = pending.pop((r[0], r[1], r[2]), None)
            if new is None:
                gone.append(r[3])
            elif tuple(new) != r[4:]:
                upserts.append([r[0], r[1], r[2], *new])
        upserts.extend([*k, *v] for k, v in pending.items())
        for start in range(0, len(gone), 500):
            chunk = gone[start:start + 500]
            cur.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
        if upserts:
            _upsert(cur, table, upserts)
    return len(rows)


def _upsert(cur: Any, table: str, rows: list[list[Any]]) -> None:
    """Insert or overwrite whole rollup rows (dimension, key, region, *COUNT_FIELDS)."""
    cols = ", ".join(["dimension", "key", "region", *COUNT_FIELDS])
    on_conflict = ("ON CONFLICT (dimension, key, region) DO UPDATE SET "
                   + ", ".join(f"{c} = excluded.{c}" for c in COUNT_FIELDS))
    if connection.vendor == "postgresql" and len(rows) > 1000:
        # A first rebuild writes every row (~700,000 at national scale): COPY them into a scratch
        # table and upsert with one statement, rather than one statement per row.
        cur.execute(f"CREATE TEMPORARY TABLE rollup_rows ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA")
        with cur.copy(f"COPY rollup_rows ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM rollup_rows {on_conflict}")
        cur.execute("DROP TABLE rollup_rows")
        return
    cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * (3 + len(COUNT_FIELDS)))}) "
                    + on_conflict, rows)


def refresh_due(regions: Iterable[str], before: Thresholds, after: Thresholds) -> None:
    """Bring the stored "due" counts in step with thresholds that changed for ``regions`` (prefixes):
    for each, what its orgs count under the new thresholds less what they counted under the old."""
    wanted = set(regions)
    tops = [r for r in wanted if not any(t != r and r.startswith(t) for t in wanted)]
    at = COUNT_FIELDS.index("due")
    delta: dict[Key, dict[str, int]] = defaultdict(dict)
    for region in tops:
        for sign, due in ((-1, before), (+1, after)):
            for key, vec in rollup_vectors(region=region, due=due).items():
                if vec[at]:
                    acc = delta[key]
                    acc["due"] = acc.get("due", 0) + sign * vec[at]
    apply_delta(delta)


def on_settings_changed(sender: Any, *, changes: list[tuple[str, str, str]], before: Any, after: Any,
                        **kwargs: Any) -> None:
    """``rulesettings.signals.settings_changed``: a changed due threshold changes the stored figures."""
    regions = [region for rule_id, name, region in changes if (rule_id, name) == (due_module.RULE, due_module.PARAM)]
    if regions:
        refresh_due(regions, thresholds(before), thresholds(after))


def stored_rollup() -> dict[Key, dict[str, int]]:
    """The rollup table as it stands (for comparing the incremental result with a rebuild)."""
    return {
        (r["dimension"], r["key"], r["region"]): {c: r[c] for c in COUNT_FIELDS if r[c]}
        for r in Rollup.objects.values("dimension", "key", "region", *COUNT_FIELDS)
    }
