"""Importing people in the pipeline: one row a person with the dates of their steps, checked by the
pipeline's own rules; a bad row names its row, column and rule, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from shuniu.development.models import Applicant, DevStep
from shuniu.imports.services import batch_rollback, import_file
from shuniu.party.terms import add_months
from tests.factories import SYSTEM, make_id_number
from tests.imports.files import write_csv

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "性别", "公民身份号码", "工作单位统一社会信用代码", "培养党组织", "递交入党申请书日期", "谈话日期",
           "列为入党积极分子日期", "推荐方式", "培养联系人", "最近一次考察日期", "列为发展对象日期"]
APPLIED = dt.date(2023, 3, 1)


def row(n: int, org: Any, branch: Any, contacts: str, **dates: Any) -> list[Any]:
    values = {"talked": APPLIED + dt.timedelta(days=14), "activist": dt.date(2023, 4, 3),
              "review": dt.date(2023, 10, 9), "candidate": dt.date(2024, 4, 8), **dates}
    return [f"导入申请人{n}", "女", make_id_number(6000 + n), org.uscc, branch.name, APPLIED, values["talked"],
            values["activist"], "党员推荐", contacts, values["review"], values["candidate"] or ""]


def errors_of(path: Path) -> list[dict[str, Any]]:
    preview, batch = import_file(actor=SYSTEM, kind="applicants", path=path)
    assert batch is None
    return [e.as_dict() for e in preview.errors]


def test_people_at_each_stage_import_with_their_steps_and_a_reimport_changes_nothing(
        tmp_path, dev_org, dev_branch, full_members):
    contact = full_members[0].name
    rows = [row(1, dev_org, dev_branch, contact),
            row(2, dev_org, dev_branch, contact, candidate=None),
            row(3, dev_org, dev_branch, "", activist=None, review=None, candidate=None)]
    rows[2][8] = ""
    path = write_csv(tmp_path / "applicants.csv", rows, headers=HEADERS)
    preview, batch = import_file(actor=SYSTEM, kind="applicants", path=path)
    assert batch is not None, preview.errors
    stages = dict(Applicant.objects.values_list("name", "stage"))
    assert stages == {"导入申请人1": "candidate", "导入申请人2": "activist", "导入申请人3": "applicant"}
    first = Applicant.objects.get(name="导入申请人1")
    assert list(first.steps.values_list("code", flat=True)) == ["apply", "talk", "activist", "review", "candidate"]
    assert first.steps.get(code="activist").data["contacts"][0]["name"] == contact
    preview, _again = import_file(actor=SYSTEM, kind="applicants", path=path)
    assert preview.plan is not None and preview.plan.counts()["unchanged"] == 3 and not preview.plan.creates
    batch_rollback(actor=SYSTEM, batch=batch)
    assert not Applicant.objects.exists() and not DevStep.objects.exists()


def test_a_candidate_after_nine_months_names_the_row_column_and_article(tmp_path, dev_org, dev_branch, full_members):
    early = add_months(dt.date(2023, 4, 3), 9)
    path = write_csv(tmp_path / "a.csv", [row(1, dev_org, dev_branch, full_members[0].name),
                                          row(2, dev_org, dev_branch, full_members[0].name, candidate=early)],
                     headers=HEADERS)
    found = errors_of(path)
    assert [(e["row"], e["column"]) for e in found] == [(3, "列为发展对象日期")]
    assert "仅 9 个月" in found[0]["message"] and "第十三条" in found[0]["message"]
    assert not Applicant.objects.exists()


def test_an_applicant_under_18_and_a_malformed_row_are_refused_naming_the_field(tmp_path, dev_org, dev_branch,
                                                                                full_members):
    young = row(1, dev_org, dev_branch, full_members[0].name)
    young[2] = "320404200801010015"
    from stdnum.cn import ric

    young[2] = young[2][:17] + ric.calc_check_digit(young[2][:17] + "0")
    bad_date = row(2, dev_org, dev_branch, full_members[0].name)
    bad_date[6] = "2023-13-45"
    stranger = row(3, dev_org, dev_branch, "路人甲")
    path = write_csv(tmp_path / "a.csv", [young, bad_date, stranger], headers=HEADERS)
    found = {(e["row"], e["column"]): e["message"] for e in errors_of(path)}
    assert "未满十八周岁" in found[(2, "公民身份号码")] and "党章第一条" in found[(2, "公民身份号码")]
    assert (3, "谈话日期") in found
    assert "第十条" in found[(4, "培养联系人")]
    assert not Applicant.objects.exists() and not DevStep.objects.exists()
