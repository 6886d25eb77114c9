"""The mobile-member pages: the list and its export, the forms, and the scope (404 outside)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shuniu.audit.models import AuditEntry
from shuniu.cases.models import Case
from shuniu.mobile.models import Inflow, Outflow
from tests.mobile.conftest import TODAY

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_the_list_shows_the_branch_its_members_and_those_it_hosts_and_the_finding(mobile, sec_a):
    page = client_for(sec_a).get("/mobile/").content.decode()
    for name in ("党员a1", "党员a2", "党员a3", "党员b1"):
        assert name in page
    assert "党员x1" not in page and "党员a5" not in page and "党员a6" not in page
    over = client_for(sec_a).get("/mobile/?finding=over_limit").content.decode()
    assert "党员a2" in over and "党员b1" in over and "党员a3" not in over and "应转移组织关系" in over


def test_a_bad_filter_is_a_400_naming_the_parameter(mobile, sec_a):
    response = client_for(sec_a).get("/mobile/?finding=lost")
    assert response.status_code == 400
    assert "finding" in response.content.decode() or "情形" in response.content.decode()


def test_the_export_is_the_list_and_is_audited(mobile, sec_a):
    response = client_for(sec_a).get("/mobile/?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert {"党员a1", "党员a2", "党员a3", "党员b1"} == {n for n in ("党员a1", "党员a2", "党员a3", "党员b1", "党员x1") if n in text}
    assert AuditEntry.objects.filter(action="export", target_repr="mobile_list.csv").exists()


def test_registering_an_outflow_through_the_form(mobile, sec_a):
    member = mobile.m["a4"]
    c = client_for(sec_a)
    assert c.get(f"/mobile/members/{member.pk}/outflow/").status_code == 200
    response = c.post(f"/mobile/members/{member.pk}/outflow/", {
        "destination": "苏州市工业园区", "since": (TODAY - dt.timedelta(days=10)).isoformat(), "reason": "外出务工",
        "certificate_no": "LD2026001"})
    assert response.status_code == 302, response.content.decode()[:2000]
    outflow = Outflow.objects.get(member=member, ended_on__isnull=True)
    assert outflow.certificate_no == "LD2026001"
    member.refresh_from_db()
    assert member.is_mobile


def test_a_future_date_in_the_form_is_shown_under_its_field_and_nothing_saved(mobile, sec_a):
    member = mobile.m["a4"]
    response = client_for(sec_a).post(f"/mobile/members/{member.pk}/outflow/", {
        "destination": "苏州", "since": (TODAY + dt.timedelta(days=1)).isoformat(), "reason": "外出务工"})
    assert response.status_code == 200
    assert "不能晚于今天" in response.content.decode()
    assert not Outflow.objects.filter(member=member).exists()


def test_another_branch_secretary_gets_404_on_the_forms(mobile, sec_b):
    c = client_for(sec_b)
    member = mobile.m["a4"]
    assert c.get(f"/mobile/members/{member.pk}/outflow/").status_code == 404
    assert c.post(f"/mobile/members/{member.pk}/outflow/", {
        "destination": "苏州", "since": TODAY.isoformat(), "reason": "外出务工"}).status_code == 404
    assert c.get(f"/mobile/members/{mobile.m['a1'].pk}/outflow/end/").status_code == 404
    assert not Outflow.objects.filter(member=member).exists()


def test_taking_in_ending_it_and_returning_through_the_forms(mobile, committee_user, sec_a):
    member = mobile.m["a1"]
    c = client_for(committee_user)
    response = c.post(f"/mobile/members/{member.pk}/inflow/", {"host": mobile.b.pk, "started_on": TODAY.isoformat()})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Inflow.objects.filter(member=member, host=mobile.b, ended_on__isnull=True).exists()
    assert c.post(f"/mobile/members/{member.pk}/inflow/end/", {"ended_on": TODAY.isoformat()}).status_code == 302
    assert not Inflow.objects.filter(member=member, ended_on__isnull=True).exists()
    response = client_for(sec_a).post(f"/mobile/members/{member.pk}/outflow/end/", {
        "ended_on": TODAY.isoformat(), "reason": "returned"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_mobile


def test_the_host_ends_the_inflow_it_holds(mobile, sec_a, sec_b):
    # b1 (branch b's member) is hosted by a: a's secretary ends it, b's secretary cannot reach a's inflow.
    b1 = mobile.m["b1"]
    assert client_for(sec_a).get(f"/mobile/members/{b1.pk}/inflow/end/").status_code == 200
    assert client_for(sec_b).get(f"/mobile/members/{b1.pk}/inflow/end/").status_code == 404


def test_recording_a_lost_contact_opens_a_case_of_the_branch(mobile, sec_a):
    member = mobile.m["a4"]
    response = client_for(sec_a).post(f"/mobile/members/{member.pk}/lost-contact/", {
        "lost_since": "2025-01-10", "efforts": "电话、走访均未联系上"})
    assert response.status_code == 302
    case = Case.objects.get(kind="lost_contact", member=member)
    assert case.state == "draft" and case.data["lost_since"] == "2025-01-10"
    assert "党员a4" in client_for(sec_a).get("/mobile/").content.decode()


def test_in_english_the_pages_and_their_errors_show_no_chinese_outside_the_data(mobile, sec_a, committee_user):
    from django.conf import settings

    from shuniu.cases.services import case_open
    from tests.web.test_i18n import chinese_left, data_text

    case = case_open(actor=sec_a, kind="lost_contact", member=mobile.m["a4"], data={"lost_since": "2025-01-10"})
    found = {}
    data = data_text() + "\x00苏州\x00务工"
    for user in (sec_a, committee_user):
        c = client_for(user)
        c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        a1 = mobile.m["a1"].pk
        pages = [c.get(u) for u in ("/mobile/", "/mobile/?finding=over_limit", "/mobile/?finding=x",
                                    f"/mobile/members/{mobile.m['a4'].pk}/outflow/", f"/mobile/members/{a1}/outflow/end/",
                                    f"/mobile/members/{a1}/inflow/", f"/mobile/members/{a1}/lost-contact/",
                                    f"/cases/{case.pk}/")]
        pages += [c.post(f"/mobile/members/{mobile.m['a4'].pk}/outflow/", {"since": "x", "region": "9"}),
                  c.post(f"/mobile/members/{a1}/outflow/", {"destination": "苏州", "since": TODAY.isoformat(),
                                                             "reason": "务工"}),
                  c.post(f"/mobile/members/{a1}/outflow/end/", {"ended_on": "x", "reason": "other"}),
                  c.post(f"/mobile/members/{a1}/inflow/", {"host": mobile.a.pk, "started_on": TODAY.isoformat()}),
                  c.post(f"/mobile/members/{a1}/lost-contact/", {"lost_since": "2999-01-01"})]
        for response in pages:
            left = chinese_left(response.content.decode(), data)
            if left:
                found[f"{user} {response.request['PATH_INFO']} {response.status_code}"] = left
    assert not found, found


def test_the_party_org_page_links_to_its_members_away_and_those_it_took_in(mobile, sec_a):
    page = client_for(sec_a).get(f"/party/{mobile.a.pk}/").content.decode()
    assert f"/mobile/?party_org={mobile.a.pk}" in page and f"/mobile/?host={mobile.a.pk}" in page
    hosted = client_for(sec_a).get(f"/mobile/?host={mobile.a.pk}").content.decode()
    assert "党员b1" in hosted and "党员a1" not in hosted
