"""Social orgs over the API: registration through org_create, errors that name field and rule."""

from __future__ import annotations

import pytest

from shuniu.audit.models import AuditEntry
from shuniu.registry.models import SocialOrg
from tests.factories import HEHUACHI, JIANWAI, XILIN, ZHONGLOU, HubFactory, SocialOrgFactory, make_uscc

pytestmark = pytest.mark.django_db


def _payload(**extra):  # type: ignore[no-untyped-def]
    return {"name": "钟楼区志愿者协会", "uscc": make_uscc(4242), "type": "social_group",
            "region_code": HEHUACHI, **extra}


def test_a_mistyped_uscc_gets_422_naming_the_field_and_the_rule_and_saves_nothing(api, zhonglou_officer):
    good = make_uscc(4242)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    client = api(zhonglou_officer)
    audits = AuditEntry.objects.count()
    response = client.post("/api/v1/orgs", _payload(uscc=typo), content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "uscc"
    assert error["rule"] == "uscc"
    assert "GB 32100-2015" in error["message"] and "校验码" in error["message"]
    assert not SocialOrg.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_a_valid_org_is_created_with_201_and_an_audit_entry(api, zhonglou_officer):
    response = api(zhonglou_officer).post("/api/v1/orgs", _payload(full_time_staff=7, established_on="2020-05-01"),
                                          content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    org = SocialOrg.objects.get(pk=body["id"])
    assert (org.name, org.registration_level, org.full_time_staff) == ("钟楼区志愿者协会", "county", 7)
    assert body["region_code"] == HEHUACHI and body["coverage_status"] == "none"
    entry = AuditEntry.objects.get(action="org.create", target_id=str(org.pk))
    assert entry.actor == zhonglou_officer


def test_every_problem_is_reported_at_once(api, zhonglou_officer):
    response = api(zhonglou_officer).post(
        "/api/v1/orgs", _payload(uscc="", region_code="999999", established_on="2999-01-01"),
        content_type="application/json")
    assert response.status_code == 422
    rules = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert {("uscc", "required"), ("region_code", "region"), ("established_on", "future")} <= rules


def test_schema_errors_use_the_same_shape(api, zhonglou_officer):
    response = api(zhonglou_officer).post(
        "/api/v1/orgs", {"name": "x", "type": "club", "region_code": HEHUACHI, "colour": "red"},
        content_type="application/json")
    assert response.status_code == 422
    rules = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert ("type", "choice") in rules and ("colour", "unknown") in rules
    assert all(e["message"] for e in response.json()["errors"])


def test_a_body_that_is_not_json_gets_400(api, zhonglou_officer):
    response = api(zhonglou_officer).post("/api/v1/orgs", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "malformed"


def test_patch_changes_only_the_given_fields_and_is_audited(api, zhonglou_officer):
    org = SocialOrgFactory(name="旧名称协会", full_time_staff=3)
    response = api(zhonglou_officer).patch(f"/api/v1/orgs/{org.pk}", {"name": "新名称协会", "has_trade_union": True},
                                           content_type="application/json")
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert (org.name, org.has_trade_union, org.full_time_staff) == ("新名称协会", True, 3)
    entry = AuditEntry.objects.get(action="org.update", target_id=str(org.pk))
    assert entry.changes["name"] == ["旧名称协会", "新名称协会"]


def test_patch_with_a_rule_broken_changes_nothing(api, zhonglou_officer):
    org = SocialOrgFactory(name="评估协会")
    response = api(zhonglou_officer).patch(f"/api/v1/orgs/{org.pk}", {"name": "改名", "established_on": "2999-01-01"},
                                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "established_on"
    org.refresh_from_db()
    assert org.name == "评估协会"


def test_patch_links_and_unlinks_a_hub(api, zhonglou_officer):
    org = SocialOrgFactory()
    hub = HubFactory()
    client = api(zhonglou_officer)
    assert client.patch(f"/api/v1/orgs/{org.pk}", {"hub": hub.pk}, content_type="application/json").json()["hub_id"] \
        == hub.pk
    assert client.patch(f"/api/v1/orgs/{org.pk}", {"hub": None}, content_type="application/json").json()["hub_id"] \
        is None


def test_the_list_filters_searches_orders_and_counts(api, admin_user):
    SocialOrgFactory(name="甲协会", type="social_group", region_code=HEHUACHI, uscc=make_uscc(11))
    SocialOrgFactory(name="乙基金会", type="foundation", region_code=XILIN)
    SocialOrgFactory(name="丙中心", type="service_institution", region_code=JIANWAI)
    client = api(admin_user)

    def names(**params):  # type: ignore[no-untyped-def]
        body = client.get("/api/v1/orgs", params).json()
        return body["count"], [o["name"] for o in body["items"]]

    assert names()[0] == 3
    assert names(region=ZHONGLOU) == (2, ["乙基金会", "甲协会"])
    assert names(region=XILIN + "000") == (1, ["乙基金会"])
    assert names(type="foundation") == (1, ["乙基金会"])
    assert names(q="中心") == (1, ["丙中心"])
    assert names(q=make_uscc(11)[1:].lower()) == (1, ["甲协会"])
    assert names(coverage_status="own") == (0, [])
    count, first_page = names(limit=2, ordering="-name")
    assert count == 3 and len(first_page) == 2
    assert names(limit=2, offset=2, ordering="-name")[1] == [n for n in names(ordering="-name")[1]][2:]


def test_a_malformed_region_filter_gets_422(api, admin_user):
    response = api(admin_user).get("/api/v1/orgs", {"region": "12a"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "region", "rule": "region", "message": response.json()["errors"][0]["message"]}]


def test_the_detail_shows_the_current_party_coverage(api, admin_user, branch, branch_org):
    body = api(admin_user).get(f"/api/v1/orgs/{branch_org.pk}").json()
    assert body["coverage_status"] == "own"
    assert [c["party_org_id"] for c in body["coverages"]] == [branch.pk]


def test_an_unknown_org_is_404(api, admin_user):
    response = api(admin_user).get("/api/v1/orgs/987654321")
    assert response.status_code == 404
    assert response.json()["errors"][0]["rule"] == "not_found"


def test_a_write_that_loses_a_race_on_a_unique_value_gets_409(api, zhonglou_officer, monkeypatch):
    from django.db import IntegrityError

    def racing(**kwargs):  # type: ignore[no-untyped-def]
        raise IntegrityError("UNIQUE constraint failed: registry_socialorg.uscc")

    monkeypatch.setattr("shuniu.api.orgs.org_create", racing)
    response = api(zhonglou_officer).post("/api/v1/orgs", _payload(), content_type="application/json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "conflict"


def test_json_bodies_take_dates_as_yyyy_mm_dd_and_numbers_as_numbers(api, zhonglou_officer):
    response = api(zhonglou_officer).post(
        "/api/v1/orgs", _payload(established_on=0, full_time_staff="5", has_trade_union="yes"),
        content_type="application/json")
    assert response.status_code == 422
    rules = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert rules == {("established_on", "date"), ("full_time_staff", "integer"), ("has_trade_union", "boolean")}
    assert not SocialOrg.objects.exists()
