"""The REST API of mobile members: the list (exact, per scope), the writes and their refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from shuniu.accounts.services import token_create
from shuniu.mobile.models import Inflow, Outflow
from tests.factories import SYSTEM
from tests.mobile.conftest import TODAY

pytestmark = pytest.mark.django_db


def api(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})


def post(client: Client, url: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_list_per_scope_and_finding(mobile, sec_a, chaoyang):
    got = api(sec_a).get("/api/v1/mobile/outflows").json()
    assert got["count"] == 4
    assert {i["member_name"] for i in got["items"]} == {"党员a1", "党员a2", "党员a3", "党员b1"}
    over = api(sec_a).get("/api/v1/mobile/outflows?finding=over_limit").json()
    assert {i["member_name"] for i in over["items"]} == {"党员a2", "党员b1"}
    assert all(i["over_limit"] for i in over["items"])
    b1 = next(i for i in got["items"] if i["member_name"] == "党员b1")
    assert b1["host"] == mobile.a.pk and b1["relation_org"] == mobile.b.pk
    assert {i["member_name"] for i in api(chaoyang).get("/api/v1/mobile/outflows").json()["items"]} == {"党员x1"}


def test_register_end_and_refusals(mobile, sec_a, sec_b):
    member = mobile.m["a4"]
    url = f"/api/v1/mobile/members/{member.pk}/outflow"
    future = post(api(sec_a), url, {"destination": "苏州", "since": (TODAY + dt.timedelta(days=1)).isoformat(),
                                    "reason": "务工"})
    assert future.status_code == 422 and "since" in future.content.decode()
    assert post(api(sec_b), url, {"destination": "苏州", "since": TODAY.isoformat(), "reason": "务工"}).status_code == 404
    assert not Outflow.objects.filter(member=member).exists()
    made = post(api(sec_a), url, {"destination": "苏州", "since": TODAY.isoformat(), "reason": "务工", "fixed_place": True})
    assert made.status_code == 201, made.content
    assert made.json()["fixed_place"] is True
    again = post(api(sec_a), url, {"destination": "苏州", "since": TODAY.isoformat(), "reason": "务工"})
    assert again.status_code == 422 and "MOBILE" in again.content.decode()
    ended = post(api(sec_a), f"{url}/end", {"ended_on": TODAY.isoformat(), "reason": "returned"})
    assert ended.status_code == 200 and ended.json()["end_reason"] == "returned"


def test_take_in_and_end_by_the_host(mobile, committee_user, sec_a, sec_b):
    member = mobile.m["a1"]
    url = f"/api/v1/mobile/members/{member.pk}/inflow"
    same = post(api(committee_user), url, {"host": mobile.a.pk, "started_on": TODAY.isoformat()})
    assert same.status_code == 422 and "host" in same.content.decode()
    made = post(api(committee_user), url, {"host": mobile.b.pk, "started_on": TODAY.isoformat()})
    assert made.status_code == 201, made.content
    assert made.json()["host"] == mobile.b.pk
    # The relation side (a) does not end the host's inflow; the host (b) does.
    assert post(api(sec_a), f"{url}/end", {"ended_on": TODAY.isoformat()}).status_code == 404
    assert post(api(sec_b), f"{url}/end", {"ended_on": TODAY.isoformat()}).status_code == 200
    assert not Inflow.objects.filter(member=member, ended_on__isnull=True).exists()


def test_the_lost_contact_case_opens_through_the_cases_api(mobile, sec_a, sec_b):
    body = {"kind": "lost_contact", "member": mobile.m["a4"].pk, "data": {"lost_since": "2025-01-10"}}
    assert post(api(sec_b), "/api/v1/cases", body).status_code == 422  # the member is outside: not found
    made = post(api(sec_a), "/api/v1/cases", body)
    assert made.status_code == 201, made.content
    assert made.json()["state"] == "draft"
