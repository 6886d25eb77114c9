"""Jurisdiction over the API: outside the scope an object does not exist (404), a place outside
it cannot be written to (403), and lists and searches never show it."""

from __future__ import annotations

import pytest

from shuniu.registry.models import SocialOrg
from tests.factories import (
    HEHUACHI,
    JIANWAI,
    ZHONGLOU,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_uscc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhonglou_org(db):  # type: ignore[no-untyped-def]
    return SocialOrgFactory(name="钟楼区外地测试协会", region_code=HEHUACHI)


def test_an_org_of_another_district_is_404_in_detail(api, chaoyang_officer, zhonglou_org):
    response = api(chaoyang_officer).get(f"/api/v1/orgs/{zhonglou_org.pk}")
    assert response.status_code == 404
    # The same answer as for an id that does not exist: existence is never revealed.
    missing = api(chaoyang_officer).get("/api/v1/orgs/987654321")
    assert response.json() == missing.json()


def test_an_org_of_another_district_is_not_in_lists_or_searches(api, chaoyang_officer, zhonglou_org):
    mine = SocialOrgFactory(name="朝阳区测试协会", region_code=JIANWAI)
    client = api(chaoyang_officer)
    assert [o["id"] for o in client.get("/api/v1/orgs").json()["items"]] == [mine.pk]
    assert client.get("/api/v1/orgs", {"q": "钟楼"}).json()["count"] == 0
    assert client.get("/api/v1/orgs", {"q": zhonglou_org.uscc}).json()["count"] == 0
    assert client.get("/api/v1/orgs", {"region": ZHONGLOU}).json()["count"] == 0


def test_an_org_of_another_district_cannot_be_patched(api, chaoyang_officer, zhonglou_org):
    response = api(chaoyang_officer).patch(f"/api/v1/orgs/{zhonglou_org.pk}", {"name": "改名"},
                                           content_type="application/json")
    assert response.status_code == 404
    zhonglou_org.refresh_from_db()
    assert zhonglou_org.name == "钟楼区外地测试协会"


def test_an_org_cannot_be_registered_in_another_district(api, chaoyang_officer):
    response = api(chaoyang_officer).post(
        "/api/v1/orgs", {"name": "越界协会", "uscc": make_uscc(77), "type": "social_group", "region_code": HEHUACHI},
        content_type="application/json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "permission"
    assert not SocialOrg.objects.filter(name="越界协会").exists()


def test_an_org_cannot_be_moved_out_of_the_district(api, chaoyang_officer):
    org = SocialOrgFactory(region_code=JIANWAI)
    response = api(chaoyang_officer).patch(f"/api/v1/orgs/{org.pk}", {"region_code": HEHUACHI},
                                           content_type="application/json")
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.region_id == JIANWAI


def test_party_orgs_members_and_instructors_of_another_district_are_404(api, chaoyang_officer, branch):
    member = PartyMemberFactory(relation_org=branch)
    instructor = InstructorFactory()
    client = api(chaoyang_officer)
    for path in (f"/api/v1/party-orgs/{branch.pk}", f"/api/v1/members/{member.pk}",
                 f"/api/v1/instructors/{instructor.pk}"):
        assert client.get(path).status_code == 404, path
    for path in ("/api/v1/party-orgs", "/api/v1/members", "/api/v1/instructors"):
        assert client.get(path).json()["count"] == 0, path


def test_a_coverage_link_cannot_reach_into_another_district(api, chaoyang_officer, zhonglou_org):
    party_org = PartyOrgFactory(region_code=JIANWAI)
    response = api(chaoyang_officer).post(f"/api/v1/party-orgs/{party_org.pk}/coverages",
                                          {"org": zhonglou_org.pk, "started_on": "2020-01-01"},
                                          content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("org", "reference")


def test_a_secretary_sees_only_their_party_org_and_the_orgs_it_covers(api, secretary, branch, branch_org):
    SocialOrgFactory(name="别的协会")
    PartyOrgFactory(name="别的党支部")
    client = api(secretary)
    assert [o["id"] for o in client.get("/api/v1/orgs").json()["items"]] == [branch_org.pk]
    assert [p["id"] for p in client.get("/api/v1/party-orgs").json()["items"]] == [branch.pk]


def test_coverage_for_a_region_outside_the_scope_is_403(api, chaoyang_officer):
    response = api(chaoyang_officer).get("/api/v1/coverage", {"region": ZHONGLOU})
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "permission"


def test_findings_for_a_region_outside_the_scope_are_403(api, chaoyang_officer):
    assert api(chaoyang_officer).get("/api/v1/findings", {"region": ZHONGLOU}).status_code == 403


def test_a_hub_scope_has_no_region_table(api, hub_staff):
    assert api(hub_staff).get("/api/v1/coverage").status_code == 403
