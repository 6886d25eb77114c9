"""Data integrity of the registry (issue 11, item 9): the USCC against the org's type (GB 32100-2015),
the social-intermediary type, bounds on counts, dates not in the future and the duplicate-name
warning. Each bad write is refused by the service, the page, the API and the import; the same state
written around the services is a finding."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from shuniu.accounts.scopes import Scope
from shuniu.coverage.rules import evaluate
from shuniu.coverage.selectors import coverage_rows
from shuniu.imports.services import import_preview
from shuniu.party.models import PartyOrg
from shuniu.registry.models import MAX_FULL_TIME_STAFF, OrgType, SocialOrg
from shuniu.registry.services import hub_link_set, org_create, org_update
from tests.factories import HEHUACHI, JIANWAI, SYSTEM, XILIN, HubFactory, PartyOrgFactory, SocialOrgFactory, make_uscc
from tests.imports.files import HEADERS, write_csv

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def code(prefix: str, n: int, county: str = "320404") -> str:
    """A valid USCC whose first two characters are ``prefix``."""
    body = f"{prefix}{county}MJ{n:07d}"
    return body + uscc.calc_check_digit(body)


def findings(rule: str, orgs=None, party_orgs=None):  # type: ignore[no-untyped-def]
    return list(evaluate(SocialOrg.objects.all() if orgs is None else orgs,
                         PartyOrg.objects.all() if party_orgs is None else party_orgs, rule_ids=[rule]))


def org_form(**fields):  # type: ignore[no-untyped-def]
    data = {"name": "荷花池测试协会", "type": "social_group", "uscc": make_uscc(9_001), "region": HEHUACHI,
            "registration_level": "county", "full_time_staff": 5, "established_on": "2018-03-01"}
    data.update(fields)
    return data


def api_org(**fields):  # type: ignore[no-untyped-def]
    data = {"name": "荷花池测试协会", "type": "social_group", "uscc": make_uscc(9_002), "region_code": HEHUACHI,
            "registration_level": "county"}
    data.update(fields)
    return data


def org_row(name: str, type_label: str, code_: str, staff: object = 5, region: str = HEHUACHI) -> list[object]:
    return [name, code_, type_label, region, "县", "", "", staff, "2016-01-02", "正常"]


def preview_errors(actor, kind, tmp_path, rows, headers=HEADERS):  # type: ignore[no-untyped-def]
    preview = import_preview(actor=actor, kind=kind, path=write_csv(tmp_path / f"{kind}.csv", rows, headers=headers))
    return {(e.row, e.column, e.code) for e in preview.errors}, preview


# ---- USCC_TYPE and the social-intermediary type ------------------------------------------------

def test_the_uscc_must_fit_the_type_by_its_authority_and_category_codes():
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, name="名为社团的基金会", type="social_group", uscc=code("53", 1),
                   region_code=HEHUACHI, registration_level="county")
    [error] = info.value.error_dict["uscc"]
    assert error.code == "uscc_type"
    assert "53" in error.message and "基金会" in error.message and "GB 32100-2015" in error.message
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, name="名为社团的律所", type="social_group", uscc=code("31", 2),
                   region_code=HEHUACHI, registration_level="county")
    assert "司法行政机关" in info.value.error_dict["uscc"][0].message
    assert not SocialOrg.objects.exists()


def test_law_and_cpa_firms_are_social_intermediaries_registered_outside_civil_affairs():
    law = org_create(actor=SYSTEM, name="荷花池律师事务所", type="social_intermediary", uscc=code("31", 3),
                     region_code=HEHUACHI, registration_level="province")
    cpa = org_create(actor=SYSTEM, name="荷花池会计师事务所", type="social_intermediary", uscc=code("91", 4),
                     region_code=HEHUACHI, registration_level="city")
    group = SocialOrgFactory()
    assert (law.registration_authority, cpa.registration_authority, group.registration_authority) == (
        "justice", "market_regulation", "civil_affairs")
    assert str(OrgType.SOCIAL_INTERMEDIARY.label).startswith("社会中介组织")
    # A social intermediary does not carry a civil-affairs code, and a type change is checked too.
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, name="民政登记的事务所", type="social_intermediary", uscc=code("52", 5),
                   region_code=HEHUACHI, registration_level="county")
    assert info.value.error_dict["uscc"][0].code == "uscc_type"
    with pytest.raises(ValidationError) as info:
        org_update(actor=SYSTEM, org=law, type="service_institution")
    assert info.value.error_dict["uscc"][0].code == "uscc_type"
    # Community orgs filed without a code stay allowed.
    community = org_create(actor=SYSTEM, name="荷花池读书会", type="community_org", region_code=HEHUACHI,
                           registration_level="county")
    assert community.uscc is None and community.registration_authority == "civil_affairs"


def test_the_coverage_rollup_by_type_shows_social_intermediaries():
    org_create(actor=SYSTEM, name="荷花池律师事务所", type="social_intermediary", uscc=code("31", 6),
               region_code=HEHUACHI, registration_level="province")
    rows = {r["key"]: r for r in coverage_rows(Scope.everything(), "320404", by="type")}
    assert rows["social_intermediary"]["population"] == 1
    assert rows["social_intermediary"]["name"].startswith("社会中介组织")


def test_a_uscc_of_another_type_is_refused_by_the_page(client, zhonglou_officer):
    client.force_login(zhonglou_officer)
    response = client.post("/orgs/new/", org_form(uscc=code("53", 7)))
    assert response.status_code == 200
    assert "USCC_TYPE" in response.context["form"].errors["uscc"][0]
    assert not SocialOrg.objects.exists()
    response = client.post("/orgs/new/", org_form(type="social_intermediary", uscc=code("31", 7)))
    assert response.status_code == 302


def test_a_uscc_of_another_type_is_refused_by_the_api(api, zhonglou_officer):
    response = api(zhonglou_officer).post("/api/v1/orgs", api_org(uscc=code("53", 8)), content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("uscc", "uscc_type")
    response = api(zhonglou_officer).post("/api/v1/orgs", api_org(type="social_intermediary", uscc=code("91", 8)),
                                          content_type="application/json")
    assert response.status_code == 201
    assert response.json()["registration_authority"] == "market_regulation"


def test_a_uscc_of_another_type_is_refused_by_the_import(tmp_path, zhonglou_officer):
    rows = [org_row("荷花池律师事务所", "律师事务所", code("31", 9)),
            org_row("名为社团的基金会", "社会团体", code("53", 10)),
            org_row("荷花池税务师事务所", "社会中介组织", code("91", 11))]
    errors, _preview = preview_errors(zhonglou_officer, "orgs", tmp_path, rows)
    assert errors == {(3, "统一社会信用代码", "uscc_type")}


def test_an_org_whose_uscc_does_not_fit_its_type_is_a_finding_on_its_page(client, zhonglou_officer):
    # With a trade union (work coverage) and a responsible party body (rule SUPERIOR), so that
    # nothing else is found for it.
    PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")
    org = SocialOrgFactory(type="foundation", name="荷花池基金会", has_trade_union=True)
    client.force_login(zhonglou_officer)
    assert "未发现需要处理的问题" in client.get(f"/orgs/{org.pk}/").content.decode()
    SocialOrg.objects.filter(pk=org.pk).update(type="social_group")
    [finding] = findings("USCC_TYPE")
    assert finding.subject_id == org.pk and "53" in finding.message and "GB 32100-2015" in finding.source
    page = client.get(f"/orgs/{org.pk}/").content.decode()
    assert "USCC_TYPE" in page and "未发现需要处理的问题" not in page


# ---- BOUNDS: full-time staff ---------------------------------------------------------------------

HUGE = 99_999_999_999_999


def test_a_huge_staff_count_is_refused_by_the_service_and_the_page(client, zhonglou_officer):
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, name="人数过多协会", type="social_group", uscc=make_uscc(9_010),
                   region_code=HEHUACHI, registration_level="county", full_time_staff=HUGE)
    assert f"{MAX_FULL_TIME_STAFF}" in info.value.error_dict["full_time_staff"][0].message
    client.force_login(zhonglou_officer)
    response = client.post("/orgs/new/", org_form(full_time_staff=HUGE))
    assert f"{MAX_FULL_TIME_STAFF}" in response.context["form"].errors["full_time_staff"][0]
    assert not SocialOrg.objects.exists()


def test_a_huge_staff_count_is_refused_by_the_api_and_the_import(api, tmp_path, zhonglou_officer):
    response = api(zhonglou_officer).post("/api/v1/orgs", api_org(full_time_staff=HUGE),
                                          content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "full_time_staff" and f"{MAX_FULL_TIME_STAFF}" in error["message"]
    org = SocialOrgFactory()
    response = api(zhonglou_officer).patch(f"/api/v1/orgs/{org.pk}", {"full_time_staff": MAX_FULL_TIME_STAFF + 1},
                                           content_type="application/json")
    assert response.status_code == 422
    errors, _preview = preview_errors(zhonglou_officer, "orgs", tmp_path,
                                      [org_row("人数过多协会", "社会团体", make_uscc(9_011), staff=HUGE)])
    assert errors == {(2, "专职人员数", "integer")}


def test_a_staff_count_beyond_the_bound_already_stored_is_a_finding():
    org = SocialOrgFactory()
    SocialOrg.objects.filter(pk=org.pk).update(full_time_staff=MAX_FULL_TIME_STAFF + 1)
    [finding] = findings("BOUNDS")
    assert finding.subject_id == org.pk and f"{MAX_FULL_TIME_STAFF}" in finding.message


# ---- FUTURE_DATE on the registry -----------------------------------------------------------------

def test_a_hub_link_from_a_future_date_is_refused():
    org, hub = SocialOrgFactory(), HubFactory()
    with pytest.raises(ValidationError) as info:
        hub_link_set(actor=SYSTEM, org=org, hub=hub, on=TODAY + dt.timedelta(days=30))
    assert info.value.error_dict["on"][0].code == "future"


def test_dates_in_the_future_already_stored_are_a_finding():
    org = SocialOrgFactory(hub=HubFactory())
    SocialOrg.objects.filter(pk=org.pk).update(established_on=dt.date(2030, 1, 1))
    org.hub_links.update(started_on=dt.date(2031, 1, 1))
    [finding] = findings("FUTURE_DATE")
    assert finding.subject_id == org.pk
    assert "2030-01-01" in finding.message and "2031-01-01" in finding.message


# ---- DUPLICATE_NAME: a warning, not a refusal ----------------------------------------------------

def test_a_duplicate_name_in_the_county_is_saved_with_a_warning():
    first = SocialOrgFactory(name="钟楼区阳光志愿者协会", region_code=HEHUACHI)
    assert first.warnings == []
    second = SocialOrgFactory(name="钟楼区阳光志愿者协会", region_code=XILIN)  # another street, same county
    assert len(second.warnings) == 1 and "DUPLICATE_NAME" in second.warnings[0]
    elsewhere = SocialOrgFactory(name="钟楼区阳光志愿者协会", region_code=JIANWAI, uscc=make_uscc(9_020, "110105"))
    assert elsewhere.warnings == []
    renamed = org_update(actor=SYSTEM, org=SocialOrgFactory(name="另一协会"), name="钟楼区阳光志愿者协会")
    assert "2 个" in renamed.warnings[0]


def test_the_page_shows_the_duplicate_name_warning_after_saving(client, zhonglou_officer):
    SocialOrgFactory(name="荷花池测试协会")
    client.force_login(zhonglou_officer)
    response = client.post("/orgs/new/", org_form(), follow=True)
    assert response.redirect_chain and SocialOrg.objects.filter(name="荷花池测试协会").count() == 2
    page = response.content.decode()
    assert "msg-warning" in page and "DUPLICATE_NAME" in page


def test_the_api_returns_the_duplicate_name_warning(api, zhonglou_officer):
    SocialOrgFactory(name="荷花池测试协会")
    response = api(zhonglou_officer).post("/api/v1/orgs", api_org(), content_type="application/json")
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert "DUPLICATE_NAME" in warning
    other = api(zhonglou_officer).post("/api/v1/orgs", api_org(name="别名协会", uscc=make_uscc(9_003)),
                                       content_type="application/json")
    assert other.json()["warnings"] == []


def test_duplicate_names_are_a_finding_for_each_org_and_the_import_accepts_them(tmp_path, zhonglou_officer):
    a = SocialOrgFactory(name="钟楼区阳光志愿者协会", region_code=HEHUACHI)
    errors, preview = preview_errors(zhonglou_officer, "orgs", tmp_path,
                                     [org_row("钟楼区阳光志愿者协会", "社会团体", make_uscc(9_030), region=XILIN)])
    assert not errors and preview.counts()["created"] == 1
    b = SocialOrgFactory(name="钟楼区阳光志愿者协会", region_code=XILIN)
    SocialOrgFactory(name="钟楼区阳光志愿者协会", region_code=JIANWAI, uscc=make_uscc(9_031, "110105"))
    found = findings("DUPLICATE_NAME")
    assert {f.subject_id for f in found} == {a.pk, b.pk}
    assert all("1 个" in f.message for f in found)
