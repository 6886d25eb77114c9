"""Data integrity of party orgs and members (issue 11, item 9): one standalone party org per org at a
time, kinds that nest as the rules allow, member dates that follow the probation rules, bounds and
dates not in the future, reduction reasons as categories. Each bad write is refused by the service,
the page (as the Zhonglou officer), the API and the import where it has one; the same state written
around the services (an ORM write) is a finding, shown on the page of the party org or org."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from stdnum.cn import ric

from shuniu.core.services import add_years
from shuniu.coverage.rules import evaluate
from shuniu.imports.services import import_file, import_preview
from shuniu.party.models import (
    ALLOWED_SUPERIOR_KINDS,
    EndReason,
    Formation,
    PartyMember,
    PartyOrg,
    PartyOrgCoverage,
    PartyOrgKind,
)
from shuniu.party.services import (
    assignment_start,
    coverage_add,
    coverage_end,
    member_create,
    member_end,
    member_update,
    participation_add,
    party_org_create,
    party_org_dissolve,
    party_org_update,
)
from shuniu.registry.models import SocialOrg
from shuniu.rulesettings.services import rule_setting_clear, rule_setting_set
from tests.factories import (
    HEHUACHI,
    SYSTEM,
    ZHONGLOU,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)
from tests.imports.files import write_csv

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
RECENT = TODAY - dt.timedelta(days=100)  # an admission within probation
PARTY_HEADERS = ["名称", "类别", "组建方式", "上级党组织", "所在地区代码", "成立日期", "覆盖组织统一社会信用代码", "任期（年）"]
LINK_HEADERS = ["党组织", "社会组织统一社会信用代码", "覆盖起始日期"]
MEMBER_HEADERS = ["姓名", "性别", "公民身份号码", "党员状态", "入党日期", "转正日期", "工作单位统一社会信用代码"]


def id_born(born: dt.date, n: int = 1, county: str = ZHONGLOU) -> str:
    """A valid citizen ID number of someone born on ``born``."""
    body = f"{county}{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def findings(rule: str, *, orgs=None, party_orgs=None, members=None):  # type: ignore[no-untyped-def]
    return list(evaluate(SocialOrg.objects.all() if orgs is None else orgs,
                         PartyOrg.objects.all() if party_orgs is None else party_orgs, rule_ids=[rule],
                         members=members))


def import_errors(actor, kind, tmp_path, rows, headers):  # type: ignore[no-untyped-def]
    preview = import_preview(actor=actor, kind=kind, path=write_csv(tmp_path / f"{kind}.csv", rows, headers=headers))
    return {(e.row, e.column, e.code) for e in preview.errors}


def codes(exc: pytest.ExceptionInfo[ValidationError]) -> set[tuple[str, str]]:
    return {(field, e.code) for field, errors in exc.value.error_dict.items() for e in errors}  # type: ignore[misc]


# ---- OWN_UNIQUE ----------------------------------------------------------------------------------

@pytest.fixture
def owned(db):  # type: ignore[no-untyped-def]
    """An org with its own branch, and a second standalone branch that covers nothing yet."""
    org = SocialOrgFactory(name="荷花池养老服务中心")
    first = PartyOrgFactory(name="荷花池养老服务中心党支部", covers=[org])
    second = PartyOrgFactory(name="荷花池养老服务中心第二党支部", region_code=HEHUACHI)
    return org, first, second


def test_an_object_level_own_agrees_with_the_engines_definition():
    from shuniu.coverage.engine import OWN_PARTY

    org = SocialOrgFactory()
    for kind in PartyOrgKind.values:
        for formation in Formation.values:
            party_org = PartyOrg(name=f"{kind}{formation}", kind=kind, formation=formation,
                                 established_on=dt.date(2020, 1, 1))
            party_org.set_region(org.region)
            party_org.save()
            link = PartyOrgCoverage.objects.create(party_org=party_org, org=org, started_on=dt.date(2020, 1, 1))
            assert party_org.is_own == PartyOrgCoverage.objects.filter(OWN_PARTY, pk=link.pk).exists()


def test_a_second_standalone_party_org_is_refused_by_the_services(owned):
    org, first, second = owned
    with pytest.raises(ValidationError) as info:
        coverage_add(actor=SYSTEM, party_org=second, org=org, started_on="2021-01-01")
    assert codes(info) == {("org", "own_unique")} and first.name in info.value.error_dict["org"][0].message
    with pytest.raises(ValidationError) as info:
        party_org_create(actor=SYSTEM, name="又一个党支部", kind="branch", established_on="2021-01-01", covers=[org])
    assert ("org", "own_unique") in codes(info)
    assert not PartyOrg.objects.filter(name="又一个党支部").exists()
    # A joint branch may cover it too; after the first link ends, a new own party org may take over.
    joint = PartyOrgFactory(kind="joint_branch", region_code=HEHUACHI)
    coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2021-01-01")
    coverage_end(actor=SYSTEM, coverage=first.coverages.get(), ended_on="2022-06-30")
    with pytest.raises(ValidationError):  # overlapping the old link's last months
        coverage_add(actor=SYSTEM, party_org=second, org=org, started_on="2022-01-01")
    coverage_add(actor=SYSTEM, party_org=second, org=org, started_on="2022-06-30")


def test_a_second_standalone_party_org_is_refused_by_the_pages(client, zhonglou_officer, owned):
    org, _first, second = owned
    client.force_login(zhonglou_officer)
    response = client.post("/coverage/new/", {"org": org.pk, "party_org": second.pk, "started_on": "2021-01-01"})
    assert response.status_code == 200 and "OWN_UNIQUE" in str(response.context["form"].errors)
    response = client.post("/party/new/", {"name": "又一个党支部", "kind": "branch", "established_on": "2021-01-01",
                                           "covers": org.pk})
    assert "OWN_UNIQUE" in str(response.context["form"].errors["covers"])
    assert org.party_coverages.count() == 1


def test_a_second_standalone_party_org_is_refused_by_the_api(api, zhonglou_officer, owned):
    org, _first, second = owned
    client = api(zhonglou_officer)
    response = client.post(f"/api/v1/party-orgs/{second.pk}/coverages", {"org": org.pk, "started_on": "2021-01-01"},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "own_unique"
    response = client.post("/api/v1/party-orgs", {"name": "又一个党支部", "kind": "branch",
                                                   "established_on": "2021-01-01", "covers": [org.pk]},
                           content_type="application/json")
    assert response.status_code == 422 and "own_unique" in {e["rule"] for e in response.json()["errors"]}
    assert org.party_coverages.count() == 1


def test_a_second_standalone_party_org_is_refused_by_the_imports(tmp_path, zhonglou_officer, owned):
    org, _first, second = owned
    free = SocialOrgFactory(name="荷花池空白协会")
    rows = [["又一个党支部", "党支部", "", "", "", "2021-01-01", org.uscc, ""],
            ["空白协会党支部", "党支部", "", "", "", "2021-01-01", free.uscc, ""],
            ["空白协会第二党支部", "党支部", "", "", "", "2021-01-01", free.uscc, ""]]  # the row above took it
    assert import_errors(zhonglou_officer, "party_orgs", tmp_path, rows, PARTY_HEADERS) == {
        (2, "覆盖组织统一社会信用代码", "own_unique"), (4, "覆盖组织统一社会信用代码", "own_unique")}
    assert import_errors(zhonglou_officer, "coverage_links", tmp_path, [[second.name, org.uscc, "2021-01-01"]],
                         LINK_HEADERS) == {(2, "社会组织统一社会信用代码", "own_unique")}


def test_two_standalone_party_orgs_already_covering_an_org_are_a_finding_on_its_page(client, zhonglou_officer,
                                                                                      owned):
    org, first, second = owned
    SocialOrg.objects.filter(pk=org.pk).update(has_trade_union=True)
    client.force_login(zhonglou_officer)
    assert "OWN_UNIQUE" not in client.get(f"/orgs/{org.pk}/").content.decode()
    PartyOrgCoverage.objects.create(party_org=second, org=org, started_on=dt.date(2021, 1, 1))
    [finding] = findings("OWN_UNIQUE")
    assert finding.subject_id == org.pk and first.name in finding.message and second.name in finding.message
    page = client.get(f"/orgs/{org.pk}/").content.decode()
    assert "OWN_UNIQUE" in page and "未发现需要处理的问题" not in page


# ---- NESTING -------------------------------------------------------------------------------------

def test_the_nesting_table_names_no_branch_under_a_branch():
    branch_kinds = {PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH, PartyOrgKind.TEMPORARY_BRANCH}
    for kind in PartyOrgKind.values:
        assert not branch_kinds & ALLOWED_SUPERIOR_KINDS[kind]
    assert ALLOWED_SUPERIOR_KINDS[PartyOrgKind.GENERAL_BRANCH] == {
        PartyOrgKind.COMMITTEE, PartyOrgKind.INDUSTRY_COMMITTEE, PartyOrgKind.COMPREHENSIVE_COMMITTEE}


@pytest.fixture
def tree(db):  # type: ignore[no-untyped-def]
    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=ZHONGLOU)
    branch = PartyOrgFactory(name="荷花池协会党支部", superior=committee)
    loose = PartyOrgFactory(name="西林协会党支部")
    return committee, branch, loose


@pytest.mark.parametrize("kind", ["branch", "joint_branch", "temporary_branch", "general_branch", "committee"])
def test_nothing_is_created_under_a_branch(tree, kind):
    _committee, branch, _loose = tree
    with pytest.raises(ValidationError) as info:
        party_org_create(actor=SYSTEM, name="下级组织", kind=kind, established_on="2021-01-01", superior=branch)
    assert codes(info) == {("superior", "nesting")}
    assert "NESTING" in info.value.error_dict["superior"][0].message


def test_kinds_nest_under_the_superiors_the_rules_allow(tree):
    committee, _branch, _loose = tree
    general = party_org_create(actor=SYSTEM, name="某党总支", kind="general_branch", established_on="2021-01-01",
                               superior=committee)
    party_org_create(actor=SYSTEM, name="某党总支第一支部", kind="branch", established_on="2021-01-01", superior=general)
    with pytest.raises(ValidationError):
        party_org_create(actor=SYSTEM, name="党总支下的党委", kind="committee", established_on="2021-01-01",
                         superior=general)


def test_a_superior_change_that_breaks_the_nesting_is_refused(tree):
    committee, branch, loose = tree
    with pytest.raises(ValidationError) as info:
        party_org_update(actor=SYSTEM, party_org=loose, superior=branch)
    assert codes(info) == {("superior", "nesting")}
    party_org_update(actor=SYSTEM, party_org=loose, superior=committee)
    assert PartyOrg.objects.get(pk=loose.pk).superior_id == committee.pk


def test_a_branch_under_a_branch_is_refused_by_the_pages(client, zhonglou_officer, tree):
    _committee, branch, loose = tree
    client.force_login(zhonglou_officer)
    response = client.post("/party/new/", {"name": "下级党支部", "kind": "branch", "established_on": "2021-01-01",
                                           "superior": branch.pk})
    assert "NESTING" in str(response.context["form"].errors["superior"])
    response = client.post(f"/party/{loose.pk}/edit/", {"name": loose.name, "superior": branch.pk,
                                                        "term_years": loose.term_years})
    assert "NESTING" in str(response.context["form"].errors["superior"])
    assert PartyOrg.objects.get(pk=loose.pk).superior_id is None
    assert not PartyOrg.objects.filter(name="下级党支部").exists()


def test_a_branch_under_a_branch_is_refused_by_the_api_and_the_import(api, tmp_path, zhonglou_officer, tree):
    _committee, branch, _loose = tree
    response = api(zhonglou_officer).post("/api/v1/party-orgs", {
        "name": "下级党支部", "kind": "branch", "established_on": "2021-01-01", "superior": branch.pk,
        "region_code": HEHUACHI}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "nesting"
    rows = [["某联合党支部", "联合党支部", "", branch.name, HEHUACHI, "2021-01-01", "", ""],
            ["某党总支", "党总支", "", "钟楼区社会组织综合党委", "", "2021-01-01", "", ""],
            ["某党总支第一支部", "党支部", "", "某党总支", "", "2021-01-01", "", ""]]
    assert import_errors(zhonglou_officer, "party_orgs", tmp_path, rows, PARTY_HEADERS) == {
        (2, "上级党组织", "nesting")}


def test_a_branch_already_under_a_branch_is_a_finding_on_its_page(client, zhonglou_officer, tree):
    _committee, branch, loose = tree
    assert not findings("NESTING")
    PartyOrg.objects.filter(pk=loose.pk).update(superior=branch, path=f"{branch.path}{loose.pk}/")
    [finding] = findings("NESTING")
    assert finding.subject_id == loose.pk and branch.name in finding.message and "党章第三十条" in finding.source
    client.force_login(zhonglou_officer)
    assert "NESTING" in client.get(f"/party/{loose.pk}/").content.decode()


# ---- NO_MEMBERS, NO_SECRETARY --------------------------------------------------------------------

def test_a_party_org_without_members_or_secretary_after_the_grace_period_is_a_finding(client, zhonglou_officer):
    old = PartyOrgFactory(name="空壳党支部", established_on=TODAY - dt.timedelta(days=120))
    PartyOrgFactory(name="新建党支部", established_on=TODAY - dt.timedelta(days=10))
    assert [f.subject_id for f in findings("NO_MEMBERS")] == [old.pk]
    assert [f.subject_id for f in findings("NO_SECRETARY")] == [old.pk]
    client.force_login(zhonglou_officer)
    page = client.get(f"/party/{old.pk}/").content.decode()
    assert "NO_MEMBERS" in page and "NO_SECRETARY" in page
    # The grace period is a setting of the rule, here Changzhou's.
    rule_setting_set(actor=SYSTEM, rule_id="NO_MEMBERS", region="3204", params={"grace_days": 200},
                     source="常州市（测试）")
    assert not findings("NO_MEMBERS")
    rule_setting_clear(actor=SYSTEM, rule_id="NO_MEMBERS", region="3204")
    member = PartyMemberFactory(relation_org=old)
    assert not findings("NO_MEMBERS")
    party_org_update(actor=SYSTEM, party_org=old, secretary=member)
    assert not findings("NO_SECRETARY")
    member_end(actor=SYSTEM, member=member, on=TODAY, reason="died")
    [finding] = findings("NO_SECRETARY")
    assert "已减少" in finding.message


def test_a_committee_whose_members_are_in_its_branches_has_members():
    committee = PartyOrgFactory(name="某协会党委", kind="committee", region_code=HEHUACHI,
                                established_on=dt.date(2020, 1, 1))
    sub = PartyOrgFactory(name="某协会党委第一支部", superior=committee, established_on=dt.date(2020, 1, 1))
    PartyMemberFactory(relation_org=sub)
    assert not findings("NO_MEMBERS")


# ---- NO_RELATION ---------------------------------------------------------------------------------

def test_members_without_any_relation_are_a_finding_on_their_workplace():
    org = SocialOrgFactory(name="荷花池无关系协会")
    PartyMemberFactory(workplace=org, relation_org=None, relation_elsewhere="中共某街道工作委员会")
    assert not findings("NO_RELATION")
    a = PartyMemberFactory(name="甲", workplace=org, relation_org=None)
    PartyMemberFactory(name="乙", workplace=org, relation_org=None)
    [finding] = findings("NO_RELATION")
    assert (finding.subject_type, finding.subject_id) == ("org", org.pk) and "甲" in finding.message
    assert "2 名" in finding.message and "党章第八条" in finding.source
    # With neither a workplace nor a relation, the member is the subject (when members are given).
    PartyMember.objects.filter(pk=a.pk).update(workplace=None)
    loose = findings("NO_RELATION", members=PartyMember.objects.all())
    assert {(f.subject_type, f.subject_id) for f in loose} == {("org", org.pk), ("member", a.pk)}


# ---- MEMBER_DATES and PROBATION ------------------------------------------------------------------

# Each: the fields of a bad member write, and the (field, code) the rules answer with.
BAD_DATES = {
    "probationary with a date of becoming full": (
        {"status": "probationary", "admitted_on": RECENT, "full_on": TODAY}, {("full_on", "state")}),
    "full without a date of admission": ({"status": "full", "admitted_on": None}, {("admitted_on", "required")}),
    "full less than a year after admission": (
        {"status": "full", "admitted_on": dt.date(2015, 6, 1), "full_on": dt.date(2016, 5, 31)},
        {("full_on", "probation")}),
    "full more than two years after admission": (
        {"status": "full", "admitted_on": dt.date(2015, 6, 1), "full_on": dt.date(2017, 6, 2)},
        {("full_on", "probation")}),
    "probationary since 2020": ({"status": "probationary", "admitted_on": dt.date(2020, 6, 1)},
                                {("status", "probation")}),
    "admitted in 1900": ({"status": "full", "admitted_on": dt.date(1900, 1, 1), "full_on": dt.date(1901, 1, 1),
                          "id_number": id_born(dt.date(1880, 1, 1), county="110101")}, {("admitted_on", "too_early")}),
    "admitted at 10": ({"status": "full", "admitted_on": dt.date(2020, 6, 1), "full_on": dt.date(2021, 6, 1),
                        "id_number": id_born(dt.date(2010, 1, 1))}, {("admitted_on", "age")}),
    "born in 2030 by the ID number": ({"status": "probationary", "admitted_on": RECENT,
                                       "id_number": id_born(dt.date(2030, 1, 1))}, {("id_number", "future")}),
    "a birth date the ID number contradicts": ({"status": "full", "admitted_on": dt.date(2015, 6, 1),
                                                "id_number": id_born(dt.date(1980, 1, 1), county="110101"),
                                                "birth_date": dt.date(1981, 1, 1)}, {("birth_date", "mismatch")}),
    "admitted in the future": ({"status": "probationary", "admitted_on": TODAY + dt.timedelta(days=5)},
                               {("admitted_on", "future")}),
}


@pytest.mark.parametrize("case", BAD_DATES)
def test_member_dates_that_break_the_rules_are_refused_by_the_service(case):
    fields, expected = BAD_DATES[case]
    org = SocialOrgFactory()
    data = {"name": "日期党员", "gender": "male", "workplace": org, **fields}
    with pytest.raises(ValidationError) as info:
        member_create(actor=SYSTEM, **data)
    assert codes(info) == expected
    assert not PartyMember.objects.exists()


def test_the_date_rules_apply_to_an_update_of_the_dates_only():
    member = PartyMemberFactory(status="probationary", admitted_on=RECENT)
    with pytest.raises(ValidationError) as info:
        member_update(actor=SYSTEM, member=member, status="full", full_on=TODAY)  # not a year yet
    assert codes(info) == {("full_on", "probation")}
    # A record already wrong (as from before the rules) can still have its phone changed.
    PartyMember.objects.filter(pk=member.pk).update(admitted_on=dt.date(2018, 1, 1))
    member.refresh_from_db()
    member_update(actor=SYSTEM, member=member, phone="13900000009")


PAGE_CASES = ["probationary with a date of becoming full", "full without a date of admission",
              "full less than a year after admission", "probationary since 2020", "admitted at 10",
              "born in 2030 by the ID number"]


@pytest.mark.parametrize("case", PAGE_CASES)
def test_member_dates_that_break_the_rules_are_refused_by_the_page(client, zhonglou_officer, case):
    fields, expected = BAD_DATES[case]
    org = SocialOrgFactory()
    client.force_login(zhonglou_officer)
    form = {"name": "日期党员", "gender": "male", "workplace": org.pk,
            **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items() if v is not None}}
    response = client.post("/members/new/", form)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {field for field, _code in expected}
    assert not PartyMember.objects.exists()


API_CASES = ["probationary with a date of becoming full", "full without a date of admission",
             "full more than two years after admission", "probationary since 2020", "admitted in 1900",
             "born in 2030 by the ID number", "a birth date the ID number contradicts"]


@pytest.mark.parametrize("case", API_CASES)
def test_member_dates_that_break_the_rules_are_refused_by_the_api(api, zhonglou_officer, case):
    fields, expected = BAD_DATES[case]
    org = SocialOrgFactory()
    body = {"name": "日期党员", "gender": "male", "workplace": org.pk,
            **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items() if v is not None}}
    response = api(zhonglou_officer).post("/api/v1/members", body, content_type="application/json")
    assert response.status_code == 422
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == expected
    assert not PartyMember.objects.exists()


def test_member_dates_that_break_the_rules_are_refused_by_the_import(tmp_path, zhonglou_officer):
    org = SocialOrgFactory()
    cases = ["probationary with a date of becoming full", "full without a date of admission",
             "full less than a year after admission", "probationary since 2020", "admitted in 1900",
             "admitted at 10", "born in 2030 by the ID number"]
    rows, expected = [], set()
    labels = {"status": "党员状态", "admitted_on": "入党日期", "full_on": "转正日期", "id_number": "公民身份号码"}
    for n, case in enumerate(cases):
        fields, codes_ = BAD_DATES[case]
        number = fields.get("id_number") or id_born(dt.date(1980, 1, 1), 100 + n, county="110101")
        rows.append([f"党员{n}", "男", number, "正式党员" if fields["status"] == "full" else "预备党员",
                     fields.get("admitted_on") or "", fields.get("full_on") or "", org.uscc])
        expected |= {(n + 2, labels[field], code) for field, code in codes_}
    assert import_errors(zhonglou_officer, "members", tmp_path, rows, MEMBER_HEADERS) == expected


def test_member_dates_already_wrong_are_a_finding_where_the_member_is_held(client, zhonglou_officer):
    branch = PartyOrgFactory(name="荷花池日期党支部")
    org = SocialOrgFactory(name="荷花池日期协会")
    held = PartyMemberFactory(name="有关系", relation_org=branch)
    working = PartyMemberFactory(name="无关系", workplace=org, relation_org=None, relation_elsewhere="中共某支部")
    loose = PartyMemberFactory(name="无单位", workplace=None, relation_org=None, region_code=HEHUACHI,
                               relation_elsewhere="中共某支部")
    assert not findings("MEMBER_DATES", members=PartyMember.objects.all())
    PartyMember.objects.filter(pk=held.pk).update(full_on=dt.date(2015, 12, 1))  # half a year after admission
    PartyMember.objects.filter(pk=working.pk).update(status="probationary")  # keeps its date of becoming full
    PartyMember.objects.filter(pk=loose.pk).update(admitted_on=None)
    found = {(f.subject_type, f.subject_id): f for f in findings("MEMBER_DATES", members=PartyMember.objects.all())}
    assert set(found) == {("party_org", branch.pk), ("org", org.pk), ("member", loose.pk)}
    assert "有关系" in found[("party_org", branch.pk)].message and "1 至 2 年" in found[("party_org", branch.pk)].message
    assert "预备党员有转正日期" in found[("org", org.pk)].message
    assert "无入党日期" in found[("member", loose.pk)].message
    client.force_login(zhonglou_officer)
    assert "MEMBER_DATES" in client.get(f"/party/{branch.pk}/").content.decode()


def test_an_underage_or_prehistoric_admission_already_stored_is_a_finding():
    branch = PartyOrgFactory()
    young = PartyMemberFactory(relation_org=branch)
    PartyMember.objects.filter(pk=young.pk).update(birth_date=dt.date(2005, 1, 1))
    [finding] = findings("MEMBER_DATES")
    assert "未满 18 周岁" in finding.message
    PartyMember.objects.filter(pk=young.pk).update(birth_date=dt.date(1880, 1, 1), admitted_on=dt.date(1900, 1, 1),
                                                   full_on=dt.date(1901, 1, 1))
    [finding] = findings("MEMBER_DATES")
    assert "早于建党" in finding.message


def test_a_probation_past_its_longest_term_is_a_finding(client, zhonglou_officer):
    branch = PartyOrgFactory(name="荷花池预备党支部")
    member = PartyMemberFactory(name="久未转正", status="probationary", relation_org=branch)
    assert not findings("PROBATION")
    PartyMember.objects.filter(pk=member.pk).update(admitted_on=add_years(TODAY, -2) - dt.timedelta(days=1))
    [finding] = findings("PROBATION")
    assert (finding.subject_type, finding.subject_id) == ("party_org", branch.pk)
    assert "久未转正" in finding.message and "党章第七条" in finding.source
    client.force_login(zhonglou_officer)
    assert "PROBATION" in client.get(f"/party/{branch.pk}/").content.decode()


# ---- BOUNDS and FUTURE_DATE on party orgs and links ----------------------------------------------

def test_terms_out_of_bounds_or_in_the_future_are_refused(api, client, tmp_path, zhonglou_officer):
    for bad in ({"term_years": 6}, {"term_years": 0}, {"term_started_on": TODAY + dt.timedelta(days=1)},
                {"term_started_on": dt.date(2020, 12, 31)}):
        with pytest.raises(ValidationError) as info:
            party_org_create(actor=SYSTEM, name="任期党支部", kind="branch", established_on="2021-01-01",
                             region_code=HEHUACHI, **bad)
        assert set(info.value.error_dict) == set(bad)
    branch = PartyOrgFactory()
    with pytest.raises(ValidationError) as info:
        party_org_update(actor=SYSTEM, party_org=branch, term_years=9)
    assert "TERM" in info.value.error_dict["term_years"][0].message
    response = api(zhonglou_officer).post("/api/v1/party-orgs", {
        "name": "任期党支部", "kind": "branch", "established_on": "2021-01-01", "region_code": HEHUACHI,
        "term_years": 6}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "term_years"
    client.force_login(zhonglou_officer)
    response = client.post("/party/new/", {"name": "任期党支部", "kind": "branch", "established_on": "2021-01-01",
                                           "region": HEHUACHI, "term_years": 6})
    assert "term_years" in response.context["form"].errors
    assert import_errors(zhonglou_officer, "party_orgs", tmp_path,
                         [["任期党支部", "党支部", "", "", HEHUACHI, "2021-01-01", "", 8]], PARTY_HEADERS) == {
        (2, "任期（年）", "range")}
    assert not PartyOrg.objects.filter(name="任期党支部").exists()


def test_links_and_endings_in_the_future_are_refused(api, client, zhonglou_officer):
    later = TODAY + dt.timedelta(days=30)
    org = SocialOrgFactory()
    joint = PartyOrgFactory(kind="joint_branch", region_code=HEHUACHI)
    member = PartyMemberFactory()
    instructor = InstructorFactory()
    calls = {
        "coverage": lambda: coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on=later),
        "assignment": lambda: assignment_start(actor=SYSTEM, instructor=instructor, org=org, started_on=later),
        "participation": lambda: participation_add(actor=SYSTEM, member=member, party_org=joint, started_on=later),
        "member end": lambda: member_end(actor=SYSTEM, member=member, on=later, reason="died"),
        "dissolution": lambda: party_org_dissolve(actor=SYSTEM, party_org=joint, on=later, reason="任务完成"),
    }
    for name, call in calls.items():
        with pytest.raises(ValidationError) as info:
            call()
        assert "future" in {c for _f, c in codes(info)}, name
    link = coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2022-01-01")
    with pytest.raises(ValidationError):
        coverage_end(actor=SYSTEM, coverage=link, ended_on=later)
    other = SocialOrgFactory()
    response = api(zhonglou_officer).post(f"/api/v1/party-orgs/{joint.pk}/coverages",
                                          {"org": other.pk, "started_on": later.isoformat()},
                                          content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "future"
    client.force_login(zhonglou_officer)
    response = client.post("/coverage/new/", {"org": other.pk, "party_org": joint.pk, "started_on": later.isoformat()})
    assert response.status_code == 200 and not other.party_coverages.exists()


def test_future_dates_and_odd_terms_already_stored_are_findings():
    org = SocialOrgFactory(name="将来协会")
    branch = PartyOrgFactory(name="将来党支部", covers=[org])
    PartyOrgCoverage.objects.filter(org=org).update(started_on=dt.date(2030, 1, 1))
    PartyOrg.objects.filter(pk=branch.pk).update(term_years=9)
    [future] = findings("FUTURE_DATE")
    assert (future.subject_type, future.subject_id) == ("org", org.pk) and "2030-01-01" in future.message
    [bound] = findings("BOUNDS")
    assert (bound.subject_type, bound.subject_id) == ("party_org", branch.pk) and "9" in bound.message


# ---- reduction reasons as categories -------------------------------------------------------------

def test_a_reduction_reason_is_a_category_with_a_note():
    members = [PartyMemberFactory() for _ in range(4)]
    with pytest.raises(ValidationError) as info:
        member_end(actor=SYSTEM, member=members[0], on="2024-01-01", reason="调往外地")
    assert codes(info) == {("end_reason", "choice")}
    with pytest.raises(ValidationError) as info:
        member_end(actor=SYSTEM, member=members[0], on="2024-01-01", reason="other")
    assert codes(info) == {("end_note", "required")}
    member_end(actor=SYSTEM, member=members[0], on="2024-01-01", reason="other", note="失联后查明已出国定居")
    member_end(actor=SYSTEM, member=members[1], on="2024-01-01", reason="died")
    member_end(actor=SYSTEM, member=members[2], on="2024-01-01", reason="停止党籍")  # its Chinese name
    counts = dict(PartyMember.objects.exclude(end_reason="").values_list("end_reason").annotate(n=Count("id")))
    assert counts == {"other": 1, "died": 1, "stopped": 1}
    assert PartyMember.objects.get(pk=members[0].pk).end_note == "失联后查明已出国定居"


def test_the_page_and_the_api_use_the_reduction_category(api, client, zhonglou_officer):
    member = PartyMemberFactory()
    client.force_login(zhonglou_officer)
    page = client.get(f"/members/{member.pk}/end/").content.decode()
    assert all(f'value="{value}"' in page for value in EndReason.values)
    response = client.post(f"/members/{member.pk}/end/", {"on": "2024-03-01", "reason": "组织关系转出"})
    assert "reason" in response.context["form"].errors
    response = client.post(f"/members/{member.pk}/end/", {"on": "2024-03-01", "reason": "removed",
                                                          "note": "党员大会决定"})
    assert response.status_code == 302
    body = api(zhonglou_officer).get(f"/api/v1/members/{member.pk}").json()
    assert (body["end_reason"], body["end_note"]) == ("removed", "党员大会决定")


def test_the_migration_maps_free_text_to_categories_and_keeps_the_text():
    migration = importlib.import_module("shuniu.party.migrations.0003_member_end_reason_from_text")
    assert [migration.category_of(text) for text in (
        "组织关系转出", "调出本市", "病故", "开除党籍", "停止党籍", "自行脱党除名", "transferred_out", "出国")] == [
        "transferred_out", "transferred_out", "died", "left_party", "stopped", "removed", "transferred_out", "other"]


def test_the_api_records_a_reduction_by_category(api, zhonglou_officer, chaoyang_officer):
    member = PartyMemberFactory()
    body = {"ended_on": "2024-03-01", "reason": "other"}
    response = api(zhonglou_officer).post(f"/api/v1/members/{member.pk}/end", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "end_note"
    response = api(zhonglou_officer).post(f"/api/v1/members/{member.pk}/end", {**body, "reason": "调走"},
                                          content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "choice"
    assert api(chaoyang_officer).post(f"/api/v1/members/{member.pk}/end", {**body, "reason": "died"},
                                      content_type="application/json").status_code == 404
    response = api(zhonglou_officer).post(f"/api/v1/members/{member.pk}/end", {**body, "note": "出国定居"},
                                          content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["end_reason"], response.json()["end_note"]) == ("other", "出国定居")


END_HEADERS = ["姓名", "性别", "公民身份号码", "党员状态", "入党日期", "减少日期", "减少原因", "减少原因说明"]


def test_the_import_records_reductions_by_category(tmp_path, zhonglou_officer):
    members = [PartyMemberFactory(name=f"减少{i}") for i in range(5)]
    participating = members[4]
    participation_add(actor=SYSTEM, member=participating, party_org=PartyOrgFactory(), started_on="2022-01-01")

    def row(m: PartyMember, *ending: object) -> list[object]:
        return [m.name, "女", m.id_number, "正式党员", "2015-06-01", *ending]

    rows = [row(members[0], "2024-03-01", "死亡", ""),
            row(members[1], "2024-03-01", "调走了", ""),
            row(members[2], "2024-03-01", "其他", ""),
            row(members[3], "2030-03-01", "转出", ""),
            row(participating, "2024-03-01", "除名", ""),
            ["新人", "男", id_born(dt.date(1990, 1, 1), 7), "正式党员", "2015-06-01", "2024-03-01", "转出", ""]]
    assert import_errors(zhonglou_officer, "members", tmp_path, rows, END_HEADERS) == {
        (3, "减少原因", "choice"), (4, "减少原因说明", "required"), (5, "减少日期", "future"),
        (6, "减少日期", "state"), (7, "减少日期", "state"), (7, "工作单位统一社会信用代码", "place")}
    preview = import_preview(actor=zhonglou_officer, kind="members",
                             path=write_csv(tmp_path / "ok.csv", [row(members[0], "2024-03-01", "死亡", ""),
                                                                  row(members[2], "2024-03-01", "其他", "出国定居")],
                                            headers=END_HEADERS))
    assert not preview.errors and preview.counts()["updated"] == 2
    import_file(actor=zhonglou_officer, kind="members", path=write_csv(
        tmp_path / "ok2.csv", [row(members[0], "2024-03-01", "死亡", ""),
                               row(members[2], "2024-03-01", "其他", "出国定居")], headers=END_HEADERS))
    ended = dict(PartyMember.objects.filter(ended_on__isnull=False).values_list("name", "end_reason"))
    assert ended == {"减少0": "died", "减少2": "other"}


def test_an_instructor_capacity_out_of_bounds_is_refused(tmp_path, zhonglou_officer):
    from shuniu.party.services import MAX_INSTRUCTOR_CAPACITY, instructor_create

    for capacity in (0, MAX_INSTRUCTOR_CAPACITY + 1, True):
        with pytest.raises(ValidationError) as info:
            instructor_create(actor=SYSTEM, name="周指导", kind="instructor", region_code=HEHUACHI, capacity=capacity)
        assert codes(info) == {("capacity", "range")}
    headers = ["姓名", "类别", "可联系组织数", "所在地区代码"]
    assert import_errors(zhonglou_officer, "instructors", tmp_path, [["周指导", "指导员", 500, HEHUACHI]], headers) == {
        (2, "可联系组织数", "range")}


def test_the_import_checks_a_new_admission_date_against_the_stored_birth_date(tmp_path, zhonglou_officer):
    member = PartyMemberFactory(id_number=id_born(dt.date(1995, 1, 1), 9))
    rows = [[member.name, "女", member.id_number, "正式党员", "2005-06-01", "2006-06-01", ""]]
    assert import_errors(zhonglou_officer, "members", tmp_path, rows, MEMBER_HEADERS) == {(2, "入党日期", "age")}
