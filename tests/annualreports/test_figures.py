"""The figures per region, exact against the hand-checked world of conftest.py, each drillable to
its party orgs; and the inbox's reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from shuniu.accounts.scopes import Scope
from shuniu.annualreports.selectors import drill, not_reported_reminders, summary
from shuniu.rulesettings.services import rule_setting_set
from tests.annualreports.conftest import Y
from tests.factories import HEHUACHI, SYSTEM, XILIN, ZHONGLOU

pytestmark = pytest.mark.django_db

FIELDS = ("expected", "reported", "not_reported", "good", "fairly_good", "average", "poor", "unrated")


def figures(row):  # type: ignore[no-untyped-def]
    return tuple(row.figures[f] for f in FIELDS)


def test_the_district_and_its_streets_exactly(world, zhonglou_officer):
    rows = summary(Scope.for_user(zhonglou_officer), Y, ZHONGLOU)
    assert rows[0].region == ZHONGLOU
    assert figures(rows[0]) == (6, 4, 2, 1, 1, 1, 0, 1)
    by = {r.region: r for r in rows[1:]}
    assert figures(by[HEHUACHI]) == (2, 2, 0, 1, 1, 0, 0, 0)
    assert figures(by[XILIN]) == (4, 2, 2, 0, 0, 1, 0, 1)
    assert sum(figures(r)[0] for r in rows[1:]) == 6


def test_every_figure_drills_to_its_party_orgs(world, zhonglou_officer):
    scope, p = Scope.for_user(zhonglou_officer), world.parties

    def names(region: str, figure: str) -> set[str]:
        return {o.name for o in drill(scope, Y, region, figure)}

    assert names(ZHONGLOU, "expected") == {world.branch.name, *(p[k].name for k in "bcdeh")}
    assert names(ZHONGLOU, "not_reported") == {p["e"].name, p["h"].name}
    assert names(ZHONGLOU, "good") == {world.branch.name}
    assert names(ZHONGLOU, "fairly_good") == {p["b"].name}
    assert names(XILIN, "average") == {p["c"].name}
    assert names(XILIN, "unrated") == {p["d"].name}
    assert names(HEHUACHI, "unrated") == set()
    row = drill(scope, Y, ZHONGLOU, "good").get()
    assert row.report_id == world.cases["branch"].secretary_report.pk


def test_a_later_deadline_keeps_a_party_org_dissolved_before_it_out(world, zhonglou_officer):
    rule_setting_set(actor=SYSTEM, rule_id="SECRETARY_REPORT", params={"deadline_month": 5}, region="32",
                     source="测试")
    # ``h`` was dissolved on 1 April of Y+1: before a 31 May deadline, so no longer expected.
    rows = summary(Scope.for_user(zhonglou_officer), Y, ZHONGLOU)
    assert figures(rows[0]) == (5, 4, 1, 1, 1, 1, 0, 1)


def test_another_district_sees_only_its_own_and_may_not_ask_for_zhonglou(world, chaoyang_officer):
    scope = Scope.for_user(chaoyang_officer)
    assert figures(summary(scope, Y)[0]) == (1, 1, 0, 0, 0, 0, 0, 1)
    with pytest.raises(PermissionDenied):
        summary(scope, Y, ZHONGLOU)
    with pytest.raises(PermissionDenied):
        list(drill(scope, Y, ZHONGLOU, "expected"))


def test_a_secretary_drills_only_their_own_subtree(world, secretary):
    assert [o.name for o in drill(Scope.for_user(secretary), Y, "", "expected")] == [world.branch.name]
    with pytest.raises(PermissionDenied):
        summary(Scope.for_user(secretary), Y)


def test_reminders_list_the_party_orgs_not_reported_once_the_deadline_nears(world, zhonglou_officer, secretary):
    deadline = dt.date(Y + 1, 3, 31)
    scope = Scope.for_user(zhonglou_officer)
    # ``h`` is dissolved (nothing to remind), ``e`` has only a draft.
    got = not_reported_reminders(scope, deadline, 10)
    assert got.count == 1 and [r.title for r in got.items] == [world.parties["e"].name]
    assert got.items[0].due_on == deadline and got.items[0].rule_id == "SECRETARY_REPORT"
    assert "应于" in got.items[0].detail
    assert "逾期" in not_reported_reminders(scope, deadline + dt.timedelta(days=1), 10).items[0].detail
    assert not_reported_reminders(scope, deadline - dt.timedelta(days=30), 10).count == 1
    assert not_reported_reminders(scope, deadline - dt.timedelta(days=31), 10).count == 0
    assert not_reported_reminders(scope, deadline, 0).count == 1  # the count alone, no page
    # The secretary's branch reported: nothing for them.
    assert not_reported_reminders(Scope.for_user(secretary), deadline, 10).count == 0
