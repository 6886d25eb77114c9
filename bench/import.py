"""Benchmark: importing a spreadsheet of social orgs end to end, against python-calamine's raw read.

    python bench/import.py [--rows 100000] [--database-url postgres://postgres@127.0.0.1:5432/shuniu_bench_import]

Creates a fresh database (a temporary SQLite file, or drops and recreates the named PostgreSQL
database), migrates and loads the divisions, and writes an .xlsx of ``--rows`` orgs (Chinese
headers, ten columns, valid USCCs, orgs spread over the streets of 钟楼区 and the 16 districts of
Beijing, a few supervisory units and industries; not timed). Then, in the same run:

* ``calamine_s``: python-calamine reading the file into Python rows (``to_python``), the best of
  three; the floor for anything that reads the file.
* ``import_s``: ``import_file`` in a fresh process, as ``shuniu import`` runs it: read, header
  match, every cell read (``cells_s``), then every row validated with the org rules and written
  in the same pass, and the rest of the commit (the batch's change records, coverage statuses and
  rollups, the audit entry), all in one transaction (``check_write_s``).
* ``peak_mb``: that process's peak resident memory (``ru_maxrss``), Django included.
* ``rerun_s``: importing the same file again (every row unchanged, nothing written).

Last line, e.g.: ``db=sqlite rows=100000 rows_per_s=15230 ratio_vs_calamine=1.9 peak_mb=310``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from shuniu.accounts.actors import SystemActor

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["名称", "统一社会信用代码", "类型", "所在地区代码", "登记管理机关级别", "业务主管单位", "行业", "专职人员数",
           "成立日期", "状态"]


def fresh_database(url: str, tmp: str) -> dict[str, str]:
    if url.startswith("postgres"):
        base, _, name = url.rpartition("/")
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "SHUNIU_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "shuniu.settings"}
    shuniu = [sys.executable, "-m", "shuniu.cli"]
    subprocess.run([*shuniu, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    subprocess.run([*shuniu, "loadregions"], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return env


def write_file(path: Path, rows: int) -> None:
    from openpyxl import Workbook
    from stdnum.cn import uscc

    streets = [f"320404{n:03d}" for n in (1, 2, 3, 4, 5, 6, 7, 116)]
    districts = [f"1101{n:02d}" for n in (1, 2, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19)]
    places = streets + districts
    types = [("社会团体", "1"), ("民办非企业单位", "2"), ("基金会", "3"), ("社会服务机构", "2")]
    units = ["", "钟楼区民政局", "钟楼区科学技术协会", "北京市司法局", "北京市教育委员会"]
    industries = ["", "社会服务", "法律服务（律师）", "教育培训", "文化", "养老服务"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("社会组织")
    ws.append(HEADERS)
    day0 = dt.date(1995, 1, 1)
    for n in range(rows):
        kind, digit = types[n % 4]
        place = places[n % len(places)]
        body = f"5{digit}{place[:6]}MJ{n:07d}"
        ws.append([f"基准社会组织{n:07d}", body + uscc.calc_check_digit(body), kind, place, "县" if n % 7 else "市",
                   units[n % len(units)], industries[n % len(industries)], n % 50,
                   day0 + dt.timedelta(days=(n * 37) % 10_000), "正常"])
    wb.save(path)


def calamine_read(path: Path) -> float:
    from python_calamine import load_workbook

    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        rows = load_workbook(str(path)).get_sheet_by_index(0).to_python()
        best = min(best, time.perf_counter() - t)
        del rows
    return best


def child(path: str) -> None:
    """One import in this (fresh) process; prints its timings as JSON."""
    import django

    django.setup()
    from shuniu.imports import readers, services

    phases: dict[str, float] = {}
    read = readers.read

    def timed_read(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return read(*a, **kw)
        finally:
            phases["read_s"] = time.perf_counter() - t

    services.readers.read = timed_read  # type: ignore[assignment]
    parse = services.parse_rows

    def timed_parse(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return parse(*a, **kw)
        finally:
            phases["cells_s"] = time.perf_counter() - t

    services.parse_rows = timed_parse  # type: ignore[assignment]
    t0 = time.perf_counter()
    # What `shuniu import` runs: the rows are checked and written in one pass (orgs), one transaction.
    preview, batch = services.import_file(actor=SystemActor("bench"), kind="orgs", path=path)
    t1 = time.perf_counter()
    assert batch is not None, preview.errors[:5]
    print(json.dumps({
        "seconds": t1 - t0, "read_s": phases["read_s"], "cells_s": phases["cells_s"],
        "check_write_s": t1 - t0 - phases["read_s"] - phases["cells_s"],
        "counts": batch.counts, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def run_child(env: dict[str, str], path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", str(path)], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default: a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory at the end")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    tmp = tempfile.mkdtemp(prefix="shuniu-bench-import-")
    try:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        db = "postgresql" if url.startswith("postgres") else "sqlite"
        t = time.perf_counter()
        env = fresh_database(url, tmp)
        path = Path(tmp) / f"orgs-{args.rows}.xlsx"
        write_file(path, args.rows)
        print(f"setup: database and a {args.rows}-row file ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - t:.0f}s", file=sys.stderr)
        raw = calamine_read(path)
        first = run_child(env, path)
        rerun = run_child(env, path)
        raw = min(raw, calamine_read(path))
        assert first["counts"]["created"] == args.rows, first["counts"]
        assert rerun["counts"]["unchanged"] == args.rows, rerun["counts"]
        print(f"calamine_s={raw:.2f} import_s={first['seconds']:.2f} (read_s={first['read_s']:.2f} "
              f"cells_s={first['cells_s']:.2f} check_write_s={first['check_write_s']:.2f}) "
              f"rerun_s={rerun['seconds']:.2f} rerun_ratio={rerun['seconds'] / raw:.1f}")
        print(f"db={db} rows={args.rows} rows_per_s={args.rows / first['seconds']:.0f} "
              f"ratio_vs_calamine={first['seconds'] / raw:.1f} peak_mb={first['peak_mb']:.0f}")
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
