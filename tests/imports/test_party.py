"""Importing party orgs (with the orgs they cover) and instructors (with their assignments)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from shuniu.core import crypto
from shuniu.imports.models import ImportBatch
from shuniu.imports.services import batch_rollback, import_preview
from shuniu.party.models import Instructor, InstructorAssignment, PartyOrg
from shuniu.registry.models import SocialOrg
from tests.factories import SYSTEM, SocialOrgFactory
from tests.imports.files import write_csv
from tests.imports.test_orgs import assert_coverage_true

pytestmark = pytest.mark.django_db
PARTY = ["名称", "类别", "组建方式", "上级党组织", "所在地区代码", "成立日期", "覆盖组织统一社会信用代码"]
INSTRUCTORS = ["姓名", "类别", "电话", "工作单位", "可联系组织数", "所在地区代码", "派驻组织统一社会信用代码", "派驻日期"]


def run(kind, path):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("import", kind, str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_party_tree_with_covered_orgs_imports_in_one_batch(tmp_path):
    a, b, c = (SocialOrgFactory(name=f"律所{i}") for i in range(3))
    rows = [["钟楼区律师行业党委", "行业党委", "", "", "320404", "2018-01-01", ""],
            ["律所0党支部", "党支部", "", "钟楼区律师行业党委", "", "2019-07-01", a.uscc],
            ["律所联合党支部", "联合党支部", "", "钟楼区律师行业党委", "320404006", "2019-07-01", f"{b.uscc}、{c.uscc}"]]
    path = write_csv(tmp_path / "p.csv", rows, headers=PARTY)
    assert "3 created, 0 updated, 0 unchanged" in run("party_orgs", path)
    top = PartyOrg.objects.get(name="钟楼区律师行业党委")
    branch = PartyOrg.objects.get(name="律所0党支部")
    assert branch.superior == top and branch.path == f"{top.path}{branch.pk}/" and branch.region_id == a.region_id
    assert PartyOrg.objects.get(name="律所联合党支部").formation == "joint"
    assert [SocialOrg.objects.get(pk=o.pk).coverage_status for o in (a, b, c)] == ["own", "joint", "joint"]
    assert_coverage_true()
    assert "0 created, 0 updated, 3 unchanged" in run("party_orgs", path)
    batch_rollback(actor=SYSTEM, batch=ImportBatch.objects.order_by("id").first())
    assert PartyOrg.objects.count() == 0
    assert [SocialOrg.objects.get(pk=o.pk).coverage_status for o in (a, b, c)] == ["none"] * 3
    assert_coverage_true()


def test_party_org_rules_are_the_services(tmp_path):
    rows = [["甲支部", "党支部", "", "不存在的党委", "320404006", "2019-07-01", ""],
            ["乙支部", "联合党支部", "单独组建", "", "320404006", "2019-07-01", ""],
            ["丙支部", "党小组", "", "", "320404006", "2019-07-01", ""],
            ["丁支部", "党支部", "", "", "320404006", "2099-07-01", ""]]
    preview = import_preview(actor=SYSTEM, kind="party_orgs", path=write_csv(tmp_path / "e.csv", rows, headers=PARTY))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {
        (2, "上级党组织", "reference"), (3, "组建方式", "formation"), (4, "类别", "choice"), (5, "成立日期", "future")}


def test_instructors_and_their_assignments(tmp_path):
    orgs = [SocialOrgFactory(name=f"小组织{i}") for i in range(2)]
    rows = [["王指导", "党建工作指导员", "13912345678", "钟楼区社会组织综合党委", 3, "320404006",
             f"{orgs[0].uscc} {orgs[1].uscc}", "2024-03-01"]]
    path = write_csv(tmp_path / "i.csv", rows, headers=INSTRUCTORS)
    assert "1 created" in run("instructors", path)
    instructor = Instructor.objects.get()
    assert (crypto.decrypt(instructor.phone_encrypted), instructor.capacity, instructor.region_id) == (
        "13912345678", 3, "320404006")
    assert InstructorAssignment.objects.filter(instructor=instructor).count() == 2
    assert {SocialOrg.objects.get(pk=o.pk).coverage_status for o in orgs} == {"instructor"}
    assert_coverage_true()
    assert "0 created, 0 updated, 1 unchanged" in run("instructors", path)
    rows[0][4] = 6
    assert "0 created, 1 updated, 0 unchanged" in run("instructors", write_csv(tmp_path / "i2.csv", rows,
                                                                                   headers=INSTRUCTORS))
    assert Instructor.objects.get().capacity == 6


def test_the_lines_of_the_responsible_body_and_the_temporary_branch_without_term(tmp_path):
    from shuniu.party.bodies import responsible_body

    firm = SocialOrgFactory(name="律所甲", industry="legal", supervisory_unit="常州市司法局")
    headers = [*PARTY, "任期（年）", "行业", "所在业务主管单位"]
    rows = [["常州市律师行业党委", "行业党委", "", "", "3204", "2018-01-01", "", "", "法律服务（律师）", ""],
            ["培训临时党支部", "临时党支部", "", "", "320404006", "2019-07-01", "", "1", "", ""],
            ["某支部", "党支部", "", "", "320404006", "2019-07-01", "", "", "legal", ""],
            ["某局机关党委", "党委", "", "", "320404", "2019-07-01", "", "", "", "没有登记的单位"]]
    preview = import_preview(actor=SYSTEM, kind="party_orgs", path=write_csv(tmp_path / "l.csv", rows, headers=headers))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {
        (3, "任期（年）", "no_term"), (4, "行业", "industry_kind"), (5, "所在业务主管单位", "reference")}
    rows = [rows[0], ["培训临时党支部", "临时党支部", "", "", "320404006", "2019-07-01", "", "", "", ""],
            ["常州市司法局机关党委", "党委", "", "", "3204", "2019-07-01", "", "", "", "常州市司法局"]]
    assert "3 created" in run("party_orgs", write_csv(tmp_path / "ok.csv", rows, headers=headers))
    assert PartyOrg.objects.get(name="常州市律师行业党委").industry_id == "legal"
    assert PartyOrg.objects.get(name="培训临时党支部").term_years is None
    found = responsible_body(firm)
    assert found is not None and (found.party_org.name, found.how) == ("常州市司法局机关党委", "supervisory")
