"""The passes through the org page and the REST API: the same services, the same refusals naming
the rule and its source, nothing written on refusal."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from shuniu.passes.models import EvaluationRecord, InspectionRecord
from tests.factories import SYSTEM
from tests.passes.conftest import CHANGZHOU_SOURCE, state, switch_on

pytestmark = pytest.mark.django_db

LAST_YEAR = dt.date.today().year - 1


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


# ---- the page ---------------------------------------------------------------------------------------

def test_the_org_page_lists_inspections_and_evaluations_and_links_their_forms(client, covered_org, zhonglou_officer):
    from shuniu.passes.services import evaluation_record, inspection_record

    inspection_record(actor=SYSTEM, org=covered_org, year=LAST_YEAR, conclusion="basic_pass", dues_paid=True)
    evaluation_record(actor=SYSTEM, org=covered_org, year=LAST_YEAR, grade="4A", decided_on=dt.date(LAST_YEAR, 12, 1),
                      document_number="钟民评〔2025〕7号")
    client.force_login(zhonglou_officer)
    page = _page(client.get(f"/orgs/{covered_org.pk}/"))
    assert "基本合格" in page and "钟民评〔2025〕7号" in page and f"{LAST_YEAR + 5}-11-30" in page
    assert f"/orgs/{covered_org.pk}/inspections/new/" in page and f"/orgs/{covered_org.pk}/evaluations/new/" in page


def test_recording_an_inspection_on_the_page_saves_the_section(client, covered_org, zhonglou_officer):
    client.force_login(zhonglou_officer)
    url = f"/orgs/{covered_org.pk}/inspections/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": LAST_YEAR, "conclusion": "pass", "life_held": "yes", "dues_paid": "no",
                                 "charter_clause": "", "life_note": "按月开展主题党日"})
    assert response.status_code == 302, _page(response)
    record = InspectionRecord.objects.get(org=covered_org)
    assert (record.conclusion, record.life_held, record.dues_paid, record.charter_clause) == ("pass", True, False, None)
    assert record.recorded_by == zhonglou_officer


def test_the_page_refuses_3a_for_a_due_org_with_the_rule_and_source_under_the_grade(client, due_org, zhonglou_officer,
                                                                                     veto_in_changzhou):
    client.force_login(zhonglou_officer)
    url = f"/orgs/{due_org.pk}/evaluations/new/"
    intro = _page(client.get(url))
    assert "EVALUATION_VETO" in intro and CHANGZHOU_SOURCE in intro  # the form says which rules apply
    before = state(due_org)
    response = client.post(url, {"year": LAST_YEAR, "grade": "3A", "decided_on": f"{LAST_YEAR}-12-01"})
    assert response.status_code == 200
    page = _page(response)
    assert "尚未保存" in page and "规则 EVALUATION_VETO" in page and CHANGZHOU_SOURCE in page
    assert state(due_org) == before


def test_the_forms_of_an_org_outside_the_scope_are_not_found(client, beijing_due_org, zhonglou_officer):
    client.force_login(zhonglou_officer)
    before = state(beijing_due_org)
    for kind in ("inspections", "evaluations"):
        assert client.get(f"/orgs/{beijing_due_org.pk}/{kind}/new/").status_code == 404
        assert client.post(f"/orgs/{beijing_due_org.pk}/{kind}/new/", {
            "year": LAST_YEAR, "conclusion": "pass", "grade": "1A", "decided_on": f"{LAST_YEAR}-12-01"}).status_code == 404
    assert state(beijing_due_org) == before


# ---- the API -------------------------------------------------------------------------------------------

def test_the_api_records_and_lists_an_evaluation(api, covered_org, zhonglou_officer, veto_in_changzhou):
    client = api(zhonglou_officer)
    response = client.post(f"/api/v1/orgs/{covered_org.pk}/evaluations",
                           {"year": LAST_YEAR, "grade": "5A", "decided_on": f"{LAST_YEAR}-12-01"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["valid_until"] == f"{LAST_YEAR + 5}-11-30"
    [listed] = client.get(f"/api/v1/orgs/{covered_org.pk}/evaluations").json()
    assert (listed["grade"], listed["year"]) == ("5A", LAST_YEAR)
    assert client.get(f"/api/v1/orgs/{covered_org.pk}").json()["evaluation_grade"] == "5A"


def test_the_api_refuses_3a_for_a_due_org_with_422_naming_the_rule(api, due_org, zhonglou_officer, veto_in_changzhou):
    before = state(due_org)
    response = api(zhonglou_officer).post(f"/api/v1/orgs/{due_org.pk}/evaluations",
                                          {"year": LAST_YEAR, "grade": "3A", "decided_on": f"{LAST_YEAR}-12-01"},
                                          content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("grade", "EVALUATION_VETO")
    assert CHANGZHOU_SOURCE in error["message"]
    assert state(due_org) == before
    assert not EvaluationRecord.objects.exists()


def test_the_api_records_an_inspection_and_applies_the_cap(api, due_org, zhonglou_officer):
    switch_on("INSPECTION", "3204", "常州市年检办法")
    client = api(zhonglou_officer)
    url = f"/api/v1/orgs/{due_org.pk}/inspections"
    refused = client.post(url, {"year": LAST_YEAR, "conclusion": "pass"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "INSPECTION"
    saved = client.post(url, {"year": LAST_YEAR, "conclusion": "basic_pass", "life_held": False},
                        content_type="application/json")
    assert saved.status_code == 201, saved.content
    body = saved.json()
    assert (body["was_due"], body["full_members"], body["coverage_status"]) == (True, 3, "none")
    assert [i["conclusion"] for i in client.get(url).json()] == ["basic_pass"]


def test_the_api_hides_an_org_outside_the_scope(api, beijing_due_org, zhonglou_officer):
    client = api(zhonglou_officer)
    assert client.get(f"/api/v1/orgs/{beijing_due_org.pk}/inspections").status_code == 404
    response = client.post(f"/api/v1/orgs/{beijing_due_org.pk}/evaluations",
                           {"year": LAST_YEAR, "grade": "1A", "decided_on": f"{LAST_YEAR}-12-01"},
                           content_type="application/json")
    assert response.status_code == 404
    assert not EvaluationRecord.objects.exists()
