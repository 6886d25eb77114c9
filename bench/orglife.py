"""Benchmark: org-life compliance at national scale: the full rebuild against DuckDB doing the same
work, dashboard reads, and recording one meeting.

    python bench/orglife.py [--scale 0.1] [--database-url postgres://postgres@127.0.0.1:5432/shuniu_bench]
                            [--reuse] [--keep]

Creates a fresh database (a temporary SQLite file, or drops and recreates the named PostgreSQL
database), migrates, loads the divisions and generates the ``national`` scenario at ``--scale``,
which includes two years of org life for every party org (``shuniu.demo.orglife``: the previous
year and this one up to today, written by a few ``INSERT … SELECT``; the attendance rows follow the
members: 6.7 million at scale 0.1, so about 67 million at scale 1). With ``--reuse`` the database
named by ``--database-url`` is migrated and used as it is; if it has no meetings (generated before
org life was part of the scenario, e.g. by ``bench/generate.py`` of that time), they are written
now, and the first ``compliance.rebuild()`` writes every stored figure (timed, not counted below).
Then:

* ``rebuild_s``: ``compliance.rebuild()`` over both years, the best of two runs on unchanged data
  (nothing differs, so nothing is written: every figure is read, computed and compared), each printed
  with its phases (``org_figures``: the SQL of the definition and fetching its rows; ``add_up``: the
  roll-up in Python; the rest: reading the stored tallies and roll-up and comparing);
* ``duckdb_s``: DuckDB 1.4 reading the same database through its ``sqlite`` / ``postgres`` scanner
  and computing the same per-party-org figures (slots required, held and counted per kind, attendance,
  review grades, complete, idle; the same slots from ``rules.slots``) and every roll-up row (dimension
  region / type / industry / hub × the country and every region level) by GROUPING SETS, for both
  years, fetched into Python in the shape of ``stored_rollup``; the best of two runs. Its result must
  equal the stored LifeRollup table row for row (otherwise MISMATCH lines): the independent check of
  the definition at scale;
* ``max_read_ms``: ``selectors.life_rows(Scope.everything(), region, year=this year)`` at the national
  level, then the busiest province, its busiest city, county and street: the median of 20 reads per
  level, the slowest level reported;
* ``record_ms``: ``services.meeting_record`` of one theme day with its whole roster (10–20 members: all
  present but two, on leave) at a branch in the busiest street, 50 times: median / 95th percentile.

Targets (issue 14): rebuild ≤ 3× DuckDB, reads ≤ 50 ms, recording ≤ 50 ms. Last line, e.g.:
``db=sqlite party_orgs=27000 meetings=… attendance=… rebuild_s=… duckdb_s=… ratio_vs_duckdb=… max_read_ms=… record_ms=…/…``
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.coverage import LEVELS, duckdb_connect, fresh_database  # noqa: E402

# ---- the rebuild ---------------------------------------------------------------------------------

def time_rebuild(runs: int = 2) -> float:
    """Best of ``runs`` calls of the real ``compliance.rebuild()``, its phases timed by wrapping them."""
    from shuniu.orglife import compliance

    phases: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Callable[..., Any], materialize: bool = False) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                result = fn(*a, **kw)
                return list(result) if materialize else result
            finally:
                phases[name] += time.perf_counter() - t
        return wrapper

    originals = compliance.org_figures, compliance.add_up
    compliance.org_figures = timed("org_figures", compliance.org_figures, True)  # type: ignore[assignment]
    compliance.add_up = timed("add_up", compliance.add_up)  # type: ignore[assignment]
    best = float("inf")
    try:
        for i in range(runs):
            phases.clear()
            t0 = time.perf_counter()
            changed = compliance.rebuild()
            seconds = time.perf_counter() - t0
            rest = seconds - sum(phases.values())
            print(f"rebuild run {i + 1}: {seconds:.2f}s (changed {changed}; org_figures {phases['org_figures']:.2f}s, "
                  f"add_up {phases['add_up']:.2f}s, read/compare/write {rest:.2f}s)", flush=True)
            best = min(best, seconds)
    finally:
        compliance.org_figures, compliance.add_up = originals
    return best


# ---- the same work in DuckDB ---------------------------------------------------------------------

def _slots_table(con: Any, year: int, params: dict[str, Any]) -> None:
    from shuniu.orglife.rules import APPLIES, slots

    rows = [(org_kind, s.bit, s.kind, s.index, s.start, s.end)
            for s in slots(year, params) for org_kind in APPLIES[s.kind]]
    con.execute("DROP TABLE IF EXISTS sl")
    con.execute("CREATE TEMP TABLE sl (org_kind VARCHAR, bit INTEGER, kind VARCHAR, idx INTEGER, s DATE, e DATE)")
    if rows:
        con.executemany("INSERT INTO sl VALUES (?, ?, ?, ?, ?, ?)", rows)


def duckdb_year(con: Any, year: int, day: dt.date, params: dict[str, Any],
                until: dt.date | None = None) -> dict[tuple[str, str, str], dict[str, int]]:
    """The roll-up of ``year`` seen on ``day`` (reviews up to ``until``, the real date), as
    ``compliance.compute_rollup``, written independently."""
    from shuniu.orglife.models import KINDS, ROLLUP_FIELDS
    from shuniu.party.terms import add_months

    _slots_table(con, year, params)
    d, y0 = f"DATE '{day.isoformat()}'", f"DATE '{dt.date(year, 1, 1).isoformat()}'"
    u = f"DATE '{(until or day).isoformat()}'"
    idle_from = add_months(dt.date(day.year, day.month, 1), -(int(params["idle_months"]) - 1))
    i0 = f"DATE '{idle_from.isoformat()}'"
    per_kind = ", ".join(
        f"coalesce(sum(CASE WHEN kind = '{k}' THEN req + extra END), 0)::BIGINT AS exp_{k}, "
        f"coalesce(sum(CASE WHEN kind = '{k}' THEN held END), 0)::BIGINT AS held_{k}" for k in KINDS)
    con.execute("DROP TABLE IF EXISTS figs")
    con.execute(f"""
        CREATE TEMP TABLE figs AS
        WITH pop AS (
            SELECT id, kind, established_on, coalesce(industry_id, '') AS industry,
                   {', '.join(LEVELS)} FROM db.party_partyorg
            WHERE established_on <= {d} AND (dissolved_on IS NULL OR dissolved_on > {d})),
        mt AS (
            SELECT m.party_org_id AS org, m.kinds, m.held_on, m.expected_count, m.present_count
            FROM db.orglife_meeting m WHERE m.held_on >= {y0} AND m.held_on <= {d}),
        req AS (
            SELECT p.id AS org, sl.kind, count(*) AS req, 0 AS extra, 0 AS held
            FROM pop p JOIN sl ON sl.org_kind = p.kind AND p.established_on <= sl.s AND sl.e <= {d}
            GROUP BY ALL),
        slots_held AS (
            SELECT DISTINCT p.id AS org, sl.kind, sl.idx,
                   CASE WHEN p.established_on <= sl.s AND sl.e <= {d} THEN 0 ELSE 1 END AS extra
            FROM mt JOIN pop p ON p.id = mt.org
            JOIN sl ON sl.org_kind = p.kind AND (mt.kinds & sl.bit) <> 0 AND mt.held_on BETWEEN sl.s AND sl.e),
        k AS (
            SELECT * FROM req
            UNION ALL SELECT org, kind, 0, sum(extra), count(*) FROM slots_held GROUP BY org, kind),
        kk AS (SELECT org, {per_kind} FROM k GROUP BY org),
        att AS (SELECT org, sum(expected_count)::BIGINT AS att_expected, sum(present_count)::BIGINT AS att_present
                FROM mt GROUP BY org),
        rev AS (
            SELECT party_org_id AS org,
                   count(*) FILTER (WHERE grade = 'excellent') AS rev_excellent,
                   count(*) FILTER (WHERE grade = 'qualified') AS rev_qualified,
                   count(*) FILTER (WHERE grade = 'basic') AS rev_basic,
                   count(*) FILTER (WHERE grade = 'unqualified') AS rev_unqualified
            FROM db.orglife_reviewresult WHERE year = {year} AND reviewed_on <= {u} GROUP BY party_org_id),
        recent AS (SELECT DISTINCT org FROM mt WHERE held_on >= {i0})
        SELECT p.id, p.kind, p.industry, {', '.join('p.' + c for c in LEVELS)},
               {', '.join(f'coalesce(kk.exp_{k}, 0) AS exp_{k}, coalesce(kk.held_{k}, 0) AS held_{k}' for k in KINDS)},
               coalesce(att.att_expected, 0) AS att_expected, coalesce(att.att_present, 0) AS att_present,
               coalesce(rev.rev_excellent, 0) AS rev_excellent, coalesce(rev.rev_qualified, 0) AS rev_qualified,
               coalesce(rev.rev_basic, 0) AS rev_basic, coalesce(rev.rev_unqualified, 0) AS rev_unqualified,
               CASE WHEN p.established_on <= {i0} AND recent.org IS NULL THEN 1 ELSE 0 END AS idle
        FROM pop p LEFT JOIN kk ON kk.org = p.id LEFT JOIN att ON att.org = p.id
        LEFT JOIN rev ON rev.org = p.id LEFT JOIN recent ON recent.org = p.id""")
    exp = " + ".join(f"exp_{k}" for k in KINDS)
    held = " + ".join(f"held_{k}" for k in KINDS)
    con.execute("ALTER TABLE figs ADD COLUMN complete INTEGER")
    con.execute(f"UPDATE figs SET complete = CASE WHEN ({exp}) > 0 AND ({held}) = ({exp}) THEN 1 ELSE 0 END")
    # Each party org's keys: region, its kind, each industry and hub of the social orgs it covers on the
    # day, and an industry committee's own industry.
    con.execute("DROP TABLE IF EXISTS dimkeys")
    con.execute(f"""
        CREATE TEMP TABLE dimkeys AS
        SELECT id AS org, 'region' AS dimension, '' AS key FROM figs
        UNION ALL SELECT id, 'type', kind FROM figs
        UNION SELECT id, 'industry', industry FROM figs WHERE industry <> ''
        UNION SELECT c.party_org_id, 'industry', s.industry_id
            FROM db.party_partyorgcoverage c JOIN db.registry_socialorg s ON s.id = c.org_id
            WHERE c.started_on <= {d} AND (c.ended_on IS NULL OR c.ended_on > {d}) AND s.industry_id IS NOT NULL
              AND c.party_org_id IN (SELECT id FROM figs)
        UNION ALL SELECT DISTINCT c.party_org_id, 'hub', CAST(s.hub_id AS VARCHAR)
            FROM db.party_partyorgcoverage c JOIN db.registry_socialorg s ON s.id = c.org_id
            WHERE c.started_on <= {d} AND (c.ended_on IS NULL OR c.ended_on > {d}) AND s.hub_id IS NOT NULL
              AND c.party_org_id IN (SELECT id FROM figs)""")
    sums = ", ".join(["count(*) AS orgs", "sum(complete) AS complete", "sum(idle) AS idle"]
                     + [f"sum({f}) AS {f}" for f in ROLLUP_FIELDS[3:]])
    sets = ", ".join(["(dimension, key)"] + [f"(dimension, key, {c})" for c in LEVELS])
    region = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN {c}" for c in LEVELS) + " ELSE '' END"
    having = " AND ".join(f"(GROUPING({c}) = 1 OR coalesce({c}, '') <> '')" for c in LEVELS)
    rows = con.execute(f"""
        SELECT dimension, key, {region} AS region, {sums}
        FROM dimkeys JOIN figs f ON f.id = dimkeys.org
        GROUP BY GROUPING SETS ({sets}) HAVING {having}""").fetchall()
    out = {}
    for dimension, key, code, *values in rows:
        out[(dimension, key, code)] = {name: int(v or 0) for name, v in zip(ROLLUP_FIELDS, values, strict=True)}
    return out


def time_duckdb(vendor: str, settings: dict[str, Any], url: str, years: list[int],
                runs: int = 2) -> tuple[float, dict[int, dict[Any, Any]]]:
    from shuniu.orglife import compliance
    from shuniu.orglife.rules import RULE
    from shuniu.rulesettings.selectors import current

    partitions = current().partitions(RULE)
    if len(partitions) != 1:
        print(f"note: {len(partitions)} partitions of the LIFE settings; DuckDB uses the first only", file=sys.stderr)
    params = partitions[0].params
    con = duckdb_connect(vendor, settings, url)
    best, result = float("inf"), {}
    for i in range(runs):
        t0 = time.perf_counter()
        result = {year: duckdb_year(con, year, compliance.seen_on(year), params, compliance.today()) for year in years}
        seconds = time.perf_counter() - t0
        print(f"duckdb run {i + 1}: {seconds:.2f}s ({sum(len(r) for r in result.values())} roll-up rows)", flush=True)
        best = min(best, seconds)
    con.close()
    return best, result


def check(result: dict[int, dict[Any, dict[str, int]]]) -> bool:
    from shuniu.orglife import compliance

    ok = True
    for year, rows in sorted(result.items()):
        stored = compliance.stored_rollup(year)
        differ = [k for k in stored.keys() | rows.keys() if stored.get(k) != rows.get(k)]
        for k in sorted(differ)[:10]:
            print(f"MISMATCH {year}: row {k}: duckdb={rows.get(k)} stored={stored.get(k)}", file=sys.stderr)
        if differ:
            print(f"MISMATCH {year}: {len(differ)} of {len(stored)} roll-up rows differ", file=sys.stderr)
            ok = False
        else:
            n = stored.get(("region", "", ""), {})
            print(f"duckdb {year} equals the LifeRollup table ({len(stored)} rows; national: orgs={n.get('orgs')} "
                  f"complete={n.get('complete')} idle={n.get('idle')} att={n.get('att_present')}/{n.get('att_expected')})")
    return ok


# ---- dashboard reads and one recording -------------------------------------------------------------

def time_reads(year: int, repeat: int = 20) -> float:
    from shuniu.accounts.scopes import Scope
    from shuniu.orglife.selectors import life_rows

    scope = Scope.everything()
    worst, code = 0.0, ""
    for level in ["national", "province", "city", "county", "street"]:
        times, rows = [], []
        for _ in range(repeat + 1):  # the first is a warm-up
            t0 = time.perf_counter()
            rows = life_rows(scope, code or None, year=year)
            times.append(time.perf_counter() - t0)
        ms = statistics.median(times[1:]) * 1000
        worst = max(worst, ms)
        print(f"read {level} {code or '(all)'}: {ms:.2f}ms median of {repeat} ({len(rows) - 1} sub-regions, "
              f"{rows[0].get('orgs', 0) if rows else 0} party orgs)", flush=True)
        children = [r for r in rows[1:] if r.get("orgs")]
        if not children or level == "street":
            break
        code = max(children, key=lambda r: r["orgs"])["region"]
    return worst


def time_record(runs: int = 50) -> tuple[float, float, int]:
    """Median and p95 (ms) of meeting_record for a theme day at a branch of the busiest street."""
    from django.db.models import Count

    from shuniu.accounts.actors import SystemActor
    from shuniu.orglife.compliance import today
    from shuniu.orglife.services import expected_roster, meeting_record
    from shuniu.party.models import PartyOrg

    day = today()
    street = (PartyOrg.objects.filter(dissolved_on__isnull=True).exclude(street_code="")
              .values("street_code").annotate(n=Count("id")).order_by("-n").first())["street_code"]
    candidates = PartyOrg.objects.filter(street_code__startswith=street[:6], kind__in=["branch", "joint_branch"],
                                         dissolved_on__isnull=True).order_by("-id")[:400]
    org, roster = None, {}
    for p in candidates:
        roster = expected_roster(p, day)
        if 10 <= len(roster) <= 20:
            org = p
            break
    if org is None:  # at small scales: the biggest roster found
        org = max(candidates, key=lambda p: len(expected_roster(p, day)))
        roster = expected_roster(org, day)
    members = sorted(roster)
    actor = SystemActor("bench")
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        meeting_record(actor=actor, party_org=org, kinds=["theme_day"], held_on=day, topic=f"主题党日（测试 {i}）",
                       attendees=members[2:], absentees={m: "leave" for m in members[:2]}, place="党员活动室")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"record: {org} ({len(members)} expected, street {street}): median {statistics.median(times):.1f}ms, "
          f"p95 {times[int(len(times) * 0.95) - 1]:.1f}ms, max {times[-1]:.1f}ms", flush=True)
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default: a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite file) at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="use --database-url as it is (already generated): migrate it, add org life if missing")
    parser.add_argument("--no-record", action="store_true", help="skip the recording runs (they add 50 meetings)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="shuniu-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    if args.reuse:
        if not args.database_url:
            parser.error("--reuse needs --database-url")
        env = {**os.environ, "DATABASE_URL": url, "SHUNIU_VAR_DIR": os.environ.get("SHUNIU_VAR_DIR", tmp)}
        # --skip-checks: a kept database whose key files are gone fails the key check; this bench
        # reads no personal data.
        subprocess.run([sys.executable, "-m", "shuniu.cli", "migrate", "-v0", "--skip-checks"], check=True, env=env,
                       cwd=ROOT)
    else:
        env = fresh_database(url, tmp)

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from shuniu.accounts.actors import SystemActor
    from shuniu.demo.models import ScenarioRun
    from shuniu.demo.orglife import seed_orglife
    from shuniu.demo.services import scenario_generate
    from shuniu.orglife import compliance
    from shuniu.orglife.models import Attendance, Meeting

    if args.reuse:
        run = ScenarioRun.objects.get(name="national")
        print(f"reusing: {run.counts}")
        if not Meeting.objects.exists():
            t0 = time.perf_counter()
            with transaction.atomic():
                counts = seed_orglife(run.seed)
            t1 = time.perf_counter()
            print(f"org life written: {counts} in {t1 - t0:.1f}s", flush=True)
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("ANALYZE")
            changed = compliance.rebuild()
            print(f"first rebuild (writes every figure): {time.perf_counter() - t1:.1f}s ({changed})", flush=True)
    else:
        t0 = time.perf_counter()
        run = scenario_generate(actor=SystemActor("bench"), name="national", seed=1, scale=args.scale)
        print(f"generated: {run.counts} in {time.perf_counter() - t0:.1f}s", flush=True)
    meetings, attendance = Meeting.objects.count(), Attendance.objects.count()
    party_orgs = compliance.LifeTally.objects.filter(year=compliance.today().year).count()
    print(f"data: {party_orgs} party orgs this year, {meetings} meetings, {attendance} attendance rows", flush=True)

    this_year = compliance.today().year
    years = [this_year - 1, this_year]
    rebuild_s = time_rebuild()
    duckdb_s, result = time_duckdb(connection.vendor, connection.settings_dict, url, years)
    ok = check(result)
    max_read_ms = time_reads(this_year)
    record = (0.0, 0.0, 0)
    if not args.no_record:
        record = time_record()
        ok = check({y: compliance.compute_rollup(y) for y in years}) and ok

    connection.close()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept: {tmp}")
    if not ok:
        print("error: the figures differ (see the MISMATCH lines above)", file=sys.stderr)
    print(f"db={connection.vendor} party_orgs={party_orgs} meetings={meetings} attendance={attendance} "
          f"rebuild_s={rebuild_s:.1f} duckdb_s={duckdb_s:.1f} ratio_vs_duckdb={rebuild_s / duckdb_s:.1f} "
          f"max_read_ms={max_read_ms:.1f} record_ms={record[0]:.1f}/{record[1]:.1f}", flush=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
