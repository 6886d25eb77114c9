"""Party orgs over the API: establishment and coverage through the party services."""

from __future__ import annotations

import pytest

from shuniu.audit.models import AuditEntry
from shuniu.party.models import PartyOrg
from tests.factories import PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db


def test_a_party_org_covering_an_org_makes_it_covered(api, zhonglou_officer):
    org = SocialOrgFactory()
    response = api(zhonglou_officer).post("/api/v1/party-orgs", {
        "name": "测试协会党支部", "kind": "branch", "established_on": "2021-07-01", "covers": [org.pk],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["formation"] == "standalone" and body["term_years"] == 3
    assert [c["org_id"] for c in body["coverages"]] == [org.pk]
    org.refresh_from_db()
    assert org.coverage_status == "own"
    assert AuditEntry.objects.filter(action="party_org.create", target_id=str(body["id"])).exists()


def test_a_joint_branch_cannot_be_standalone(api, zhonglou_officer):
    response = api(zhonglou_officer).post("/api/v1/party-orgs", {
        "name": "联合党支部", "kind": "joint_branch", "formation": "standalone", "established_on": "2021-07-01",
        "region_code": "320404006",
    }, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "formation"
    assert not PartyOrg.objects.filter(name="联合党支部").exists()


def test_coverage_is_added_to_an_existing_joint_branch(api, zhonglou_officer):
    joint = PartyOrgFactory(kind="joint_branch")
    org = SocialOrgFactory()
    client = api(zhonglou_officer)
    response = client.post(f"/api/v1/party-orgs/{joint.pk}/coverages", {"org": org.pk, "started_on": "2022-01-01"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["org_id"] == org.pk
    org.refresh_from_db()
    assert org.coverage_status == "joint"
    again = client.post(f"/api/v1/party-orgs/{joint.pk}/coverages", {"org": org.pk, "started_on": "2022-01-01"},
                        content_type="application/json")
    assert again.status_code == 422
    assert again.json()["errors"][0]["rule"] == "unique"


def test_the_party_org_list_and_detail(api, zhonglou_officer, branch, branch_org):
    joint = PartyOrgFactory(name="联合党支部甲", kind="joint_branch")
    client = api(zhonglou_officer)
    body = client.get("/api/v1/party-orgs", {"kind": "joint_branch"}).json()
    assert (body["count"], body["items"][0]["id"]) == (1, joint.pk)
    assert client.get("/api/v1/party-orgs", {"q": "荷花池"}).json()["items"][0]["id"] == branch.pk
    detail = client.get(f"/api/v1/party-orgs/{branch.pk}").json()
    assert detail["coverages"][0]["org_id"] == branch_org.pk and detail["members"] == 0
