"""Importing the letters in transit (issued on paper or in the old platform, not yet received, or
received on a date): through the transfer services, refused row by row, undone as a batch."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.cases.models import Case, CaseStep
from shuniu.imports.models import ImportBatch
from shuniu.imports.services import batch_rollback, import_file, import_preview
from shuniu.party.models import PartyMember, RelationChange
from shuniu.party.relations import relation_as_of
from shuniu.party.services import member_end, party_org_dissolve
from shuniu.transfers.models import RelationLetter
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
from tests.imports.files import write_csv

D = dt.date
HEADERS = ["姓名", "公民身份号码", "转接类别", "接收党组织", "介绍信编号", "开具日期", "有效期（天）", "党费交至", "转接原因",
           "接收日期"]


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """A Zhonglou branch with four members (ID numbers known), a Beijing branch outside the Zhonglou
    officer's jurisdiction, and a Beijing member."""
    here_org = SocialOrgFactory(name="钟楼区社工服务中心", region_code=HEHUACHI)
    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=HEHUACHI)
    here = PartyOrgFactory(name="钟楼区社工服务中心党支部", superior=committee, covers=[here_org])
    there_org = SocialOrgFactory(name="北京朝阳公益基金会", region_code=CHAOYANG)
    there = PartyOrgFactory(name="北京朝阳公益基金会党支部", kind="joint_branch", covers=[there_org])
    ids = [make_id_number(9000 + i) for i in range(5)]
    members = [PartyMemberFactory(workplace=here_org, relation_org=here, id_number=ids[i]) for i in range(4)]
    outsider = PartyMemberFactory(workplace=there_org, relation_org=there, id_number=ids[4])
    return {"here": here, "there": there, "committee": committee, "members": members, "ids": ids,
            "outsider": outsider, "here_org": here_org}


def _file(tmp_path, rows):  # type: ignore[no-untyped-def]
    return write_csv(tmp_path / "transfers.csv", rows, headers=HEADERS)


def test_letters_in_transit_import_through_the_services_and_undo(world, zhonglou_officer, tmp_path):
    m = world["members"]
    today = dt.date.today()
    issued, received = today - dt.timedelta(days=40), today - dt.timedelta(days=35)
    rows = [
        [m[0].name, world["ids"][0], "系统内", "北京朝阳公益基金会党支部", "京转2026-001", issued.isoformat(), 60,
         "2026-10", "工作调动", ""],
        [m[1].name, world["ids"][1], "系统内", "北京朝阳公益基金会党支部", "", issued.isoformat(), 30, "2026年10月",
         "工作调动", received.isoformat()],
        ["", world["ids"][2], "转出到系统外", "上海市某区委组织部", "沪2026-17", issued.isoformat(), 30, "2026-10",
         "迁居", ""],
        ["", world["ids"][3], "转出", "江苏省南京市某党支部", "宁2026-5", issued.isoformat(), "", "", "",
         received.isoformat()],
    ]
    preview, batch = import_file(actor=zhonglou_officer, kind="transfers", path=_file(tmp_path, rows))
    assert preview.errors == [] and batch is not None
    assert preview.counts()["created"] == 4

    waiting = RelationLetter.objects.get(member=m[0])
    assert (waiting.kind, waiting.state, waiting.number, waiting.issued_on, waiting.valid_until) == (
        "internal", "issued", "京转2026-001", issued, issued + dt.timedelta(days=60))
    assert (waiting.from_org, waiting.receiver, waiting.dues_paid_to) == (world["here"], world["there"], "2026-10")
    assert waiting.case.waiting_on == "body" and waiting.case.due_on == waiting.valid_until
    assert PartyMember.objects.get(pk=m[0].pk).relation_org == world["here"]  # still counted here in transit

    done = RelationLetter.objects.get(member=m[1])
    assert (done.state, done.received_on, done.dues_paid_to) == ("completed", received, "2026-10")
    assert done.number.startswith(f"{today.year}-")
    assert relation_as_of(m[1], received - dt.timedelta(days=1)).party_org_id == world["here"].pk
    assert relation_as_of(m[1], received).party_org_id == world["there"].pk

    out = RelationLetter.objects.get(member=m[2])
    assert (out.kind, out.state, out.to_elsewhere, out.number) == ("outgoing", "issued", "上海市某区委组织部", "沪2026-17")
    gone = PartyMember.objects.get(pk=m[2].pk)
    assert (gone.ended_on, gone.end_reason, gone.relation_elsewhere) == (issued, "transferred_out", "上海市某区委组织部")
    receipt = RelationLetter.objects.get(member=m[3])
    assert (receipt.state, receipt.received_on, receipt.valid_days) == ("completed", received, 30)
    assert_incremental_equals_rebuild()

    # A second import of the same file is refused whole: every member has their letter already.
    again, none = import_file(actor=zhonglou_officer, kind="transfers", path=_file(tmp_path, rows))
    assert none is None and {e.row for e in again.errors} == {2, 3, 4, 5}
    assert RelationLetter.objects.count() == 4

    # The receiving side of a letter received is outside the officer's jurisdiction: an
    # administrator undoes such a batch.
    batch_rollback(actor=SYSTEM, batch=ImportBatch.objects.get(pk=batch.pk))
    assert not RelationLetter.objects.exists() and not RelationChange.objects.exists()
    assert not Case.objects.filter(kind="relation_transfer").exists() and not CaseStep.objects.exists()
    for member in m:
        back = PartyMember.objects.get(pk=member.pk)
        assert (back.relation_org, back.relation_elsewhere, back.ended_on) == (world["here"], "", None)
    assert_incremental_equals_rebuild()


def test_a_batch_of_pending_letters_is_undone_by_its_officer(world, zhonglou_officer, tmp_path):
    rows = [["", world["ids"][0], "系统内", "北京朝阳公益基金会党支部", "", dt.date.today().isoformat(), 30, "", "", ""]]
    _preview, batch = import_file(actor=zhonglou_officer, kind="transfers", path=_file(tmp_path, rows))
    assert batch is not None and RelationLetter.objects.count() == 1
    batch_rollback(actor=zhonglou_officer, batch=batch)
    assert not RelationLetter.objects.exists() and not Case.objects.exists()


def test_bad_rows_are_refused_by_row_column_and_rule_and_nothing_is_written(world, zhonglou_officer, tmp_path):
    m = world["members"]
    dissolved = PartyOrgFactory(name="已撤销的党支部", superior=world["committee"])
    party_org_dissolve(actor=SYSTEM, party_org=dissolved, on="2026-01-01", reason="撤销")
    member_end(actor=SYSTEM, member=m[3], on="2026-01-01", reason="died")
    day = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    rows = [
        ["", world["ids"][0], "系统内", "北京朝阳公益基金会党支部", "", "2026-13-45", 30, "", "", ""],  # bad date
        ["", world["ids"][1], "系统内", "没有这个党支部", "", day, 30, "", "", ""],  # unknown party org
        ["", world["ids"][3], "系统内", "北京朝阳公益基金会党支部", "", day, 30, "", "", ""],  # member who left
        ["", world["ids"][2], "系统内", "已撤销的党支部", "", day, 30, "", "", ""],  # dissolved receiving org
        ["", world["ids"][0], "系统内", "北京朝阳公益基金会党支部", "", day, 120, "", "", ""],  # > 90 days; same member
        ["", world["ids"][4], "系统内", "钟楼区社工服务中心党支部", "", day, 30, "", "", ""],  # outside the scope
        ["", make_id_number(9999), "系统内", "北京朝阳公益基金会党支部", "", day, 30, "", "", ""],  # unknown
        ["别人", world["ids"][1], "转出到系统外", "", "", day, 30, "2026-1", "", ""],  # name, destination, number
        ["", world["ids"][2], "系统内", "北京朝阳公益基金会党支部", "", day, 30, "2026/13", "",
         "2020-01-01"],  # dues month, received before issued
        ["", world["ids"][2], "未知类别", "北京朝阳公益基金会党支部", "", day, 30, "", "", ""],  # kind
    ]
    preview = import_preview(actor=zhonglou_officer, kind="transfers", path=_file(tmp_path, rows))
    got = {(e.row, e.column, e.code) for e in preview.errors}
    assert got == {
        (2, "开具日期", "date"),
        (3, "接收党组织", "reference"),
        (4, "公民身份号码", "state"),
        (5, "接收党组织", "state"),
        (6, "有效期（天）", "range"), (6, "公民身份号码", "duplicate"),
        (7, "公民身份号码", "reference"),
        (8, "公民身份号码", "reference"),
        (9, "姓名", "mismatch"), (9, "接收党组织", "required"), (9, "介绍信编号", "required"), (9, "公民身份号码", "duplicate"),
        (10, "党费交至", "format"), (10, "接收日期", "order"), (10, "公民身份号码", "duplicate"),
        (11, "转接类别", "choice"), (11, "公民身份号码", "duplicate"),
    }, got
    messages = {(e.row, e.code): e.message for e in preview.errors}
    assert "已于 2026-01-01 撤销" in messages[(5, "state")] and "不超过3个月" in messages[(6, "range")]
    # The member outside the scope and an unknown number read the same.
    assert messages[(7, "reference")].split("：", 1)[1] == messages[(8, "reference")].split("：", 1)[1]
    _preview, batch = import_file(actor=zhonglou_officer, kind="transfers", path=_file(tmp_path, rows))
    assert batch is None and not RelationLetter.objects.exists() and not Case.objects.exists()


def test_a_member_with_a_letter_under_way_and_a_receipt_past_validity_are_refused(world, tmp_path):
    from shuniu.transfers.services import letter_issue

    letter_issue(actor=SYSTEM, member=world["members"][0], to_org=world["there"])
    issued = dt.date.today() - dt.timedelta(days=50)
    rows = [["", world["ids"][0], "系统内", "北京朝阳公益基金会党支部", "", issued.isoformat(), 30, "", "", ""],
            ["", world["ids"][1], "系统内", "北京朝阳公益基金会党支部", "", issued.isoformat(), 10, "", "",
             (issued + dt.timedelta(days=20)).isoformat()],
            ["", world["ids"][2], "系统内", "钟楼区社工服务中心党支部", "", issued.isoformat(), 10, "", "", ""]]
    preview = import_preview(actor=SYSTEM, kind="transfers", path=_file(tmp_path, rows))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {
        (2, "公民身份号码", "open_letter"), (3, "接收日期", "expired"), (4, "接收党组织", "relation")}


def test_an_internal_letter_number_is_unique(world, tmp_path):
    day = dt.date.today().isoformat()
    rows = [["", world["ids"][0], "系统内", "北京朝阳公益基金会党支部", "X-1", day, 30, "", "", ""],
            ["", world["ids"][1], "系统内", "北京朝阳公益基金会党支部", "X-1", day, 30, "", "", ""]]
    preview = import_preview(actor=SYSTEM, kind="transfers", path=_file(tmp_path, rows))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {(3, "介绍信编号", "duplicate")}
    import_file(actor=SYSTEM, kind="transfers", path=_file(tmp_path, rows[:1]))
    preview = import_preview(actor=SYSTEM, kind="transfers", path=_file(tmp_path, rows[1:]))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {(2, "介绍信编号", "unique")}


def test_undoing_a_letter_out_of_the_system_restores_the_member_and_their_org_life(world, tmp_path):
    from shuniu.party.models import Participation
    from shuniu.party.services import participation_add

    member = world["members"][0]
    part = participation_add(actor=SYSTEM, member=member, party_org=world["committee"], started_on="2020-01-01")
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    rows = [["", world["ids"][0], "转出到系统外", "上海市某党委", "沪1", day, 30, "", "", ""]]
    _preview, batch = import_file(actor=SYSTEM, kind="transfers", path=_file(tmp_path, rows))
    assert batch is not None and Participation.objects.get(pk=part.pk).ended_on == D.fromisoformat(day)
    batch_rollback(actor=SYSTEM, batch=batch)
    back = PartyMember.objects.get(pk=member.pk)
    assert (back.ended_on, back.relation_org, Participation.objects.get(pk=part.pk).ended_on) == (
        None, world["here"], None)
    assert not RelationLetter.objects.exists()
    assert_incremental_equals_rebuild()
