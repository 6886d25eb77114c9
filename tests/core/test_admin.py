"""Django admin is a read-only viewer filtered through the scope layer."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import JIANWAI, XILIN, PartyMemberFactory, SocialOrgFactory, make_id_number, make_phone

pytestmark = pytest.mark.django_db

ORGS = "/admin/registry/socialorg/"
MEMBERS = "/admin/party/partymember/"


@pytest.fixture
def rows(db):
    r = type("Rows", (), {})()
    r.zhonglou_org = SocialOrgFactory(name="西林街道书画协会", region_code=XILIN)
    r.chaoyang_org = SocialOrgFactory(name="朝阳区注册会计师协会", region_code=JIANWAI)
    r.zhonglou_member = PartyMemberFactory(name="钟楼党员甲", workplace=r.zhonglou_org,
                                           id_number=make_id_number(6060), phone=make_phone(6060))
    r.chaoyang_member = PartyMemberFactory(name="朝阳党员乙", workplace=r.chaoyang_org)
    return r


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_org_list_shows_only_orgs_in_scope(rows, zhonglou_officer):
    response = _client(zhonglou_officer).get(ORGS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "西林街道书画协会" in body
    assert "朝阳区注册会计师协会" not in body


def test_the_org_list_of_the_other_district_is_the_mirror_image(rows, chaoyang_officer):
    body = _client(chaoyang_officer).get(ORGS).content.decode()
    assert "朝阳区注册会计师协会" in body
    assert "西林街道书画协会" not in body


def test_searching_does_not_reach_out_of_scope_orgs(rows, zhonglou_officer):
    body = _client(zhonglou_officer).get(ORGS, {"q": "朝阳区注册会计师协会"}).content.decode()
    assert "朝阳区注册会计师协会</a>" not in body
    assert f"/admin/registry/socialorg/{rows.chaoyang_org.pk}/change/" not in body


def test_the_change_page_of_an_out_of_scope_org_reveals_nothing(rows, zhonglou_officer):
    client = _client(zhonglou_officer)
    response = client.get(f"{ORGS}{rows.chaoyang_org.pk}/change/")
    assert response.status_code in (302, 404)
    assert "朝阳区注册会计师协会" not in response.content.decode()
    followed = client.get(f"{ORGS}{rows.chaoyang_org.pk}/change/", follow=True)
    assert "朝阳区注册会计师协会" not in followed.content.decode()
    assert rows.chaoyang_org.uscc not in followed.content.decode()


def test_the_change_page_of_an_org_in_scope_shows_it(rows, zhonglou_officer):
    response = _client(zhonglou_officer).get(f"{ORGS}{rows.zhonglou_org.pk}/change/")
    assert response.status_code == 200
    assert "西林街道书画协会" in response.content.decode()


def test_the_member_list_shows_only_members_in_scope_and_masked(rows, zhonglou_officer):
    response = _client(zhonglou_officer).get(MEMBERS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "钟楼党员甲" in body
    assert "朝阳党员乙" not in body
    assert rows.zhonglou_member.id_number_masked in body
    assert make_id_number(6060) not in body
    assert make_phone(6060) not in body


def test_the_change_page_of_an_out_of_scope_member_reveals_nothing(rows, zhonglou_officer):
    response = _client(zhonglou_officer).get(f"{MEMBERS}{rows.chaoyang_member.pk}/change/", follow=True)
    assert "朝阳党员乙" not in response.content.decode()
    assert response.redirect_chain or response.status_code == 404


def test_the_change_page_of_a_member_in_scope_shows_no_full_id_or_phone(rows, zhonglou_officer):
    response = _client(zhonglou_officer).get(f"{MEMBERS}{rows.zhonglou_member.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "钟楼党员甲" in body
    assert make_id_number(6060) not in body
    assert make_phone(6060) not in body
    assert rows.zhonglou_member.id_number_encrypted not in body


@pytest.mark.parametrize("url", [f"{ORGS}add/", f"{MEMBERS}add/", "/admin/party/partyorg/add/"])
def test_nobody_adds_through_the_admin(rows, zhonglou_officer, admin_user, url):
    assert _client(zhonglou_officer).get(url).status_code == 403
    assert _client(admin_user).get(url).status_code == 403


def test_nobody_deletes_or_changes_through_the_admin(rows, zhonglou_officer, admin_user):
    for user in (zhonglou_officer, admin_user):
        client = _client(user)
        assert client.get(f"{ORGS}{rows.zhonglou_org.pk}/delete/").status_code == 403
        response = client.post(f"{ORGS}{rows.zhonglou_org.pk}/change/", {"name": "改名"})
        assert response.status_code == 403
    rows.zhonglou_org.refresh_from_db()
    assert rows.zhonglou_org.name == "西林街道书画协会"


def test_the_admin_user_sees_both_districts(rows, admin_user):
    body = _client(admin_user).get(ORGS).content.decode()
    assert "西林街道书画协会" in body and "朝阳区注册会计师协会" in body


def test_the_audit_log_is_for_administrators_only(rows, zhonglou_officer, admin_user):
    assert "西林街道书画协会" not in _client(zhonglou_officer).get("/admin/audit/auditentry/").content.decode()
    assert "西林街道书画协会" in _client(admin_user).get("/admin/audit/auditentry/").content.decode()
