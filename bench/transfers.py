"""Benchmark: relation transfers at national scale.

    python bench/transfers.py [--scale 0.1] [--letters N] [--database-url postgres://…] [--reuse] [--keep]

(``--reuse`` of a kept PostgreSQL run: with ``SHUNIU_VAR_DIR`` set to the directory it printed.)

Creates a fresh database and generates the ``national`` scenario at ``--scale`` (or, with
``--reuse``, migrates a database already generated, e.g. by ``bench/generate.py`` or a kept run of
this bench), then writes ``--letters`` letters (100,000 × scale by default; those the database
lacks) in bulk, as a generator does: one a member, from the party org holding the
relation; 60 % inside the system received on a date in the last two years (with the member's
``RelationChange`` and the relation moved, as ``relation_move`` leaves them), 20 % issued and
waiting (a part of them overdue), 5 % returned, 10 % sent out of the system, 5 % received from
outside. The letters carry no case: these reads do not join it beyond a null.

Then measures, median and 95th percentile of the wall time of the query, evaluated:

* ``as_of``: ``relation_as_of(member, day)`` for 400 random members (half of them moved) and days
  between 2015 and today;
* ``list_city`` / ``list_district`` / ``list_party``: the first page of ``letter_search`` (the
  count and the first 20 rows, as the paginator asks them), 30 times each, for a city officer's
  scope (the city with the most letters), a district officer's (the district with the most) and a
  party scope (the comprehensive committee with the most letters under it).

Target (issue 13): ≤ 50 ms each. Last line, e.g.:
``db=sqlite members=3029610 letters=100000 as_of_ms=0.4/0.6 list_city_ms=…/… list_district_ms=…/… list_party_ms=…/…``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.coverage import fresh_database  # noqa: E402


def write_letters(count: int, today: dt.date, first: int = 0) -> int:
    """``count`` letters in bulk (see the module docstring), for members with none yet, numbered
    from ``first``; returns how many were written."""
    from django.db import connection, transaction

    from shuniu.party.models import PartyMember, PartyOrg, RelationChange
    from shuniu.transfers.models import RelationLetter

    rng = random.Random(13)
    orgs = list(PartyOrg.objects.filter(dissolved_on__isnull=True).values_list("pk", flat=True))
    holders = list(PartyMember.objects.filter(ended_on__isnull=True, relation_org__isnull=False,
                                              relation_letters__isnull=True).values_list("pk", "relation_org_id"))
    picked = rng.sample(holders, min(count, len(holders)))
    letters: list[RelationLetter] = []
    moves: list[RelationChange] = []
    moved: list[tuple[int, int]] = []
    for n, (member_id, org_id) in enumerate(picked):
        roll = rng.random()
        to_org = rng.choice(orgs)
        while to_org == org_id:
            to_org = rng.choice(orgs)
        issued = today - dt.timedelta(days=rng.randint(0, 730))
        valid = rng.choice([10, 30, 30, 30, 90])
        common = {"member_id": member_id, "number": f"B{first + n:07d}", "issued_on": issued, "valid_days": valid,
                  "valid_until": issued + dt.timedelta(days=valid), "reason": "工作调动", "dues_paid_to": "2026-11"}
        if roll < 0.60:
            received = min(issued + dt.timedelta(days=rng.randint(0, valid)), today)
            letters.append(RelationLetter(kind="internal", state="completed", from_org_id=org_id, to_org_id=to_org,
                                          receiver_id=to_org, received_on=received, received_by="bench", **common))
            moves.append(RelationChange(member_id=member_id, on=received, from_org_id=org_id, to_org_id=to_org,
                                        reason="bench"))
            moved.append((to_org, member_id))
        elif roll < 0.85:
            state = "issued" if roll < 0.80 else "returned"
            letters.append(RelationLetter(kind="internal", state=state, from_org_id=org_id, to_org_id=to_org,
                                          receiver_id=to_org, **common))
        elif roll < 0.95:
            letters.append(RelationLetter(kind="outgoing", state="issued" if roll < 0.90 else "completed",
                                          from_org_id=org_id, to_elsewhere="系统外党组织", **common))
        else:
            letters.append(RelationLetter(kind="incoming", state="completed", from_elsewhere="系统外党组织",
                                          to_org_id=org_id, receiver_id=org_id, received_on=issued, **common))
    with transaction.atomic():
        RelationLetter.objects.bulk_create(letters, batch_size=2000)
        RelationChange.objects.bulk_create(moves, batch_size=2000)
        with connection.cursor() as cur:
            for start in range(0, len(moved), 2000):
                cur.executemany("UPDATE party_partymember SET relation_org_id = %s WHERE id = %s",
                                moved[start:start + 2000])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE transfers_relationletter")
            cur.execute("ANALYZE party_relationchange")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return len(letters)


def timed(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """Median and 95th percentile in ms of ``n`` calls after a warm-up."""
    fn()
    times = []
    for _i in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--letters", type=int, default=-1, help="default: 100,000 × scale")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="use --database-url as it is (already generated)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the plan of each list query")
    parser.add_argument("--random-page-cost", type=float, default=0.0,
                        help="PostgreSQL: SET random_page_cost for the measured session (1.1 for an SSD)")
    args = parser.parse_args()

    url = args.database_url
    tmp = ""
    if args.reuse and url.startswith("sqlite:///"):
        # A kept SQLite benchmark directory holds the keys its personal data was written with.
        tmp = str(Path(url.removeprefix("sqlite:///")).parent)
        args.keep = True
    elif args.reuse and os.environ.get("SHUNIU_VAR_DIR"):
        # A kept PostgreSQL run: its keys are in the directory it printed.
        tmp = os.environ["SHUNIU_VAR_DIR"]
        args.keep = True
    if not tmp:
        tmp = tempfile.mkdtemp(prefix="shuniu-bench-")
        url = url or f"sqlite:///{tmp}/bench.sqlite3"
    if args.reuse:
        env = {**os.environ, "DATABASE_URL": url, "SHUNIU_VAR_DIR": tmp}
        subprocess.run([sys.executable, "-m", "shuniu.cli", "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    else:
        env = fresh_database(url, tmp)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from shuniu.accounts.actors import SystemActor
    from shuniu.accounts.scopes import Scope
    from shuniu.demo.models import ScenarioRun
    from shuniu.demo.services import scenario_generate
    from shuniu.party.models import PartyMember, PartyOrg, RelationChange
    from shuniu.party.relations import relation_as_of
    from shuniu.transfers.models import RelationLetter
    from shuniu.transfers.selectors import letter_search

    system = SystemActor("bench")
    if args.reuse:
        run = ScenarioRun.objects.get(name="national")
        print(f"reusing {url} (kept in {tmp})", flush=True)
    else:
        t0 = time.perf_counter()
        run = scenario_generate(actor=system, name="national", seed=1, scale=args.scale)
        print(f"generated: {run.counts} in {time.perf_counter() - t0:.1f}s", flush=True)
    today = dt.date.today()
    wanted = args.letters if args.letters >= 0 else int(100_000 * args.scale)
    if (have := RelationLetter.objects.count()) < wanted:
        t0 = time.perf_counter()
        made = write_letters(wanted - have, today, first=have)
        print(f"letters written: {made} in {time.perf_counter() - t0:.1f}s", flush=True)
    letters = RelationLetter.objects.count()
    members = PartyMember.objects.count()
    changes = RelationChange.objects.count()

    if args.random_page_cost and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET random_page_cost = %s", [args.random_page_cost])
    rng = random.Random(5)
    moved_ids = list(RelationChange.objects.values_list("member_id", flat=True)[:200_000])
    top = PartyMember.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    sample = rng.sample(moved_ids, min(200, len(moved_ids))) + [rng.randint(1, top) for _ in range(200)]
    existing = set(PartyMember.objects.filter(pk__in=sample).values_list("pk", flat=True))
    pairs = [(pk, dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, (today - dt.date(2015, 1, 1)).days)))
             for pk in sample if pk in existing]
    it = iter(pairs * 2)
    as_of = timed(lambda: relation_as_of(*next(it)), len(pairs) - 1)

    # The places with the most letters (by the sending side).
    def busiest(field: str) -> str:
        row = (RelationLetter.objects.filter(from_org__isnull=False).values(f"from_org__{field}")
               .annotate(n=Count("pk")).order_by("-n").first())
        assert row is not None
        return str(row[f"from_org__{field}"])

    city, district = busiest("city_code"), busiest("county_code")
    committee = (PartyOrg.objects.filter(kind="comprehensive_committee", county_code=district).order_by("pk").first()
                 or PartyOrg.objects.filter(kind="comprehensive_committee").order_by("pk").first())
    assert committee is not None
    scopes = {"city": Scope.of_region(city), "district": Scope.of_region(district),
              "party": Scope("party", party_path=committee.path)}

    results: dict[str, tuple[float, float]] = {}
    found: dict[str, int] = {}
    for name, scope in scopes.items():
        def page(scope: Any = scope) -> int:
            qs = letter_search(scope)
            total = qs.count()
            list(qs[:20])
            return total

        found[name] = page()
        results[name] = timed(page, 30)
        if args.explain:
            qs = letter_search(scope)
            print(f"-- {name}: {qs[:20].query}", flush=True)
            print(qs[:20].explain(), flush=True)
            print(qs.order_by().explain(), flush=True)
    print(f"scopes: city {city} ({found['city']} letters), district {district} ({found['district']}), "
          f"party {committee.name} #{committee.pk} ({found['party']})", flush=True)
    connection.close()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept: {url} (SHUNIU_VAR_DIR={tmp})", flush=True)

    def fmt(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.1f}/{pair[1]:.1f}"

    print(f"db={connection.vendor} members={members} letters={letters} relation_changes={changes} "
          f"as_of_ms={fmt(as_of)} list_city_ms={fmt(results['city'])} list_district_ms={fmt(results['district'])} "
          f"list_party_ms={fmt(results['party'])}", flush=True)


if __name__ == "__main__":
    main()
