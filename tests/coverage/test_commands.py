"""`shuniu coverage`, `shuniu findings`, snapshots and rule settings, through the commands."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from shuniu.accounts.scopes import Scope
from shuniu.coverage.models import RollupSnapshot
from shuniu.coverage.selectors import coverage_rows, drilldown
from shuniu.party import services as party
from shuniu.registry.models import SocialOrg
from tests.factories import JIANWAI, SYSTEM, PartyMemberFactory, SocialOrgFactory, make_id_number

pytestmark = pytest.mark.django_db
COUNTS = ["population", "own", "joint", "instructor", "mass_org", "none", "due_not_established"]


def run_json(capsys, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    call_command(*args, "--json")
    return json.loads(capsys.readouterr().out)


def test_beijing_2016_coverage_by_district_as_of_and_drilldown(capsys, tmp_path, zhonglou_officer):
    call_command("generate", "--scenario", "beijing-2016")
    rows = run_json(capsys, "coverage", "--region", "11")
    city, districts = rows[0], rows[1:]
    assert (city["region"], city["population"], city["own"] + city["joint"]) == ("11", 10_576, 7_171)
    assert round(city["org_coverage_rate"], 3) == 0.678  # the exact ratio (7171 / 10576)
    assert len(districts) == 16 and {d["region"][:4] for d in districts} == {"1101"}
    for field in COUNTS:
        assert sum(d[field] for d in districts) == city[field], field
    assert round(run_json(capsys, "coverage", "--region", "11", "--as-of", "2015-12-31")[0]["org_coverage_rate"], 3) == 0.213

    by_industry = {r["key"]: r for r in run_json(capsys, "coverage", "--region", "11", "--by", "industry")}
    assert round(by_industry["legal"]["org_coverage_rate"], 3) == 0.686
    assert round(by_industry["accounting"]["org_coverage_rate"], 3) == 0.613

    # Every number maps to the orgs behind it, through the scope layer.
    chaoyang = next(d for d in districts if d["region"] == "110105")
    everything = Scope.everything()
    for status in ("own", "joint", "instructor", "mass_org", "none"):
        assert drilldown(everything, "110105", status=status).count() == chaoyang[status]
    assert drilldown(everything, "110105", due=True).count() == chaoyang["due_not_established"]
    assert drilldown(everything, "11", status="own", as_of=dt.date(2015, 12, 31)).count() == \
        run_json(capsys, "coverage", "--region", "11", "--as-of", "2015-12-31")[0]["own"]
    with pytest.raises(PermissionDenied):
        coverage_rows(Scope.for_user(zhonglou_officer), "110105")

    # A rebuild from scratch gives identical numbers.
    before = run_json(capsys, "coverage", "--region", "11")
    capsys.readouterr()
    call_command("coverage", "--region", "11", "--rebuild", "--json")
    assert json.loads(capsys.readouterr().out) == before

    # Exports: CSV with Chinese headers, xlsx with the same rows.
    call_command("coverage", "--region", "11", "--format", "csv", "-o", str(tmp_path / "c.csv"))
    text = (tmp_path / "c.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("地区代码,名称,社会组织数")
    assert len(text.splitlines()) == 18
    call_command("coverage", "--region", "11", "--format", "xlsx", "-o", str(tmp_path / "c.xlsx"))
    sheet = load_workbook(tmp_path / "c.xlsx").active
    assert sheet.cell(2, 3).value == 10_576 and sheet.max_row == 18


def test_beijing_cpa_has_70_percent_organization_and_full_work_coverage(capsys):
    call_command("generate", "--scenario", "beijing-cpa")
    row = run_json(capsys, "coverage", "--region", "11")[0]
    assert row["org_coverage_rate"] == 0.7
    assert row["work_coverage_rate"] == 1.0


def test_the_country_row_comes_first_then_the_provinces(capsys):
    SocialOrgFactory()
    rows = run_json(capsys, "coverage")
    assert rows[0]["name"] == "全国" and rows[0]["population"] == 1
    assert len(rows) == 32 and next(r for r in rows if r["region"] == "32")["population"] == 1


def test_an_unknown_region_is_refused_naming_the_rule():
    with pytest.raises(CommandError, match="不存在"):
        call_command("coverage", "--region", "999999")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("coverage", "--as-of", "2016-13-01")


def _with_members(org: SocialOrg, full: int, probationary: int = 0, start: int = 0) -> None:
    for n in range(full + probationary):
        PartyMemberFactory(workplace=org, status="full" if n < full else "probationary", relation_org=None,
                           relation_elsewhere="中共某街道工作委员会", id_number=make_id_number(start + n))


def test_findings_establish_lists_exactly_the_orgs_due_with_their_citation(capsys):
    due_alone = SocialOrgFactory(name="应建未建协会")
    _with_members(due_alone, 3, start=100)
    has_own = SocialOrgFactory(name="已建党支部协会")
    _with_members(has_own, 4, start=200)
    party.party_org_create(actor=SYSTEM, name="中共已建党支部协会支部委员会", kind="branch",
                           established_on=dt.date(2020, 1, 1), covers=[has_own])
    too_few = SocialOrgFactory(name="两名正式党员协会")
    _with_members(too_few, 2, probationary=1, start=300)
    in_joint = SocialOrgFactory(name="联合支部覆盖协会", region_code=JIANWAI)
    _with_members(in_joint, 3, start=400)
    party.party_org_create(actor=SYSTEM, name="中共建外街道联合支部委员会", kind="joint_branch",
                           established_on=dt.date(2020, 1, 1), region_code=JIANWAI, covers=[in_joint])

    findings = run_json(capsys, "findings", "--rule", "ESTABLISH")
    assert {f["subject_name"] for f in findings} == {"应建未建协会", "联合支部覆盖协会"}
    assert all("第八条" in f["source"] and "3" in f["message"] for f in findings)
    only_zhonglou = run_json(capsys, "findings", "--rule", "ESTABLISH", "--region", "320404")
    assert [f["subject_name"] for f in only_zhonglou] == ["应建未建协会"]


def test_local_rules_are_off_until_configured_and_take_parameters_for_a_region(capsys):
    year = dt.date.today().year - 1
    changzhou = SocialOrgFactory(name="四A级未建协会", evaluation_grade="4A", evaluation_year=year)  # 320404
    beijing = SocialOrgFactory(name="北京四A级未建协会", region_code=JIANWAI, evaluation_grade="4A",
                               evaluation_year=year)
    # Both due and not established (the veto's condition, ``coverage.due``); one that is not due is
    # never vetoed.
    _with_members(changzhou, 3, start=500)
    _with_members(beijing, 3, start=600)
    SocialOrgFactory(name="四A级无党员协会", evaluation_grade="4A", evaluation_year=year)

    def vetoed() -> set[int]:
        return {f["subject_id"] for f in run_json(capsys, "findings") if f["rule_id"] == "EVALUATION_VETO"}

    assert not vetoed()
    source = "《常州市社会组织等级评估实施办法》"
    call_command("rules", "--set", "EVALUATION_VETO", "--region", "3204", "--enable", "--param", "min_grade=5A",
                 "--source", source)
    assert not vetoed()
    call_command("rules", "--set", "EVALUATION_VETO", "--region", "3204", "--param", 'min_grade="3A"',
                 "--source", source)
    assert vetoed() == {changzhou.pk}  # on in Changzhou only
    call_command("rules", "--set", "EVALUATION_VETO", "--enable", "--param", "min_grade=5A", "--source", "试点")
    assert vetoed() == {changzhou.pk}  # the country's 5A does not override Changzhou's 3A
    call_command("rules", "--clear", "EVALUATION_VETO", "--region", "3204", "--param", "min_grade")
    assert vetoed() == set()  # Changzhou follows the country's 5A again
    call_command("rules", "--set", "EVALUATION_VETO", "--region", "11", "--param", "min_grade=4A",
                 "--source", "北京市做法")
    assert vetoed() == {beijing.pk}

    capsys.readouterr()
    call_command("rules", "--show", "--region", "320404")
    shown = capsys.readouterr().out
    assert "EVALUATION_VETO (local)" in shown and '"min_grade": "5A"' in shown and source in shown
    with pytest.raises(CommandError, match="没有参数"):
        call_command("rules", "--set", "EVALUATION_VETO", "--param", "veto=1", "--source", source)
    with pytest.raises(CommandError, match="依据不能为空"):
        call_command("rules", "--set", "EVALUATION_VETO", "--region", "3204", "--enable")
    with pytest.raises(CommandError, match="不存在"):
        call_command("rules", "--set", "EVALUATION_VETO", "--region", "9999", "--enable", "--source", source)
    with pytest.raises(CommandError, match="评估等级"):
        call_command("rules", "--set", "EVALUATION_VETO", "--param", "min_grade=6A", "--source", source)


def test_term_findings_for_overdue_and_soon_due_party_orgs(capsys):
    today = dt.date.today()
    overdue = party.party_org_create(actor=SYSTEM, name="中共到期党支部", kind="branch", region_code=JIANWAI,
                                     established_on=today.replace(year=today.year - 4))
    soon = party.party_org_create(actor=SYSTEM, name="中共即将到期党支部", kind="branch", region_code=JIANWAI,
                                  established_on=today.replace(year=today.year - 3) + dt.timedelta(days=30))
    party.party_org_create(actor=SYSTEM, name="中共新建党支部", kind="branch", region_code=JIANWAI,
                           established_on=today - dt.timedelta(days=10))
    findings = {f["subject_id"]: f for f in run_json(capsys, "findings", "--rule", "TERM")}
    assert set(findings) == {overdue.pk, soon.pk}
    assert "已到期" in findings[overdue.pk]["message"]


def test_snapshots_store_the_rollup_and_the_scheduler_fills_the_last_month_end(capsys):
    SocialOrgFactory(established_on=dt.date(2019, 1, 1))
    call_command("snapshot", "--as-of", "2020-06-30")
    country = RollupSnapshot.objects.get(as_of=dt.date(2020, 6, 30), dimension="region", region="")
    assert country.population == 1 and country.none == 1
    call_command("scheduler", "--once")
    month_end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    assert RollupSnapshot.objects.filter(as_of=month_end).exists()
    call_command("scheduler", "--once")  # nothing owed: nothing new
    assert RollupSnapshot.objects.filter(as_of=month_end, dimension="region", region="").count() == 1


def test_a_party_org_whose_org_deregistered_is_reported_for_the_superior_to_decide(capsys):
    from shuniu.registry.services import org_deregister

    org = SocialOrgFactory(name="将注销协会")
    branch = party.party_org_create(actor=SYSTEM, name="中共将注销协会支部委员会", kind="branch",
                                    established_on=dt.date(2020, 1, 1), covers=[org])
    assert not run_json(capsys, "findings", "--rule", "CHANGE_DISSOLVE")
    org_deregister(actor=SYSTEM, org=org, on=dt.date(2022, 5, 1))
    findings = run_json(capsys, "findings", "--rule", "CHANGE_DISSOLVE")
    assert [(f["subject_id"], f["subject_type"]) for f in findings] == [(branch.pk, "party_org")]
    assert "2022-05-01" in findings[0]["message"] and "第八条" in findings[0]["source"]
