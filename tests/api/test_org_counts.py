"""The org list's total: read from the live rollup where it can be, and always the number of rows."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.registry.models import SocialOrg
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, XILIN, ZHONGLOU

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["admin_user", "zhonglou_officer", "chaoyang_officer", "beijing_city_officer",
                                     "hub_staff"])
def test_every_total_is_the_number_of_rows_listed(api, mixed_orgs, hub, persona, request):
    client = api(request.getfixturevalue(persona))
    regions = [None, "32", "3204", ZHONGLOU, HEHUACHI, XILIN, "11", CHAOYANG, JIANWAI, "44"]
    extras = [{}, {"type": "foundation"}, {"industry": "legal"}, {"hub": hub.pk},
              {"type": "social_group", "hub": hub.pk}, {"grade": "5A"}, {"q": "测试"}]
    everything = {o["id"] for o in client.get("/api/v1/orgs", {"limit": 500, "status": "all"}).json()["items"]}
    checked = 0
    for region, extra, status, coverage in itertools.product(
            regions, extras, [None, "deregistered", "all"], [None, "own", "joint", "none"]):
        params = {"limit": 500, **extra, **{k: v for k, v in (("region", region), ("status", status),
                                                               ("coverage_status", coverage)) if v}}
        response = client.get("/api/v1/orgs", params)
        assert response.status_code == 200, (params, response.content)
        body = response.json()
        assert body["count"] == len(body["items"]), params
        assert {o["id"] for o in body["items"]} <= everything, params  # nothing outside the scope
        checked += bool(body["items"])
    assert checked > 20  # the grid is not all empty lists


def test_the_default_lists_active_orgs_and_status_all_lists_every_org(api, admin_user, mixed_orgs):
    client = api(admin_user)
    active = client.get("/api/v1/orgs", {"limit": 500}).json()
    everything = client.get("/api/v1/orgs", {"limit": 500, "status": "all"}).json()
    assert active["count"] == SocialOrg.objects.filter(status="active").count() == 19
    assert {o["status"] for o in active["items"]} == {"active"}
    assert everything["count"] == 21


def test_a_region_total_is_read_from_the_rollup_not_counted(api, zhonglou_officer, mixed_orgs):
    client = api(zhonglou_officer)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/orgs", {"region": HEHUACHI, "type": "social_group"}).json()
    assert body["count"] == SocialOrg.objects.filter(street_code=HEHUACHI, type="social_group",
                                                     status="active").count() > 0
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() and "registry_socialorg" in q["sql"]]
