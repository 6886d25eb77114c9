"""The transfer pages through HTTP: the list in and out, one letter (printable, ID masked or not),
a letter issued from a member's page, refusals shown under their fields, a letter out of the
system and its receipt, a paper letter received, a batch, the pocket list, the directory picker."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client

from shuniu.cases.models import Case
from shuniu.cases.services import case_act
from shuniu.party.models import PartyMember, RelationChange
from shuniu.party.services import member_end, party_org_dissolve
from shuniu.transfers.models import RelationLetter, TransferBatch
from shuniu.transfers.services import letter_issue, outgoing_record
from tests.conftest import _user
from tests.factories import HEHUACHI, SYSTEM, PartyOrgFactory, make_id_number

D = dt.date


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _state() -> tuple[int, int, int]:
    return Case.objects.count(), RelationLetter.objects.count(), RelationChange.objects.count()


def test_a_letter_issued_from_the_member_page_is_seen_by_both_sides_and_no_third(world):
    member = world["members"][0]
    sender = _client(world["sender"])
    page = _text(sender.get(f"/members/{member.pk}/edit/"))
    assert f"/members/{member.pk}/transfer/" in page and "尚无组织关系转接记录" in page
    response = sender.post(f"/members/{member.pk}/transfer/", {"to_org": world["there"].pk, "reason": "工作调动",
                                                              "dues_paid_to": "2026-08", "valid_days": "30"})
    letter = RelationLetter.objects.get(member=member)
    assert response.status_code == 302 and response["Location"] == f"/transfers/{letter.pk}/"
    detail = _text(sender.get(f"/transfers/{letter.pk}/"))
    for text in (letter.number, "存根", "回执", "北京朝阳公益基金会党支部", "2026-08", member.id_number):
        assert text in detail
    # A street officer may not see full ID numbers: the letter shows the mask.
    street = _text(_client(_user("hhc_street", "street_officer", HEHUACHI)).get(f"/transfers/{letter.pk}/"))
    assert member.id_number_masked in street and member.id_number not in street
    assert f"/cases/{letter.case_id}/" in detail
    out = _text(sender.get("/transfers/?direction=out"))
    assert letter.number in out and member.name in out
    assert letter.number not in _text(sender.get("/transfers/?direction=in"))
    receiving = _client(world["receiver"])
    assert letter.number in _text(receiving.get("/transfers/?direction=in"))
    assert receiving.get(f"/transfers/{letter.pk}/").status_code == 200
    # A third party (the secretary of an unrelated branch) never sees it.
    other = PartyOrgFactory(name="无关党支部", superior=world["committee"])
    third = _client(_user("third", "secretary", f"party:{other.pk}"))
    assert third.get(f"/transfers/{letter.pk}/").status_code == 404
    assert letter.number not in _text(third.get("/transfers/"))
    # The export is the list's, audited.
    csv = sender.get("/transfers/?format=csv&direction=out")
    assert csv.status_code == 200 and letter.number in b"".join(csv.streaming_content).decode("utf-8-sig")


def test_an_officer_who_may_see_personal_data_reads_the_full_id_number_and_it_is_audited(world, zhonglou_officer):
    from shuniu.audit.models import AuditEntry

    member = world["members"][0]
    case = letter_issue(actor=world["sender"], member=member, to_org=world["there"])
    letter = RelationLetter.objects.get(case=case)
    response = _client(zhonglou_officer).get(f"/transfers/{letter.pk}/")
    assert member.id_number in _text(response) and response["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(action="member.read_personal", target_id=str(member.pk)).exists()


def test_bad_letters_are_shown_under_their_fields_and_change_nothing(world):
    member, gone = world["members"][0], world["members"][2]
    dissolved = PartyOrgFactory(name="已撤销的党支部", superior=world["committee"])
    party_org_dissolve(actor=SYSTEM, party_org=dissolved, on=D(2025, 1, 1), reason="单位注销")
    sender = _client(world["sender"])
    before = _state()
    # The directory picker offers only active party orgs: a dissolved one is not a choice.
    page = _text(sender.post(f"/members/{member.pk}/transfer/", {"to_org": dissolved.pk}))
    assert "接收党组织" in page and "尚未保存" in page
    page = _text(sender.post(f"/members/{member.pk}/transfer/", {"to_org": world["there"].pk, "valid_days": "120",
                                                                  "dues_paid_to": "2026/13"}))
    assert "最长不超过3个月" in page and "年-月" in page
    member_end(actor=SYSTEM, member=gone, on=D(2025, 6, 1), reason="died")
    assert sender.get(f"/members/{gone.pk}/transfer/").status_code == 404  # a member who left has no form
    assert _state() == before


def test_confirming_on_the_case_page_moves_the_relation_and_shows_the_history(world):
    member = world["members"][0]
    case = letter_issue(actor=world["sender"], member=member, to_org=world["there"], to_workplace=world["there_org"])
    receiving = _client(world["receiver"])
    assert case.title in _text(receiving.get("/todo/"))
    receiving.post(f"/cases/{case.pk}/act/", {"action": "confirm", "received_on": dt.date.today().isoformat()})
    member.refresh_from_db()
    assert member.relation_org == world["there"]
    page = _text(receiving.get(f"/members/{member.pk}/edit/"))
    assert "钟楼区社工服务中心党支部" in page and "北京朝阳公益基金会党支部" in page
    # Confirming twice: refused, said on the page, nothing changes.
    before = _state()
    response = receiving.post(f"/cases/{case.pk}/act/", {"action": "confirm"}, follow=True)
    assert response.status_code in (200, 403) and _state() == before


def test_a_letter_out_of_the_system_and_its_receipt(world):
    member = world["members"][1]
    sender = _client(world["sender"])
    response = sender.post(f"/members/{member.pk}/transfer-out/", {
        "number": "苏组转〔2026〕15号", "to_elsewhere": "上海市浦东新区某律师事务所党支部",
        "issued_on": dt.date.today().isoformat(), "reason": "工作调动", "valid_days": "30"})
    letter = RelationLetter.objects.get(member=member)
    assert response["Location"] == f"/transfers/{letter.pk}/"
    assert PartyMember.objects.get(pk=member.pk).ended_on == dt.date.today()
    assert f"/transfers/{letter.pk}/receipt/" in _text(sender.get(f"/transfers/{letter.pk}/"))
    page = _text(sender.post(f"/transfers/{letter.pk}/receipt/", {"received_on": "2000-01-01"}))
    assert "回执日期" in page and "不能早于" in page
    sender.post(f"/transfers/{letter.pk}/receipt/", {"received_on": dt.date.today().isoformat()})
    assert RelationLetter.objects.get(pk=letter.pk).state == "completed"
    assert sender.get(f"/transfers/{letter.pk}/receipt/").status_code == 404


def test_a_paper_letter_from_outside_registers_a_new_member(world):
    sender = _client(world["sender"])
    today = dt.date.today().isoformat()
    base = {"number": "京组转字第0312号", "from_elsewhere": "北京市海淀区某科技公司党支部", "issued_on": today,
            "received_on": today}
    page = _text(sender.post(f"/party/{world['here'].pk}/transfer-in/", base))
    assert "请选择党员，或填写转入党员的信息" in page
    sender.post(f"/party/{world['here'].pk}/transfer-in/", {
        **base, "name": "王晓", "gender": "female", "status": "full", "id_number": make_id_number(9101),
        "admitted_on": "2012-07-01", "full_on": "2013-07-01"})
    member = PartyMember.objects.get(name="王晓")
    assert member.relation_org == world["here"] and member.relation_letters.get().kind == "incoming"


def test_transfer_all_members_of_a_dissolved_party_org_and_follow_the_batch(world):
    here, committee = world["here"], world["committee"]
    target = PartyOrgFactory(name="钟楼区社会组织联合党支部", kind="joint_branch", superior=committee)
    party_org_dissolve(actor=SYSTEM, party_org=here, on=dt.date.today(), reason="社会组织注销")
    officer = _client(world["committee_user"])
    assert f"/party/{here.pk}/transfer-all/" in _text(officer.get(f"/party/{here.pk}/"))
    response = officer.post(f"/party/{here.pk}/transfer-all/", {"to_org": target.pk, "reason": "原党支部撤销"})
    batch = TransferBatch.objects.get()
    assert response["Location"] == f"/transfers/batches/{batch.pk}/"
    page = _text(officer.get(f"/transfers/batches/{batch.pk}/"))
    assert "已接收 0 / 3" in page
    receiver = _user("joint_secretary", "secretary", f"party:{target.pk}")
    for letter in batch.letters.all():
        assert letter.case is not None
        case_act(actor=receiver, case=letter.case, action="confirm")
    assert "已全部办结" in _text(officer.get(f"/transfers/batches/{batch.pk}/"))
    # A secretary elsewhere cannot open the batch page.
    assert _client(world["receiver"]).get(f"/transfers/batches/{batch.pk}/").status_code == 404


def test_the_pocket_list_names_the_reason_the_letter_and_the_rule(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, 0))
    member = world["members"][0]
    letter = outgoing_record(actor=world["sender"], member=member, number="X-1", to_elsewhere="外省某支部",
                             issued_on="2026-02-27", valid_days=10)
    time_machine.move_to(dt.datetime(2026, 4, 1, 10, 0))
    page = _text(_client(world["committee_user"]).get("/transfers/pocket/"))
    assert member.name in page and f"/transfers/{letter.pk}/" in page and "第二十五条" in page


@pytest.mark.parametrize("q", ["北京朝阳", "党支部"])
def test_the_directory_picker_lists_party_orgs_of_the_whole_country_by_name_only(world, q):
    page = _text(_client(world["sender"]).get("/pick/party_org_directory/", {"q": q}))
    assert "北京朝阳公益基金会党支部" in page and "110105" in page
    assert not any(m.name in page for m in world["there_members"])
    assert "输入党组织名称搜索" in _text(_client(world["sender"]).get("/pick/party_org_directory/"))
