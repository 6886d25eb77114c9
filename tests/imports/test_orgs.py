"""Importing social orgs: all or nothing, errors by row and column, upserts, re-runs that change nothing."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from shuniu.audit.models import AuditEntry
from shuniu.coverage import engine
from shuniu.imports.models import BatchStatus, ImportBatch, ImportChange
from shuniu.imports.services import import_commit, import_preview
from shuniu.registry.models import OrgStatus, SocialOrg, SupervisoryUnit
from tests.factories import HEHUACHI, SYSTEM, SocialOrgFactory, make_uscc
from tests.imports.files import HEADERS, org_row, org_rows, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", *args, stdout=io.StringIO(), stderr=err)
    return info.value, err.getvalue()


def assert_coverage_true() -> None:
    """The stored statuses and rollup equal a rebuild from scratch."""
    live_rollup = engine.stored_rollup()
    live_orgs = set(SocialOrg.objects.values_list("id", "coverage_status", "full_members", "members_on_staff"))
    engine.rebuild()
    assert set(SocialOrg.objects.values_list("id", "coverage_status", "full_members", "members_on_staff")) == live_orgs
    assert engine.stored_rollup() == live_rollup


def test_ten_thousand_orgs_with_one_bad_row_import_nothing_then_all_then_nothing_changes(tmp_path):
    rows = org_rows(10_000)
    good_code = rows[5000][1]
    rows[5000][1] = good_code[:-1] + ("0" if good_code[-1] != "0" else "1")  # wrong check character
    path = write_xlsx(tmp_path / "orgs.xlsx", rows)
    before = (SocialOrg.objects.count(), ImportBatch.objects.count(), AuditEntry.objects.count())

    exc, err = run_failing("orgs", str(path))
    assert exc.returncode == 1
    # Row 5002 of the spreadsheet: header on row 1, rows[0] on row 2.
    lines = [line for line in err.splitlines() if line.startswith("row ")]
    assert lines == [f"row 5002, column 统一社会信用代码, rule uscc: 统一社会信用代码“{rows[5000][1]}”校验码不正确"
                     "（规则：GB 32100-2015 统一社会信用代码，18 位含校验码）"]
    assert "1 处错误（1 行），未导入任何数据" in str(exc)
    assert (SocialOrg.objects.count(), ImportBatch.objects.count(), AuditEntry.objects.count()) == before

    rows[5000][1] = good_code
    write_xlsx(path, rows)
    out, _err = run_import("orgs", str(path))
    assert "10000 created, 0 updated, 0 unchanged" in out
    assert SocialOrg.objects.count() == before[0] + 10_000
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.COMMITTED and batch.counts["created"] == 10_000
    created = ImportChange.objects.filter(batch=batch, action="created", model="registry.socialorg")
    assert sum(c.count for c in created) == 10_000 and created.count() == 1  # one run of consecutive ids
    assert AuditEntry.objects.filter(action="import.commit").count() == 1  # one entry for the batch
    org = SocialOrg.objects.get(uscc=good_code)
    assert (org.name, org.type, org.region_id, org.registration_level, org.registration_region_id) == (
        "测试导入社会组织005000", "social_group", "320404006", "county", "320404")
    assert (org.county_code, org.street_code) == ("320404", "320404006")
    assert org.established_on == dt.date(2010, 1, 1) + dt.timedelta(days=5000 % 3000)
    assert_coverage_true()

    out, _err = run_import("orgs", str(path))
    assert "0 created, 0 updated, 10000 unchanged" in out
    assert SocialOrg.objects.count() == before[0] + 10_000
    assert ImportChange.objects.filter(batch=ImportBatch.objects.order_by("-id").first()).count() == 0


def test_dry_run_exits_zero_only_for_a_clean_file_and_writes_nothing(tmp_path):
    clean = write_csv(tmp_path / "clean.csv", org_rows(3))
    out, _err = run_import("orgs", str(clean), "--dry-run")
    assert "would have 3 created" in out
    assert SocialOrg.objects.count() == 0 and ImportBatch.objects.count() == 0
    rows = org_rows(3)
    rows[1][2] = "合作社"
    exc, err = run_failing("orgs", str(write_csv(tmp_path / "bad.csv", rows)), "--dry-run")
    assert exc.returncode == 1
    assert "row 3, column 类型, rule choice: 类型“合作社”无效（规则：取值为 社会团体 / 社会服务机构 / 民办非企业单位 / 基金会 / 社区社会组织 / 社会中介组织 之一）" in err


def test_every_bad_cell_is_reported_with_its_row_column_and_rule(tmp_path):
    SocialOrgFactory(uscc=make_uscc(1), name="已有组织")
    rows = org_rows(8)
    rows[0][3] = "320499999"  # no such street
    rows[1][0] = ""  # name missing
    rows[2][8] = "2016-13-45"  # not a date
    rows[3][8] = dt.date.today() + dt.timedelta(days=3)  # in the future
    rows[4][7] = "三个"  # not a number
    rows[5][1], rows[5][2] = rows[6][1], rows[6][2]  # duplicate within the file (and of the code's type)
    rows[7][4] = "乡"  # not a registration level
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    preview = import_preview(actor=SYSTEM, kind="orgs", path=path)
    got = {(e.row, e.column, e.code) for e in preview.errors}
    assert got == {
        (2, "所在地区代码", "region"), (3, "名称", "required"), (4, "成立日期", "date"), (5, "成立日期", "future"),
        (6, "专职人员数", "integer"), (8, "统一社会信用代码", "duplicate"), (9, "登记管理机关级别", "choice"),
    }
    dup = next(e for e in preview.errors if e.code == "duplicate")
    assert "第 7 行" in dup.message
    assert preview.counts()["error_rows"] == 7


def test_the_annotated_file_has_an_error_column_and_highlights_the_bad_cells(tmp_path):
    rows = org_rows(3)
    rows[1][3] = "320499999"
    path = write_xlsx(tmp_path / "bad.xlsx", rows, title_rows=[["2026 年社会组织名单"], []])
    out = tmp_path / "errors.xlsx"
    run_failing("orgs", str(path), "--errors", str(out))
    ws = load_workbook(out).active
    assert ws.cell(1, 1).value == "2026 年社会组织名单"
    assert ws.cell(3, 11).value == "错误"
    assert ws.cell(5, 4).value == "320499999"
    assert ws.cell(5, 4).fill.start_color.rgb.endswith("FFC7CE")
    assert "所在地区代码：地区代码“320499999”不存在" in ws.cell(5, 11).value
    assert ws.cell(4, 11).value is None and ws.cell(4, 4).fill.fill_type is None


def test_headers_in_english_full_width_or_with_marks_and_a_saved_mapping(tmp_path):
    headers = ["Name", "ＵＳＣＣ", " 类 型* ", "region_code", "登记管理机关级别（必填）", "机构主管部门", "Industry",
               "Full-time staff", "成立时间", "状态"]
    path = write_csv(tmp_path / "en.csv", org_rows(2), headers=headers)
    preview = import_preview(actor=SYSTEM, kind="orgs", path=path)
    assert preview.ok, preview.errors
    assert preview.header.ignored == ["机构主管部门"]
    assert "supervisory_unit" not in preview.header.index
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"supervisory_unit": "机构主管部门"}, ensure_ascii=False), encoding="utf-8")
    saved = tmp_path / "saved.json"
    out, _ = run_import("orgs", str(path), "--mapping", str(mapping), "--save-mapping", str(saved))
    assert "2 created" in out
    assert SocialOrg.objects.get(name="测试导入社会组织000001").supervisory_unit.name == "钟楼区民政局"
    assert json.loads(saved.read_text(encoding="utf-8"))["supervisory_unit"] == "机构主管部门"
    assert ImportBatch.objects.get().mapping["type"] == " 类 型* ".strip()


def test_a_missing_required_column_is_one_file_level_error(tmp_path):
    headers = [h for h in HEADERS if h != "类型"]
    rows = [[v for i, v in enumerate(r) if HEADERS[i] != "类型"] for r in org_rows(2)]
    _exc, err = run_failing("orgs", str(write_csv(tmp_path / "x.csv", rows, headers=headers)))
    assert "row 1, column 类型, rule required_column: 缺少必填列“类型”" in err


def test_cells_as_officers_type_them(tmp_path):
    headers = [*HEADERS, "注销日期", "建立工会"]
    code = make_uscc(42, "320404", "service_institution")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    rows = [
        ["  全角代码服务中心 ", full_width, "民办非企业单位", "３２０４０４００６０００", "区", "", "法律服务", "１２人",
         "2016年1月2日", "正常", "", "是"],
        ["日期序号协会", make_uscc(43), "社团", 320404006000.0, "县级", "", "legal", 7.0, 42370, "注销", "2020/5/6",
         "否"],
        ["社区舞蹈队", "", "社区社会组织", "320404006", "县", "", "文化", "", "20190304", "", "", ""],
    ]
    path = write_xlsx(tmp_path / "cells.xlsx", rows, headers=headers)
    out, _ = run_import("orgs", str(path))
    assert "3 created" in out
    a = SocialOrg.objects.get(uscc=code)
    assert (a.name, a.type, a.region_id, a.registration_level, a.industry_id, a.full_time_staff) == (
        "全角代码服务中心", "service_institution", "320404006", "county", "legal", 12)
    assert (a.established_on, a.has_trade_union) == (dt.date(2016, 1, 2), True)
    assert a.coverage_status == "mass_org"  # a trade union: the engine's status, set at import
    b = SocialOrg.objects.get(uscc=make_uscc(43))
    assert (b.region_id, b.established_on, b.status, b.deregistered_on) == (
        "320404006", dt.date(2016, 1, 1), OrgStatus.DEREGISTERED, dt.date(2020, 5, 6))
    c = SocialOrg.objects.get(name="社区舞蹈队")
    assert (c.uscc, c.type, c.established_on, c.industry_id) == (None, "community_org", dt.date(2019, 3, 4), "culture")
    assert_coverage_true()


def test_upsert_by_uscc_updates_only_what_changed_and_blank_cells_keep_values(tmp_path):
    org = SocialOrgFactory(uscc=make_uscc(700_001, "320404", "service_institution"), name="旧名称",
                           type="service_institution", full_time_staff=3, supervisory_unit="钟楼区科协")
    row = org_row(1, staff=9)
    row[5] = ""  # supervisory unit left blank: kept
    path = write_csv(tmp_path / "u.csv", [row, org_row(2)])
    out, _ = run_import("orgs", str(path))
    assert "1 created, 1 updated, 0 unchanged" in out
    org.refresh_from_db()
    assert (org.name, org.full_time_staff, org.supervisory_unit.name) == ("测试导入社会组织000001", 9, "钟楼区科协")
    change = ImportChange.objects.get(action="updated")
    assert change.before["full_time_staff"] == 3 and change.after["full_time_staff"] == 9
    assert set(change.before) == {"name", "full_time_staff", "established_on", "industry_id"}
    assert_coverage_true()


def test_community_orgs_without_uscc_are_matched_by_name_and_region(tmp_path):
    existing = SocialOrgFactory(name="荷花池社区合唱团", type="community_org", uscc=None, full_time_staff=1)
    rows = [["荷花池社区合唱团", "", "社区社会组织", HEHUACHI, "县", "", "", 4, "", ""],
            ["荷花池社区合唱团", "", "社区社会组织", "320404004", "县", "", "", 2, "", ""]]
    out, _ = run_import("orgs", str(write_csv(tmp_path / "c.csv", rows)))
    assert "1 created, 1 updated" in out
    existing.refresh_from_db()
    assert existing.full_time_staff == 4
    assert SocialOrg.objects.filter(name="荷花池社区合唱团").count() == 2
    rows.append(rows[0])
    _exc, err = run_failing("orgs", str(write_csv(tmp_path / "c2.csv", rows)))
    assert "row 4, column 名称, rule duplicate" in err


def test_deregistration_rules_are_the_services(tmp_path):
    org = SocialOrgFactory(uscc=make_uscc(700_003, "320404", "service_institution"), type="service_institution",
                           established_on=dt.date(2018, 3, 1))
    headers = [*HEADERS, "注销日期"]
    row = [*org_row(3), ""]
    row[9] = "注销"
    _exc, err = run_failing("orgs", str(write_csv(tmp_path / "a.csv", [row], headers=headers)))
    assert "column 注销日期, rule required" in err
    row[10] = "2017-01-01"
    row[8] = ""
    _exc, err = run_failing("orgs", str(write_csv(tmp_path / "b.csv", [row], headers=headers)))
    assert "column 注销日期, rule date_order" in err
    row[10] = "2021-06-30"
    run_import("orgs", str(write_csv(tmp_path / "c.csv", [row], headers=headers)))
    org.refresh_from_db()
    assert (org.status, org.deregistered_on) == (OrgStatus.DEREGISTERED, dt.date(2021, 6, 30))
    row[9], row[10] = "正常", ""
    _exc, err = run_failing("orgs", str(write_csv(tmp_path / "d.csv", [row], headers=headers)))
    assert "column 状态, rule state" in err
    assert_coverage_true()


def test_a_new_supervisory_unit_is_created_once_with_the_batch(tmp_path):
    rows = org_rows(4)
    for r in rows:
        r[5] = "钟楼区新设主管单位"
    run_import("orgs", str(write_csv(tmp_path / "s.csv", rows)))
    unit = SupervisoryUnit.objects.get(name="钟楼区新设主管单位")
    assert SocialOrg.objects.filter(supervisory_unit=unit).count() == 4
    assert ImportChange.objects.filter(model="registry.supervisoryunit", object_id=unit.pk).exists()


def test_the_template_imports_as_nothing_but_its_skipped_example(tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("template", "orgs", "-o", str(path), stdout=io.StringIO())
    wb = load_workbook(path)
    ws = wb["社会组织"]
    assert [c.value for c in ws[1]][:4] == ["名称*", "统一社会信用代码", "类型*", "所在地区代码*"]
    assert ws.cell(2, 1).value.startswith("示例：")
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "C" in lists and "E" in lists and "G" in lists  # 类型, 登记管理机关级别, 行业
    assert ws.cell(2, 2).number_format == "@"
    out, _ = run_import("orgs", str(path))
    assert "0 created, 0 updated, 0 unchanged, 1 skipped" in out


def test_a_district_officer_imports_only_inside_the_district(tmp_path, chaoyang_officer, zhonglou_officer):
    path = write_csv(tmp_path / "z.csv", org_rows(2))
    preview = import_preview(actor=chaoyang_officer, kind="orgs", path=path)
    assert {(e.row, e.column, e.code) for e in preview.errors} == {(2, "所在地区代码", "scope"),
                                                                  (3, "所在地区代码", "scope")}
    preview = import_preview(actor=zhonglou_officer, kind="orgs", path=path)
    batch = import_commit(actor=zhonglou_officer, preview=preview)
    assert batch.created_by == zhonglou_officer and batch.actor_label == "zhonglou"
    assert SocialOrg.objects.count() == 2


def test_the_bulk_insert_writes_every_column_of_an_org():
    from shuniu.imports.kinds.orgs import _CREATE_COLUMNS

    # A new column on SocialOrg must be given a value by the importer's insert too.
    columns = ["id", "created_at", "updated_at", *_CREATE_COLUMNS]
    assert len(columns) == len(set(columns))
    assert set(columns) == {f.attname for f in SocialOrg._meta.concrete_fields}


def test_a_uscc_typed_with_dashes_or_spaces_is_the_same_org(tmp_path):
    org = SocialOrgFactory(uscc=make_uscc(700_004, "320404", "social_group"), full_time_staff=4)
    row = org_row(4, staff=4)
    row[1] = f"{org.uscc[:8]}-{org.uscc[8:12]} {org.uscc[12:]}"
    row[0], row[2], row[6], row[8] = org.name, "社会团体", "", org.established_on
    out, _ = run_import("orgs", str(write_csv(tmp_path / "d.csv", [row])))
    assert "0 created, 0 updated, 1 unchanged" in out


def test_checking_and_writing_in_one_pass_leaves_nothing_when_a_late_row_is_wrong(tmp_path):
    from shuniu.imports.services import import_file

    rows = org_rows(300)
    for r in rows:
        r[5] = "新设主管单位甲"
    rows.append(list(rows[10]))  # the same USCC as a new org written long before: found on the last row
    path = write_csv(tmp_path / "late.csv", rows)
    preview, batch = import_file(actor=SYSTEM, kind="orgs", path=path)
    assert batch is None
    assert [(e.row, e.field, e.code) for e in preview.errors] == [(302, "uscc", "duplicate")]
    assert [(e.row, e.code) for e in import_preview(actor=SYSTEM, kind="orgs", path=path).errors] == [(302, "duplicate")]
    assert preview.counts()["created"] == 300 and preview.counts()["error_rows"] == 1
    assert not SocialOrg.objects.exists() and not ImportBatch.objects.exists()
    assert not SupervisoryUnit.objects.filter(name="新设主管单位甲").exists()

    # Clean, with new orgs that have a trade union (their status is computed) or are deregistered
    # (they count nowhere): the rollup grouped while writing equals a rebuild.
    ok = [[*r, "是" if n % 7 == 0 else "否", ""] for n, r in enumerate(rows[:300])]
    for r in ok[1::11]:
        r[9], r[11] = "注销", "2024-06-30"
    path = write_csv(tmp_path / "ok.csv", ok, headers=[*HEADERS, "建立工会", "注销日期"])
    preview, batch = import_file(actor=SYSTEM, kind="orgs", path=path)
    assert batch is not None and SocialOrg.objects.count() == 300, preview.errors[:3]
    assert SocialOrg.objects.filter(has_trade_union=True).count() == 43
    assert SocialOrg.objects.filter(status=OrgStatus.DEREGISTERED).count() == 28
    assert SupervisoryUnit.objects.filter(name="新设主管单位甲").count() == 1
    assert_coverage_true()
