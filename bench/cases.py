"""Benchmark: the to-do inbox and the case pages at national scale.

    python bench/cases.py [--scale 0.1] [--database-url postgres://…] [--reuse]

Creates a fresh database and generates the ``national`` scenario at ``--scale`` (or, with
``--reuse``, migrates a database already generated, e.g. by ``bench/generate.py``), then opens an
establishment application for every org that is due and has none (``due_q``, one definition),
submitted to its responsible party body (``responsible_bodies``, one definition) on a date in the
last 60 days, so that a part of them are overdue: written in bulk, as a generator does, with the
submission step of each. Then, through Django's test client (the whole request: middleware,
selectors, template), median of 20 requests after a warm-up:

* ``inbox_city_ms``: ``GET /todo/`` for a city officer of the city with the most cases;
* ``inbox_committee_ms``: the same for the user of the county's comprehensive committee with the most;
* ``api_todo_ms``: ``GET /api/v1/todo`` for the city officer;
* ``open_queries``: the queries of ``GET /cases/<id>/`` (the case page, its timeline and its form)
  as the committee's user; ``act_queries``: of returning it (``case_act``: lock, checks, state, step,
  audit); ``approve_queries``: of approving one (the party org created, its coverage, members moved,
  secretary set, coverage figures kept true).

Targets (issue 12): inbox ≤ 100 ms of server time; opening or acting ≤ 20 queries. Last line, e.g.:
``db=sqlite orgs=90000 cases=5712 inbox_city_ms=41 inbox_committee_ms=23 api_todo_ms=35 open_queries=14 act_queries=11``
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.coverage import fresh_database  # noqa: E402


def open_cases(today: dt.date) -> int:
    """An establishment application for every due org without one, in bulk."""
    from django.db import transaction

    from shuniu.cases.models import Case, CaseStep
    from shuniu.coverage.due import Thresholds, due_q
    from shuniu.party.bodies import responsible_bodies
    from shuniu.party.models import PartyMember
    from shuniu.registry.models import SocialOrg
    from shuniu.rulesettings.selectors import current

    rng = random.Random(12)
    due = (SocialOrg.objects.filter(status="active").filter(due_q(thresholds=Thresholds(current())))
           .exclude(cases__kind="establishment").order_by("pk"))
    made = 0
    ids = list(due.values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        chunk = list(SocialOrg.objects.filter(pk__in=ids[start:start + 5000]))
        bodies = responsible_bodies(chunk)
        staff: dict[int, list[int]] = {}
        for member_id, org_id in PartyMember.objects.filter(workplace__in=chunk, ended_on__isnull=True,
                                                            status="full").values_list("pk", "workplace_id"):
            staff.setdefault(org_id, []).append(member_id)
        rows = []
        for org in chunk:
            body = bodies.get(org.pk)
            if body is None:
                continue
            submitted = today - dt.timedelta(days=rng.randint(0, 60))
            members = staff.get(org.pk, [])
            case = Case(kind="establishment", state="submitted", title=f"成立党组织申请：{org.name}", org=org,
                        body=body.party_org, holder=body.party_org, waiting_on="body", submitted_on=submitted,
                        due_on=submitted + dt.timedelta(days=30), opened_by_label="bench",
                        data={"party_kind": "branch", "name": f"{org.name}党支部",
                              "members": {str(m): "relation" for m in members},
                              "secretary": members[0] if members else None})
            case.region_id = org.region_id
            case.place_at(org.region_id)
            rows.append(case)
        with transaction.atomic():
            created = Case.objects.bulk_create(rows, batch_size=2000)
            CaseStep.objects.bulk_create([CaseStep(case=c, action="submit", from_state="draft", to_state="submitted",
                                                   actor_label="bench", body=c.body) for c in created],
                                         batch_size=2000)
        made += len(rows)
    return made


def timed_get(client: Any, url: str, n: int = 20, **headers: Any) -> float:
    client.get(url, **headers)  # warm-up: caches, connection, template loading
    times = []
    for _i in range(n):
        t0 = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="use --database-url as it is (already generated)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="shuniu-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    if args.reuse and url.startswith("sqlite:///"):
        # A kept SQLite benchmark directory holds the keys its personal data was written with.
        tmp = str(Path(url.removeprefix("sqlite:///")).parent)
        args.keep = True
    if args.reuse:
        env = {**os.environ, "DATABASE_URL": url, "SHUNIU_VAR_DIR": tmp}
        subprocess.run([sys.executable, "-m", "shuniu.cli", "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    else:
        env = fresh_database(url, tmp)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from shuniu.accounts.actors import SystemActor
    from shuniu.accounts.services import token_create, user_create
    from shuniu.cases.models import Case
    from shuniu.cases.services import case_act
    from shuniu.demo.models import ScenarioRun
    from shuniu.demo.services import scenario_generate

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SHUNIU_API_RATE = "1000000/m"
    system = SystemActor("bench")
    if args.reuse:
        run = ScenarioRun.objects.get(name="national")
    else:
        t0 = time.perf_counter()
        run = scenario_generate(actor=system, name="national", seed=1, scale=args.scale)
        print(f"generated: {run.counts} in {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    made = open_cases(dt.date.today())
    total = Case.objects.count()
    print(f"cases opened: {made} (in all {total}) in {time.perf_counter() - t0:.1f}s", flush=True)

    city = (Case.objects.filter(waiting_on="body").values("city_code").annotate(n=Count("pk")).order_by("-n").first())
    county_body = (Case.objects.filter(waiting_on="body").values("body_id").annotate(n=Count("pk"))
                   .order_by("-n").first())
    assert city and county_body, "no case was opened"
    officer, _p = user_create(actor=system, username=f"bench_city_{time.time_ns()}", role="city_officer",
                              scope=city["city_code"], full_name="bench")
    committee_user, _p = user_create(actor=system, username=f"bench_body_{time.time_ns()}", role="secretary",
                                     scope=f"party:{county_body['body_id']}", full_name="bench")
    client = Client()
    client.force_login(officer)
    inbox_city = timed_get(client, "/todo/")
    token = token_create(actor=system, user=officer, label="bench")
    api_todo = timed_get(client, "/api/v1/todo", HTTP_AUTHORIZATION=f"Bearer {token}")
    client.force_login(committee_user)
    inbox_committee = timed_get(client, "/todo/")
    print(f"waiting: city {city['city_code']} {city['n']}, body {county_body['body_id']} {county_body['n']}",
          flush=True)

    case = Case.objects.filter(body_id=county_body["body_id"], waiting_on="body").order_by("pk").first()
    assert case is not None
    client.get(f"/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as opened:
        assert client.get(f"/cases/{case.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as acted:
        case_act(actor=committee_user, case=case, action="return", comment="请补充书记人选")
    other = (Case.objects.filter(body_id=county_body["body_id"], waiting_on="body", data__secretary__isnull=False)
             .exclude(pk=case.pk).order_by("pk").first())
    approve_queries = -1
    if other is not None:
        with CaptureQueriesContext(connection) as approved:
            case_act(actor=committee_user, case=other, action="approve",
                     data={"decision_no": "bench〔2026〕1号", "decided_on": dt.date.today()})
        approve_queries = len(approved)
    connection.close()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"db={connection.vendor} orgs={run.counts.get('orgs', 0)} cases={total} inbox_city_ms={inbox_city:.0f} "
          f"inbox_committee_ms={inbox_committee:.0f} api_todo_ms={api_todo:.0f} open_queries={len(opened)} "
          f"act_queries={len(acted)} approve_queries={approve_queries}", flush=True)


if __name__ == "__main__":
    main()
