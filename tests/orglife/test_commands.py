"""``shuniu life --rebuild / --check`` and the scheduler's round that recomputes org life at month ends."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from shuniu.core import scheduled
from shuniu.orglife import compliance
from shuniu.orglife.models import LifeRollup, LifeState, LifeTally
from shuniu.orglife.services import meeting_record
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("life", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_rebuild_prints_what_changed_and_check_passes_then_fails_on_a_tampered_figure(life):
    assert "nothing stored yet" in run("--check")
    first = run("--rebuild")
    assert "2026: " in first and "rebuilt 1 year(s)" in first
    assert " 0 tallies" not in first.splitlines()[0]  # the branch's tally was created
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on=dt.date(2025, 11, 3),
                   topic="去年的党员大会", attendees=[life.own[0]])
    assert "2025: " in run("--rebuild", "--year", "2025")
    again = run("--rebuild")
    assert "2025: 0 tallies, 0 roll-up rows changed" in again and "2026: 0 tallies, 0 roll-up rows changed" in again
    assert "equal a rebuild for 2 year(s)" in run("--check")

    LifeTally.objects.filter(party_org=life.branch, year=2026).update(held_theme_day=3)
    LifeRollup.objects.filter(year=2026, dimension="region", region="").update(orgs=99)
    with pytest.raises(CommandError, match="2026"):
        run("--check")
    assert LifeTally.objects.get(party_org=life.branch, year=2026).held_theme_day == 3  # the check wrote nothing
    fixed = run("--rebuild", "--year", "2026")
    assert "2026: 1 tallies" in fixed
    assert "equal a rebuild" in run("--check")
    assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)


def test_a_bad_year_is_refused(life):
    with pytest.raises(CommandError, match="--year 2030"):
        run("--rebuild", "--year", "2030")
    with pytest.raises(CommandError):
        run()  # --rebuild or --check


def test_the_scheduler_recomputes_org_life_when_a_month_ends(life):
    assert "orglife" in dict(scheduled.jobs())
    compliance.ensure_current()
    assert LifeState.objects.get(year=2026).period == "2026:4:5"
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "orglife" not in out.getvalue()  # nothing ended since: nothing to do
    with time_machine.travel(dt.datetime(2026, 6, 1, 2, 0), tick=False):
        out = io.StringIO()
        call_command("scheduler", "--once", stdout=out)
        assert "orglife: life figures recomputed" in out.getvalue()
        assert LifeState.objects.get(year=2026).period == "2026:5:6"
        # May's theme day is now missed: counted in the tally without any write.
        assert LifeTally.objects.get(party_org=life.branch, year=2026).exp_theme_day == 5
        assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)


def test_a_failing_job_is_reported_and_the_others_still_run():
    ran = []

    def broken() -> str:
        raise RuntimeError("boom")

    scheduled.register("zz-broken", broken)
    scheduled.register("zz-fine", lambda: ran.append(1) or "done")
    try:
        assert ("zz-broken", "failed: boom") in scheduled.run_all() and ran == [1]
    finally:
        scheduled._jobs.pop("zz-broken")
        scheduled._jobs.pop("zz-fine")
