"""The org list's total: read from the live rollup where it can be, and always the number of rows."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.registry.models import SocialOrg
from shuniu.registry.services import org_deregister
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, XILIN, ZHONGLOU, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db

# Beside the personas' places, one street of another district of each city: a list asked for a whole
# city or province must count only the part of it inside the caller's scope.
PLACES = [HEHUACHI, XILIN, JIANWAI, CHAOYANG, ZHONGLOU, "110101001", "320402001"]
TYPES = ["social_group", "foundation", "service_institution"]


@pytest.fixture
def orgs(hub):  # type: ignore[no-untyped-def]
    made = [SocialOrgFactory(type=TYPES[n % 3], region_code=PLACES[n % 5], industry=["legal", "health", None][n % 3],
                             hub=hub if n % 4 == 0 else None)
            for n in range(21)]
    PartyOrgFactory(kind="branch", covers=[made[0]])
    PartyOrgFactory(kind="joint_branch", covers=[made[1], made[6]])
    org_deregister(actor="test", org=made[5], on=dt.date(2024, 1, 1))
    org_deregister(actor="test", org=made[3], on=dt.date(2024, 1, 1))
    return made


@pytest.mark.parametrize("persona", ["admin_user", "zhonglou_officer", "chaoyang_officer", "beijing_city_officer",
                                     "hub_staff"])
def test_every_total_is_the_number_of_rows_listed(api, orgs, hub, persona, request):
    client = api(request.getfixturevalue(persona))
    regions = [None, "32", "3204", ZHONGLOU, HEHUACHI, XILIN, "11", CHAOYANG, JIANWAI, "44"]
    extras = [{}, {"type": "foundation"}, {"industry": "legal"}, {"hub": hub.pk},
              {"type": "social_group", "hub": hub.pk}, {"grade": "5A"}, {"q": "测试"}]
    checked = 0
    for region, extra, status, coverage in itertools.product(
            regions, extras, [None, "deregistered", "all"], [None, "own", "joint", "none"]):
        params = {"limit": 500, **extra, **{k: v for k, v in (("region", region), ("status", status),
                                                               ("coverage_status", coverage)) if v}}
        response = client.get("/api/v1/orgs", params)
        assert response.status_code == 200, (params, response.content)
        body = response.json()
        assert body["count"] == len(body["items"]), params
        checked += bool(body["items"])
    assert checked > 20  # the grid is not all empty lists


def test_the_default_lists_active_orgs_and_status_all_lists_every_org(api, admin_user, orgs):
    client = api(admin_user)
    active = client.get("/api/v1/orgs", {"limit": 500}).json()
    everything = client.get("/api/v1/orgs", {"limit": 500, "status": "all"}).json()
    assert active["count"] == SocialOrg.objects.filter(status="active").count() == 19
    assert {o["status"] for o in active["items"]} == {"active"}
    assert everything["count"] == 21


def test_a_region_total_is_read_from_the_rollup_not_counted(api, zhonglou_officer, orgs):
    client = api(zhonglou_officer)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/orgs", {"region": HEHUACHI, "type": "social_group"}).json()
    assert body["count"] == SocialOrg.objects.filter(street_code=HEHUACHI, type="social_group",
                                                     status="active").count() > 0
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() and "registry_socialorg" in q["sql"]]
