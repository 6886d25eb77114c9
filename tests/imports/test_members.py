"""Importing party members: ID numbers as the key, encrypted at rest, statuses and rollups kept true."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from shuniu.core import crypto
from shuniu.core.services import add_years
from shuniu.imports.models import ImportBatch
from shuniu.imports.services import batch_rollback, import_preview
from shuniu.party.models import PartyMember
from shuniu.registry.models import SocialOrg
from tests.factories import SYSTEM, PartyOrgFactory, SocialOrgFactory, make_id_number
from tests.imports.files import write_csv
from tests.imports.test_orgs import assert_coverage_true

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "性别", "公民身份号码", "电话", "党员状态", "入党日期", "转正日期", "工作单位统一社会信用代码",
           "组织关系所在党组织", "流动党员"]


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    return SocialOrgFactory(name="荷花池律师事务所", full_time_staff=10)


def member_rows(org, n=3, status="正式党员"):  # type: ignore[no-untyped-def]
    return [[f"党员{i}", "女" if i % 2 else "男", make_id_number(500 + i), f"1390000{i:04d}", status, "2015-06-01",
             "2016-06-01" if status == "正式党员" else "", org.uscc, "", "否"] for i in range(n)]


def run(path, *extra):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("import", "members", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_members_import_upsert_by_id_number_and_keep_the_org_status_true(tmp_path, org):
    # One probationary member, admitted 400 days ago (within the two years of rule PROBATION).
    admitted = dt.date.today() - dt.timedelta(days=400)
    rows = member_rows(org)
    rows[2][4], rows[2][5], rows[2][6] = "预备党员", admitted, ""
    path = write_csv(tmp_path / "m.csv", rows, headers=HEADERS)
    assert "3 created, 0 updated, 0 unchanged" in run(path)
    org.refresh_from_db()
    assert (org.full_members, org.members_on_staff) == (2, 3)
    member = PartyMember.objects.get(name="党员1")
    assert member.id_number == make_id_number(501) and member.id_number_hash == crypto.keyed_hash(make_id_number(501))
    assert make_id_number(501) not in member.id_number_encrypted and member.region_id == org.region_id
    assert member.phone == "13900000001" and member.birth_date is not None
    assert_coverage_true()
    assert "0 created, 0 updated, 3 unchanged" in run(path)

    rows[2][4], rows[2][6] = "正式党员", add_years(admitted, 1)  # becomes full a year after admission
    rows[0][3] = "13911112222"
    assert "0 created, 2 updated, 1 unchanged" in run(write_csv(tmp_path / "m2.csv", rows, headers=HEADERS))
    org.refresh_from_db()
    assert (org.full_members, org.members_on_staff) == (3, 3)
    assert PartyMember.objects.get(name="党员0").phone == "13911112222"
    assert_coverage_true()

    first, _unchanged, changed = ImportBatch.objects.order_by("id")
    batch_rollback(actor=SYSTEM, batch=changed)
    assert PartyMember.objects.get(name="党员0").phone == "13900000000"
    org.refresh_from_db()
    assert org.full_members == 2
    batch_rollback(actor=SYSTEM, batch=first)
    assert PartyMember.objects.count() == 0
    assert_coverage_true()


def test_member_errors_name_the_row_and_never_show_a_full_id_number(tmp_path, org):
    rows = member_rows(org, 4)
    bad = rows[0][2][:-1] + ("0" if rows[0][2][-1] != "0" else "1")
    rows[0][2] = bad
    rows[2][2] = rows[1][2]
    rows[3][7] = "51320404MJ9999999X"
    path = write_csv(tmp_path / "bad.csv", rows, headers=HEADERS)
    preview = import_preview(actor=SYSTEM, kind="members", path=path)
    got = {(e.row, e.column, e.code) for e in preview.errors}
    assert got == {(2, "公民身份号码", "id_number"), (4, "公民身份号码", "duplicate"), (5, "工作单位统一社会信用代码", "reference")}
    assert all(bad not in e.message for e in preview.errors)
    with pytest.raises(CommandError):
        run(path)
    assert PartyMember.objects.count() == 0


def test_a_relation_org_is_found_by_its_name(tmp_path, org):
    branch = PartyOrgFactory(name="荷花池律师事务所党支部", covers=[org])
    rows = member_rows(org, 2)
    rows[0][8] = "荷花池律师事务所党支部"
    rows[1][8] = "不存在的党支部"
    preview = import_preview(actor=SYSTEM, kind="members", path=write_csv(tmp_path / "r.csv", rows, headers=HEADERS))
    assert [(e.row, e.code) for e in preview.errors] == [(3, "reference")]
    rows[1][8] = ""
    run(write_csv(tmp_path / "r2.csv", rows, headers=HEADERS))
    assert PartyMember.objects.get(name="党员0").relation_org == branch
    assert SocialOrg.objects.get(pk=org.pk).coverage_status == "own"
    assert_coverage_true()
