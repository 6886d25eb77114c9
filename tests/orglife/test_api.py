"""The REST API of organizational life: meetings (list, detail, record, correct, delete), a party org's
periods and attendance, the member review, and the compliance table with the party orgs behind it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shuniu.accounts.services import token_create
from shuniu.audit.models import AuditEntry
from shuniu.orglife.models import Attendance, Meeting, ReviewResult
from shuniu.orglife.services import meeting_record
from tests.factories import CHAOYANG, HEHUACHI, SYSTEM, ZHONGLOU

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def body(life: Any, **changes: Any) -> dict[str, Any]:
    """A general meeting of the branch with two members present (one from elsewhere) and two absent."""
    return {"party_org": life.branch.pk, "kinds": ["general_meeting", "theme_day"], "held_on": "2026-04-10",
            "topic": "学习党章", "place": "会议室", "host": "林晓一",
            "attendees": [life.own[0].pk, life.guest.pk],
            "absentees": [{"member": life.own[1].pk, "reason": "leave", "note": "出差"},
                          {"member": life.own[2].pk, "reason": "illness"}], **changes}


def errors_of(response: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in response.json()["errors"]:
        out.setdefault(e["field"], set()).add(e["rule"])
    return out


def test_a_secretary_records_a_meeting_with_two_absentees_and_reads_it_back(life, secretary):
    made = post(api(secretary), "/api/v1/meetings", body(life))
    assert made.status_code == 201, made.content
    got = made.json()
    assert got["kinds"] == ["general_meeting", "theme_day"] and got["kind_labels"] == ["支部党员大会", "主题党日"]
    assert (got["expected_count"], got["present_count"], got["corrections"]) == (4, 2, 0)
    people = {a["name"]: a for a in got["attendance"]}
    assert people["客晓参"]["present"] and people["客晓参"]["participant"]
    assert (people["林晓二"]["reason"], people["林晓二"]["reason_label"], people["林晓二"]["note"]) == ("leave", "请假", "出差")
    assert people["林晓三"]["reason"] == "illness" and people["林晓三"]["excused"]
    assert got["deletable_until"] == "2026-06-30" and got["files"] == []
    # Members are named by id and name only: no ID number, whole or masked.
    text = made.content.decode()
    assert not any(number in text for number in life.ids) and "*" not in text
    detail = api(secretary).get(f"/api/v1/meetings/{got['id']}")
    assert detail.status_code == 200 and detail.json() == got


def test_the_list_filters_and_scopes(life, secretary, zhonglou_officer, chaoyang_officer):
    first = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on="2026-01-15",
                           topic="一季度党员大会", attendees=[life.own[0]])
    second = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["party_lecture"], held_on="2026-04-20",
                            topic="书记讲党课", lecturer="林晓一", attendees=[life.own[0], life.own[1]])
    client = api(zhonglou_officer)

    def ids(**query: Any) -> list[int]:
        response = client.get("/api/v1/meetings", query)
        assert response.status_code == 200, response.content
        return [m["id"] for m in response.json()["items"]]

    assert ids() == [second.pk, first.pk]
    assert ids(kind="party_lecture") == [second.pk]
    assert ids(**{"from": "2026-02-01"}) == [second.pk]
    assert ids(to="2026-02-01") == [first.pk]
    assert ids(year=2025) == []
    assert ids(region=HEHUACHI, party_org=life.branch.pk) == [second.pk, first.pk]
    assert ids(region=CHAOYANG) == []
    assert [m["id"] for m in api(secretary).get("/api/v1/meetings").json()["items"]] == [second.pk, first.pk]
    assert api(chaoyang_officer).get("/api/v1/meetings").json()["count"] == 0
    assert api(chaoyang_officer).get(f"/api/v1/meetings/{first.pk}").status_code == 404
    assert client.get("/api/v1/meetings", {"kind": "dinner"}).status_code == 422


def test_refusals_name_the_field_and_the_rule_and_save_nothing(life, secretary, chaoyang_officer):
    client = api(secretary)
    cases = [
        (body(life, held_on="2026-05-21"), "held_on", "future"),
        (body(life, held_on="2015-01-01"), "held_on", "before_established"),
        (body(life, attendees=[life.own[0].pk, life.stranger.pk]), "attendees", "not_on_roster"),
        (body(life, attendees=[life.own[0].pk, life.own[0].pk]), "attendees", "duplicate"),
        (body(life, attendees=[], absentees=[]), "attendees", "no_attendees"),
        (body(life, kinds=[]), "kinds", "required"),
    ]
    for payload, field, rule in cases:
        response = post(client, "/api/v1/meetings", payload)
        assert response.status_code == 422, (payload, response.content)
        assert rule in errors_of(response).get(field, set()), (rule, response.json())
        assert all("规则" in e["message"] for e in response.json()["errors"] if e["field"] == field)
    # An unknown kind or reason is refused by the schema; a party org outside the scope is not found.
    assert post(client, "/api/v1/meetings", body(life, kinds=["dinner"])).status_code == 422
    assert errors_of(post(api(chaoyang_officer), "/api/v1/meetings", body(life))) == {"party_org": {"reference"}}
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_correct_and_delete_with_a_reason(life, secretary, chaoyang_officer):
    client = api(secretary)
    meeting_id = post(client, "/api/v1/meetings", body(life)).json()["id"]
    url = f"/api/v1/meetings/{meeting_id}"
    assert post(api(chaoyang_officer), f"{url}/correct", {"reason": "改", "topic": "越权"}).status_code == 404
    assert errors_of(post(client, f"{url}/correct", {"reason": "", "topic": "改"})) == {"reason": {"required"}}
    fixed = post(client, f"{url}/correct", {"reason": "补记出席", "topic": "学习党章（更正）",
                                            "attendees": [life.own[0].pk, life.own[1].pk, life.guest.pk],
                                            "absentees": [{"member": life.own[2].pk, "reason": "illness"}]})
    assert fixed.status_code == 200, fixed.content
    got = fixed.json()
    assert (got["topic"], got["present_count"], got["corrections"], got["place"]) == ("学习党章（更正）", 3, 1, "会议室")
    entry = AuditEntry.objects.filter(action="meeting.correct").get()
    assert entry.changes["reason"] == [None, "补记出席"] and "attendance" in entry.changes

    assert api(chaoyang_officer).delete(f"{url}?reason=越权").status_code == 404
    assert errors_of(client.delete(url)) == {"reason": {"required"}}
    assert client.delete(url, json.dumps({"reason": "误录"}), content_type="application/json").status_code == 204
    assert not Meeting.objects.filter(pk=meeting_id).exists()
    other = post(client, "/api/v1/meetings", body(life)).json()["id"]
    assert client.delete(f"/api/v1/meetings/{other}?reason=重复录入").status_code == 204
    assert client.get(f"/api/v1/meetings/{other}").status_code == 404


def test_a_meeting_of_a_closed_quarter_is_corrected_not_deleted(life, secretary):
    old = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["theme_day"], held_on="2026-03-05", topic="主题党日",
                         attendees=[life.own[0]])
    response = api(secretary).delete(f"/api/v1/meetings/{old.pk}?reason=误录")
    assert errors_of(response) == {"held_on": {"closed"}}
    assert Meeting.objects.filter(pk=old.pk).exists()


def test_a_party_orgs_life_periods_rates_and_members(life, secretary, chaoyang_officer):
    client = api(secretary)
    post(client, "/api/v1/meetings", body(life))
    got = client.get(f"/api/v1/party-orgs/{life.branch.pk}/life")
    assert got.status_code == 200, got.content
    life_ = got.json()
    assert (life_["year"], life_["as_of"]) == (2026, "2026-05-20")
    dues = {d["kind"]: d for d in life_["periods"]}
    assert dues["general_meeting"]["done"] and dues["general_meeting"]["period"] == "2026年第2季度"
    assert dues["general_meeting"]["previous_done"] is False and "第十一条" in dues["general_meeting"]["source"]
    assert not dues["party_lecture"]["done"]
    assert life_["rate"]["kinds"]["general_meeting"] == {"expected": 2, "held": 1}
    assert life_["quarter"]["kinds"]["general_meeting"] == {"expected": 1, "held": 1}
    members = {m["name"]: m for m in life_["members"]}
    assert (members["林晓一"]["present"], members["林晓一"]["expected"], members["林晓一"]["rate"]) == (1, 1, 1.0)
    assert members["林晓二"]["unexcused"] == 0 and members["客晓参"]["participant"]
    last_year = client.get(f"/api/v1/party-orgs/{life.branch.pk}/life", {"year": 2025}).json()
    assert last_year["as_of"] == "2025-12-31" and last_year["members"] == []
    assert api(chaoyang_officer).get(f"/api/v1/party-orgs/{life.branch.pk}/life").status_code == 404


def test_the_member_review(life, secretary, chaoyang_officer):
    client = api(secretary)
    url = f"/api/v1/party-orgs/{life.branch.pk}/reviews"
    results = [{"member": life.own[0].pk, "grade": "excellent"}, {"member": life.own[1].pk, "grade": "qualified"},
               {"member": life.own[2].pk, "grade": "unqualified", "follow_up": "education",
                "improve_by": "2026-11-30"}]
    missing = post(client, url, {"year": 2026, "reviewed_on": "2026-05-10",
                                 "results": [{"member": life.own[2].pk, "grade": "unqualified"}]})
    assert errors_of(missing) == {"results": {"follow_up"}}
    assert post(api(chaoyang_officer), url, {"year": 2026, "reviewed_on": "2026-05-10", "results": results}
                ).status_code == 404
    stranger = post(client, url, {"year": 2026, "reviewed_on": "2026-05-10",
                                  "results": [{"member": life.stranger.pk, "grade": "qualified"}]})
    assert errors_of(stranger) == {"results": {"not_on_roster"}}
    assert not ReviewResult.objects.exists()
    made = post(client, url, {"year": 2026, "reviewed_on": "2026-05-10", "results": results})
    assert made.status_code == 201, made.content
    got = made.json()
    assert got["count"] == 3
    assert {r["name"]: r["grade"] for r in got["items"]} == {"林晓一": "excellent", "林晓二": "qualified",
                                                             "林晓三": "unqualified"}
    life_ = client.get(f"/api/v1/party-orgs/{life.branch.pk}/life").json()
    assert life_["members"] == []  # no meeting yet: the review alone puts nobody on the attendance list


def test_the_compliance_table_and_the_orgs_behind_it(life, secretary, zhonglou_officer, chaoyang_officer):
    post(api(secretary), "/api/v1/meetings", body(life))
    client = api(zhonglou_officer)
    table = client.get("/api/v1/life-compliance", {"region": ZHONGLOU})
    assert table.status_code == 200, table.content
    rows = table.json()["items"]
    assert rows[0]["region"] == ZHONGLOU and rows[0]["orgs"] == 1
    assert rows[0]["kinds"]["general_meeting"] == {"expected": 2, "held": 1, "rate": 0.5}
    street = next(r for r in rows[1:] if r["region"] == HEHUACHI)
    assert street["orgs"] == 1 and street["incomplete"] == 1
    by_type = client.get("/api/v1/life-compliance", {"by": "type"}).json()["items"]
    assert [r["key"] for r in by_type[1:]] == ["branch"]
    past = client.get("/api/v1/life-compliance", {"as_of": "2026-03-31"}).json()["items"]
    assert past[0]["kinds"]["general_meeting"] == {"expected": 1, "held": 0, "rate": 0.0}
    behind = client.get("/api/v1/life-compliance/orgs", {"figure": "incomplete"}).json()
    assert [(r["party_org"], r["name"]) for r in behind["items"]] == [(life.branch.pk, life.branch.name)]
    assert client.get("/api/v1/life-compliance/orgs", {"figure": "complete"}).json()["count"] == 0
    # A statistic outside the jurisdiction is refused; a party scope has no region table but its own orgs.
    assert client.get("/api/v1/life-compliance", {"region": CHAOYANG}).status_code == 403
    assert client.get("/api/v1/life-compliance", {"region": "999999"}).status_code == 422
    assert client.get("/api/v1/life-compliance", {"as_of": "0001-01-01"}).status_code == 422
    assert api(secretary).get("/api/v1/life-compliance").status_code == 403
    own = api(secretary).get("/api/v1/life-compliance/orgs").json()
    assert [r["party_org"] for r in own["items"]] == [life.branch.pk]
    chaoyang = api(chaoyang_officer).get("/api/v1/life-compliance/orgs").json()
    assert life.branch.pk not in [r["party_org"] for r in chaoyang["items"]]
