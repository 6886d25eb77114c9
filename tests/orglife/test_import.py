"""Importing meeting records: one row a meeting, through ``meeting_record``'s rules; people by ID number
or by a name unique on the roster of the day; every bad row named with its row, column and rule, and
nothing of a failing file written; the template's headers and the batch's undo."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from shuniu.imports.models import ImportBatch
from shuniu.imports.services import batch_rollback, import_file, import_preview
from shuniu.orglife import compliance
from shuniu.orglife.models import Attendance, LifeTally, Meeting
from shuniu.orglife.services import meeting_record
from tests.factories import SYSTEM, PartyMemberFactory, make_id_number
from tests.imports.files import write_csv

pytestmark = pytest.mark.django_db

HEADERS = ["党组织", "召开日期", "会议类型", "主题", "地点", "主持人", "授课人", "出席人员", "缺席人员及原因", "会议记录"]


def row(life: Any, **changes: Any) -> list[Any]:
    values = {"党组织": life.branch.name, "召开日期": "2026-04-10", "会议类型": "主题党日、支部党员大会", "主题": "学习党章",
              "地点": "党员活动室", "主持人": "林晓一", "授课人": "", "出席人员": f"{life.ids[0]}、客晓参",
              "缺席人员及原因": "林晓二（请假）；林晓三（生病）", "会议记录": "=1+1 记录"}
    values.update(changes)
    return [values[h] for h in HEADERS]


def write(tmp_path: Path, rows: list[list[Any]]) -> Path:
    return write_csv(tmp_path / "meetings.csv", rows, headers=HEADERS)


def test_a_good_file_by_id_numbers_and_names_is_written_through_the_service(life, zhonglou_officer, tmp_path):
    rows = [row(life),
            row(life, **{"召开日期": "2026-03-20", "会议类型": "党课", "主题": "书记讲党课", "授课人": "林晓一",
                         "出席人员": f"林晓二, {life.ids[2]}", "缺席人员及原因": f"{life.ids[0]}（外出流动）"}),
            row(life, **{"党组织": str(life.branch.pk), "召开日期": "2026-02-05", "会议类型": "theme_day",
                         "出席人员": "林晓一", "缺席人员及原因": "林晓三（回老家）"})]
    preview, batch = import_file(actor=zhonglou_officer, kind="meetings", path=write(tmp_path, rows))
    assert preview.errors == [] and batch is not None
    assert preview.counts()["created"] == 3
    first = Meeting.objects.get(held_on=dt.date(2026, 4, 10))
    assert first.kind_list == ["general_meeting", "theme_day"] and first.minutes == "=1+1 记录"
    assert (first.expected_count, first.present_count, first.place) == (4, 2, "党员活动室")
    people = {a.member.name: (a.present, a.reason, a.participant) for a in first.attendance.select_related("member")}
    assert people == {"林晓一": (True, "", False), "客晓参": (True, "", True), "林晓二": (False, "leave", False),
                      "林晓三": (False, "illness", False)}
    lecture = Meeting.objects.get(held_on=dt.date(2026, 3, 20))
    assert lecture.lecturer == "林晓一" and lecture.present_count == 2
    assert lecture.attendance.get(member=life.own[0]).reason == "mobile"
    other = Meeting.objects.get(held_on=dt.date(2026, 2, 5)).attendance.get(member=life.own[2])
    assert (other.reason, other.note) == ("other", "回老家")
    assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)
    assert LifeTally.objects.get(party_org=life.branch, year=2026).held_party_lecture == 1

    batch_rollback(actor=zhonglou_officer, batch=ImportBatch.objects.get(pk=batch.pk))
    assert not Meeting.objects.exists() and not Attendance.objects.exists()
    assert LifeTally.objects.get(party_org=life.branch, year=2026).held_party_lecture == 0
    assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)


def test_bad_rows_name_row_column_and_rule_and_nothing_is_written(life, zhonglou_officer, tmp_path):
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["theme_day"], held_on="2026-01-10", topic="已有",
                   attendees=[life.own[0]])
    before = (Meeting.objects.count(), Attendance.objects.count())
    rows = [
        row(life),  # row 2: good, but the file fails as a whole
        row(life, **{"党组织": "不存在的党支部"}),  # 3
        row(life, **{"召开日期": "2026-05-21"}),  # 4: future
        row(life, **{"出席人员": f"林晓一、外晓人、{make_id_number(7105)}"}),  # 5: not on the roster
        row(life, **{"出席人员": f"林晓一、{life.ids[0]}", "缺席人员及原因": ""}),  # 6: the same member twice
        row(life, **{"出席人员": "", "缺席人员及原因": "林晓一（请假）；林晓二（请假）"}),  # 7: nobody present
        row(life, **{"会议类型": "主题党日、聚餐"}),  # 8: unknown kind
    ]
    preview = import_preview(actor=zhonglou_officer, kind="meetings", path=write(tmp_path, rows))
    found = {(e.row, e.column, e.code): e.message for e in preview.errors}
    expected = {(3, "党组织", "reference"), (4, "召开日期", "future"), (5, "出席人员", "not_on_roster"),
                (6, "出席人员", "duplicate"), (7, "出席人员", "no_attendees"), (8, "会议类型", "choice")}
    assert expected <= set(found), found
    assert {e.row for e in preview.errors} == {3, 4, 5, 6, 7, 8}
    assert all("规则" in m for m in found.values())
    assert "外晓人" in found[(5, "出席人员", "not_on_roster")]
    assert "****" in found[(5, "出席人员", "not_on_roster")]  # the ID number masked
    assert make_id_number(7105) not in found[(5, "出席人员", "not_on_roster")]
    assert "聚餐" in found[(8, "会议类型", "choice")]
    _preview, batch = import_file(actor=zhonglou_officer, kind="meetings", path=write(tmp_path, rows))
    assert batch is None
    assert (Meeting.objects.count(), Attendance.objects.count()) == before


def test_a_name_twice_on_the_roster_asks_for_the_id_number(life, zhonglou_officer, tmp_path):
    PartyMemberFactory(workplace=life.org, relation_org=life.branch, name="林晓一")
    preview = import_preview(actor=zhonglou_officer, kind="meetings",
                             path=write(tmp_path, [row(life, **{"出席人员": "林晓一、林晓二", "缺席人员及原因": ""})]))
    assert [(e.row, e.column, e.code) for e in preview.errors] == [(2, "出席人员", "ambiguous")]
    assert "林晓一" in preview.errors[0].message and "公民身份号码" in preview.errors[0].message
    ok = import_preview(actor=zhonglou_officer, kind="meetings",
                        path=write(tmp_path, [row(life, **{"出席人员": f"{life.ids[0]}、林晓二", "缺席人员及原因": ""})]))
    assert ok.errors == []


def test_a_party_org_outside_the_jurisdiction_is_refused_row_by_row(life, chaoyang_officer, tmp_path):
    preview = import_preview(actor=chaoyang_officer, kind="meetings", path=write(tmp_path, [row(life)]))
    assert [(e.row, e.column, e.code) for e in preview.errors] == [(2, "党组织", "scope")]


def test_the_template_has_the_kinds_columns_and_imports_as_one_skipped_example(life, tmp_path):
    out = tmp_path / "meetings.xlsx"
    call_command("template", "meetings", "-o", str(out), stdout=io.StringIO())
    sheet = load_workbook(out).worksheets[0]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers[:4] == ["党组织*", "召开日期*", "会议类型*", "主题*"] and "缺席人员及原因" in headers
    preview = import_preview(actor=SYSTEM, kind="meetings", path=out)
    assert preview.errors == [] and preview.counts()["skipped"] == 1
    from shuniu.imports.kinds import KINDS

    assert [c.en for c in KINDS["meetings"].columns][:4] == ["Party org", "Date", "Kinds", "Topic"]
