"""The pages through Django's test client: figures and the lists behind them, scope (404 outside it),
forms that go through the services and show their errors under the right field."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from shuniu.accounts.scopes import Scope
from shuniu.audit.models import AuditEntry
from shuniu.coverage.selectors import coverage_rows
from shuniu.party.models import PartyOrg
from shuniu.registry.models import SocialOrg
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    ZHONGLOU,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_uscc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhonglou(zhonglou_officer):  # type: ignore[no-untyped-def]
    """Orgs in two streets of Zhonglou (one with its own branch, one due, two in a joint branch, one
    with an instructor) and one org in Beijing's Chaoyang that the Zhonglou officer must never see."""
    own = SocialOrgFactory(name="荷花池社工服务中心", type="service_institution", region_code=HEHUACHI,
                           industry="social_services")
    PartyOrgFactory(name="荷花池社工服务中心党支部", kind="branch", covers=[own])
    due = SocialOrgFactory(name="西林律师协会", region_code=XILIN, industry="legal")
    for _ in range(3):
        PartyMemberFactory(workplace=due)
    small = [SocialOrgFactory(name=f"荷花池小组织{i}", region_code=HEHUACHI) for i in range(3)]
    joint = PartyOrgFactory(name="荷花池联合党支部", kind="joint_branch", region_code=HEHUACHI, covers=small[:2])
    instructor = InstructorFactory(name="周指导", region_code=XILIN, capacity=2)
    other = SocialOrgFactory(name="朝阳测试协会", region_code=JIANWAI)
    other_party = PartyOrgFactory(name="朝阳测试党支部", kind="branch", covers=[other])
    return {"own": own, "due": due, "small": small, "joint": joint, "instructor": instructor, "other": other,
            "other_party": other_party, "officer": zhonglou_officer}


def _count(page: str) -> int:
    match = re.search(r"共 (\d+) 个社会组织", page)
    assert match, page[:2000]
    return int(match.group(1))


# ---- dashboard and regions ------------------------------------------------------------------

def test_dashboard_figures_link_to_lists_of_exactly_that_many_orgs(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    page = client.get("/").content.decode()
    top = coverage_rows(Scope.of_region(ZHONGLOU))[0]
    links = {
        "population": f"/orgs/?region={ZHONGLOU}",
        "own": f"/orgs/?region={ZHONGLOU}&amp;status=own",
        "joint": f"/orgs/?region={ZHONGLOU}&amp;status=joint",
        "due_not_established": f"/orgs/?region={ZHONGLOU}&amp;due=1",
    }
    for figure, href in links.items():
        assert f'href="{href}"' in page, figure
        listed = _count(client.get(href.replace("&amp;", "&")).content.decode())
        assert listed == top[figure], figure
    assert top["due_not_established"] == 1 and top["joint"] == 2
    covered = _count(client.get(f"/orgs/?region={ZHONGLOU}&status=own,joint").content.decode())
    assert covered == top["own"] + top["joint"]
    assert "朝阳" not in page


def test_dashboard_breakdowns_link_by_type_and_industry(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    page = client.get("/").content.decode()
    assert f"/orgs/?region={ZHONGLOU}&amp;by=industry&amp;key=legal&amp;due=1" in page
    listed = client.get(f"/orgs/?region={ZHONGLOU}&by=industry&key=legal&due=1").content.decode()
    assert _count(listed) == 1 and "西林律师协会" in listed
    assert _count(client.get(f"/orgs/?region={ZHONGLOU}&by=type&key=service_institution").content.decode()) == 1


def test_dashboard_trend_reads_the_snapshots_of_the_users_region(client, zhonglou):  # type: ignore[no-untyped-def]
    from shuniu.coverage.services import snapshot_take

    client.force_login(zhonglou["officer"])
    assert "chart-trend" not in client.get("/").content.decode()
    snapshot_take(actor=SYSTEM, as_of=dt.date(2018, 12, 31))
    page = client.get("/").content.decode()
    assert 'id="chart-trend"' in page and "2018-12-31" in page


def test_region_browser_goes_down_and_stays_inside_the_scope(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    page = client.get("/").content.decode()
    assert f'href="/regions/{HEHUACHI}/"' in page
    street = client.get(f"/regions/{HEHUACHI}/").content.decode()
    assert "荷花池街道" in street and "钟楼区" in street  # breadcrumb up to the scope
    assert f"/orgs/?region={HEHUACHI}" in street
    assert client.get(f"/regions/{CHAOYANG}/").status_code == 404
    assert client.get("/regions/3204/").status_code == 404  # the city above the district
    assert client.get("/regions/abc/").status_code == 404


def test_city_officer_sees_districts_and_admin_sees_provinces(client, zhonglou, beijing_city_officer, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(beijing_city_officer)
    page = client.get("/").content.decode()
    assert "北京市" in page and "朝阳区" in page and "钟楼区" not in page
    client.force_login(admin_user)
    page = client.get("/").content.decode()
    assert "全国" in page and 'href="/regions/32/"' in page


def test_hub_staff_and_secretary_get_a_dashboard_of_their_orgs(client, hub_staff, secretary, branch_org):  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    page = client.get("/").content.decode()
    assert "记录组织生活" in page and 'href="/?view=overview"' in page  # the workspace, and the way to the figures
    page = client.get("/", {"view": "overview"}).content.decode()
    assert "我的管辖范围" in page and 'data-figure="population">1<' in page
    client.force_login(hub_staff)
    assert client.get("/").status_code == 200
    assert client.get(f"/regions/{HEHUACHI}/").status_code == 404


# ---- the org list ---------------------------------------------------------------------------

def test_org_list_searches_by_name_and_uscc_within_scope(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    assert _count(client.get("/orgs/").content.decode()) == 5
    page = client.get("/orgs/?q=律师").content.decode()
    assert _count(page) == 1 and "西林律师协会" in page
    uscc = zhonglou["due"].uscc
    assert _count(client.get(f"/orgs/?q={uscc[:17].lower()}").content.decode()) == 1
    assert _count(client.get("/orgs/?q=朝阳").content.decode()) == 0
    assert client.get(f"/orgs/?region={JIANWAI}").status_code == 404


def test_org_list_filters_sort_and_htmx_partial(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    assert _count(client.get(f"/orgs/?region={XILIN}").content.decode()) == 1
    assert _count(client.get("/orgs/?type=service_institution").content.decode()) == 1
    assert _count(client.get("/orgs/?status=joint").content.decode()) == 2
    assert _count(client.get("/orgs/?status=none&due=1").content.decode()) == 1
    assert _count(client.get("/orgs/?state=deregistered").content.decode()) == 0
    page = client.get("/orgs/?sort=-full_members").content.decode()
    assert page.index("西林律师协会") < page.index("荷花池小组织0")
    partial = client.get("/orgs/?q=荷花池", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and _count(partial.content.decode()) == 4
    assert "HX-Request" in partial["Vary"]


def test_org_list_exports_csv_and_xlsx_of_the_filtered_rows_in_scope(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    response = client.get("/orgs/?q=荷花池&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "名称", "统一社会信用代码"] and len(rows) == 1 + 4
    assert {r[1] for r in rows[1:]} >= {"荷花池社工服务中心", "荷花池小组织0"}
    response = client.get("/orgs/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 5 and "朝阳测试协会" not in names


# ---- details: scope means 404 -----------------------------------------------------------------

def test_org_detail_shows_coverage_findings_with_sources_and_history(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    page = client.get(f"/orgs/{zhonglou['due'].pk}/").content.decode()
    assert "西林律师协会" in page and "ESTABLISH" in page and "第八条" in page
    assert "登记社会组织" in page  # the audit entry of its creation
    assert "*" in page  # members on staff are masked
    page = client.get(f"/orgs/{zhonglou['small'][0].pk}/").content.decode()
    assert "荷花池联合党支部" in page and f'href="/party/{zhonglou["joint"].pk}/"' in page


def test_objects_outside_the_scope_answer_404(client, zhonglou, chaoyang_officer):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    assert client.get(f"/orgs/{zhonglou['other'].pk}/").status_code == 404
    assert client.get(f"/orgs/{zhonglou['other'].pk}/edit/").status_code == 404
    assert client.get(f"/party/{zhonglou['other_party'].pk}/").status_code == 404
    assert client.get(f"/party/{zhonglou['other_party'].pk}/children/").status_code == 404
    client.force_login(chaoyang_officer)
    assert client.get(f"/orgs/{zhonglou['due'].pk}/").status_code == 404
    assert client.get(f"/orgs/{zhonglou['other'].pk}/").status_code == 200
    page = client.get("/members/").content.decode()
    assert "西林律师协会" not in page


def test_party_tree_list_and_detail(client, zhonglou):  # type: ignore[no-untyped-def]
    # Below the joint branch: data from before rule NESTING (now refused), moved there directly.
    sub = PartyOrgFactory(name="荷花池联合党支部第一党小组支部", kind="branch")
    PartyOrg.objects.filter(pk=sub.pk).update(superior=zhonglou["joint"], path=f"{zhonglou['joint'].path}{sub.pk}/")
    client.force_login(zhonglou["officer"])
    tree = client.get("/party/").content.decode()
    assert "荷花池联合党支部" in tree and "朝阳测试党支部" not in tree
    assert sub.name not in tree  # one level at a time
    children = client.get(f"/party/{zhonglou['joint'].pk}/children/").content.decode()
    assert sub.name in children
    assert "共 1 个党组织" in client.get("/party/?kind=joint_branch").content.decode()
    detail = client.get(f"/party/{zhonglou['joint'].pk}/").content.decode()
    assert "荷花池小组织0" in detail and "任期届满" in detail and "2022-07-01" in detail
    assert "已到期" in detail  # established 2019, three-year term


def test_members_are_masked_and_instructors_show_their_load(client, zhonglou):  # type: ignore[no-untyped-def]
    from shuniu.party.services import assignment_start

    assignment_start(actor=SYSTEM, instructor=zhonglou["instructor"], org=zhonglou["small"][2], started_on="2024-01-01")
    client.force_login(zhonglou["officer"])
    members = client.get("/members/?status=full").content.decode()
    assert "共 3 名党员" in members and re.search(r"\d{6}\*{8}\d{3}[\dX]", members)
    assert not re.search(r"\d{17}[\dX]", members)
    page = client.get("/instructors/").content.decode()
    assert "周指导" in page and "1/2" in page and "荷花池小组织2" in page


# ---- pickers ---------------------------------------------------------------------------------

def test_pickers_list_only_objects_in_scope(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    orgs = client.get("/pick/org/?q=协会").content.decode()
    assert "西林律师协会" in orgs and "朝阳测试协会" not in orgs
    parties = client.get("/pick/party_org/?q=党支部").content.decode()
    assert "荷花池联合党支部" in parties and "朝阳测试党支部" not in parties
    regions = client.get("/pick/region/?q=荷花池").content.decode()
    assert HEHUACHI in regions
    assert JIANWAI not in client.get("/pick/region/?q=建外").content.decode()
    assert "data-pick-value" not in client.get(f"/pick/region/?q={JIANWAI}").content.decode()
    assert "周指导" in client.get("/pick/instructor/").content.decode()
    assert client.get("/pick/nothing/").status_code == 404


# ---- forms -----------------------------------------------------------------------------------

def _org_post(**over):  # type: ignore[no-untyped-def]
    data = {"name": "荷花池志愿者协会", "type": "social_group", "uscc": make_uscc(777, ZHONGLOU), "region": HEHUACHI,
            "registration_level": "county", "full_time_staff": "3", "established_on": "2024-05-01"}
    return data | over


def test_a_mistyped_uscc_is_shown_under_its_field_and_nothing_is_saved(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    good = make_uscc(777, ZHONGLOU)
    before = (SocialOrg.objects.count(), AuditEntry.objects.count())
    response = client.post("/orgs/new/", _org_post(uscc=good[:-1] + ("1" if good[-1] != "1" else "2")))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["uscc"] and "GB 32100-2015" in errors["uscc"][0]
    page = response.content.decode()
    assert 'data-field="uscc"' in page and "校验码不正确" in page and "尚未保存" in page
    assert (SocialOrg.objects.count(), AuditEntry.objects.count()) == before
    response = client.post("/orgs/new/", _org_post())
    org = SocialOrg.objects.get(uscc=good)
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org.pk}/"
    assert org.region_id == HEHUACHI and org.full_time_staff == 3


def test_service_errors_map_to_fields_and_a_region_outside_scope_is_not_a_choice(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    response = client.post("/orgs/new/", _org_post(uscc="", established_on="2999-01-01"))
    errors = response.context["form"].errors
    assert "仅社区社会组织可无代码" in errors["uscc"][0]
    assert "不能晚于今天" in errors["established_on"][0]
    response = client.post("/orgs/new/", _org_post(region=JIANWAI))
    assert "region" in response.context["form"].errors
    assert not SocialOrg.objects.filter(name="荷花池志愿者协会").exists()


def test_edit_changes_only_what_changed_and_records_it(client, zhonglou):  # type: ignore[no-untyped-def]
    org = zhonglou["own"]
    client.force_login(zhonglou["officer"])
    form = client.get(f"/orgs/{org.pk}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if v is not False}
    data["established_on"] = org.established_on.isoformat()
    data["full_time_staff"] = "9"
    response = client.post(f"/orgs/{org.pk}/edit/", data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.full_time_staff == 9
    entry = AuditEntry.objects.filter(action="org.update", target_id=str(org.pk)).get()
    assert list(entry.changes) == ["full_time_staff"]
    assert "专职人员数" in client.get(f"/orgs/{org.pk}/").content.decode()


def test_coverage_and_assignment_forms_change_the_status(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    target = zhonglou["small"][2]
    page = client.get(f"/coverage/new/?org={target.pk}").content.decode()
    assert target.name in page  # the picker shows the preselected org
    response = client.post("/coverage/new/", {"org": target.pk, "party_org": zhonglou["joint"].pk,
                                              "started_on": "2025-01-01"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.coverage_status == "joint"
    response = client.post("/coverage/new/", {"org": target.pk, "party_org": zhonglou["joint"].pk,
                                              "started_on": "2025-01-01"})
    assert "已由该党组织覆盖" in response.context["form"].errors["org"][0]
    response = client.post("/coverage/new/", {"org": zhonglou["other"].pk, "party_org": zhonglou["joint"].pk,
                                              "started_on": "2025-01-01"})
    assert "org" in response.context["form"].errors  # outside the scope: not a choice
    due = zhonglou["due"]
    response = client.post("/assignments/new/", {"instructor": zhonglou["instructor"].pk, "org": due.pk,
                                                 "started_on": "2025-02-01"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.coverage_status == "instructor"


def test_party_org_and_member_forms(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    response = client.post("/party/new/", {"name": "西林律师协会党支部", "kind": "joint_branch",
                                           "formation": "standalone", "established_on": "2025-06-01",
                                           "covers": zhonglou["due"].pk})
    assert "联合党支部不能为单独组建" in response.context["form"].errors["formation"][0]
    assert not PartyOrg.objects.filter(name="西林律师协会党支部").exists()
    response = client.post("/party/new/", {"name": "西林律师协会党支部", "kind": "branch",
                                           "established_on": "2025-06-01", "covers": zhonglou["due"].pk})
    party = PartyOrg.objects.get(name="西林律师协会党支部")
    assert response["Location"] == f"/party/{party.pk}/"
    zhonglou["due"].refresh_from_db()
    assert zhonglou["due"].coverage_status == "own"

    bad = make_id_number(4321)[:-1] + "0"
    if bad == make_id_number(4321):
        bad = bad[:-1] + "1"
    response = client.post("/members/new/", {"name": "林红", "gender": "female", "status": "full",
                                             "admitted_on": "2015-06-01", "id_number": bad, "relation_org": party.pk})
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"] and "GB 11643-1999" in errors["id_number"][0]
    assert bad not in response.content.decode()  # never echoed in full
    response = client.post("/members/new/", {"name": "林红", "gender": "female", "status": "full",
                                             "admitted_on": "2015-06-01", "id_number": make_id_number(4321),
                                             "relation_org": party.pk,
                                             "workplace": zhonglou["due"].pk})
    assert response["Location"] == f"/party/{party.pk}/"


def test_only_region_scopes_may_register_orgs(client, hub_staff):  # type: ignore[no-untyped-def]
    client.force_login(hub_staff)
    assert client.get("/orgs/new/").status_code == 403
    assert "登记社会组织" not in client.get("/orgs/").content.decode()


def test_pages_in_english(client, zhonglou):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou["officer"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Organization coverage" in page and "党的组织覆盖率" not in page
    assert "Social organizations" in client.get("/orgs/").content.decode()
