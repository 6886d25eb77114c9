"""The stored per-org status and the rollup are kept true by the services and equal a rebuild."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.coverage import engine
from shuniu.coverage.models import Rollup
from shuniu.party import services as party
from shuniu.party.models import InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage
from shuniu.registry import services as registry
from shuniu.registry.models import Hub, SocialOrg
from shuniu.rulesettings.services import rule_setting_set
from tests.factories import (
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    InstructorFactory,
    PartyMemberFactory,
    SocialOrgFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 5, 1)


def assert_incremental_equals_rebuild() -> None:
    live_rollup = engine.stored_rollup()
    live_orgs = set(SocialOrg.objects.values_list("id", "coverage_status", "full_members", "members_on_staff"))
    # Both forms generated from the one status definition agree: the correlated CASE (figures as of
    # a date) with the set-based statement that stored the statuses.
    as_of_today = SocialOrg.objects.annotate(st=engine.status_expression(engine.today()))
    assert set(as_of_today.values_list("id", "st")) == {(i, st) for i, st, _fm, _sm in live_orgs}
    engine.rebuild()
    assert set(SocialOrg.objects.values_list("id", "coverage_status", "full_members", "members_on_staff")) == live_orgs
    assert engine.stored_rollup() == live_rollup


def status(org: SocialOrg) -> str:
    org.refresh_from_db()
    return org.coverage_status


def row(region: str, dimension: str = "region", key: str = "") -> Rollup:
    return Rollup.objects.get(dimension=dimension, key=key, region=region)


def test_each_service_moves_the_org_through_the_statuses_in_order():
    org = SocialOrgFactory(region_code=HEHUACHI)
    assert status(org) == "none"
    registry.org_update(actor=SYSTEM, org=org, has_trade_union=True, trade_union_on=DAY)
    assert status(org) == "mass_org"
    instructor = InstructorFactory()
    assignment = party.assignment_start(actor=SYSTEM, instructor=instructor, org=org, started_on=DAY)
    assert status(org) == "instructor"
    joint = party.party_org_create(actor=SYSTEM, name="中共荷花池街道社会组织联合支部委员会", kind="joint_branch",
                                   established_on=DAY, region_code=HEHUACHI, covers=[org])
    assert status(org) == "joint"
    own = party.party_org_create(actor=SYSTEM, name="中共测试协会支部委员会", kind="branch", established_on=DAY,
                                 covers=[org])
    assert status(org) == "own"
    party.party_org_dissolve(actor=SYSTEM, party_org=own, on=dt.date(2021, 1, 1), reason="组织合并")
    assert status(org) == "joint"
    party.coverage_end(actor=SYSTEM, coverage=PartyOrgCoverage.objects.get(party_org=joint, org=org),
                       ended_on=dt.date(2021, 2, 1))
    assert status(org) == "instructor"
    party.assignment_end(actor=SYSTEM, assignment=assignment, ended_on=dt.date(2021, 3, 1))
    assert status(org) == "mass_org"
    assert_incremental_equals_rebuild()


def test_rollup_counts_follow_the_writes_at_every_level():
    a = SocialOrgFactory(region_code=HEHUACHI)
    b = SocialOrgFactory(region_code=XILIN)
    c = SocialOrgFactory(region_code=JIANWAI)
    party.party_org_create(actor=SYSTEM, name="中共甲协会支部委员会", kind="branch", established_on=DAY, covers=[a])
    for n in range(3):
        PartyMemberFactory(workplace=b, id_number=make_id_number(900 + n))
    street, county, city, province = row("320404006"), row("320404"), row("3204"), row("32")
    assert (street.population, street.own) == (1, 1)
    assert (county.population, county.own, county.none, county.due) == (2, 1, 1, 1)
    assert (city.population, province.population) == (2, 2)
    assert county.branch == 1 and county.members_full == 3
    assert row("").population == 3 and row("110105").none == 1
    assert row("320404", "type", "social_group").population == 2
    registry.org_deregister(actor=SYSTEM, org=c, on=DAY)
    assert not Rollup.objects.filter(dimension="region", region="110105").exists()
    assert row("").population == 2
    assert_incremental_equals_rebuild()


def test_due_not_established_counts_full_members_on_staff_wherever_the_relation_is_held():
    org = SocialOrgFactory()
    members = [PartyMemberFactory(workplace=org, relation_org=None, relation_elsewhere="中共某人才服务中心支部",
                                  id_number=make_id_number(700 + n)) for n in range(3)]
    org.refresh_from_db()
    assert org.full_members == 3 and row("320404").due == 1
    party.member_update(actor=SYSTEM, member=members[0], status="probationary", full_on=None,
                        admitted_on=dt.date.today() - dt.timedelta(days=100))
    org.refresh_from_db()
    assert org.full_members == 2 and org.members_on_staff == 3
    assert row("320404").due == 0
    assert_incremental_equals_rebuild()


# ---- randomized sequences of service writes -----------------------------------------------------

PLACES = [HEHUACHI, XILIN, JIANWAI]
_ID_SEQ = itertools.count(1_000)
OPS = ["org", "org_update", "deregister", "own", "joint", "dissolve", "cover", "uncover", "member",
       "member_update", "member_end", "instructor", "unassign", "hub", "threshold"]
# Where a local due threshold may be set: the country, a province, a city, a district, a street.
THRESHOLD_REGIONS = ["", "32", "3204", "320404", XILIN, "11", "110105"]


def _pick(qs, n):  # type: ignore[no-untyped-def]
    items = list(qs.order_by("pk"))
    return items[n % len(items)] if items else None


def _run(op: str, n: int, m: int) -> None:  # noqa: C901
    day = DAY + dt.timedelta(days=n % 300)
    orgs = SocialOrg.objects.filter(status="active")
    if op == "org" or not orgs.exists():
        SocialOrgFactory(region_code=PLACES[n % 3], type=["social_group", "foundation", "community_org"][m % 3],
                         industry=["legal", "education", None][n % 3])
    elif op == "org_update":
        registry.org_update(actor=SYSTEM, org=_pick(orgs, n), has_trade_union=bool(m % 2), trade_union_on=day,
                            region_code=PLACES[m % 3], industry=["health", None][m % 2],
                            full_time_staff=m % 40)
    elif op == "deregister":
        registry.org_deregister(actor=SYSTEM, org=_pick(orgs, n), on=day)
    elif op in ("own", "joint"):
        covers = [_pick(orgs, n)] if op == "own" else [_pick(orgs, n), _pick(orgs, n + m)]
        party.party_org_create(actor=SYSTEM, name=f"中共测试{op}{n}", kind="branch" if op == "own" else "joint_branch",
                               established_on=day, covers=list({o.pk: o for o in covers}.values()))
    elif op == "dissolve":
        target = _pick(PartyOrg.objects.filter(dissolved_on__isnull=True), n)
        if target:
            party.party_org_dissolve(actor=SYSTEM, party_org=target, on=day + dt.timedelta(days=30), reason="测试")
    elif op == "cover":
        target = _pick(PartyOrg.objects.filter(dissolved_on__isnull=True), m)
        if target:
            party.coverage_add(actor=SYSTEM, party_org=target, org=_pick(orgs, n),
                               started_on=max(day, target.established_on))
    elif op == "uncover":
        link = _pick(PartyOrgCoverage.objects.filter(ended_on__isnull=True), n)
        if link:
            party.coverage_end(actor=SYSTEM, coverage=link, ended_on=link.started_on + dt.timedelta(days=m % 90))
    elif op == "member":
        # With no party org yet, the relation is held elsewhere (so that orgs gain members early).
        relation = _pick(PartyOrg.objects.filter(dissolved_on__isnull=True), m)
        PartyMemberFactory(workplace=_pick(orgs, n), status=["full", "probationary"][m % 2], relation_org=relation,
                           relation_elsewhere="" if relation else "中共某人才服务中心支部",
                           id_number=make_id_number(next(_ID_SEQ)))
    elif op == "member_update":
        member = _pick(PartyMember.objects.filter(ended_on__isnull=True), n)
        if member:
            party.member_update(actor=SYSTEM, member=member, status=["full", "probationary"][m % 2],
                                workplace=_pick(orgs, m))
    elif op == "member_end":
        member = _pick(PartyMember.objects.filter(ended_on__isnull=True), n)
        if member:
            party.member_end(actor=SYSTEM, member=member, on=day, reason="转出")
    elif op == "instructor":
        party.assignment_start(actor=SYSTEM, instructor=InstructorFactory(), org=_pick(orgs, n), started_on=day)
    elif op == "unassign":
        assignment = _pick(InstructorAssignment.objects.filter(ended_on__isnull=True), n)
        if assignment:
            party.assignment_end(actor=SYSTEM, assignment=assignment, ended_on=day + dt.timedelta(days=400))
    elif op == "threshold":
        rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region=THRESHOLD_REGIONS[n % len(THRESHOLD_REGIONS)],
                         params={"min_full_members": 1 + (n + m) % 3}, source="测试")
    elif op == "hub":
        hub = Hub.objects.first() or registry.hub_create(actor=SYSTEM, name="测试枢纽", level="street",
                                                         region_code=HEHUACHI)
        registry.hub_link_set(actor=SYSTEM, org=_pick(orgs, n), hub=hub if m % 2 else None, on=day)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(0, 50)), min_size=5, max_size=30))
def test_after_any_sequence_of_service_writes_the_live_rollup_equals_a_rebuild(ops):
    for op, n, m in ops:
        # A refused write must leave nothing behind, which the comparison below also checks.
        with contextlib.suppress(ValidationError):
            _run(op, n, m)
    assert_incremental_equals_rebuild()


def test_moving_a_member_to_another_workplace_updates_both_orgs():
    old, new = SocialOrgFactory(), SocialOrgFactory(region_code=JIANWAI)
    member = PartyMemberFactory(workplace=old)
    party.member_update(actor=SYSTEM, member=member, workplace=new)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.members_on_staff, new.members_on_staff) == (0, 1)
    assert row("320404").staff_members == 0 and row("110105").staff_members == 1
    assert_incremental_equals_rebuild()
