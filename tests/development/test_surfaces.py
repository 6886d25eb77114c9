"""The pipeline through its pages and the REST API: the board, a person's timeline and next step, a new
applicant, the board's figures, and a secretary of another branch kept out (404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shuniu.accounts.scopes import Scope
from shuniu.development.models import Applicant
from shuniu.development.selectors import board, development_reminders
from tests.development.conftest import MEETING, RUN, run
from tests.factories import HEHUACHI, SYSTEM, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client(db):  # type: ignore[no-untyped-def]
    from shuniu.accounts.services import token_create

    def client_for(user):  # type: ignore[no-untyped-def]
        return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})

    return client_for


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stranger(db):  # type: ignore[no-untyped-def]
    from tests.conftest import _user

    other = PartyOrgFactory(kind="branch", covers=[SocialOrgFactory(region_code=HEHUACHI)])
    return _user("stranger", "secretary", f"party:{other.pk}")


def test_the_board_counts_stages_overdue_reviews_and_small_orgs(person, full_members, dev_branch):
    run(person, full_members, until="review")  # an activist never reviewed: overdue six months on
    figures = board(Scope.everything(), party_org=dev_branch)
    counts = {s["stage"]: s["count"] for s in figures.stages}
    assert counts["activist"] == 1 and counts["applicant"] == 0
    assert figures.overdue_reviews == 1 and figures.overdue[0][1].rule_id == "DEV_REVIEW"
    assert figures.in_small_orgs == 1  # the workplace has no full member
    other = board(Scope.everything(), region="110105")
    assert other.total == 0


def test_the_inbox_reminds_of_overdue_reviews(person, full_members, committee_user):
    run(person, full_members, until="review")
    found = development_reminders(Scope.for_user(committee_user), dt.date.today(), 10)
    assert found.count == 1 and found.items[0].rule_id == "DEV_REVIEW"
    assert found.items[0].url == f"/development/{person.pk}/"


def test_probation_ending_soon_is_reminded(person, full_members):
    run(person, full_members, until="full_meeting")
    today = MEETING.replace(year=MEETING.year + 1) - dt.timedelta(days=10)
    found = development_reminders(Scope.everything(), today, 10)
    assert [r.rule_id for r in found.items] == ["PROBATION"]


def test_pages_show_the_board_the_person_and_record_the_next_step(person, full_members, branch_secretary):
    client = signed_in(branch_secretary)
    page = client.get("/development/")
    assert page.status_code == 200 and person.name in page.content.decode()
    page = client.get(f"/development/{person.pk}/")
    assert page.status_code == 200 and "递交入党申请书" in page.content.decode()
    on = next(d for s, d, _data in RUN if s == "talk")
    response = client.post(f"/development/{person.pk}/step/", {"step": "talk", "on": f"{on:%Y-%m-%d}"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.talked_on == on
    # A step out of order is refused on the form, naming the rule.
    response = client.post(f"/development/{person.pk}/step/", {"step": "candidate", "on": f"{on:%Y-%m-%d}"})
    assert response.status_code == 200 and "candidate" not in dict(response.context["form"].fields["step"].choices)


def test_the_step_form_refuses_a_contact_who_is_not_a_full_member_with_the_rule(person, full_members,
                                                                                branch_secretary):
    client = signed_in(branch_secretary)
    run(person, full_members, until="activist")
    on = next(d for s, d, _data in RUN if s == "activist")
    response = client.post(f"/development/{person.pk}/step/", {"step": "activist", "on": f"{on:%Y-%m-%d}",
                                                               "recommended_by": "members"})
    body = response.content.decode()
    assert response.status_code == 200 and "第十条" in body
    person.refresh_from_db()
    assert person.stage == "applicant"


def test_a_new_applicant_through_the_page(dev_org, dev_branch, branch_secretary):
    client = signed_in(branch_secretary)
    response = client.post("/development/new/", {
        "name": "新申请人", "gender": "male", "birth_date": "1995-05-05", "workplace": dev_org.pk,
        "branch": dev_branch.pk, "applied_on": "2026-01-05"})
    assert response.status_code == 302
    assert Applicant.objects.filter(name="新申请人").exists()
    response = client.post("/development/new/", {
        "name": "少年", "gender": "male", "birth_date": "2010-05-05", "workplace": dev_org.pk,
        "branch": dev_branch.pk, "applied_on": "2026-01-05"})
    assert response.status_code == 200 and "未满十八周岁" in response.content.decode()
    assert not Applicant.objects.filter(name="少年").exists()


def test_a_secretary_of_another_branch_gets_404(person, stranger, api_client):
    client = signed_in(stranger)
    for url in (f"/development/{person.pk}/", f"/development/{person.pk}/step/", f"/development/{person.pk}/end/"):
        assert client.get(url).status_code == 404
    assert person.name not in client.get("/development/").content.decode()
    api = api_client(stranger)
    assert api.get(f"/api/v1/development/applicants/{person.pk}").status_code == 404
    assert api.get("/api/v1/development/applicants").json()["count"] == 0
    response = api.post(f"/api/v1/development/applicants/{person.pk}/steps", {"step": "talk", "on": "2025-01-01"},
                        content_type="application/json")
    assert response.status_code == 404


def test_the_api_lists_creates_records_and_refuses_with_the_rule(person, full_members, dev_org, dev_branch,
                                                                 branch_secretary, committee_user, api_client):
    api = api_client(branch_secretary)
    listed = api.get("/api/v1/development/applicants").json()
    assert listed["count"] == 1 and listed["items"][0]["stage"] == "applicant"
    made = api.post("/api/v1/development/applicants", {
        "name": "接口申请人", "gender": "female", "birth_date": "1996-02-02", "workplace": dev_org.pk,
        "branch": dev_branch.pk, "applied_on": "2026-02-02"}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["steps"][0]["code"] == "apply"
    for step, on, data in RUN[:4]:
        if step == "activist":
            data = {**data, "contacts": [full_members[0].pk]}
        response = api.post(f"/api/v1/development/applicants/{person.pk}/steps",
                            {"step": step, "on": f"{on:%Y-%m-%d}", **data}, content_type="application/json")
        assert response.status_code == 201, response.content
    too_early = api.post(f"/api/v1/development/applicants/{person.pk}/steps",
                         {"step": "candidate", "on": f"{RUN[2][1]:%Y-%m-%d}"}, content_type="application/json")
    assert too_early.status_code == 422
    assert "第十三条" in too_early.content.decode()
    detail = api.get(f"/api/v1/development/applicants/{person.pk}").json()
    assert detail["stage"] == "activist" and [s["code"] for s in detail["steps"]][:3] == ["apply", "talk", "activist"]
    figures = api.get("/api/v1/development/board").json()
    assert {s["stage"]: s["count"] for s in figures["stages"]}["activist"] == 1
    assert [(b["name"], b["activist"], b["applicant"]) for b in figures["by_branch"]] == [(dev_branch.name, 1, 1)]


def test_the_superior_s_approval_through_the_api_is_refused_to_the_branch(person, full_members, branch_secretary,
                                                                         committee_user, api_client):
    run(person, full_members, until="approval")
    on = next(d for s, d, _data in RUN if s == "approval")
    body = {"step": "approval", "on": f"{on:%Y-%m-%d}"}
    refused = api_client(branch_secretary).post(f"/api/v1/development/applicants/{person.pk}/steps", body,
                                                content_type="application/json")
    assert refused.status_code == 403
    done = api_client(committee_user).post(f"/api/v1/development/applicants/{person.pk}/steps", body,
                                           content_type="application/json")
    assert done.status_code == 201 and done.json()["stage"] == "probationary" and done.json()["member"]


def test_ending_through_the_page_and_the_api(person, full_members, branch_secretary, api_client):
    client = signed_in(branch_secretary)
    on = next(d for s, d, _data in RUN if s == "talk")
    response = client.post(f"/development/{person.pk}/end/", {"on": f"{on:%Y-%m-%d}", "reason": "disqualified"})
    assert response.status_code == 200 and "由上级党委“钟楼区社会组织综合党委”办理" in response.content.decode()
    response = client.post(f"/development/{person.pk}/end/", {"on": f"{on:%Y-%m-%d}", "reason": "withdrawn"})
    assert response.status_code == 302
    again = api_client(branch_secretary).post(f"/api/v1/development/applicants/{person.pk}/end",
                                              {"ended_on": f"{on:%Y-%m-%d}", "reason": "withdrawn"},
                                              content_type="application/json")
    assert again.status_code == 422 and "已于" in again.content.decode()


def test_the_export_lists_the_secretary_s_people_masked(person, branch_secretary, stranger):
    response = signed_in(branch_secretary).get("/imports/exports/applicants.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert person.name in body and person.id_number not in body and person.id_number_masked in body
    response = signed_in(stranger).get("/imports/exports/applicants.csv")
    assert person.name not in b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_board_breaks_the_people_down_by_party_org(person, full_members, dev_org, committee):
    from shuniu.development.services import applicant_create
    from tests.factories import make_id_number

    other = PartyOrgFactory(name="另一个党支部", kind="branch", covers=[SocialOrgFactory(region_code=HEHUACHI)],
                            superior=committee)
    applicant_create(actor=SYSTEM, name="二号", gender="male", id_number=make_id_number(5009),
                     applied_on=dt.date.today() - dt.timedelta(days=60), workplace=dev_org, branch=other)
    figures = board(Scope.everything(), party_org=committee)
    assert [(r["name"], r["applicant"], r["overdue"]) for r in figures.by_branch] == [
        ("另一个党支部", 1, 1), ("荷花池青少年服务中心党支部", 1, 1)]
