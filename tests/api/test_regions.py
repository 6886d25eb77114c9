"""Regions: public reference data for any authenticated user, whatever the scope."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_streets_of_a_district(api, chaoyang_officer):
    body = api(chaoyang_officer).get("/api/v1/regions", {"parent": "320404", "limit": 50}).json()
    assert body["count"] == 8
    assert "荷花池街道" in [r["name"] for r in body["items"]]
    assert {r["level"] for r in body["items"]} == {"street"}


def test_a_region_by_any_form_of_its_code(api, hub_staff):
    client = api(hub_staff)
    assert client.get("/api/v1/regions/320404006").json()["name"] == "荷花池街道"
    body = client.get("/api/v1/regions/320404006000").json()
    assert (body["code"], body["full_code"], body["parent_code"]) == ("320404006", "320404006000", "320404")


def test_an_unknown_or_malformed_code_is_404(api, hub_staff):
    client = api(hub_staff)
    assert client.get("/api/v1/regions/999999").status_code == 404
    assert client.get("/api/v1/regions/abc").status_code == 404


def test_filter_by_level_and_name(api, admin_user):
    body = api(admin_user).get("/api/v1/regions", {"level": "province", "q": "北京"}).json()
    assert [r["code"] for r in body["items"]] == ["11"]
