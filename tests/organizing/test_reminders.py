"""The inbox reminds of terms ending (rule TERM): 6 months before by default, per the region's settings."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.core.services import add_years
from shuniu.organizing.reminders import term_reminders
from shuniu.party.terms import add_months
from shuniu.rulesettings.services import rule_setting_set
from tests.factories import HEHUACHI, SYSTEM, PartyOrgFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 4)


def _ending_on(end: dt.date, name: str, **kw):  # type: ignore[no-untyped-def]
    return PartyOrgFactory(name=name, established_on=dt.date(2015, 1, 1), term_started_on=add_years(end, -3),
                           term_years=3, region_code=HEHUACHI, **kw)


def reminders(scope: Scope, today: dt.date):  # type: ignore[no-untyped-def]
    # The TERM source alone: the inbox also has org life's reminders for these (meeting-less) branches.
    return term_reminders(scope, today, 50)


def test_terms_ending_within_six_months_and_overdue_are_reminded_soonest_first(client, zhonglou_officer):
    _ending_on(add_months(TODAY, 5), "五个月后届满党支部")
    _ending_on(add_months(TODAY, 7), "七个月后届满党支部")
    _ending_on(TODAY - dt.timedelta(days=10), "已届满党支部")
    PartyOrgFactory(name="临时党支部甲", kind="temporary_branch", region_code=HEHUACHI, established_on=dt.date(2015, 1, 1))
    got = reminders(Scope.of_region("320404"), TODAY)
    assert [r.title for r in got.items] == ["已届满党支部", "五个月后届满党支部"] and got.count == 2
    assert "应尽快换届" in got.items[0].detail and "请做好换届准备" in got.items[1].detail
    assert reminders(Scope.of_region("110105"), TODAY).count == 0
    # A place that gives three months' notice is reminded later.
    rule_setting_set(actor=SYSTEM, rule_id="TERM", region="320404", params={"notice_months": 3}, source="测试")
    assert [r.title for r in reminders(Scope.of_region("320404"), TODAY).items] == ["已届满党支部"]


def test_the_inbox_page_and_the_api_show_the_reminder(client, zhonglou_officer):
    _ending_on(dt.date.today() + dt.timedelta(days=60), "两个月后届满党支部")
    client.force_login(zhonglou_officer)
    page = client.get("/todo/").content.decode()
    assert "两个月后届满党支部" in page and "应启动换届" in page
    from shuniu.accounts.services import token_create

    token = token_create(actor=SYSTEM, user=zhonglou_officer, label="t")
    todo = client.get("/api/v1/todo", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    # The branch's term, and org life's reminder that it held no meeting this year (rule LIFE).
    assert sorted(i["rule_id"] for i in todo["items"]) == ["LIFE", "TERM"] and todo["reminders"] == 2
