"""Importing inspections and evaluations from a spreadsheet: the services' checks row by row (the
veto refused with row, column and rule), scope, re-import, undo, the org's grade kept true."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from shuniu.accounts.scopes import Scope
from shuniu.imports.selectors import export_table
from shuniu.imports.services import batch_rollback, import_preview, import_run
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.passes.services import evaluation_record, rebuild_grades, stored_grades
from tests.factories import SYSTEM
from tests.imports.files import write_csv
from tests.passes.conftest import CHANGZHOU_SOURCE, state, switch_on

pytestmark = pytest.mark.django_db

LAST_YEAR = dt.date.today().year - 1
EVAL_HEADERS = ["统一社会信用代码", "社会组织名称", "评估年度", "评估等级", "评估结论日期", "文号"]
INSPECTION_HEADERS = ["统一社会信用代码", "年检年度", "年检结论", "按规定开展组织生活", "按时交纳党费", "章程写入党建工作内容"]


def test_evaluations_import_sets_the_grades_and_a_reimport_changes_nothing(tmp_path, due_org, covered_org):
    rows = [[due_org.uscc, due_org.name, LAST_YEAR, "2A", f"{LAST_YEAR}-12-01", "常民评1号"],
            [covered_org.uscc, "", LAST_YEAR - 1, "AAAA", f"{LAST_YEAR - 1}年12月1日", ""],
            [covered_org.uscc, "", LAST_YEAR, "5A级", f"{LAST_YEAR}/12/1", ""]]
    path = write_csv(tmp_path / "e.csv", rows, headers=EVAL_HEADERS)
    out = io.StringIO()
    call_command("import", "evaluations", str(path), stdout=out, stderr=io.StringIO())
    assert "3 created, 0 updated, 0 unchanged" in out.getvalue()
    due_org.refresh_from_db()
    covered_org.refresh_from_db()
    assert (due_org.evaluation_grade, covered_org.evaluation_grade, covered_org.evaluation_year) == ("2A", "5A", LAST_YEAR)
    assert rebuild_grades() == stored_grades()
    out = io.StringIO()
    call_command("import", "evaluations", str(path), stdout=out, stderr=io.StringIO())
    assert "0 created, 0 updated, 3 unchanged" in out.getvalue()


def test_a_row_the_veto_refuses_names_row_column_and_rule_and_nothing_is_written(tmp_path, due_org, covered_org,
                                                                                 veto_in_changzhou):
    before = state(due_org), state(covered_org)
    rows = [[covered_org.uscc, "", LAST_YEAR, "4A", f"{LAST_YEAR}-12-01", ""],
            [due_org.uscc, "", LAST_YEAR, "3A", f"{LAST_YEAR}-12-01", ""]]
    preview = import_preview(actor=SYSTEM, kind="evaluations",
                             path=write_csv(tmp_path / "v.csv", rows, headers=EVAL_HEADERS))
    [error] = preview.errors
    assert (error.row, error.column, error.code) == (3, "评估等级", "EVALUATION_VETO")
    assert CHANGZHOU_SOURCE in error.message
    _preview, batch = import_run(actor=SYSTEM, kind="evaluations",
                                 path=write_csv(tmp_path / "v2.csv", rows, headers=EVAL_HEADERS))
    assert batch is None
    assert (state(due_org), state(covered_org)) == before
    assert not EvaluationRecord.objects.exists()


def test_a_row_naming_an_org_outside_the_scope_is_refused(tmp_path, beijing_due_org, covered_org, zhonglou_officer):
    rows = [[beijing_due_org.uscc, "", LAST_YEAR, "1A", f"{LAST_YEAR}-12-01", ""],
            [covered_org.uscc, "", LAST_YEAR, "1A", f"{LAST_YEAR}-12-01", ""]]
    preview = import_preview(actor=zhonglou_officer, kind="evaluations",
                             path=write_csv(tmp_path / "s.csv", rows, headers=EVAL_HEADERS))
    assert [(e.row, e.column, e.code) for e in preview.errors] == [(2, "统一社会信用代码", "scope")]


def test_inspections_import_with_the_section_and_the_cap(tmp_path, due_org, covered_org):
    switch_on("INSPECTION", "3204", "常州市年检办法")
    rows = [[covered_org.uscc, LAST_YEAR, "合格", "是", "否", ""],
            [due_org.uscc, LAST_YEAR, "合格", "", "", ""],
            [due_org.uscc, LAST_YEAR, "基本合格", "", "", ""],
            ["51320404MJ9999999X", "x", "优秀", "也许", "", ""]]
    preview = import_preview(actor=SYSTEM, kind="inspections",
                             path=write_csv(tmp_path / "i.csv", rows, headers=INSPECTION_HEADERS))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {
        (3, "年检结论", "INSPECTION"), (4, "年检年度", "duplicate"), (5, "年检结论", "choice"),
        (5, "按规定开展组织生活", "boolean"), (5, "统一社会信用代码", "reference")}
    ok = [rows[0], rows[2]]
    _preview, batch = import_run(actor=SYSTEM, kind="inspections",
                                 path=write_csv(tmp_path / "ok.csv", ok, headers=INSPECTION_HEADERS))
    assert batch is not None
    covered = InspectionRecord.objects.get(org=covered_org)
    assert (covered.conclusion, covered.life_held, covered.dues_paid, covered.coverage_status) == (
        "pass", True, False, "own")
    assert InspectionRecord.objects.get(org=due_org).was_due is True


def test_undoing_an_evaluations_import_restores_the_records_and_the_grade(tmp_path, covered_org):
    first = write_csv(tmp_path / "1.csv", [[covered_org.uscc, "", LAST_YEAR - 1, "3A", f"{LAST_YEAR - 1}-12-01", ""]],
                      headers=EVAL_HEADERS)
    import_run(actor=SYSTEM, kind="evaluations", path=first)
    second = write_csv(tmp_path / "2.csv", [[covered_org.uscc, "", LAST_YEAR - 1, "4A", f"{LAST_YEAR - 1}-12-01", "改"],
                                            [covered_org.uscc, "", LAST_YEAR, "5A", f"{LAST_YEAR}-12-01", ""]],
                       headers=EVAL_HEADERS)
    preview, batch = import_run(actor=SYSTEM, kind="evaluations", path=second)
    assert batch is not None, preview.errors
    assert batch.counts["updated"] == 1 and batch.counts["created"] == 1
    covered_org.refresh_from_db()
    assert covered_org.evaluation_grade == "5A"
    batch_rollback(actor=SYSTEM, batch=batch)
    covered_org.refresh_from_db()
    assert (covered_org.evaluation_grade, covered_org.evaluation_year) == ("3A", LAST_YEAR - 1)
    assert list(EvaluationRecord.objects.values_list("grade", "document_number")) == [("3A", "")]
    assert rebuild_grades() == stored_grades()



def test_an_export_of_evaluations_imports_back_unchanged(tmp_path, covered_org, zhonglou_officer):
    evaluation_record(actor=SYSTEM, org=covered_org, year=LAST_YEAR, grade="4A", decided_on=dt.date(LAST_YEAR, 12, 1),
                      document_number="钟民评〔2025〕7号")
    rows, columns, _title = export_table("evaluations", Scope.for_user(zhonglou_officer))
    assert [r["org"] for r in rows] == [covered_org.uscc]
    path = tmp_path / "evaluations.csv"
    write_csv(path, [[r[k] for k, _h in columns] for r in rows], headers=[h for _k, h in columns])
    preview = import_preview(actor=zhonglou_officer, kind="evaluations", path=path)
    assert preview.ok and preview.plan.counts()["unchanged"] == 1
