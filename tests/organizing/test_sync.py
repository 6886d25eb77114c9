"""Three synchronizations (SYNC_REGISTRATION): an org registered with three full members on its staff
gets one establishment case for its responsible body, whichever surface registered it."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.cases.models import Case
from shuniu.imports.services import import_file
from shuniu.registry.models import SocialOrg
from tests.factories import HEHUACHI, SYSTEM, ZHONGLOU, PartyOrgFactory, make_id_number, make_uscc
from tests.imports.files import write_csv
from tests.imports.test_members import HEADERS as MEMBER_HEADERS

pytestmark = pytest.mark.django_db
RECENT = (dt.date.today() - dt.timedelta(days=20)).isoformat()


@pytest.fixture
def committee(db):
    return PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=ZHONGLOU)


def _one_case(name: str, committee) -> Case:  # type: ignore[no-untyped-def]
    org = SocialOrg.objects.get(name=name)
    cases = Case.objects.filter(org=org, kind="establishment")
    assert cases.count() == 1, f"{name}: {cases.count()} cases"
    case = cases.get()
    assert case.state == "submitted" and case.body == committee and case.origin == f"sync_registration:{org.pk}"
    assert len(case.data["members"]) == 3
    return case


def test_through_the_pages(client, zhonglou_officer, committee):
    client.force_login(zhonglou_officer)
    response = client.post("/orgs/new/", {"name": "页面登记的公益协会", "type": "social_group", "uscc": make_uscc(881),
                                          "region": HEHUACHI, "registration_level": "county", "full_time_staff": "6",
                                          "established_on": RECENT})
    assert response.status_code == 302
    org = SocialOrg.objects.get(name="页面登记的公益协会")
    for i in range(3):
        assert client.post("/members/new/", {"name": f"页面党员{i}", "gender": "female", "status": "full",
                                             "admitted_on": "2015-06-01", "id_number": make_id_number(8810 + i),
                                             "relation_elsewhere": "中共某人才服务中心支部",
                                             "workplace": org.pk}).status_code == 302
    _one_case("页面登记的公益协会", committee)


def test_through_the_api(zhonglou_officer, committee):
    from django.test import Client

    from shuniu.accounts.services import token_create

    client = Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=zhonglou_officer)}"})
    response = client.post("/api/v1/orgs", {"name": "接口登记的公益协会", "type": "social_group", "uscc": make_uscc(882),
                                            "region_code": HEHUACHI, "registration_level": "county",
                                            "established_on": RECENT}, content_type="application/json")
    assert response.status_code == 201, response.content
    for i in range(3):
        member = client.post("/api/v1/members", {"name": f"接口党员{i}", "gender": "male", "status": "full",
                                                 "id_number": make_id_number(8820 + i), "admitted_on": "2015-06-01",
                                                 "relation_elsewhere": "中共某人才服务中心支部",
                                                 "workplace": response.json()["id"]}, content_type="application/json")
        assert member.status_code == 201, member.content
    _one_case("接口登记的公益协会", committee)


def test_through_the_import(tmp_path, committee):
    uscc = make_uscc(883)
    orgs = write_csv(tmp_path / "orgs.csv", [["导入登记的公益协会", uscc, "社会团体", HEHUACHI, "县", "", "", 6, RECENT,
                                              "正常"]])
    preview, batch = import_file(actor=SYSTEM, kind="orgs", path=orgs)
    assert batch is not None, preview.errors
    members = write_csv(tmp_path / "members.csv", [
        [f"导入党员{i}", "女", make_id_number(8830 + i), "", "正式党员", "2015-06-01", "2016-06-01", uscc,
         "", "否", "中共某人才服务中心支部"] for i in range(3)], headers=[*MEMBER_HEADERS, "组织关系在外"])
    preview, batch = import_file(actor=SYSTEM, kind="members", path=members)
    assert batch is not None, preview.errors
    _one_case("导入登记的公益协会", committee)
