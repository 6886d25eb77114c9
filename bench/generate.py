"""Benchmark: generating the ``national`` scenario on SQLite or PostgreSQL.

    python bench/generate.py [--scale 0.1] [--database-url postgres://postgres@127.0.0.1:5432/shuniu_bench]

Creates a fresh database (a temporary SQLite file, or drops and recreates the named PostgreSQL
database), migrates, loads the divisions and generates. As a same-run reference it then times the
database copying the generated orgs and members into a new table (``CREATE TABLE .. AS SELECT``), the
floor for writing those rows without Python in the loop. Last line, e.g.:
``db=sqlite orgs=900000 members=2998312 seconds=612.0 rows_per_s=8031 ratio_vs_db_copy=14.2``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shuniu.accounts.actors import SystemActor

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default: a temporary SQLite file")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="shuniu-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
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

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from shuniu.demo.services import scenario_generate

    t0 = time.perf_counter()
    run = scenario_generate(actor=SystemActor("bench"), name="national", seed=1, scale=args.scale)
    seconds = time.perf_counter() - t0
    rows = sum(run.counts.values())
    print(f"generated: {run.counts} in {seconds:.1f}s")

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("registry_socialorg", "party_partymember", "party_partyorg", "party_partyorgcoverage"):
            cur.execute(f"CREATE TABLE bench_{table} AS SELECT * FROM {table}")
            cur.execute(f"DROP TABLE bench_{table}")
    copy_s = time.perf_counter() - t0
    print(f"db copy of the same rows: {copy_s:.1f}s")
    db = connection.vendor
    print(f"db={db} orgs={run.counts.get('orgs', 0)} members={run.counts.get('members', 0)} "
          f"seconds={seconds:.1f} rows_per_s={rows / seconds:.0f} ratio_vs_db_copy={seconds / copy_s:.1f}")


if __name__ == "__main__":
    main()
