"""The compliance figures: stored = rebuild = an independent recomputation, on many dates; the
rule's edges (slots, partial slots, several kinds at once, joint branches, participants)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from shuniu.orglife import compliance
from shuniu.orglife.models import LifeRollup, LifeTally
from shuniu.orglife.selectors import member_attendance
from shuniu.rulesettings.services import rule_setting_set
from tests.factories import SYSTEM
from tests.orglife import independent
from tests.orglife.conftest import meet

DATES = [dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 6, 15), dt.date(2025, 12, 30),
         dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 31),
         dt.date(2026, 5, 19), dt.date(2026, 5, 20)]


def _meetings(w):  # type: ignore[no-untyped-def]
    a, j, c, late = w.a, w.joint, w.committee, w.late
    am, jm, cm, lm = w.members[a], w.members[j], w.members[c], w.members[late]
    # The branch: a theme day each month of 2025 but August; general meetings in Q1, Q2 and Q4 with a
    # theme day; one lecture; the life meeting and the review in December.
    for month in [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]:
        kinds = ["theme_day"] + (["general_meeting"] if month in (3, 6, 12) else [])
        meet(a, kinds, dt.date(2025, month, 8), am[:2], {am[2]: "leave"})
    meet(a, ["party_lecture"], dt.date(2025, 5, 30), am)
    meet(a, ["life_meeting", "member_review"], dt.date(2025, 12, 20), am)
    meet(a, ["theme_day", "general_meeting"], dt.date(2026, 1, 9), am)
    meet(a, ["theme_day"], dt.date(2026, 3, 31), [*am[:1], w.guest])  # the guest takes part here
    # The joint branch lags: two theme days in 2025, one in 2026 (the one meeting counts for both its orgs).
    meet(j, ["theme_day", "party_lecture"], dt.date(2025, 4, 2), jm)
    meet(j, ["theme_day"], dt.date(2025, 10, 12), jm[:1], {jm[1]: "illness"})
    meet(j, ["theme_day", "general_meeting"], dt.date(2026, 4, 30), jm)
    # The committee: committee meetings most months.
    for month in [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12]:
        meet(c, ["committee_meeting"], dt.date(2025, month, 15), cm)
    meet(c, ["committee_meeting", "party_lecture"], dt.date(2026, 2, 2), cm)
    # The late branch: a meeting in its first, partial month.
    meet(late, ["theme_day", "general_meeting"], dt.date(2026, 2, 20), lm)


def test_stored_figures_equal_a_rebuild_and_an_independent_recomputation_on_every_date(world):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    _meetings(world)
    for year in (2025, 2026):
        assert compliance.stored_rollup(year) == compliance.compute_rollup(year)
    assert compliance.rebuild() == {"tallies": 0, "rollup": 0}
    for day in DATES:
        assert independent.same(compliance.compute_rollup(day.year, day), independent.rollup(day.year, day)) == [], day


def test_the_branch_figures_by_hand(world):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    _meetings(world)
    t = LifeTally.objects.get(party_org=world.a, year=2025)
    # Theme days: 12 months required, 11 held; general meetings: 4 quarters, 3 held; lectures: 1 of 4
    # quarters; life meeting and review: 1 of 1 each.
    assert (t.exp_theme_day, t.held_theme_day) == (12, 11)
    assert (t.exp_general_meeting, t.held_general_meeting) == (4, 3)
    assert (t.exp_party_lecture, t.held_party_lecture) == (4, 1)
    assert (t.exp_life_meeting, t.held_life_meeting, t.exp_member_review, t.held_member_review) == (1, 1, 1, 1)
    assert (t.exp_committee_meeting, t.exp_group_meeting) == (0, 0)  # not a branch's; groups off
    assert (t.held, t.expected, t.complete) == (17, 22, False)
    # 2026 seen on 05-20: January to April ended (theme days 4, held 2: January and March), Q1 ended
    # (general meeting held, lecture not), Q2 current (nothing held, so not counted).
    t = LifeTally.objects.get(party_org=world.a, year=2026)
    assert (t.exp_theme_day, t.held_theme_day, t.exp_general_meeting, t.held_general_meeting) == (4, 2, 1, 1)
    assert (t.exp_party_lecture, t.held_party_lecture, t.exp_life_meeting) == (1, 0, 0)
    # The late branch, set up on 02-10: February was partial, so not required, but held, so counted;
    # March and April required and missed; Q1 partial: its general meeting counted because held.
    t = LifeTally.objects.get(party_org=world.late, year=2026)
    assert (t.exp_theme_day, t.held_theme_day, t.exp_general_meeting, t.held_general_meeting) == (3, 1, 1, 1)
    # Idle: it existed through the last 3 calendar months (March to May) and held nothing in them.
    assert t.idle is True
    assert LifeTally.objects.get(party_org=world.a, year=2026).idle is False


def test_a_joint_branch_meeting_counts_once_for_the_branch_and_for_each_hub_of_its_orgs(world):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    meet(world.joint, ["theme_day", "general_meeting"], dt.date(2026, 4, 30), world.members[world.joint])
    tally = LifeTally.objects.get(party_org=world.joint, year=2026)
    assert (tally.held_theme_day, tally.held_general_meeting) == (1, 1)  # both kinds, one record
    h1, h2 = (str(h.pk) for h in world.hubs)
    for hub in (h1, h2):
        row = LifeRollup.objects.get(year=2026, dimension="hub", key=hub, region="")
        assert row.held_theme_day >= 1
    # Hub 2 has only the joint branch: its row is exactly the joint branch's.
    row = LifeRollup.objects.get(year=2026, dimension="hub", key=h2, region="")
    assert (row.orgs, row.held_theme_day, row.exp_theme_day) == (1, tally.held_theme_day, tally.exp_theme_day)


def test_a_participant_is_on_both_attendance_lists_and_counted_once_in_each(world):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    a, late, guest = world.a, world.late, world.guest
    meet(a, ["theme_day"], dt.date(2026, 3, 31), [*world.members[a], guest])
    meet(late, ["theme_day"], dt.date(2026, 3, 20), [guest], {world.members[late][1]: "leave"})
    at_a = {m.member_id: m for m in member_attendance(a, 2026)}
    at_late = {m.member_id: m for m in member_attendance(late, 2026)}
    assert at_a[guest.pk].participant and not at_late[guest.pk].participant
    assert (at_a[guest.pk].expected, at_a[guest.pk].present) == (1, 1)
    assert (at_late[guest.pk].expected, at_late[guest.pk].present) == (1, 1)
    # Both meetings were in March: one month, attended (attending anywhere satisfies the month).
    assert (at_a[guest.pk].months, at_a[guest.pk].months_attended) == (1, 1)
    # Each org's attendance counts the guest once per meeting.
    assert LifeTally.objects.get(party_org=a, year=2026).att_expected == 4
    assert LifeTally.objects.get(party_org=late, year=2026).att_expected == 2


def test_a_month_ending_moves_the_stored_figures_and_a_write_or_a_reader_catches_up(world):  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 5, 30, 9), tick=False):
        compliance.ensure_current()
        before = LifeTally.objects.get(party_org=world.a, year=2026).exp_theme_day
    with time_machine.travel(dt.datetime(2026, 5, 31, 9), tick=False):
        # May's last day: May's theme day is now required (ended at the end of the day).
        compliance.ensure_current()
        assert LifeTally.objects.get(party_org=world.a, year=2026).exp_theme_day == before + 1
        assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)
    with time_machine.travel(dt.datetime(2027, 1, 2, 9), tick=False):
        meet(world.a, ["theme_day"], dt.date(2027, 1, 2), world.members[world.a])
        # 2026 is over: all its slots required; 2027 has begun.
        assert LifeTally.objects.get(party_org=world.a, year=2026).exp_theme_day == 12
        for year in (2026, 2027):
            assert compliance.stored_rollup(year) == compliance.compute_rollup(year)


def test_a_local_setting_changes_the_slots_and_the_stored_figures_follow(world):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    _meetings(world)
    rule_setting_set(actor=SYSTEM, rule_id="LIFE", region="3204", params={"party_lecture": "month"},
                     source="测试：钟楼区党课每月一次")
    t = LifeTally.objects.get(party_org=world.a, year=2025)
    assert (t.exp_party_lecture, t.held_party_lecture) == (12, 1)
    # Chaoyang keeps quarterly lectures: Q1 was partial for the late branch and Q2 is current, so none
    # is required yet (monthly would require March and April).
    assert LifeTally.objects.get(party_org=world.late, year=2026).exp_party_lecture == 0
    for year in (2025, 2026):
        assert compliance.stored_rollup(year) == compliance.compute_rollup(year)
    assert independent.same(compliance.compute_rollup(2025), independent.rollup(2025, dt.date(2025, 12, 31))) == []


@pytest.mark.parametrize("change", ["dissolve", "industry", "hub", "link_end"])
def test_party_org_changes_keep_the_stored_figures(world, change):  # type: ignore[no-untyped-def]
    from shuniu.party.services import coverage_end, party_org_dissolve
    from shuniu.registry.services import org_update

    compliance.ensure_current()
    _meetings(world)
    if change == "dissolve":
        party_org_dissolve(actor=SYSTEM, party_org=world.joint, on=dt.date(2026, 5, 1), reason="合并")
    elif change == "industry":
        org_update(actor=SYSTEM, org=world.joint.coverages.order_by("pk").first().org, industry="education")
    elif change == "hub":
        org = world.joint.coverages.order_by("pk").first().org
        org_update(actor=SYSTEM, org=org, hub=world.hubs[1])
    else:
        link = world.joint.coverages.order_by("pk").last()
        coverage_end(actor=SYSTEM, coverage=link, ended_on=dt.date(2026, 5, 1), reason="迁出")
    for year in (2025, 2026):
        assert compliance.stored_rollup(year) == compliance.compute_rollup(year), change
    assert compliance.rebuild() == {"tallies": 0, "rollup": 0}
