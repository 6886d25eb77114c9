"""Benchmark: the REST API under gunicorn on PostgreSQL, with concurrent clients.

    python bench/api.py [--orgs 1000000] [--database-url postgres://postgres@127.0.0.1:5432/shuniu_bench_api]
                        [--reuse] [--clients 16] [--seconds 30] [--workers 4] [--threads 4]

Unless ``--reuse``, drops and recreates the database, migrates, loads the divisions and generates the
``national`` scenario scaled to ``--orgs`` (1,000,000 orgs: scale 1.112, about an hour on this
machine; with ``--reuse`` an existing database of at least that many orgs is used as it is).

Then it starts gunicorn (gthread workers) on the database and runs three phases of ``--seconds``
each, ``--clients`` client processes with one keep-alive connection each, every request carrying a
bearer token of a persona made with ``shuniu adduser --token``:

- ``nodb``: ``GET /api/v1/ping``, the same server, middleware and router without the database: the
  same-run baseline the other phases are compared with;
- ``list``: ``GET /api/v1/orgs`` pages as officers use them: the administrator and city officers
  filtering by province, city, district or street, type or coverage status, sorted by name or
  date, at a random page among the first 20; district officers searching their district by a
  name fragment or browsing it;
- ``detail``: ``GET /api/v1/orgs/{id}`` for random orgs within each persona's scope.

Every response must be 200 (a failed request stops the run). Last line, e.g.:
``orgs=1000800 p99_list_ms=41 p99_detail_ms=12 rps=830 ratio_vs_nodb=0.62``
where ``rps`` is list and detail requests per second together and ``ratio_vs_nodb`` that divided by
the no-database phase's rate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NATIONAL_ORGS = 900_000  # orgs of `national` at scale 1
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shuniu_bench_api"


def shuniu(env: dict[str, str], *args: str, quiet: bool = False) -> str:
    out = subprocess.run([sys.executable, "-m", "shuniu.cli", *args], check=True, env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if not quiet:
        print(out.stdout.strip())
    return out.stdout


def prepare(url: str, env: dict[str, str], orgs: int, reuse: bool) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    if not reuse:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        shuniu(env, "migrate", "-v0")
        shuniu(env, "loadregions", quiet=True)
        t0 = time.perf_counter()
        shuniu(env, "generate", "--scenario", "national", "--scale", f"{orgs / NATIONAL_ORGS:.4f}")
        print(f"generated in {time.perf_counter() - t0:.0f}s")
    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM registry_socialorg").fetchone()[0]  # type: ignore[index]
        conn.execute("ANALYZE")
    if have < orgs * 0.99:
        sys.exit(f"the database holds {have} orgs, fewer than --orgs {orgs}: run without --reuse")


def personas(url: str, env: dict[str, str]) -> list[dict[str, Any]]:
    """Tokens for an administrator, two city officers and two district officers of the busiest places,
    each with samples of what they list and open."""
    import psycopg

    tag = f"{os.getpid()}"
    with psycopg.connect(url) as conn:
        def rows(sql: str, *params: Any) -> list[Any]:
            return [r[0] for r in conn.execute(sql, params).fetchall()]

        cities = rows("SELECT city_code FROM registry_socialorg GROUP BY city_code ORDER BY count(*) DESC LIMIT 2")
        districts = rows("SELECT county_code FROM registry_socialorg GROUP BY county_code "
                         "ORDER BY count(*) DESC LIMIT 2")
        provinces = rows("SELECT DISTINCT province_code FROM registry_socialorg")
        people: list[dict[str, Any]] = []
        for role, scope in [("admin", ""), *(("city_officer", c) for c in cities),
                            *(("district_officer", d) for d in districts)]:
            out = shuniu(env, "adduser", f"bench-{role}-{scope or 'all'}-{tag}", "--role", role,
                         "--scope", scope, "--token", quiet=True)
            token = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("token: "))
            where, params = ("", ()) if not scope else (
                f"WHERE {'city_code' if len(scope) == 4 else 'county_code'} = %s", (scope,))
            ids = rows(f"SELECT id FROM registry_socialorg {where} ORDER BY random() LIMIT 2000", *params)
            if scope:
                field = "city_code" if len(scope) == 4 else "county_code"
                below = rows(f"SELECT DISTINCT {'county_code' if len(scope) == 4 else 'street_code'} "
                             f"FROM registry_socialorg WHERE {field} = %s", scope)
                regions = [scope, *below]
            else:
                regions = provinces + cities + districts
            words = rows(f"SELECT substr(name, 3, 2) FROM registry_socialorg {where} ORDER BY random() LIMIT 200",
                         *params)
            people.append({"role": role, "scope": scope, "token": token, "ids": ids, "regions": regions,
                           "words": words})
    return people


def list_path(r: random.Random, person: dict[str, Any]) -> str:
    """A page of the org list as this persona asks for it (see the module docstring)."""
    params: dict[str, Any] = {"region": r.choice(person["regions"]), "limit": 20, "offset": 20 * r.randrange(20)}
    roll = r.random()
    if person["role"] == "district_officer" and roll < 0.3:
        params.update(q=r.choice(person["words"]), offset=0)
    elif roll < 0.4:
        params["type"] = r.choice(["social_group", "service_institution"])
    elif roll < 0.6:
        params["coverage_status"] = r.choice(["own", "joint", "none"])
    params["ordering"] = r.choice(["name", "-established_on", "id"])
    return "/api/v1/orgs?" + urlencode(params)


def client(args: tuple[str, int, float, list[dict[str, Any]], int]) -> list[float]:
    """One client: one keep-alive connection, requests back to back until the deadline."""
    phase, port, deadline, people, seed = args
    r = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    while time.time() < deadline:
        person = r.choice(people)
        if phase == "nodb":
            path = "/api/v1/ping"
        elif phase == "list":
            path = list_path(r, person)
        else:
            path = f"/api/v1/orgs/{r.choice(person['ids'])}"
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {person['token']}"})
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status != 200:
            raise SystemExit(f"{path} as {person['role']} {person['scope']}: {response.status} {body[:300]!r}")
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return latencies


def run_phase(phase: str, port: int, seconds: float, clients: int, people: list[dict[str, Any]],
              pool: Any) -> dict[str, float]:
    t0 = time.time()
    deadline = t0 + seconds
    results = pool.map(client, [(phase, port, deadline, people, 1000 * i + len(phase)) for i in range(clients)])
    elapsed = time.time() - t0
    lat = sorted(x for chunk in results for x in chunk)
    n = len(lat)
    stats = {"n": n, "rps": n / elapsed, "p50_ms": 1000 * statistics.median(lat),
             "p95_ms": 1000 * lat[int(0.95 * (n - 1))], "p99_ms": 1000 * lat[int(0.99 * (n - 1))],
             "max_ms": 1000 * lat[-1], "seconds": elapsed}
    print(f"{phase:6} requests={n} rps={stats['rps']:.0f} p50_ms={stats['p50_ms']:.1f} "
          f"p95_ms={stats['p95_ms']:.1f} p99_ms={stats['p99_ms']:.1f} max_ms={stats['max_ms']:.1f}", flush=True)
    return stats


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--var-dir", default="", help="SHUNIU_VAR_DIR of that database (its keys); default: a new one")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("bench/api.py measures a PostgreSQL deployment: --database-url postgres://…")

    var_dir = args.var_dir or tempfile.mkdtemp(prefix="shuniu-bench-api-")
    env = {**os.environ, "DATABASE_URL": args.database_url, "SHUNIU_VAR_DIR": var_dir,
           "SHUNIU_ALLOWED_HOSTS": "127.0.0.1,localhost", "SHUNIU_DEBUG": "0"}
    prepare(args.database_url, env, args.orgs, args.reuse)
    people = personas(args.database_url, env)
    import psycopg

    with psycopg.connect(args.database_url) as conn:
        orgs = conn.execute("SELECT count(*) FROM registry_socialorg").fetchone()[0]  # type: ignore[index]

    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "shuniu.wsgi", "-k", "gthread", "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning"],
        env=env, cwd=ROOT)
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/ping")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not answer /api/v1/ping")
        print(f"orgs={orgs} server: gunicorn gthread {args.workers}×{args.threads}, clients={args.clients}, "
              f"{args.seconds:.0f}s a phase; personas: " + ", ".join(f"{p['role']} {p['scope'] or '全国'}" for p in people))
        with mp.get_context("fork").Pool(args.clients) as pool:
            run_phase("list", port, 5, args.clients, people, pool)  # warm-up: connections, caches
            nodb = run_phase("nodb", port, args.seconds, args.clients, people, pool)
            lst = run_phase("list", port, args.seconds, args.clients, people, pool)
            det = run_phase("detail", port, args.seconds, args.clients, people, pool)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rps = (lst["n"] + det["n"]) / (lst["seconds"] + det["seconds"])
    print(json.dumps({"nodb": nodb, "list": lst, "detail": det}, default=float))
    print(f"orgs={orgs} p99_list_ms={lst['p99_ms']:.0f} p99_detail_ms={det['p99_ms']:.0f} rps={rps:.0f} "
          f"ratio_vs_nodb={rps / nodb['rps']:.2f}")


if __name__ == "__main__":
    main()
