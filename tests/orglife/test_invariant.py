"""Any sequence of meeting records, corrections, deletions, member reviews, party-org and coverage
changes, on days that cross month and year ends, keeps the stored org-life figures equal to a
rebuild and to an independent recomputation from the raw rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.orglife import compliance
from shuniu.orglife.models import KINDS, Meeting
from shuniu.orglife.services import expected_roster, meeting_correct, meeting_delete, meeting_record, review_record
from shuniu.party.models import PartyOrg
from tests.coverage.test_engine import _pick, _run
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    SYSTEM,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
)
from tests.orglife import independent

pytestmark = pytest.mark.django_db

LIFE_OPS = ["record", "record", "record", "correct", "delete", "review", "advance", "advance"]
ORG_OPS = ["own", "joint", "dissolve", "cover", "uncover", "hub", "org_update", "member"]
START = dt.datetime(2025, 11, 20, 10, 0)
_IDS = itertools.count(80_000)


def _record(n: int, m: int) -> None:
    party_org = _pick(PartyOrg.objects.filter(dissolved_on__isnull=True), n)
    if party_org is None:
        return
    day = max(dt.date.today() - dt.timedelta(days=(n * 37 + m * 11) % 420), party_org.established_on)
    roster = sorted(expected_roster(party_org, day))
    present = [pk for i, pk in enumerate(roster) if (i + m) % 4]
    kinds = [k for i, k in enumerate(KINDS) if (n + m) >> i & 1] or ["theme_day"]
    meeting_record(actor=SYSTEM, party_org=party_org, kinds=kinds, held_on=day, topic=f"学习{n}",
                   attendees=present, absentees={pk: "leave" for pk in roster if pk not in present and m % 2})


def _life_op(op: str, n: int, m: int, clock: time_machine.Coordinates) -> None:
    if op == "advance":
        clock.shift(dt.timedelta(days=1 + (n * m) % 45))
    elif op == "record":
        _record(n, m)
    elif op == "correct" and (meeting := _pick(Meeting.objects.all(), n)):
        day = max(meeting.held_on - dt.timedelta(days=m % 70), meeting.party_org.established_on)
        meeting_correct(actor=SYSTEM, meeting=meeting, reason="更正", held_on=day,
                        kinds=[k for i, k in enumerate(KINDS) if m >> i & 1] or ["party_lecture"])
    elif op == "delete" and (meeting := _pick(Meeting.objects.all(), n)):
        meeting_delete(actor=SYSTEM, meeting=meeting, reason="重复")
    elif op == "review" and (party_org := _pick(PartyOrg.objects.filter(dissolved_on__isnull=True), n)):
        today = dt.date.today()
        members = sorted(expected_roster(party_org, today))
        grades = ["excellent", "qualified", "basic", "qualified"]
        review_record(actor=SYSTEM, party_org=party_org, year=today.year - (m % 2), reviewed_on=today,
                      results=[{"member": pk, "grade": grades[(i + m) % 4]} for i, pk in enumerate(members)
                               if dict.fromkeys(members, False).get(pk) is False])


def _base() -> None:
    for k, place in enumerate((HEHUACHI, CHAOYANG)):
        org = SocialOrgFactory(region_code=place)
        party_org = PartyOrgFactory(name=f"测试党支部{k}", covers=[org], established_on=dt.date(2024, 3 + k, 15))
        for _ in range(2 + k):
            PartyMemberFactory(workplace=org, relation_org=party_org, id_number=make_id_number(next(_IDS)))


def _check() -> None:
    today = dt.date.today()
    compliance.ensure_current()
    for year in compliance.stored_years():
        stored = compliance.stored_rollup(year)
        assert stored == compliance.compute_rollup(year), year
        assert independent.same(stored, independent.rollup(year, today)) == [], year
    assert compliance.meeting_counts_wrong() == []
    assert compliance.rebuild() == {"tallies": 0, "rollup": 0}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([*LIFE_OPS, *ORG_OPS]), st.integers(0, 60), st.integers(0, 60)),
                min_size=5, max_size=30))
def test_any_sequence_of_org_life_writes_keeps_the_stored_figures(ops):  # type: ignore[no-untyped-def]
    with transaction.atomic(), time_machine.travel(START, tick=False) as clock:
        _base()
        compliance.ensure_current()
        for op, n, m in ops:
            with contextlib.suppress(ValidationError):
                if op in LIFE_OPS:
                    _life_op(op, n, m, clock)
                else:
                    _run(op, n, m)
        _check()
        transaction.set_rollback(True)
