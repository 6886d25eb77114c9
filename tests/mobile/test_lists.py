"""The mobile-member lists, exact against the hand-checked world of conftest.py.

By hand: a1 (8 months, no fixed place), a2 (exactly 6 months, fixed), a3 (6 months less a day,
fixed) are branch a's members away; b1 (24 months, fixed) is branch b's, taken in by a; x1 (朝阳区,
2 months) is branch x's, taken in by b. a5 returned, a6 left the roster: in no list. a4 never left.
Rule MOBILE's finding (away ≥ 6 months at a fixed place: must transfer): a2 and b1, not a3."""

from __future__ import annotations

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import reminders
from shuniu.mobile.selectors import MobileFilters, mobile_search
from shuniu.party.models import PartyMember
from tests.mobile.conftest import TODAY

pytestmark = pytest.mark.django_db


def names(scope: Scope, **f) -> set[str]:  # type: ignore[no-untyped-def]
    return {o.member.name.removeprefix("党员") for o in mobile_search(scope, MobileFilters(**f), TODAY)}


def test_everyone_away_and_on_the_roster_is_listed_once(mobile):
    assert names(Scope.everything()) == {"a1", "a2", "a3", "b1", "x1"}


def test_the_finding_is_away_six_months_or_more_at_a_fixed_place_exactly_six_counts_a_day_less_not(mobile):
    assert names(Scope.everything(), finding="over_limit") == {"a2", "b1"}


def test_per_party_org_holding_the_relation_and_per_host(mobile):
    assert names(Scope.everything(), party_org=mobile.a.pk) == {"a1", "a2", "a3"}
    assert names(Scope.everything(), party_org=mobile.b.pk) == {"b1"}
    assert names(Scope.everything(), host=mobile.a.pk) == {"b1"}
    assert names(Scope.everything(), host=mobile.b.pk) == {"x1"}
    assert names(Scope.everything(), finding="taken_in") == {"b1", "x1"}
    assert names(Scope.everything(), finding="not_taken_in") == {"a1", "a2", "a3"}


def test_per_region_of_the_member_and_of_where_they_went(mobile):
    assert names(Scope.everything(), region="320404") == {"a1", "a2", "a3", "b1"}
    assert names(Scope.everything(), region="110105") == {"x1"}
    assert names(Scope.everything(), to_region="110105") == {"a2"}


def test_each_scope_sees_its_own_members_and_those_it_hosts(mobile, sec_a, sec_b, zhonglou, chaoyang,
                                                             committee_user):
    assert names(Scope.for_user(sec_a)) == {"a1", "a2", "a3", "b1"}  # b1: hosted by a
    assert names(Scope.for_user(sec_b)) == {"b1", "x1"}  # x1: hosted by b
    assert names(Scope.for_user(committee_user)) == {"a1", "a2", "a3", "b1", "x1"}
    assert names(Scope.for_user(zhonglou)) == {"a1", "a2", "a3", "b1", "x1"}
    assert names(Scope.for_user(chaoyang)) == {"x1"}


def test_the_relation_org_counts_them_once_and_the_host_not_at_all(mobile):
    on_roster = PartyMember.objects.filter(ended_on__isnull=True)
    assert on_roster.filter(relation_org=mobile.a).count() == 5  # a1–a5 (a6 left); b1 not
    assert on_roster.filter(relation_org=mobile.b).count() == 1  # b1; x1 not
    mobile.org_a.refresh_from_db()
    assert mobile.org_a.full_members == 5
    assert {m.name for m in PartyMember.objects.filter(is_mobile=True)} == {"党员a1", "党员a2", "党员a3", "党员b1",
                                                                             "党员x1", "党员a6"}


def test_the_inbox_reminds_the_branch_and_its_superior_of_the_finding(mobile, sec_a, sec_b, committee_user):
    def titles(user):  # type: ignore[no-untyped-def]
        return {r.title for r in reminders(Scope.for_user(user), TODAY).items if r.rule_id == "MOBILE"}

    assert titles(sec_a) == {"党员a2"}
    assert titles(sec_b) == {"党员b1"}
    assert titles(committee_user) == {"党员a2", "党员b1"}
