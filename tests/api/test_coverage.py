"""Coverage figures and findings over the API: the same rows as the command, within the scope."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.factories import HEHUACHI, ZHONGLOU, PartyMemberFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_org(branch):  # type: ignore[no-untyped-def]
    """An org with 3 full members among staff and no party org of its own: ESTABLISH applies."""
    org = SocialOrgFactory(name="应建未建协会", region_code=HEHUACHI)
    for _i in range(3):
        PartyMemberFactory(workplace=org, relation_org=branch)
    return org


def test_the_rows_are_those_of_the_coverage_command(api, admin_user, due_org):
    out = io.StringIO()
    call_command("coverage", "--region", ZHONGLOU, "--json", stdout=out)
    expected = json.loads(out.getvalue())
    body = api(admin_user).get("/api/v1/coverage", {"region": ZHONGLOU, "limit": 500}).json()
    assert body["count"] == len(expected)
    assert body["items"] == expected
    assert body["items"][0]["population"] == 2 and body["items"][0]["due_not_established"] == 1


def test_a_district_officer_gets_their_district_by_default_and_any_dimension(api, zhonglou_officer, due_org):
    client = api(zhonglou_officer)
    rows = client.get("/api/v1/coverage").json()["items"]
    assert rows[0]["region"] == ZHONGLOU and rows[0]["level"] == "county"
    by_type = client.get("/api/v1/coverage", {"by": "type"}).json()["items"]
    assert by_type[0]["key"] == "" and "level" not in by_type[0]
    past = client.get("/api/v1/coverage", {"as_of": "2010-01-01"}).json()["items"]
    assert past[0]["population"] == 0


def test_an_unknown_region_is_named(api, admin_user):
    response = api(admin_user).get("/api/v1/coverage", {"region": "999999"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "region"


def test_findings_cite_their_rule_and_source_and_are_paginated(api, zhonglou_officer, due_org):
    client = api(zhonglou_officer)
    body = client.get("/api/v1/findings", {"rule": "ESTABLISH"}).json()
    assert body["count"] == 1
    [finding] = body["items"]
    assert (finding["rule_id"], finding["subject_id"]) == ("ESTABLISH", due_org.pk)
    assert "第八条" in finding["source"]
    everything = client.get("/api/v1/findings", {"limit": 1}).json()
    assert everything["count"] >= 2 and len(everything["items"]) == 1
    assert client.get("/api/v1/findings", {"rule": "NOPE"}).status_code == 422


def test_findings_of_another_district_are_not_shown(api, chaoyang_officer, due_org):
    assert api(chaoyang_officer).get("/api/v1/findings").json()["count"] == 0
