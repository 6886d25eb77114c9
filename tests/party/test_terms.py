"""Terms (rule TERM): when a term ends, the alerts 6 months and 90 days before, and the temporary
branch, which has no elected term."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from shuniu.coverage.rules import evaluate
from shuniu.party.models import PartyOrg
from shuniu.party.services import party_org_create, party_org_update
from shuniu.party.terms import add_months, term_end
from shuniu.registry.models import SocialOrg
from shuniu.rulesettings.services import rule_setting_set
from tests.factories import HEHUACHI, JIANWAI, SYSTEM, ZHONGLOU, PartyOrgFactory

END = dt.date(2022, 7, 1)  # a branch established on 2019-07-01, with a term of 3 years


def term_messages(today: dt.date) -> dict[int, str]:
    return {f.subject_id: f.message for f in evaluate(SocialOrg.objects.none(), PartyOrg.objects.all(),
                                                      rule_ids=["TERM"], today=today)}


@pytest.fixture
def branch(db) -> PartyOrg:  # type: ignore[no-untyped-def]
    return PartyOrgFactory(name="钟楼协会党支部", established_on=dt.date(2019, 7, 1))


def test_a_term_ends_its_length_after_it_started(branch):
    assert term_end(branch) == END
    party_org_update(actor=SYSTEM, party_org=branch, term_started_on=dt.date(2020, 2, 29), term_years=5)
    assert term_end(PartyOrg.objects.get(pk=branch.pk)) == dt.date(2025, 2, 28)


@pytest.mark.parametrize(("today", "window"), [
    (dt.date(2021, 12, 31), None),  # more than 6 months before
    (dt.date(2022, 1, 1), "请做好换届准备"),  # 6 months before, to the day
    (dt.date(2022, 4, 1), "请做好换届准备"),  # 91 days before
    (dt.date(2022, 4, 2), "应启动换届"),  # 90 days before
    (END, "应启动换届"),
    (END + dt.timedelta(days=1), "已到期"),
])
def test_term_alerts_six_months_and_ninety_days_before_and_when_overdue(branch, today, window):
    found = term_messages(today)
    if window is None:
        assert branch.pk not in found
    else:
        assert window in found[branch.pk] and "2022-07-01" in found[branch.pk]


def test_the_windows_are_rule_settings_of_each_region(branch):
    beijing = PartyOrgFactory(name="建外协会党支部", region_code=JIANWAI, established_on=dt.date(2019, 7, 1))
    rule_setting_set(actor=SYSTEM, rule_id="TERM", region=ZHONGLOU, params={"notice_months": 3, "urgent_days": 30},
                     source="钟楼区文件（测试）")
    found = term_messages(dt.date(2022, 3, 1))  # 4 months before
    assert branch.pk not in found and "请做好换届准备" in found[beijing.pk]
    found = term_messages(dt.date(2022, 5, 1))  # 2 months before
    assert "请做好换届准备" in found[branch.pk] and "应启动换届" in found[beijing.pk]
    with pytest.raises(ValidationError):
        rule_setting_set(actor=SYSTEM, rule_id="TERM", params={"notice_months": -1}, source="测试")
    with pytest.raises(ValidationError):
        rule_setting_set(actor=SYSTEM, rule_id="TERM", params={"due_within_days": 90}, source="测试")


def test_a_temporary_branch_has_no_term_and_no_term_alert(db):
    temporary = party_org_create(actor=SYSTEM, name="培训班临时党支部", kind="temporary_branch",
                                 established_on=dt.date(2019, 7, 1), region_code=HEHUACHI)
    assert temporary.term_years is None and temporary.term_started_on is None and term_end(temporary) is None
    assert temporary.pk not in term_messages(dt.date(2030, 1, 1))


@pytest.mark.parametrize("term", [{"term_years": 1}, {"term_started_on": "2020-01-01"}])
def test_a_term_on_a_temporary_branch_is_refused(db, term):
    with pytest.raises(ValidationError) as info:
        party_org_create(actor=SYSTEM, name="培训班临时党支部", kind="temporary_branch",
                         established_on=dt.date(2019, 7, 1), region_code=HEHUACHI, **term)
    [field] = info.value.error_dict
    assert "TERM" in info.value.error_dict[field][0].message and "临时党支部" in info.value.error_dict[field][0].message
    assert not PartyOrg.objects.exists()
    temporary = party_org_create(actor=SYSTEM, name="培训班临时党支部", kind="temporary_branch",
                                 established_on=dt.date(2019, 7, 1), region_code=HEHUACHI)
    with pytest.raises(ValidationError):
        party_org_update(actor=SYSTEM, party_org=temporary, **term)
    assert PartyOrg.objects.get(pk=temporary.pk).term_years is None


def test_the_data_migration_takes_the_term_of_existing_temporary_branches(db):
    temporary = party_org_create(actor=SYSTEM, name="培训班临时党支部", kind="temporary_branch",
                                 established_on=dt.date(2019, 7, 1), region_code=HEHUACHI)
    branch = PartyOrgFactory()
    PartyOrg.objects.filter(pk=temporary.pk).update(term_years=1)  # as the code used to store it
    migration = importlib.import_module("shuniu.party.migrations.0006_temporary_branches_without_term")
    migration.forward(apps, None)
    assert PartyOrg.objects.get(pk=temporary.pk).term_years is None
    assert PartyOrg.objects.get(pk=branch.pk).term_years == 3


def test_the_pages_and_the_api_show_no_term_for_a_temporary_branch(client, api, zhonglou_officer):
    temporary = party_org_create(actor=SYSTEM, name="培训班临时党支部", kind="temporary_branch",
                                 established_on=dt.date(2019, 7, 1), region_code=HEHUACHI)
    client.force_login(zhonglou_officer)
    page = client.get(f"/party/{temporary.pk}/").content.decode()
    assert "不设任期" in page and "任期届满" not in page
    form = client.get(f"/party/{temporary.pk}/edit/").context["form"]
    assert "term_years" not in form.fields
    assert api(zhonglou_officer).get(f"/api/v1/party-orgs/{temporary.pk}").json()["term_years"] is None
    response = api(zhonglou_officer).post("/api/v1/party-orgs", {
        "name": "另一个临时党支部", "kind": "temporary_branch", "established_on": "2021-01-01",
        "region_code": HEHUACHI, "term_years": 1}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "term_years"


def test_the_party_page_shows_the_window(client, zhonglou_officer, branch, time_machine):
    time_machine.move_to(dt.datetime(2022, 5, 1, 12, 0))
    client.force_login(zhonglou_officer)
    assert "应启动换届" in client.get(f"/party/{branch.pk}/").content.decode()


def test_months_are_added_to_the_last_day_a_month_has(db):
    assert add_months(dt.date(2022, 8, 31), 6) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2022, 1, 1), -6) == dt.date(2021, 7, 1)
