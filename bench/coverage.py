"""Benchmark: the coverage engine's full rebuild against DuckDB doing the same work, and dashboard reads.

    python bench/coverage.py [--scale 0.1] [--database-url postgres://postgres@127.0.0.1:5432/shuniu_bench]

Creates a fresh database (a temporary SQLite file, or drops and recreates the named PostgreSQL
database), migrates, loads the divisions and generates the ``national`` scenario at ``--scale``. Then:

* ``rebuild_s``: ``engine.rebuild()`` (every org's status and member counts by one set-based UPDATE
  that writes only the orgs whose values differ, the rollup GROUP BYs summed level by level in
  Python, the stored Rollup table read back and only differing rows written); the best of two runs,
  each printed with its phases (refresh_orgs / compute_rollup / the rest, i.e. diffing and
  rewriting the table). On a reused database nothing differs, so nothing is written: the rebuild
  still reads every table it depends on, computes every status and every row, and compares.
* ``duckdb_s``: DuckDB reading the same database through its scanner (the ``sqlite`` or ``postgres``
  extension, shipped by the ``duckdb-ext-*`` packages of the ``bench`` extra: no download) and
  computing the same things: each org's status (same CASE, same dates) and member counts with joins,
  then every GROUP BY of ``compute_rollup`` (all region levels × all dimensions, party orgs per kind,
  members per status) as GROUPING SETS, the results fetched into Python and put in the same shape;
  the best of two runs. DuckDB writes nothing and does not read the stored Rollup table (the
  rebuild does both). The result must equal the Rollup table row for row (the national totals are
  checked by name, and any other difference is listed).
* ``max_read_ms``: the dashboard's read at each level (national, then the busiest province, its
  busiest city, county and street): the region's Rollup row plus its direct children's rows, the
  children looked up in Region; the median of 20 reads per level, the slowest level reported.

Last line, e.g.:
``db=sqlite orgs=900000 rebuild_s=4.1 duckdb_s=1.6 ratio_vs_duckdb=2.6 max_read_ms=12``
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib.metadata
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

from shuniu.accounts.actors import SystemActor

ROOT = Path(__file__).resolve().parent.parent

LEVELS = ["province_code", "city_code", "county_code", "street_code", "community_code"]
# Rollup dimension → SocialOrg column (as engine.ORG_DIMENSIONS).
DIMENSIONS = {"type": "type", "industry": "industry_id", "hub": "hub_id", "supervisory": "supervisory_unit_id",
              "registration": "registration_level"}
NATIONAL_COLS = ["population", "own", "joint", "instructor", "mass_org", "none"]


def fresh_database(url: str, tmp: str) -> dict[str, str]:
    """As bench/generate.py: a new database, migrated, with the divisions loaded."""
    if url.startswith("postgres"):
        base, _, name = url.rpartition("/")
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "SHUNIU_VAR_DIR": tmp}
    shuniu = [sys.executable, "-m", "shuniu.cli"]
    subprocess.run([*shuniu, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    subprocess.run([*shuniu, "loadregions"], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return env


# ---- the rebuild ---------------------------------------------------------------------------------

def time_rebuild(runs: int = 2) -> float:
    """Best of ``runs`` calls of the real ``engine.rebuild()``; its two phases are timed by wrapping them."""
    from shuniu.coverage import engine

    phases: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                phases[name] = time.perf_counter() - t
        return wrapper

    originals = engine.refresh_orgs, engine.rollup_vectors
    engine.refresh_orgs = timed("refresh_orgs", engine.refresh_orgs)  # type: ignore[assignment]
    engine.rollup_vectors = timed("compute_rollup", engine.rollup_vectors)  # type: ignore[assignment]
    best = float("inf")
    try:
        for i in range(runs):
            phases.clear()
            t0 = time.perf_counter()
            rows = engine.rebuild()
            seconds = time.perf_counter() - t0
            rest = seconds - sum(phases.values())
            print(f"rebuild run {i + 1}: {seconds:.2f}s ({rows} rollup rows; refresh_orgs {phases['refresh_orgs']:.2f}s, "
                  f"compute_rollup {phases['compute_rollup']:.2f}s, rewrite Rollup {rest:.2f}s)")
            best = min(best, seconds)
    finally:
        engine.refresh_orgs, engine.rollup_vectors = originals
    return best


# ---- the same work in DuckDB ---------------------------------------------------------------------

def extension_path(dist: str) -> str:
    """The ``*.duckdb_extension`` file a ``duckdb-ext-*`` wheel installs (under site-packages/duckdb_ext/)."""
    try:
        files = importlib.metadata.files(dist) or []
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"error: {dist} is not installed; pip install -e '.[bench]'")
    for f in files:
        if str(f).endswith(".duckdb_extension"):
            return str(f.locate())
    sys.exit(f"error: no .duckdb_extension file in {dist}")


def duckdb_connect(vendor: str, settings: dict[str, Any], url: str) -> Any:
    import duckdb

    con = duckdb.connect()
    # No network here: never try to fetch an extension, load the packaged file by path.
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    if vendor == "sqlite":
        con.execute(f"LOAD '{extension_path('duckdb-ext-sqlite')}'")
        con.execute(f"ATTACH '{settings['NAME']}' AS db (TYPE sqlite, READ_ONLY)")
    else:
        con.execute(f"LOAD '{extension_path('duckdb-ext-postgres')}'")
        con.execute(f"ATTACH '{url}' AS db (TYPE postgres, READ_ONLY)")
    return con


def _rollup_sql(source: str, aggs: dict[str, str], dims: dict[str, str]) -> str:
    """One GROUPING SETS query for (nothing | each region level) × (region | each dimension in ``dims``),
    each row already shaped as a Rollup key (dimension, key, region) + the aggregates. As compute_rollup,
    a set grouped on a level leaves out the rows with no code at that level, and a dimension's set the
    rows without a value for it."""
    sets = [[*lv, *dm] for lv in [[], *([c] for c in LEVELS)] for dm in [[], *([c] for c in dims.values())]]
    region = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN {c}" for c in LEVELS) + " ELSE '' END"
    if dims:
        dim = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN '{d}'" for d, c in dims.items()) + " ELSE 'region' END"
        key = ("CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN CAST({c} AS VARCHAR)" for c in dims.values())
               + " ELSE '' END")
    else:
        dim, key = "'region'", "''"
    having = [f"(GROUPING({c}) = 1 OR {c} <> '')" for c in LEVELS]
    having += [f"(GROUPING({c}) = 1 OR coalesce(CAST({c} AS VARCHAR), '') <> '')" for c in dims.values()]
    return (f"SELECT {dim} AS dimension, {key} AS key, {region} AS region, "
            + ", ".join(f"{expr} AS {name}" for name, expr in aggs.items())
            + f" FROM {source} GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(s) + ')' for s in sets)})"
            + f" HAVING {' AND '.join(having)}")


def duckdb_rollup(con: Any, today: dt.date) -> dict[tuple[str, str, str], dict[str, int]]:
    """Statuses and member counts per org, then every rollup row, as engine.refresh_orgs + compute_rollup."""
    from shuniu.coverage.engine import PARTY_KINDS

    d = f"DATE '{today.isoformat()}'"
    con.execute("DROP TABLE IF EXISTS members")
    con.execute("DROP TABLE IF EXISTS orgs")
    # Current members: read once, used for the per-workplace counts and for the member rollup.
    con.execute(f"""
        CREATE TEMP TABLE members AS
        SELECT workplace_id, status, {', '.join(LEVELS)} FROM db.party_partymember WHERE ended_on IS NULL""")
    con.execute(f"""
        CREATE TEMP TABLE orgs AS
        WITH links AS (
            SELECT c.org_id,
                   bool_or(p.formation = 'standalone' AND p.kind <> 'joint_branch') AS own,
                   bool_or(NOT (p.formation = 'standalone' AND p.kind <> 'joint_branch')) AS joint
            FROM db.party_partyorgcoverage c JOIN db.party_partyorg p ON p.id = c.party_org_id
            WHERE c.started_on <= {d} AND (c.ended_on IS NULL OR c.ended_on > {d})
              AND p.established_on <= {d} AND (p.dissolved_on IS NULL OR p.dissolved_on > {d})
            GROUP BY c.org_id),
        assigned AS (
            SELECT DISTINCT org_id FROM db.party_instructorassignment
            WHERE started_on <= {d} AND (ended_on IS NULL OR ended_on > {d})),
        staff AS (
            SELECT workplace_id, count(*) AS n, count(*) FILTER (WHERE status = 'full') AS n_full
            FROM members WHERE workplace_id IS NOT NULL GROUP BY workplace_id)
        SELECT o.id, o.status, o.full_time_staff, {', '.join('o.' + c for c in LEVELS)},
               {', '.join('o.' + c for c in DIMENSIONS.values())},
               CASE WHEN l.own THEN 'own'
                    WHEN l.joint THEN 'joint'
                    WHEN a.org_id IS NOT NULL THEN 'instructor'
                    WHEN (o.has_trade_union AND (o.trade_union_on IS NULL OR o.trade_union_on <= {d}))
                      OR (o.has_youth_league AND (o.youth_league_on IS NULL OR o.youth_league_on <= {d}))
                      THEN 'mass_org'
                    ELSE 'none' END AS coverage_status,
               coalesce(s.n_full, 0) AS full_members,
               coalesce(s.n, 0) AS members_on_staff
        FROM db.registry_socialorg o
        LEFT JOIN links l ON l.org_id = o.id
        LEFT JOIN assigned a ON a.org_id = o.id
        LEFT JOIN staff s ON s.workplace_id = o.id""")

    org_aggs = {
        "population": "count(*)",
        **{s: f"count(*) FILTER (WHERE coverage_status = '{s}')" for s in ("own", "joint", "instructor",
                                                                          "mass_org", "none")},
        "due": "count(*) FILTER (WHERE full_members >= 3 AND coverage_status <> 'own')",
        "staff": "coalesce(sum(full_time_staff), 0)::BIGINT",
        "staff_members": "coalesce(sum(members_on_staff), 0)::BIGINT",
    }
    party_aggs = {k: f"count(*) FILTER (WHERE kind = '{k}')" for k in PARTY_KINDS}
    member_aggs = {"members_full": "count(*) FILTER (WHERE status = 'full')",
                   "members_probationary": "count(*) FILTER (WHERE status = 'probationary')"}
    out: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for source, aggs, dims in (("orgs WHERE status = 'active'", org_aggs, DIMENSIONS),
                               ("db.party_partyorg WHERE dissolved_on IS NULL", party_aggs, {}),
                               ("members", member_aggs, {})):
        names = list(aggs)
        for dim, key, region, *values in con.execute(_rollup_sql(source, aggs, dims)).fetchall():
            acc = out[(dim, key, region)]
            for col, v in zip(names, values, strict=True):
                if v:
                    acc[col] = int(v)
    return {k: v for k, v in out.items() if any(v.values())}


def time_duckdb(vendor: str, settings: dict[str, Any], url: str, runs: int = 2) -> tuple[float, dict[Any, Any]]:
    from shuniu.coverage import engine

    con = duckdb_connect(vendor, settings, url)
    best, result = float("inf"), {}
    for i in range(runs):
        t0 = time.perf_counter()
        result = duckdb_rollup(con, engine.today())
        seconds = time.perf_counter() - t0
        print(f"duckdb run {i + 1}: {seconds:.2f}s ({len(result)} rollup rows)")
        best = min(best, seconds)
    con.close()
    return best, result


def check(result: dict[Any, dict[str, int]]) -> bool:
    """DuckDB's rollup against the stored one: national totals by name, then every row."""
    from shuniu.coverage import engine

    stored = engine.stored_rollup()
    ok = True
    mine, theirs = result.get(("region", "", ""), {}), stored.get(("region", "", ""), {})
    for col in NATIONAL_COLS:
        if mine.get(col, 0) != theirs.get(col, 0):
            print(f"MISMATCH: national {col}: duckdb={mine.get(col, 0)} rollup={theirs.get(col, 0)}", file=sys.stderr)
            ok = False
    differ = [k for k in stored.keys() | result.keys() if stored.get(k) != result.get(k)]
    for k in sorted(differ)[:10]:
        print(f"MISMATCH: rollup row {k}: duckdb={result.get(k)} rollup={stored.get(k)}", file=sys.stderr)
    if differ:
        print(f"MISMATCH: {len(differ)} of {len(stored)} rollup rows differ", file=sys.stderr)
        ok = False
    if ok:
        print(f"duckdb result equals the Rollup table ({len(stored)} rows; national: "
              + ", ".join(f"{c}={theirs.get(c, 0)}" for c in NATIONAL_COLS) + ")")
    return ok


# ---- dashboard reads -----------------------------------------------------------------------------

def time_reads(repeat: int = 20) -> float:
    """Median time of one dashboard read (region row + children's rows) at each level; returns the max in ms."""
    from shuniu.coverage.models import Rollup
    from shuniu.regions.models import Region

    def children_of(code: str) -> list[str]:
        qs = Region.objects.filter(level="province") if code == "" else Region.objects.filter(parent_id=code)
        return list(qs.values_list("code", flat=True))

    def read(code: str) -> tuple[Any, list[Any]]:
        row = Rollup.objects.filter(dimension="region", key="", region=code).first()
        children = list(Rollup.objects.filter(dimension="region", key="", region__in=children_of(code)))
        return row, children

    worst = 0.0
    code = ""
    for level, child_level in [("national", "province"), ("province", "city"), ("city", "county"),
                               ("county", "street"), ("street", "community")]:
        times = []
        for _ in range(repeat + 1):  # the first is a warm-up
            t0 = time.perf_counter()
            row, children = read(code)
            times.append(time.perf_counter() - t0)
        ms = statistics.median(times[1:]) * 1000
        worst = max(worst, ms)
        print(f"read {level} {code or '(all)'}: {ms:.2f}ms median of {repeat} "
              f"(population {row.population if row else 0}, {len(children)} {child_level} rows)")
        busiest = max(children, key=lambda r: r.population, default=None)
        if busiest is None:
            print(f"note: no {child_level} under {level} {code} has data; reads stop here")
            break
        code = busiest.region
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default: a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite file) at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="use --database-url as it is (already generated, e.g. by bench/generate.py): "
                             "migrate it and skip generating")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="shuniu-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    if args.reuse:
        if not args.database_url:
            parser.error("--reuse needs --database-url")
        env = {**os.environ, "DATABASE_URL": url, "SHUNIU_VAR_DIR": tmp}
        subprocess.run([sys.executable, "-m", "shuniu.cli", "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    else:
        env = fresh_database(url, tmp)

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from shuniu.demo.services import scenario_generate

    if args.reuse:
        from shuniu.demo.models import ScenarioRun

        run = ScenarioRun.objects.get(name="national")
        print(f"reusing: {run.counts}")
    else:
        t0 = time.perf_counter()
        run = scenario_generate(actor=SystemActor("bench"), name="national", seed=1, scale=args.scale)
        print(f"generated: {run.counts} in {time.perf_counter() - t0:.1f}s")

    rebuild_s = time_rebuild()
    duckdb_s, result = time_duckdb(connection.vendor, connection.settings_dict, url)
    ok = check(result)
    max_read_ms = time_reads()

    connection.close()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    if not ok:
        print("error: DuckDB's results differ from the Rollup table (see the MISMATCH lines above)", file=sys.stderr)
    print(f"db={connection.vendor} orgs={run.counts.get('orgs', 0)} rebuild_s={rebuild_s:.1f} duckdb_s={duckdb_s:.1f} "
          f"ratio_vs_duckdb={rebuild_s / duckdb_s:.1f} max_read_ms={max_read_ms:.1f}", flush=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
