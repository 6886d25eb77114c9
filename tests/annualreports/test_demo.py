"""The demo scenario's reports: most party orgs of the district reported last year, a few did not;
grades mostly 好 and 较好; the figures read them."""

from __future__ import annotations

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.annualreports.models import SecretaryReport
from shuniu.annualreports.selectors import summary
from shuniu.core.actors import SystemActor
from shuniu.demo.services import scenario_generate
from tests.annualreports.conftest import Y

pytestmark = pytest.mark.django_db


def test_the_zhonglou_scenario_has_last_years_reports():
    scenario_generate(actor=SystemActor("test"), name="zhonglou")
    row = summary(Scope.of_region("320404"), Y, "320404")[0].figures
    assert row["expected"] > 10
    assert 0 < row["not_reported"] < row["reported"]
    assert row["good"] + row["fairly_good"] > row["average"] + row["poor"] + row["unrated"]
    assert row["reported"] == SecretaryReport.objects.filter(year=Y).count()
    weak = SecretaryReport.objects.filter(grade__in=["average", "poor"])
    assert all(r.interview_on and r.follow_up for r in weak)
