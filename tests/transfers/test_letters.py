"""Relation transfers through the services: a letter issued inside the system, received, returned,
extended, overdue; letters to and from outside the system; a dissolved party org's batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import reminders
from shuniu.cases.models import Case
from shuniu.cases.selectors import waiting_on_me
from shuniu.cases.services import case_act
from shuniu.party.models import PartyMember, RelationChange
from shuniu.party.relations import relation_as_of, roster_as_of
from shuniu.party.services import member_end, party_org_dissolve
from shuniu.registry.models import SocialOrg
from shuniu.transfers.models import RelationLetter
from shuniu.transfers.selectors import batch_progress, letter_search, pocket_members
from shuniu.transfers.services import (
    batch_open,
    incoming_register,
    letter_issue,
    outgoing_receipt,
    outgoing_record,
)
from tests.conftest import _user
from tests.coverage.test_engine import assert_incremental_equals_rebuild
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    SYSTEM,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
)

D = dt.date


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """A Zhonglou (荷花池) org with 3 full members and its branch; a Beijing (朝阳) org, short of
    members, with a branch of its own; the secretaries of both."""
    here_org = SocialOrgFactory(name="钟楼区社工服务中心", region_code=HEHUACHI)
    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=HEHUACHI)
    here = PartyOrgFactory(name="钟楼区社工服务中心党支部", superior=committee, covers=[here_org])
    there_org = SocialOrgFactory(name="北京朝阳公益基金会", region_code=CHAOYANG)
    there = PartyOrgFactory(name="北京朝阳公益基金会党支部", kind="joint_branch", covers=[there_org])
    members = [PartyMemberFactory(workplace=here_org, relation_org=here) for _ in range(3)]
    there_members = [PartyMemberFactory(workplace=there_org, relation_org=there) for _ in range(2)]
    return {"here_org": here_org, "here": here, "committee": committee, "there_org": there_org, "there": there,
            "members": members, "there_members": there_members,
            "sender": _user("zl_secretary", "secretary", f"party:{here.pk}"),
            "receiver": _user("bj_secretary", "secretary", f"party:{there.pk}"),
            "committee_user": _user("zl_committee", "secretary", f"party:{committee.pk}")}


def _org(pk: int) -> SocialOrg:
    return SocialOrg.objects.get(pk=pk)


def test_a_letter_moves_the_relation_and_the_counts_on_the_day_it_is_received(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 1, 10, 0))
    member = world["members"][0]
    case = letter_issue(actor=world["sender"], member=member, to_org=world["there"], reason="工作调动",
                        dues_paid_to="2026-08", to_workplace=world["there_org"])
    letter = RelationLetter.objects.get(case=case)
    assert (letter.number, letter.state, letter.valid_until) == (f"2026-{letter.pk:06d}", "issued", D(2026, 10, 1))
    assert case.due_on == D(2026, 10, 1) and case.body == world["there"]
    # In transit the member is still counted by the sending org.
    assert _org(world["here_org"].pk).full_members == 3 and _org(world["there_org"].pk).full_members == 2
    assert _org(world["here_org"].pk).coverage_status == "own"
    # The receiving side has it in its inbox; it sees the letter only now that it is sent.
    assert list(waiting_on_me(Scope.for_user(world["receiver"]), world["receiver"])) == [case]

    time_machine.move_to(dt.datetime(2026, 9, 8, 10, 0))
    case_act(actor=world["receiver"], case=case, action="confirm", data={"received_on": "2026-09-08"})
    member.refresh_from_db()
    assert member.relation_org == world["there"] and member.workplace == world["there_org"]
    assert relation_as_of(member, D(2026, 9, 7)).party_org_id == world["here"].pk
    assert relation_as_of(member, D(2026, 9, 8)).party_org_id == world["there"].pk
    assert set(roster_as_of(world["here"], D(2026, 9, 7))) == set(world["members"])
    assert set(roster_as_of(world["here"], D(2026, 9, 8))) == set(world["members"][1:])
    assert member in roster_as_of(world["there"], D(2026, 9, 8))
    assert _org(world["here_org"].pk).full_members == 2 and _org(world["there_org"].pk).full_members == 3
    letter.refresh_from_db()
    assert (letter.state, letter.received_on) == ("completed", D(2026, 9, 8))
    change = RelationChange.objects.get(member=member)
    assert (change.from_org, change.to_org, change.on) == (world["here"], world["there"], D(2026, 9, 8))
    assert_incremental_equals_rebuild()


def test_an_unreceived_letter_is_overdue_for_both_sides_and_the_superior(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 1, 10, 0))
    case = letter_issue(actor=world["sender"], member=world["members"][0], to_org=world["there"], valid_days=10)
    time_machine.move_to(dt.datetime(2026, 9, 15, 10, 0))
    today = D(2026, 9, 15)
    receiving = waiting_on_me(Scope.for_user(world["receiver"]), world["receiver"])
    assert [(c.pk, c.due_on is not None and c.due_on < today) for c in receiving] == [(case.pk, True)]
    for who in ("sender", "committee_user"):
        got = [r for r in reminders(Scope.for_user(world[who]), today).items if r.rule_id == "TRANSFER"]
        assert len(got) == 1 and got[0].overdue(today), who
        assert "已于 2026-09-11 过期" in got[0].detail
    assert [r.reason for r in pocket_members(Scope.for_user(world["committee_user"]), today)] == ["internal_not_received"]
    assert letter_search(Scope.for_user(world["sender"]), overdue=True, today=today).count() == 1
    # Receipt after the validity is refused; the sender extends once, then it can be received.
    with pytest.raises(ValidationError) as exc:
        case_act(actor=world["receiver"], case=case, action="confirm", data={"received_on": "2026-09-15"})
    assert "已过期" in str(exc.value)
    case_act(actor=world["sender"], case=case, action="extend", data={"extend_days": 20})
    with pytest.raises(ValidationError, match="只能延长一次"):
        case_act(actor=world["sender"], case=case, action="extend", data={"extend_days": 5})
    case_act(actor=world["receiver"], case=case, action="confirm", data={"received_on": "2026-09-15"})
    assert PartyMember.objects.get(pk=world["members"][0].pk).relation_org == world["there"]


def test_a_returned_letter_goes_back_and_can_be_sent_elsewhere(world):
    member = world["members"][1]
    case = letter_issue(actor=world["sender"], member=member, to_org=world["there"])
    with pytest.raises(ValidationError, match="须填写意见"):
        case_act(actor=world["receiver"], case=case, action="return")
    case = case_act(actor=world["receiver"], case=case, action="return", comment="该同志不在本单位工作")
    assert RelationLetter.objects.get(case=case).state == "returned" and case.waiting_on == "applicant"
    # The receiving side no longer has it; the sender does, and sends it to another party org.
    assert not waiting_on_me(Scope.for_user(world["receiver"]), world["receiver"]).exists()
    other = PartyOrgFactory(name="钟楼区另一党支部", superior=world["committee"])
    from shuniu.cases.services import case_update

    case_update(actor=world["sender"], case=case, data={"to_org": other.pk})
    case = case_act(actor=world["sender"], case=case, action="submit")
    assert case.body == other and RelationLetter.objects.get(case=case).receiver == other


def test_bad_letters_are_refused_and_change_nothing(world):
    member, gone = world["members"][0], world["members"][2]
    dissolved = PartyOrgFactory(name="已撤销的党支部", superior=world["committee"])
    party_org_dissolve(actor=SYSTEM, party_org=dissolved, on=D(2025, 1, 1), reason="单位注销")
    member_end(actor=SYSTEM, member=gone, on=D(2025, 6, 1), reason="died")
    before = (Case.objects.count(), RelationLetter.objects.count(), RelationChange.objects.count())
    cases = [
        ({"member": member, "to_org": dissolved}, "to_org", "已于 2025-01-01 撤销"),
        ({"member": gone, "to_org": world["there"]}, "member", "已于 2025-06-01 减少"),
        ({"member": member, "to_org": world["here"]}, "to_org", "无需转接"),
        ({"member": member, "to_org": world["there"], "valid_days": 120}, "valid_days", "最长不超过3个月"),
        ({"member": member, "to_org": world["there"], "dues_paid_to": "2026/13"}, "dues_paid_to", "年-月"),
    ]
    for kwargs, field, text in cases:
        with pytest.raises(ValidationError) as exc:
            letter_issue(actor=world["sender"], **kwargs)
        assert field in exc.value.message_dict and text in " ".join(exc.value.message_dict[field]), kwargs
    assert (Case.objects.count(), RelationLetter.objects.count(), RelationChange.objects.count()) == before
    # One letter at a time; confirming twice; a secretary of another party org cannot issue.
    case = letter_issue(actor=world["sender"], member=member, to_org=world["there"])
    with pytest.raises(ValidationError, match="一人一信"):
        letter_issue(actor=world["sender"], member=member, to_org=world["there"])
    case_act(actor=world["receiver"], case=case, action="confirm")
    with pytest.raises(ValidationError, match="不能“confirm”"):
        case_act(actor=world["receiver"], case=case, action="confirm")
    with pytest.raises(PermissionDenied):
        letter_issue(actor=world["receiver"], member=world["members"][1], to_org=world["there"])
    with pytest.raises(PermissionDenied):  # only the receiving side confirms
        other = letter_issue(actor=world["sender"], member=world["members"][1], to_org=world["there"])
        case_act(actor=world["sender"], case=other, action="confirm")


def test_a_letter_out_of_the_system_ends_the_roster_entry_and_waits_for_its_receipt(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, 0))
    member = world["members"][0]
    letter = outgoing_record(actor=world["sender"], member=member, number="苏组转〔2026〕15号",
                             to_elsewhere="上海市浦东新区某律师事务所党支部", issued_on="2026-02-27", reason="工作调动")
    member.refresh_from_db()
    assert (member.ended_on, member.end_reason, member.relation_elsewhere) == (
        D(2026, 2, 27), "transferred_out", "上海市浦东新区某律师事务所党支部")
    assert relation_as_of(member, D(2026, 2, 26)).party_org_id == world["here"].pk
    at = relation_as_of(member, D(2026, 2, 27))
    assert (at.party_org_id, at.on_roster) == (None, False)
    assert _org(world["here_org"].pk).members_on_staff == 2
    time_machine.move_to(dt.datetime(2026, 4, 10, 10, 0))
    rows = pocket_members(Scope.for_user(world["sender"]), D(2026, 4, 10))
    assert [(r.member_id, r.reason) for r in rows] == [(member.pk, "outgoing_no_receipt")]
    outgoing_receipt(actor=world["sender"], letter=letter, received_on="2026-04-08")
    assert pocket_members(Scope.for_user(world["sender"]), D(2026, 4, 10)) == []
    with pytest.raises(ValidationError, match="只有已开具"):
        outgoing_receipt(actor=world["sender"], letter=letter, received_on="2026-04-09")
    assert_incremental_equals_rebuild()


def test_a_paper_letter_from_outside_adds_the_member_on_the_day_received(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 20, 10, 0))
    person = {"name": "王晓", "gender": "female", "id_number": make_id_number(9101), "admitted_on": "2012-07-01",
              "full_on": "2013-07-01", "workplace": world["here_org"]}
    letter = incoming_register(actor=world["sender"], to_org=world["here"], number="京组转字第0312号",
                               from_elsewhere="北京市海淀区某科技公司党支部", issued_on="2026-05-10",
                               received_on="2026-05-18", person=person)
    member = letter.member
    assert member.relation_org == world["here"] and _org(world["here_org"].pk).full_members == 4
    before = relation_as_of(member, D(2026, 5, 17))
    assert (before.party_org_id, before.elsewhere) == (None, "北京市海淀区某科技公司党支部")
    assert relation_as_of(member, D(2026, 5, 18)).party_org_id == world["here"].pk
    with pytest.raises(ValidationError, match="已过期"):
        incoming_register(actor=world["sender"], to_org=world["here"], number="X1", from_elsewhere="外省某支部",
                          issued_on="2026-01-01", received_on="2026-05-18", valid_days=30,
                          person={**person, "id_number": make_id_number(9102), "name": "李四"})
    assert PartyMember.objects.filter(name="李四").count() == 0


def test_dissolving_opens_every_members_transfer_and_the_superior_follows_the_batch(world):
    here, committee = world["here"], world["committee"]
    target = PartyOrgFactory(name="钟楼区社会组织联合党支部", kind="joint_branch", superior=committee,
                             region_code=HEHUACHI)
    party_org_dissolve(actor=SYSTEM, party_org=here, on=dt.date.today(), reason="社会组织注销")
    batch = batch_open(actor=world["committee_user"], party_org=here, to_org=target, reason="原党支部撤销")
    progress = batch_progress(batch)
    assert (progress.total, progress.done, progress.left) == (3, 0, 3)
    receiver = _user("joint_secretary", "secretary", f"party:{target.pk}")
    letters = list(batch.letters.select_related("case"))
    for letter in letters[:2]:
        assert letter.case is not None
        case_act(actor=receiver, case=letter.case, action="confirm")
    assert (batch_progress(batch).done, batch_progress(batch).left) == (2, 1)
    assert letters[2].case is not None
    case_act(actor=receiver, case=letters[2].case, action="confirm")
    assert batch_progress(batch).left == 0
    assert not PartyMember.objects.filter(relation_org=here).exists()
    assert roster_as_of(target, dt.date.today()).count() == 3
    with pytest.raises(ValidationError, match="没有组织关系在此的党员"):
        batch_open(actor=world["committee_user"], party_org=here, to_org=target, reason="再来一次")
