"""The transfer API through HTTP: a letter issued, seen by both sides and no third, received through
the case's /act; refusals as the project's errors naming the field and the rule, changing nothing;
letters out of and into the system; a batch; the pocket list; a member's relation on a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shuniu.accounts.services import token_create
from shuniu.cases.models import Case
from shuniu.party.models import PartyMember, RelationChange
from shuniu.party.services import member_end, party_org_dissolve
from shuniu.transfers.models import RelationLetter, TransferBatch
from tests.conftest import _user
from tests.factories import SYSTEM, PartyOrgFactory, make_id_number

D = dt.date


def _api(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})


def _post(client: Client, url: str, body: dict) -> object:  # type: ignore[type-arg]
    return client.post(url, body, content_type="application/json")


def _state() -> tuple[int, int, int]:
    return Case.objects.count(), RelationLetter.objects.count(), RelationChange.objects.count()


def _fields(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_letter_issued_and_received_through_the_api(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 1, 10, 0))
    member = world["members"][0]
    sender, receiver = _api(world["sender"]), _api(world["receiver"])
    response = _post(sender, "/api/v1/transfers", {"member": member.pk, "to_org": world["there"].pk,
                                                   "reason": "工作调动", "dues_paid_to": "2026-08"})
    assert response.status_code == 201, response.content
    letter = response.json()
    assert (letter["state"], letter["valid_until"], letter["to_name"]) == ("issued", "2026-10-01",
                                                                           "北京朝阳公益基金会党支部")
    assert member.id_number not in response.content.decode()  # masked in the API
    # Both sides see it; a third party does not.
    assert receiver.get(f"/api/v1/transfers/{letter['id']}").status_code == 200
    assert [i["id"] for i in receiver.get("/api/v1/transfers?direction=in").json()["items"]] == [letter["id"]]
    assert sender.get("/api/v1/transfers?direction=in").json()["count"] == 0
    other = PartyOrgFactory(name="无关党支部", superior=world["committee"])
    third = _api(_user("third", "secretary", f"party:{other.pk}"))
    assert third.get(f"/api/v1/transfers/{letter['id']}").status_code == 404
    assert third.get("/api/v1/transfers").json()["count"] == 0
    # Received through the case's act, on a date; the relation moves on that date.
    time_machine.move_to(dt.datetime(2026, 9, 8, 10, 0))
    act = _post(receiver, f"/api/v1/cases/{letter['case_id']}/act",
                {"action": "confirm", "data": {"received_on": "2026-09-08"}})
    assert act.status_code == 200, act.content
    # The member is now the receiving side's: the sending side no longer reads them.
    assert sender.get(f"/api/v1/members/{member.pk}/relation?as_of=2026-09-07").status_code == 404
    relation = receiver.get(f"/api/v1/members/{member.pk}/relation?as_of=2026-09-07").json()
    assert relation["party_org_id"] == world["here"].pk and relation["on_roster"]
    relation = receiver.get(f"/api/v1/members/{member.pk}/relation?as_of=2026-09-08").json()
    assert relation["party_org_name"] == "北京朝阳公益基金会党支部"
    # Confirming twice: an error in the project's format, nothing changed.
    before = _state()
    again = _post(receiver, f"/api/v1/cases/{letter['case_id']}/act", {"action": "confirm"})
    assert again.status_code == 422 and "confirm" in again.content.decode() and _state() == before
    assert third.get(f"/api/v1/members/{member.pk}/relation").status_code == 404


def test_bad_letters_name_the_field_and_the_rule_and_change_nothing(world):
    member, gone = world["members"][0], world["members"][2]
    dissolved = PartyOrgFactory(name="已撤销的党支部", superior=world["committee"])
    party_org_dissolve(actor=SYSTEM, party_org=dissolved, on=D(2025, 1, 1), reason="单位注销")
    member_end(actor=SYSTEM, member=gone, on=D(2025, 6, 1), reason="died")
    sender = _api(world["sender"])
    before = _state()
    response = _post(sender, "/api/v1/transfers", {"member": member.pk, "to_org": dissolved.pk})
    assert response.status_code == 422 and "已于 2025-01-01 撤销" in _fields(response)["to_org"]
    assert "规则" in _fields(response)["to_org"]
    response = _post(sender, "/api/v1/transfers", {"member": gone.pk, "to_org": world["there"].pk})
    assert response.status_code == 422 and "已于 2025-06-01 减少" in _fields(response)["member"]
    response = _post(sender, "/api/v1/transfers", {"member": member.pk, "to_org": world["there"].pk,
                                                   "valid_days": 120, "dues_paid_to": "2026/13"})
    assert response.status_code == 422 and set(_fields(response)) >= {"valid_days"}
    response = _post(sender, "/api/v1/transfers", {"member": member.pk, "to_org": world["there"].pk,
                                                   "dues_paid_to": "2026/13"})
    assert response.status_code == 422 and "年-月" in _fields(response)["dues_paid_to"]
    # A member outside the scope: the same answer as a missing one.
    response = _post(_api(world["receiver"]), "/api/v1/transfers", {"member": member.pk, "to_org": world["there"].pk})
    assert response.status_code == 422 and "member" in _fields(response)
    assert _state() == before


def test_out_of_the_system_with_receipt_and_into_it_from_paper(world):
    sender = _api(world["sender"])
    member = world["members"][1]
    today = dt.date.today().isoformat()
    response = _post(sender, "/api/v1/transfers/outgoing", {
        "member": member.pk, "number": "苏组转〔2026〕15号", "to_elsewhere": "上海市浦东新区某律师事务所党支部",
        "issued_on": today})
    assert response.status_code == 201, response.content
    letter = response.json()
    assert PartyMember.objects.get(pk=member.pk).ended_on == dt.date.today()
    bad = _post(sender, f"/api/v1/transfers/{letter['id']}/receipt", {"received_on": "2000-01-01"})
    assert bad.status_code == 422 and "received_on" in _fields(bad)
    done = _post(sender, f"/api/v1/transfers/{letter['id']}/receipt", {"received_on": today})
    assert done.status_code == 200 and done.json()["state"] == "completed"
    incoming = _post(sender, "/api/v1/transfers/incoming", {
        "to_org": world["here"].pk, "number": "京组转字第0312号", "from_elsewhere": "北京市海淀区某科技公司党支部",
        "issued_on": today, "received_on": today,
        "person": {"name": "王晓", "gender": "female", "id_number": make_id_number(9101), "admitted_on": "2012-07-01",
                   "full_on": "2013-07-01"}})
    assert incoming.status_code == 201, incoming.content
    assert PartyMember.objects.get(name="王晓").relation_org == world["here"]


def test_a_batch_and_the_pocket_list(world):
    here, committee = world["here"], world["committee"]
    target = PartyOrgFactory(name="钟楼区社会组织联合党支部", kind="joint_branch", superior=committee)
    party_org_dissolve(actor=SYSTEM, party_org=here, on=dt.date.today(), reason="社会组织注销")
    officer = _api(world["committee_user"])
    response = _post(officer, "/api/v1/transfers/batches", {"party_org": here.pk, "to_org": target.pk,
                                                            "reason": "原党支部撤销"})
    assert response.status_code == 201, response.content
    batch = response.json()
    assert (batch["total"], batch["done"], batch["left"], len(batch["letters"])) == (3, 0, 3, 3)
    assert officer.get(f"/api/v1/transfers/batches/{batch['id']}").json()["by_state"] == {"issued": 3}
    assert _api(world["receiver"]).get(f"/api/v1/transfers/batches/{batch['id']}").status_code == 404
    again = _post(officer, "/api/v1/transfers/batches", {"party_org": here.pk, "to_org": target.pk, "reason": "再来"})
    assert again.status_code == 422 and TransferBatch.objects.count() == 1
    pocket = officer.get("/api/v1/transfers/pocket").json()
    assert pocket["count"] == 0 and "第二十五条" in pocket["source"]


@pytest.mark.parametrize("path", ["/api/v1/transfers?direction=sideways", "/api/v1/transfers?state=lost",
                                  "/api/v1/members/1/relation?as_of=2026-02-30"])
def test_bad_filters_are_422_naming_the_parameter(world, path):
    response = _api(world["sender"]).get(path)
    assert response.status_code in (404, 422)
    if response.status_code == 422:
        assert response.json()["errors"][0]["field"]
