"""The REST API: /api/v1/secretary-reports (list, get, create, summary) and the superior's actions
through /api/v1/cases/{id}/act."""

from __future__ import annotations

import pytest
from django.test import Client

from shuniu.accounts.services import token_create
from shuniu.annualreports.models import SecretaryReport
from shuniu.cases.models import Case
from tests.annualreports.conftest import TODAY, Y
from tests.factories import HEHUACHI, SYSTEM, XILIN, ZHONGLOU

pytestmark = pytest.mark.django_db


def api(user):  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})


def test_the_secretary_writes_and_submits_and_the_committee_evaluates(branch, committee, secretary, committee_user):
    response = api(secretary).post("/api/v1/secretary-reports", {
        "party_org": branch.pk, "year": Y, "mode": "written", "text": "述职正文", "members_good": 4,
        "rectification": [{"item": "规范三会一课", "due_on": f"{Y + 1}-06-30"}], "submit": True},
        content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["year"], body["mode"], body["grade"]) == ("submitted", Y, "written", "")
    assert body["ratings"] == [{"side": "members", "grade": "good", "count": 4, "rater": "党员大会（secretary 录入）"}]
    acted = api(committee_user).post(f"/api/v1/cases/{body['case']}/act",
                                     {"action": "evaluate", "data": {"grade": "fairly_good"}},
                                     content_type="application/json")
    assert acted.status_code == 200, acted.content
    got = api(secretary).get(f"/api/v1/secretary-reports/{body['id']}").json()
    # 较好 (3) × 0.7 + 好 (4) × 0.3 = 3.3: 较好
    assert (got["state"], got["superior_grade"], got["grade"]) == ("evaluated", "fairly_good", "fairly_good")
    listed = api(secretary).get("/api/v1/secretary-reports", {"year": Y}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_refusals_name_the_field_and_the_rule_and_save_nothing(branch, secretary):
    client = api(secretary)
    future = client.post("/api/v1/secretary-reports", {"party_org": branch.pk, "year": TODAY.year + 1, "text": "x"},
                         content_type="application/json")
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "year" and future.json()["errors"][0]["rule"] == "SECRETARY_REPORT"
    bad = client.post("/api/v1/secretary-reports", {"party_org": branch.pk, "year": "2025"},
                      content_type="application/json")
    assert bad.status_code == 422
    assert not Case.objects.exists() and not SecretaryReport.objects.exists()


def test_another_district_gets_404_and_403(world, chaoyang_officer):
    client = api(chaoyang_officer)
    report = world.cases["branch"].secretary_report
    assert client.get(f"/api/v1/secretary-reports/{report.pk}").status_code == 404
    created = client.post("/api/v1/secretary-reports", {"party_org": world.parties["e"].pk, "year": Y - 1},
                          content_type="application/json")
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "party_org"
    assert client.get("/api/v1/secretary-reports/summary", {"region": ZHONGLOU}).status_code == 403
    assert client.post(f"/api/v1/cases/{world.cases['d'].pk}/act", {"action": "evaluate", "data": {"grade": "good"}},
                       content_type="application/json").status_code == 404
    assert [r["party_org_name"] for r in client.get("/api/v1/secretary-reports").json()["items"]] == [
        world.cy_branch.name]


def test_the_summary_gives_the_figures_per_street(world, zhonglou_officer):
    got = api(zhonglou_officer).get("/api/v1/secretary-reports/summary", {"year": Y}).json()
    assert got["year"] == Y
    rows = {r["region"]: r for r in got["rows"]}
    assert got["rows"][0]["region"] == ZHONGLOU
    assert {k: rows[ZHONGLOU][k] for k in ("expected", "reported", "not_reported", "good", "fairly_good", "average",
                                            "poor", "unrated")} == {
        "expected": 6, "reported": 4, "not_reported": 2, "good": 1, "fairly_good": 1, "average": 1, "poor": 0,
        "unrated": 1}
    assert (rows[HEHUACHI]["expected"], rows[XILIN]["expected"]) == (2, 4)
