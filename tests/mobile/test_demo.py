"""The demo scenario's mobile members: every member marked mobile has an open outflow; one is away
past the 6-month limit at a fixed place, one is taken in by another branch, one is out of contact."""

from __future__ import annotations

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.cases.models import Case
from shuniu.core.actors import SystemActor
from shuniu.demo.services import scenario_generate
from shuniu.mobile.models import Inflow, Outflow
from shuniu.mobile.selectors import MobileFilters, mobile_search
from shuniu.party.models import PartyMember
from tests.mobile.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_zhonglou_scenario_has_mobile_members_a_finding_and_a_lost_contact():
    scenario_generate(actor=SystemActor("test"), name="zhonglou")
    mobile = PartyMember.objects.filter(is_mobile=True, ended_on__isnull=True)
    assert mobile.exists()
    assert set(mobile.values_list("pk", flat=True)) == set(
        Outflow.objects.filter(ended_on__isnull=True).values_list("member_id", flat=True))
    over = mobile_search(Scope.everything(), MobileFilters(finding="over_limit"), TODAY)
    assert over.count() == 1 and over.get().fixed_place
    assert Inflow.objects.filter(ended_on__isnull=True).count() == 1
    lost = Case.objects.get(kind="lost_contact")
    assert lost.state == "submitted" and lost.member.ended_on is None
