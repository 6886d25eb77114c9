"""The responsible party body (党建工作责任主体) of an org, the override, the order setting, and rule
SUPERIOR: through the services, the rule engine, the pages and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.audit.models import AuditEntry
from shuniu.coverage.rules import evaluate
from shuniu.party.bodies import (
    Body,
    Unresolved,
    explain,
    resolve_all,
    responsible_bodies,
    responsible_body,
    superior_of,
)
from shuniu.party.models import BodyOverride, PartyOrg
from shuniu.party.services import body_override_set, party_org_dissolve, party_org_update
from shuniu.registry.models import SocialOrg
from shuniu.rulesettings.services import rule_setting_set
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, SYSTEM, XILIN, ZHONGLOU, PartyOrgFactory, SocialOrgFactory

CHANGZHOU = "3204"
UNIT = "常州市钟楼区民政局"


@pytest.fixture
def lines(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The three lines of Zhonglou: a district comprehensive committee, the city's legal industry
    committee (and the province's, farther), the party org of the district civil affairs bureau,
    and the party working committee of 荷花池街道."""
    return {
        "district": PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=ZHONGLOU),
        "city": PartyOrgFactory(name="常州市社会组织综合党委", kind="comprehensive_committee", region_code=CHANGZHOU),
        "legal": PartyOrgFactory(name="常州市律师行业党委", kind="industry_committee", region_code=CHANGZHOU,
                                 industry="legal"),
        "legal_province": PartyOrgFactory(name="江苏省律师行业党委", kind="industry_committee", region_code="32",
                                          industry="legal"),
        "legal_nanjing": PartyOrgFactory(name="南京市律师行业党委", kind="industry_committee", region_code="3201",
                                         industry="legal"),
        "bureau": PartyOrgFactory(name="钟楼区民政局机关党委", kind="committee", region_code=ZHONGLOU,
                                  supervisory_unit=UNIT),
        "street": PartyOrgFactory(name="荷花池街道党工委", kind="comprehensive_committee", region_code=HEHUACHI),
    }


def body(org: SocialOrg) -> tuple[str, str] | None:
    found = responsible_body(org)
    return None if found is None else (found.party_org.name, found.how)


def test_an_org_with_a_supervisory_unit_goes_to_that_units_party_org(lines):
    org = SocialOrgFactory(supervisory_unit=UNIT, industry="legal")
    assert body(org) == ("钟楼区民政局机关党委", "supervisory")
    found = responsible_body(org)
    assert found is not None and UNIT in found.explanation and "RESPONSIBLE_BODY" in found.explanation
    assert "第六条" in found.source


def test_without_a_units_party_org_the_nearest_industry_committee_of_its_industry(lines):
    org = SocialOrgFactory(supervisory_unit="某个没有党组织的单位", industry="legal")
    # The city's committee, not the province's (farther) nor Nanjing's (not containing Zhonglou).
    assert body(org) == ("常州市律师行业党委", "industry")
    party_org_dissolve(actor=SYSTEM, party_org=lines["legal"], on=dt.date.today(), reason="撤并")
    assert body(org) == ("江苏省律师行业党委", "industry")


def test_else_the_comprehensive_committee_where_it_was_registered(lines):
    county = SocialOrgFactory(industry="health")
    city = SocialOrgFactory(registration_level="city")
    province = SocialOrgFactory(registration_level="province")
    assert body(county) == ("钟楼区社会组织综合党委", "comprehensive")
    assert body(city) == ("常州市社会组织综合党委", "comprehensive")
    # Registered by the province: no committee is recorded in 32, nor above it.
    assert body(province) is None
    why = explain(province)
    assert isinstance(why, Unresolved) and "32" in why.explanation and "未记录业务主管单位" in why.explanation


def test_a_county_registered_org_without_its_countys_committee_goes_to_the_nearest_containing_one(lines):
    party_org_dissolve(actor=SYSTEM, party_org=lines["district"], on=dt.date.today(), reason="撤并")
    assert body(SocialOrgFactory()) == ("常州市社会组织综合党委", "comprehensive")


def test_a_community_org_goes_to_its_streets_working_committee(lines):
    org = SocialOrgFactory(type="community_org", supervisory_unit=UNIT)
    assert body(org) == ("荷花池街道党工委", "street")
    # A street without a committee: the lines answer (the bureau's party org here).
    elsewhere = SocialOrgFactory(type="community_org", region_code=XILIN, supervisory_unit=UNIT)
    assert body(elsewhere) == ("钟楼区民政局机关党委", "supervisory")


def test_a_national_org_is_not_the_comprehensive_lines(lines):
    org = SocialOrgFactory(registration_level="national")
    found = explain(org)
    assert isinstance(found, Unresolved) and "全国性社会组织" in found.explanation


def test_an_override_wins_is_audited_and_can_be_cleared(lines):
    org = SocialOrgFactory(supervisory_unit=UNIT)
    body_override_set(actor=SYSTEM, org=org, party_org=lines["city"], reason="市委社会工作部文件（2024）3 号")
    assert body(org) == ("常州市社会组织综合党委", "override")
    entry = AuditEntry.objects.filter(action="org.body_override", target_id=str(org.pk)).latest("pk")
    assert entry.changes["body_party_org_id"] == [None, lines["city"].pk]
    body_override_set(actor=SYSTEM, org=org, party_org=None, reason="文件废止")
    assert body(org) == ("钟楼区民政局机关党委", "supervisory")
    assert not BodyOverride.objects.filter(org=org).exists()
    assert AuditEntry.objects.filter(action="org.body_override", target_id=str(org.pk)).count() == 2


@pytest.mark.parametrize("case", ["branch", "dissolved", "no_reason", "nothing_to_clear", "deregistered"])
def test_an_override_that_breaks_the_rules_is_refused_and_changes_nothing(lines, case):
    from shuniu.registry.services import org_deregister

    org = SocialOrgFactory()
    target: PartyOrg | None = lines["city"]
    reason = "依据"
    if case == "branch":
        target = PartyOrgFactory(kind="branch")
    elif case == "dissolved":
        target = PartyOrgFactory(kind="committee", region_code=ZHONGLOU)
        party_org_dissolve(actor=SYSTEM, party_org=target, on=dt.date.today(), reason="撤销")
    elif case == "no_reason":
        reason = " "
    elif case == "nothing_to_clear":
        target = None
    else:
        org_deregister(actor=SYSTEM, org=org, on=dt.date.today(), reason="注销")
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        body_override_set(actor=SYSTEM, org=org, party_org=target, reason=reason)
    assert not BodyOverride.objects.exists() and AuditEntry.objects.count() == audits
    if case == "branch":
        assert "RESPONSIBLE_BODY" in info.value.error_dict["party_org"][0].message


def test_an_override_outside_the_scope_is_refused(lines, zhonglou_officer, chaoyang_officer):
    org = SocialOrgFactory()
    beijing = PartyOrgFactory(kind="comprehensive_committee", region_code=CHAOYANG)
    with pytest.raises(PermissionDenied):
        body_override_set(actor=zhonglou_officer, org=org, party_org=beijing, reason="越权")
    with pytest.raises(PermissionDenied):
        body_override_set(actor=chaoyang_officer, org=org, party_org=beijing, reason="越权")
    assert not BodyOverride.objects.exists()
    body_override_set(actor=zhonglou_officer, org=org, party_org=lines["district"], reason="区委文件")
    # Moving it away from a body outside the scope is a write to that body too.
    with pytest.raises(PermissionDenied):
        body_override_set(actor=chaoyang_officer, org=org, party_org=None, reason="越权")
    assert BodyOverride.objects.get(org=org).party_org_id == lines["district"].pk


def test_the_order_of_the_lines_is_a_rule_setting_of_each_region(lines):
    here = SocialOrgFactory(supervisory_unit=UNIT, industry="legal")
    beijing_unit = PartyOrgFactory(kind="committee", region_code=CHAOYANG, supervisory_unit="北京某局")
    PartyOrgFactory(kind="comprehensive_committee", region_code=CHAOYANG)
    there = SocialOrgFactory(region_code=JIANWAI, supervisory_unit="北京某局")
    assert body(here)[1] == "supervisory" and body(there) == (beijing_unit.name, "supervisory")  # type: ignore[index]
    rule_setting_set(actor=SYSTEM, rule_id="RESPONSIBLE_BODY", region=ZHONGLOU,
                     params={"order": "comprehensive,industry"}, source="钟楼区文件（测试）")
    assert body(here) == ("钟楼区社会组织综合党委", "comprehensive")
    assert body(there) == (beijing_unit.name, "supervisory")
    rule_setting_set(actor=SYSTEM, rule_id="RESPONSIBLE_BODY", region=ZHONGLOU,
                     params={"order": "industry"}, source="钟楼区文件（测试）")
    assert body(here) == ("常州市律师行业党委", "industry")


@pytest.mark.parametrize("order", ["supervisory,nope", "industry,industry", "", "supervisory;industry"])
def test_an_order_that_is_not_some_of_the_three_lines_is_refused(db, order):
    with pytest.raises(ValidationError) as info:
        rule_setting_set(actor=SYSTEM, rule_id="RESPONSIBLE_BODY", params={"order": order}, source="测试")
    assert "RESPONSIBLE_BODY" in str(info.value)


def _many(lines: dict[str, Any]) -> list[SocialOrg]:
    orgs = []
    for n in range(12):
        orgs.append(SocialOrgFactory(supervisory_unit=UNIT if n % 4 == 0 else None,
                                     industry=["legal", "health", None][n % 3],
                                     registration_level=["county", "city", "province"][n % 3]))
    orgs += [SocialOrgFactory(type="community_org", region_code=[HEHUACHI, XILIN][n % 2]) for n in range(4)]
    orgs.append(SocialOrgFactory(region_code=JIANWAI))
    body_override_set(actor=SYSTEM, org=orgs[1], party_org=lines["city"], reason="文件")
    return orgs


def test_the_batch_gives_what_one_at_a_time_gives(lines):
    orgs = _many(lines)
    batch = resolve_all(orgs)
    assert batch == {o.pk: explain(o) for o in orgs}
    assert responsible_bodies(SocialOrg.objects.filter(pk__in=[o.pk for o in orgs])) == {
        o.pk: b for o in orgs if (b := responsible_body(o)) is not None}
    assert {b.how for b in batch.values() if isinstance(b, Body)} == {
        "override", "supervisory", "industry", "comprehensive", "street"}
    assert any(isinstance(b, Unresolved) for b in batch.values())


def test_the_batch_costs_a_few_queries_whatever_the_number_of_orgs(lines, django_assert_max_num_queries):
    orgs = _many(lines) + [SocialOrgFactory(industry="legal") for _ in range(20)]
    responsible_bodies(orgs[:1])  # the rule settings, read once per process
    with django_assert_max_num_queries(6):
        found = responsible_bodies(orgs)
    assert len(found) > 20


def test_superior_of_is_the_recorded_live_superior(lines):
    branch = PartyOrgFactory(superior=lines["district"])
    assert superior_of(branch) == lines["district"]
    assert superior_of(lines["district"]) is None


# ---- rule SUPERIOR ----------------------------------------------------------------------------

def superior_findings(**kw: Any) -> dict[tuple[str, int], str]:
    return {(f.subject_type, f.subject_id): f.message
            for f in evaluate(SocialOrg.objects.all(), PartyOrg.objects.all(), rule_ids=["SUPERIOR"], **kw)}


def test_superior_finds_party_orgs_without_a_superior_except_the_top_of_the_line(lines):
    branch = PartyOrgFactory(superior=lines["district"])
    loose = PartyOrgFactory(name="没有上级的党支部")
    found = superior_findings()
    assert ("party_org", loose.pk) in found and "未记录上级党组织" in found[("party_org", loose.pk)]
    assert ("party_org", branch.pk) not in found
    # A city's (and a province's) comprehensive committee heads the line; a district's and a
    # street's do not, nor does an industry committee.
    assert ("party_org", lines["city"].pk) not in found
    for key in ("district", "street", "legal", "bureau"):
        assert ("party_org", lines[key].pk) in found, key
    party_org_update(actor=SYSTEM, party_org=lines["district"], superior=lines["city"])
    assert ("party_org", lines["district"].pk) not in superior_findings()


def test_superior_finds_a_party_org_whose_superior_is_dissolved(lines):
    branch = PartyOrgFactory(superior=lines["district"])
    # Stored data the services would refuse (a superior dissolved with live children).
    PartyOrg.objects.filter(pk=lines["district"].pk).update(dissolved_on=dt.date(2024, 1, 1))
    assert "上级党组织已于 2024-01-01 撤销" in superior_findings()[("party_org", branch.pk)]


def test_superior_finds_orgs_without_a_responsible_body_and_says_why(lines):
    fine = SocialOrgFactory()
    lost = SocialOrgFactory(registration_level="province", industry="health")
    found = superior_findings()
    assert ("org", fine.pk) not in found
    message = found[("org", lost.pk)]
    assert "未能确定党建工作责任主体" in message and "未记录业务主管单位" in message and "行业党委" in message
    finding = next(f for f in evaluate(SocialOrg.objects.filter(pk=lost.pk), PartyOrg.objects.none(),
                                       rule_ids=["SUPERIOR"]))
    assert "第六条" in finding.source and "三条线" in finding.source


# ---- the pages and the API ---------------------------------------------------------------------

def test_the_org_page_shows_the_body_and_why(client, zhonglou_officer, lines):
    org = SocialOrgFactory(supervisory_unit=UNIT)
    lost = SocialOrgFactory(registration_level="province")
    client.force_login(zhonglou_officer)
    page = client.get(f"/orgs/{org.pk}/").content.decode()
    assert "党建工作责任主体" in page and "钟楼区民政局机关党委" in page and f"/party/{lines['bureau'].pk}/" in page
    assert "RESPONSIBLE_BODY" in page and "第六条" in page
    page = client.get(f"/orgs/{lost.pk}/").content.decode()
    assert "未能确定" in page and "32" in page


def test_the_body_page_sets_and_clears_the_override(client, zhonglou_officer, lines):
    org = SocialOrgFactory()
    client.force_login(zhonglou_officer)
    assert client.get(f"/orgs/{org.pk}/body/").status_code == 200
    # The city's committee lies outside a district officer's scope: the picker does not offer it.
    response = client.post(f"/orgs/{org.pk}/body/", {"party_org": lines["city"].pk, "reason": "市委文件"})
    assert response.status_code == 200 and response.context["form"].errors["party_org"]
    response = client.post(f"/orgs/{org.pk}/body/", {"party_org": lines["bureau"].pk, "reason": "区委文件"})
    assert response.status_code == 302 and body(org) == ("钟楼区民政局机关党委", "override")
    response = client.post(f"/orgs/{org.pk}/body/", {"party_org": "", "reason": "文件废止"})
    assert response.status_code == 302 and body(org) == ("钟楼区社会组织综合党委", "comprehensive")
    branch = PartyOrgFactory(kind="branch")
    response = client.post(f"/orgs/{org.pk}/body/", {"party_org": branch.pk, "reason": "x"})
    assert response.status_code == 200 and response.context["form"].errors["party_org"]
    assert not BodyOverride.objects.exists()


def test_the_api_org_detail_gives_the_body(api, zhonglou_officer, lines):
    org = SocialOrgFactory(supervisory_unit=UNIT)
    got = api(zhonglou_officer).get(f"/api/v1/orgs/{org.pk}").json()["responsible_body"]
    assert got == {"id": lines["bureau"].pk, "name": "钟楼区民政局机关党委", "how": "supervisory"}
    lost = SocialOrgFactory(registration_level="province")
    assert api(zhonglou_officer).get(f"/api/v1/orgs/{lost.pk}").json()["responsible_body"] is None


def test_the_order_is_shown_and_set_by_the_rules_command(db, capsys):
    from django.core.management import call_command

    call_command("rules", "--set", "RESPONSIBLE_BODY", "--region", ZHONGLOU, "--param", "order=industry,comprehensive",
                 "--source", "钟楼区文件（测试）")
    out = capsys.readouterr().out
    assert "RESPONSIBLE_BODY" in out and "第六条" in out and "order=\"industry,comprehensive\"" in out
