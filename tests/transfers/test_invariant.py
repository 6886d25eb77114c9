"""Any sequence of transfers, receipts, returns, extensions, letters out of and into the system,
relation corrections and member writes, on advancing days, keeps the stored coverage equal to a
rebuild, and keeps each member's relation held by exactly one party org (or recorded elsewhere, or
nowhere) on every date: the dated history replayed by hand agrees with ``relation_as_of`` and the
rosters ``roster_as_of`` gives, which never share a member."""

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

from shuniu.cases.services import case_act
from shuniu.party.models import PartyMember, PartyOrg, RelationChange
from shuniu.party.relations import relation_as_of, roster_as_of
from shuniu.party.services import member_update
from shuniu.transfers.models import RelationLetter
from shuniu.transfers.services import incoming_register, letter_issue, outgoing_record
from tests.coverage.test_engine import _pick, _run, assert_incremental_equals_rebuild
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    SYSTEM,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

LETTER_OPS = ["issue", "issue", "confirm", "confirm", "return", "extend", "withdraw", "outgoing", "incoming",
              "correct", "advance", "advance"]
MEMBER_OPS = ["org", "own", "joint", "dissolve", "member", "member", "member_update", "member_end"]
START = dt.datetime(2026, 1, 5, 10, 0)
_IDS = itertools.count(60_000)


def _open_letter(n: int) -> RelationLetter | None:
    return _pick(RelationLetter.objects.filter(state="issued", case__isnull=False).select_related("case"), n)


def _letter_op(op: str, n: int, m: int, clock: time_machine.Coordinates) -> None:
    members = PartyMember.objects.filter(ended_on__isnull=True)
    targets = PartyOrg.objects.filter(dissolved_on__isnull=True)
    if op == "advance":
        clock.shift(dt.timedelta(days=1 + n % 20))
    elif op == "issue":
        member, target = _pick(members.filter(relation_org__isnull=False), n), _pick(targets, m)
        if member and target:
            letter_issue(actor=SYSTEM, member=member, to_org=target, valid_days=5 + m % 26)
    elif op in ("confirm", "return", "extend", "withdraw") and (letter := _open_letter(n)) is not None:
        assert letter.case is not None
        data = {"extend_days": 1 + m % 60} if op == "extend" else {}
        case_act(actor=SYSTEM, case=letter.case, action=op, comment="测试", data=data)
    elif op == "outgoing" and (member := _pick(members.filter(relation_org__isnull=False), n)):
        outgoing_record(actor=SYSTEM, member=member, number=f"外转{n}-{m}", to_elsewhere=f"外省党支部{m}",
                        issued_on=dt.date.today() - dt.timedelta(days=m % 3))
    elif op == "incoming" and (target := _pick(targets, n)):
        incoming_register(actor=SYSTEM, to_org=target, number=f"外入{n}-{m}", from_elsewhere=f"外省党支部{m}",
                          issued_on=dt.date.today() - dt.timedelta(days=3), received_on=dt.date.today(),
                          person={"name": f"转入{n}", "gender": "male", "id_number": make_id_number(next(_IDS)),
                                  "admitted_on": "2012-07-01", "full_on": "2013-07-01"})
    elif op == "correct" and (member := _pick(members, n)):
        target = _pick(targets, m)
        member_update(actor=SYSTEM, member=member, relation_org=target if m % 3 else None,
                      relation_elsewhere="" if m % 3 else f"外省党支部{m}")


def _replayed(member: PartyMember, day: dt.date) -> tuple[int | None, str]:
    """The relation on ``day`` from the member's moves, replayed one by one (independently of the SQL)."""
    moves = list(member.relation_changes.order_by("on", "id"))
    if not moves:
        return member.relation_org_id, member.relation_elsewhere
    held = (moves[0].from_org_id, moves[0].from_elsewhere)
    for move in moves:
        if move.on <= day:
            held = (move.to_org_id, move.to_elsewhere)
    return held


def _assert_one_relation_on_every_date() -> None:
    members = list(PartyMember.objects.all())
    for member in members:
        moves = list(member.relation_changes.order_by("on", "id"))
        # The history is a chain that ends at today's relation: each move leaves where the last one went.
        for before, after in itertools.pairwise(moves):
            assert (before.to_org_id, before.to_elsewhere) == (after.from_org_id, after.from_elsewhere)
        if moves:
            assert (moves[-1].to_org_id, moves[-1].to_elsewhere) == (member.relation_org_id, member.relation_elsewhere)
    days = {START.date() + dt.timedelta(days=k) for k in range(0, (dt.date.today() - START.date()).days + 1, 9)}
    days |= {c.on + dt.timedelta(days=d) for c in RelationChange.objects.all() for d in (-1, 0)}
    orgs = list(PartyOrg.objects.values_list("pk", flat=True))
    for day in sorted(days):
        seen: dict[int, int] = {}
        for org in orgs:
            for pk in roster_as_of(org, day).values_list("pk", flat=True):
                assert pk not in seen, f"member {pk} on two rosters on {day}"
                seen[pk] = org
        for member in members:
            at = relation_as_of(member, day)
            assert (at.party_org_id, at.elsewhere) == _replayed(member, day), (member.pk, day)
            assert not (at.party_org_id and at.elsewhere)
            expected = at.party_org_id if at.on_roster else None
            assert seen.get(member.pk) == expected, (member.pk, day)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([*LETTER_OPS, *MEMBER_OPS]), st.integers(0, 50), st.integers(0, 50)),
                min_size=5, max_size=30))
def test_any_sequence_of_transfers_keeps_coverage_and_one_relation_per_member_on_every_date(ops):
    # Each example starts from an empty database on the same day (hypothesis runs its examples in
    # one test, whose database is rolled back only at its end): the clock never goes back.
    with transaction.atomic(), time_machine.travel(START, tick=False) as clock:
        _examples(ops, clock)
        transaction.set_rollback(True)


def _base() -> None:
    """Two orgs with a party org each and members on both rosters, so that every example moves people."""
    for k, place in enumerate((HEHUACHI, CHAOYANG)):
        org = SocialOrgFactory(region_code=place)
        party_org = PartyOrgFactory(name=f"测试党支部{k}", covers=[org])
        for _ in range(2 + k):
            PartyMemberFactory(workplace=org, relation_org=party_org, id_number=make_id_number(next(_IDS)))


def _examples(ops: list[tuple[str, int, int]], clock: time_machine.Coordinates) -> None:
    _base()
    for op, n, m in ops:
        # A refused write must leave nothing behind, which the comparisons below also check.
        with contextlib.suppress(ValidationError):
            if op in LETTER_OPS:
                _letter_op(op, n, m, clock)
            else:
                _run(op, n, m)
    assert_incremental_equals_rebuild()
    _assert_one_relation_on_every_date()
