"""Personal data over the API: full ID and phone numbers never in lists, in a detail only for the
roles that ``can_see_personal_data`` allows."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.accounts.scopes import can_see_personal_data
from shuniu.party.models import PartyMember
from shuniu.registry.services import hub_link_set
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, SocialOrgFactory, make_id_number, make_phone

pytestmark = pytest.mark.django_db

ID_NUMBER = make_id_number(321)
PHONE = make_phone(4321)


@pytest.fixture
def member(branch, branch_org, hub):  # type: ignore[no-untyped-def]
    """A member working in ``branch_org``, which is linked to ``hub`` (so hub staff see the member)."""
    hub_link_set(actor=SYSTEM, org=branch_org, hub=hub, on=branch_org.established_on)
    return PartyMemberFactory(name="王测试", id_number=ID_NUMBER, phone=PHONE, workplace=branch_org,
                              relation_org=branch)


def test_lists_never_contain_a_full_id_or_phone_number_whatever_the_role(
        api, member, admin_user, zhonglou_officer, secretary, hub_staff):
    for user in (admin_user, zhonglou_officer, secretary, hub_staff):
        response = api(user).get("/api/v1/members")
        assert response.status_code == 200
        text = response.content.decode()
        assert ID_NUMBER not in text and PHONE not in text, user.role
        # Nor anything that dates the person: the birth date is in the ID number.
        assert ID_NUMBER[6:14] not in text, user.role
        [item] = response.json()["items"]
        assert item["id_number_masked"] == member.id_number_masked
        assert item["phone_masked"] == member.phone_masked


@pytest.mark.parametrize("persona", ["admin_user", "zhonglou_officer", "secretary"])
def test_the_detail_shows_full_numbers_to_roles_with_the_right(api, member, persona, request):
    user = request.getfixturevalue(persona)
    assert can_see_personal_data(user)
    body = api(user).get(f"/api/v1/members/{member.pk}").json()
    assert (body["id_number"], body["phone"]) == (ID_NUMBER, PHONE)
    assert body["birth_date"] == f"{ID_NUMBER[6:10]}-{ID_NUMBER[10:12]}-{ID_NUMBER[12:14]}"


def test_the_detail_masks_the_numbers_for_hub_staff(api, member, hub_staff):
    assert not can_see_personal_data(hub_staff)
    response = api(hub_staff).get(f"/api/v1/members/{member.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] is None and body["phone"] is None and body["birth_date"] is None
    assert body["id_number_masked"] == member.id_number_masked
    assert ID_NUMBER not in response.content.decode()


def test_only_roles_with_the_right_may_look_a_member_up_by_id_number(api, member, admin_user, hub_staff):
    found = api(admin_user).get("/api/v1/members", {"id_number": ID_NUMBER.lower()}).json()
    assert [m["id"] for m in found["items"]] == [member.pk]
    assert api(hub_staff).get("/api/v1/members", {"id_number": ID_NUMBER}).status_code == 403


def test_a_member_is_recorded_through_the_service(api, zhonglou_officer):
    org = SocialOrgFactory(region_code=HEHUACHI)
    number = make_id_number(77)
    response = api(zhonglou_officer).post("/api/v1/members", {
        "name": "李新", "gender": "male", "status": "probationary", "id_number": number,
        "phone": "+86 139-0000-7777", "admitted_on": (dt.date.today() - dt.timedelta(days=100)).isoformat(),
        "workplace": org.pk,
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    member = PartyMember.objects.get(pk=body["id"])
    assert member.id_number == number and member.region_id == HEHUACHI
    assert body["id_number"] == number and body["phone"] == "13900007777"
    org.refresh_from_db()
    assert org.members_on_staff == 1


def test_a_wrong_id_number_is_named_without_echoing_it(api, zhonglou_officer):
    org = SocialOrgFactory()
    bad = make_id_number(78)[:-1] + "0"
    if bad == make_id_number(78):
        bad = bad[:-1] + "1"
    response = api(zhonglou_officer).post("/api/v1/members", {
        "name": "错号", "gender": "female", "status": "full", "id_number": bad, "admitted_on": "2015-06-01",
        "workplace": org.pk,
    }, content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("id_number", "id_number")
    assert "GB 11643-1999" in error["message"] and bad not in error["message"]


def test_the_members_filters(api, admin_user, branch, branch_org):
    PartyMemberFactory(name="甲", status="full", workplace=branch_org, relation_org=branch)
    PartyMemberFactory(name="乙", status="probationary", workplace=branch_org, is_mobile=True)
    client = api(admin_user)

    def names(**params):  # type: ignore[no-untyped-def]
        return [m["name"] for m in client.get("/api/v1/members", params).json()["items"]]

    assert names() == ["乙", "甲"]
    assert names(status="full") == ["甲"]
    assert names(relation_org=branch.pk) == ["甲"]
    assert names(is_mobile=True) == ["乙"]
    assert names(region="11") == []
