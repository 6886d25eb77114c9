"""The pages: the board with its figures and the party orgs behind them, the export, one report,
the form that writes and submits, the evaluation through the case's action form; refusals."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shuniu.annualreports.models import SecretaryReport
from shuniu.cases.models import Case
from tests.annualreports.conftest import TODAY, Y
from tests.factories import XILIN, ZHONGLOU

pytestmark = pytest.mark.django_db


def test_the_district_officer_reads_the_figures_and_drills_to_the_party_orgs(client, world, zhonglou_officer):
    client.force_login(zhonglou_officer)
    page = client.get("/reports/", {"year": Y}).content.decode()
    assert "西林街道" in page and "table-wrap" in page
    assert f'href="/reports/?year={Y}&amp;region={ZHONGLOU}&amp;figure=not_reported#orgs">2</a>' in page
    behind = client.get("/reports/", {"year": Y, "region": XILIN, "figure": "unrated"}).content.decode()
    assert world.parties["d"].name in behind and world.parties["c"].name not in behind
    assert world.cy_branch.name not in page


def test_the_export_lists_the_party_orgs_behind_a_figure(client, world, zhonglou_officer):
    client.force_login(zhonglou_officer)
    response = client.get("/reports/", {"year": Y, "figure": "not_reported", "format": "xlsx"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == sorted([world.parties["e"].name, world.parties["h"].name])


def test_another_district_gets_404_for_the_report_and_the_region(client, world, chaoyang_officer):
    client.force_login(chaoyang_officer)
    report = world.cases["branch"].secretary_report
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 404
    assert client.get("/reports/", {"region": ZHONGLOU}).status_code == 404
    assert client.get(f"/party/{world.branch.pk}/reports/new/").status_code == 404


def test_a_bad_year_is_a_400_naming_the_parameter(client, world, zhonglou_officer):
    client.force_login(zhonglou_officer)
    response = client.get("/reports/", {"year": str(TODAY.year + 1)})
    assert response.status_code == 400 and "year" in response.content.decode()


def test_the_secretary_writes_and_submits_and_the_committee_evaluates_on_the_page(
        client, branch, committee, secretary, committee_user):
    client.force_login(secretary)
    assert "书记述职" in client.get(f"/party/{branch.pk}/").content.decode()
    response = client.post(f"/party/{branch.pk}/reports/new/", {
        "year": Y, "mode": "written", "text": "述职正文", "problems": "问题", "members_good": "7",
        "rectification": f"加强学习 | {Y + 1}-06-30", "submit_now": "on"})
    report = SecretaryReport.objects.get(party_org=branch)
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.case.state == "submitted" and report.rectification == [{"item": "加强学习", "due_on": f"{Y + 1}-06-30"}]
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "述职正文" in page and "加强学习" in page
    # A second one for the year: refused on the form, naming the rule, nothing saved.
    again = client.post(f"/party/{branch.pk}/reports/new/", {"year": Y, "mode": "on_site", "text": "再次"})
    assert again.status_code == 200 and "SECRETARY_REPORT" in again.content.decode()
    assert Case.objects.filter(kind="secretary_report").count() == 1
    client.force_login(committee_user)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'name="grade"' in page and 'value="fairly_good"' in page
    client.post(f"/cases/{report.case_id}/act/", {"action": "evaluate", "grade": "good", "comment": "很好"})
    report.refresh_from_db()
    assert (report.case.state, report.grade) == ("evaluated", "good")


def test_a_returned_report_is_revised_on_its_form(client, branch, secretary, zhonglou_officer):
    from tests.annualreports.conftest import report as write

    case = write(branch, secretary)
    client.force_login(zhonglou_officer)
    client.post(f"/cases/{case.pk}/act/", {"action": "return", "comment": "请补充"})
    client.force_login(secretary)
    report = SecretaryReport.objects.get(case=case)
    form = client.get(f"/reports/{report.pk}/edit/").content.decode()
    assert "每季度开展一次主题党日 | " in form
    client.post(f"/reports/{report.pk}/edit/", {"year": Y, "mode": "on_site", "text": "修改后的述职", "submit_now": "on"})
    report.refresh_from_db()
    assert report.text == "修改后的述职" and report.case.state == "submitted"
