"""Exports: through the scope layer, re-importable, personal data masked, the statistics table."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from shuniu.accounts.scopes import Scope
from shuniu.imports.selectors import export_table
from tests.factories import (
    CHAOYANG,
    JIANWAI,
    XILIN,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_districts(db):  # type: ignore[no-untyped-def]
    zhonglou = [SocialOrgFactory(name=f"钟楼组织{i}", industry="legal" if i else None) for i in range(3)]
    zhonglou.append(SocialOrgFactory(name="西林组织", region_code=XILIN, has_trade_union=True))
    chaoyang = [SocialOrgFactory(name=f"朝阳组织{i}", region_code=JIANWAI if i else CHAOYANG) for i in range(2)]
    PartyOrgFactory(name="钟楼组织0党支部", covers=[zhonglou[0]])
    PartyOrgFactory(name="朝阳组织0党支部", covers=[chaoyang[0]])
    PartyMemberFactory(name="钟楼党员", workplace=zhonglou[0], id_number=make_id_number(7))
    PartyMemberFactory(name="朝阳党员", workplace=chaoyang[0], id_number=make_id_number(8, "110105"))
    InstructorFactory(name="钟楼指导员")
    InstructorFactory(name="朝阳指导员", region_code=CHAOYANG)
    return zhonglou, chaoyang


def test_a_district_officers_exports_contain_nothing_of_another_district(two_districts, zhonglou_officer, tmp_path):
    scope = Scope.for_user(zhonglou_officer)
    for kind in ("orgs", "party_orgs", "members", "instructors"):
        rows, _columns, _title = export_table(kind, scope)
        assert rows, kind
        assert all(r["region_code"].startswith("320404") for r in rows), kind
    names = {r["name"] for r in export_table("orgs", scope)[0]}
    assert names == {"钟楼组织0", "钟楼组织1", "钟楼组织2", "西林组织"}
    with pytest.raises(PermissionDenied):
        export_table("orgs", scope, "110105")

    out = tmp_path / "orgs.csv"
    call_command("export", "orgs", "--user", "zhonglou", "--format", "csv", "-o", str(out), stdout=io.StringIO())
    with open(out, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["名称"] for r in rows} == names
    assert all(r["所在地区代码"].startswith("320404") for r in rows)
    with pytest.raises(CommandError):
        call_command("export", "orgs", "--user", "zhonglou", "--region", "110105", "-o", str(out),
                     stdout=io.StringIO())


def test_exported_orgs_import_back_unchanged(two_districts, tmp_path):
    out = tmp_path / "orgs.xlsx"
    call_command("export", "orgs", "--region", "320404", "--format", "xlsx", "-o", str(out), stdout=io.StringIO())
    text = io.StringIO()
    call_command("import", "orgs", str(out), stdout=text, stderr=io.StringIO())
    assert "0 created, 0 updated, 4 unchanged" in text.getvalue()


def test_member_exports_mask_personal_data(two_districts):
    rows, _c, _t = export_table("members", Scope.everything())
    zl = next(r for r in rows if r["name"] == "钟楼党员")
    full = make_id_number(7)
    assert zl["id_number"] != full and zl["id_number"].startswith(full[:6]) and "*" in zl["id_number"]
    assert "*" in zl["phone"]


def test_the_coverage_table_has_region_rows_and_a_totals_row(two_districts, tmp_path):
    rows, _columns, _title = export_table("coverage", Scope.everything(), "320404")
    total = rows[-1]
    assert total["name"] == "合计" and total["region"] == "320404"
    assert total["population"] == 4 and total["own"] == 1 and total["mass_org"] == 1
    streets = rows[:-1]
    assert len(streets) == 8 and all(len(r["region"]) == 9 for r in streets)
    assert sum(r["population"] for r in streets) == 4
    out = tmp_path / "coverage.xlsx"
    call_command("export", "coverage", "--region", "320404", "--format", "xlsx", "-o", str(out), stdout=io.StringIO())
    ws = load_workbook(out).active
    assert ws.cell(1, 1).value == "钟楼区社会组织党建工作统计表"
    assert ws.cell(2, 1).value.startswith("统计日期：")
    assert [ws.cell(3, i).value for i in (1, 2, 3)] == ["地区代码", "地区", "社会组织数"]
    assert ws.cell(ws.max_row, 2).value == "合计" and ws.cell(ws.max_row, 3).value == 4
    assert ws.cell(ws.max_row, 2).font.bold
