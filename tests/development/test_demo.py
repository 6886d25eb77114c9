"""The demo scenario has people at every stage of the pipeline, a few overdue; nobody is admitted where
the member total is a seed figure."""

from __future__ import annotations

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.demo.services import scenario_generate
from shuniu.development.models import Applicant, Stage
from shuniu.development.selectors import board
from shuniu.party.models import PartyMember
from tests.coverage.test_engine import assert_incremental_equals_rebuild
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def test_the_zhonglou_demo_has_a_pipeline_at_every_stage_with_some_overdue():
    scenario_generate(actor=SYSTEM, name="zhonglou")
    people = Applicant.objects.filter(county_code="320404", is_demo=True)
    assert set(people.filter(ended_on__isnull=True).values_list("stage", flat=True)) == set(Stage.values)
    assert people.filter(ended_on__isnull=False).count() == 1
    figures = board(Scope.of_region("320404"))
    # a talk, a review and an approval overdue
    assert {a.name for a, _alert in figures.overdue} == {"周子涵", "王雨桐", "孙嘉怡"}
    assert figures.overdue_reviews >= 1 and figures.in_small_orgs >= 3
    admitted = people.filter(member__isnull=False)
    assert set(admitted.values_list("member__status", flat=True)) == {"full", "probationary"}
    assert all(a.workplace.coverage_status == "own" for a in admitted)
    assert_incremental_equals_rebuild()


def test_the_cpa_demo_admits_nobody():
    scenario_generate(actor=SYSTEM, name="beijing-cpa")
    assert Applicant.objects.filter(is_demo=True).exists()
    assert not Applicant.objects.filter(member__isnull=False).exists()
    assert PartyMember.objects.count() == 4_775
