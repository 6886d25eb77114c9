"""The demo scenarios' org life: two years of meetings for every party org, with figures that mean
something (most comply, some miss lectures, a few joint branches lag), stored figures equal to a
recomputation, meeting counts equal to their attendance rows, and the previous year's member review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, F

from shuniu.core.actors import SystemActor
from shuniu.demo.orglife import seed_orglife
from shuniu.demo.services import scenario_generate
from shuniu.orglife import compliance
from shuniu.orglife.models import ROLLUP_FIELDS, Attendance, LifeRollup, LifeTally, Meeting, ReviewResult
from shuniu.party.models import PartyOrg

pytestmark = pytest.mark.django_db


def test_the_zhonglou_scenario_has_two_years_of_org_life_with_meaningful_figures():
    run = scenario_generate(actor=SystemActor("test"), name="zhonglou")
    today = dt.date.today()
    years = [today.year - 1, today.year]
    assert run.counts["life_meetings"] == Meeting.objects.count() > 0
    assert run.counts["life_attendance"] == Attendance.objects.count()
    assert Meeting.objects.filter(held_on__gt=today).count() == 0
    assert Meeting.objects.filter(held_on__lt=dt.date(years[0], 1, 1)).count() == 0
    # Every generated party org held meetings (none before it was set up).
    orgs = PartyOrg.objects.filter(is_demo=True, dissolved_on__isnull=True, established_on__lt=dt.date(years[0], 1, 1))
    assert set(orgs.values_list("pk", flat=True)) <= set(Meeting.objects.values_list("party_org_id", flat=True))
    assert not Meeting.objects.filter(held_on__lt=F("party_org__established_on")).exists()

    assert compliance.meeting_counts_wrong() == []
    assert compliance.stored_years() == years
    for year in years:
        assert compliance.stored_rollup(year) == compliance.compute_rollup(year)
        # The roll-up summed level by level equals each party org added at each of its keys.
        figures = list(compliance.org_figures(year, compliance.seen_on(year)))
        naive: dict = {}
        for f in figures:
            for key in f.keys(year):
                row = naive.setdefault(key, dict.fromkeys(ROLLUP_FIELDS, 0))
                row["orgs"] += 1
                row["complete"] += int(f.complete)
                row["idle"] += int(f.idle)
                for name, value in f.counts.items():
                    row[name] += value
        assert compliance.add_up(figures, year) == naive
        country = LifeRollup.objects.get(year=year, dimension="region", key="", region="")
        assert 0.6 < country.rate < 0.98
        assert 0.6 < country.attendance_rate < 0.98
        assert 0 < country.complete < country.orgs
        assert country.held_party_lecture < country.exp_party_lecture  # some miss lectures
        # The district's row is the country's (one district).
        assert compliance.stored_rollup(year)[("region", "", "320404")] == compliance.stored_rollup(year)[
            ("region", "", "")]
    # A few joint branches lag: idle in the last three months, and less compliant than the branches.
    now = LifeRollup.objects.get(year=today.year, dimension="region", key="", region="")
    assert 0 < now.idle < now.orgs // 5
    joint = LifeRollup.objects.get(year=today.year, dimension="type", key="joint_branch", region="")
    branch = LifeRollup.objects.get(year=today.year, dimension="type", key="branch", region="")
    assert joint.rate < branch.rate
    assert LifeTally.objects.filter(year=today.year, idle=True).exclude(kind="joint_branch").count() == 0

    # Absentees give a reason, mostly leave; attendance rows are the members expected.
    absent = dict(Attendance.objects.filter(present=False).values_list("reason").annotate(n=Count("id")))
    assert "" not in absent and absent["leave"] > sum(absent.values()) / 2

    # Last year's member review: mostly 合格/优秀, a few 基本合格, 不合格 rare and followed up.
    grades = dict(ReviewResult.objects.filter(year=years[0]).values_list("grade").annotate(n=Count("id")))
    total = sum(grades.values())
    assert total > 0 and (grades["qualified"] + grades["excellent"]) / total > 0.9
    assert grades.get("basic", 0) > 0
    assert grades.get("unqualified", 0) < total * 0.02
    for r in ReviewResult.objects.filter(grade="unqualified"):
        assert r.follow_up == "education" and r.improve_by > r.reviewed_on
    assert not ReviewResult.objects.filter(year=today.year).exists()
    assert LifeRollup.objects.get(year=years[0], dimension="region", key="", region="").rev_qualified == grades[
        "qualified"]


def test_the_org_life_is_reproducible_for_a_seed():
    scenario_generate(actor=SystemActor("test"), name="zhonglou", seed=7)

    def snapshot() -> tuple[list, list, list]:
        meetings = list(Meeting.objects.order_by("party_org_id", "held_on", "kinds").values_list(
            "party_org_id", "held_on", "kinds", "topic", "place", "expected_count", "present_count"))
        attendance = sorted(Attendance.objects.values_list("meeting__party_org_id", "meeting__held_on",
                                                           "meeting__kinds", "member_id", "present", "reason"))
        reviews = sorted(ReviewResult.objects.values_list("member_id", "year", "grade", "reviewed_on"))
        return meetings, attendance, reviews

    first = snapshot()
    assert len(first[0]) > 1000
    ReviewResult.objects.all().delete()
    Attendance.objects.all().delete()
    Meeting.objects.all().delete()
    seed_orglife(7)
    assert snapshot() == first
    # Another seed makes other choices.
    ReviewResult.objects.all().delete()
    Attendance.objects.all().delete()
    Meeting.objects.all().delete()
    seed_orglife(8)
    assert snapshot()[0] != first[0]


def test_a_rebuild_writes_back_only_the_stored_figures_that_differ():
    scenario_generate(actor=SystemActor("test"), name="zhonglou")
    year = dt.date.today().year
    assert compliance.rebuild() == {"tallies": 0, "rollup": 0}
    tallies = list(LifeTally.objects.filter(year=year).values_list("pk", flat=True)[:5])
    LifeTally.objects.filter(pk__in=tallies[:3]).update(held_theme_day=999, hubs="x")
    LifeTally.objects.filter(pk__in=tallies[3:]).delete()
    rows = list(LifeRollup.objects.filter(year=year).values_list("pk", flat=True)[:6])
    LifeRollup.objects.filter(pk__in=rows[:3]).update(orgs=12345)
    LifeRollup.objects.filter(pk__in=rows[3:]).delete()
    LifeRollup.objects.create(year=year, dimension="hub", key="999999", region="", orgs=1)
    assert compliance.rebuild([year]) == {"tallies": 5, "rollup": 7}
    assert compliance.stored_rollup(year) == compliance.compute_rollup(year)
    stored = {t.party_org_id: t for t in LifeTally.objects.filter(year=year)}
    figures = list(compliance.org_figures(year, compliance.seen_on(year)))
    assert len(stored) == len(figures)
    for f in figures:
        assert all(getattr(stored[f.party_org_id], k) == v for k, v in compliance._tally_values(f).items())
    assert compliance.rebuild() == {"tallies": 0, "rollup": 0}
