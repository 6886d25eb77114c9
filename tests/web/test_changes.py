"""The change pages: editing party orgs and members, the dated endings (deregister, dissolve, end a
coverage link or an assignment, a member leaving), and the user's API tokens. Each goes through its
service: the coverage status follows, errors appear under the field in Chinese, nothing outside the
scope can be reached."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.accounts.models import ApiToken
from shuniu.audit.models import AuditEntry
from shuniu.party.models import InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage
from shuniu.party.services import assignment_start
from tests.factories import (
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(zhonglou_officer):  # type: ignore[no-untyped-def]
    small = [SocialOrgFactory(name=f"荷花池小组织{i}", region_code=HEHUACHI) for i in range(2)]
    joint = PartyOrgFactory(name="荷花池联合党支部", kind="joint_branch", region_code=HEHUACHI, covers=small)
    member = PartyMemberFactory(name="林红", workplace=small[0], relation_org=joint)
    other = SocialOrgFactory(name="朝阳测试协会", region_code=JIANWAI)
    other_party = PartyOrgFactory(name="朝阳测试党支部", kind="branch", covers=[other])
    other_member = PartyMemberFactory(name="朝阳党员", workplace=other)
    return {"officer": zhonglou_officer, "small": small, "joint": joint, "member": member, "other": other,
            "other_party": other_party, "other_member": other_member}


def test_ending_a_coverage_link_changes_the_status_and_is_offered_on_the_org_page(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    org = world["small"][1]
    link = PartyOrgCoverage.objects.get(org=org, ended_on__isnull=True)
    assert f"/coverage/{link.pk}/end/" in client.get(f"/orgs/{org.pk}/").content.decode()
    response = client.post(f"/coverage/{link.pk}/end/", {"on": "2018-01-01", "reason": ""})
    assert "结束日期不能早于起始日期" in response.context["form"].errors["on"][0]
    response = client.post(f"/coverage/{link.pk}/end/", {"on": dt.date.today().isoformat(), "reason": "单独建立党组织"})
    assert response["Location"] == f"/orgs/{org.pk}/"
    org.refresh_from_db()
    assert org.coverage_status == "none"
    assert client.get(f"/coverage/{link.pk}/end/").status_code == 404  # already ended


def test_ending_an_assignment_ends_the_instructor_coverage(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    org = SocialOrgFactory(name="荷花池新组织", region_code=HEHUACHI)
    instructor = InstructorFactory(name="周指导", region_code=HEHUACHI)
    assignment = assignment_start(actor=SYSTEM, instructor=instructor, org=org, started_on=dt.date(2024, 1, 1))
    org.refresh_from_db()
    assert org.coverage_status == "instructor"
    response = client.post(f"/assignments/{assignment.pk}/end/", {"on": dt.date.today().isoformat()})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.coverage_status == "none"
    assert InstructorAssignment.objects.get(pk=assignment.pk).ended_on == dt.date.today()


def test_deregistering_an_org_takes_it_out_of_the_population(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    org = world["small"][0]
    page = client.get(f"/orgs/{org.pk}/deregister/").content.decode()
    assert "注销日期" in page
    response = client.post(f"/orgs/{org.pk}/deregister/", {"on": "2099-01-01"})
    assert "on" in response.context["form"].errors  # a future date is refused, under its field
    response = client.post(f"/orgs/{org.pk}/deregister/", {"on": dt.date.today().isoformat(), "reason": "自行解散"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == "deregistered"
    assert AuditEntry.objects.filter(action="org.deregister", target_id=str(org.pk)).exists()
    assert client.get(f"/orgs/{org.pk}/deregister/").status_code == 404


def test_editing_a_party_org_sets_its_secretary_and_term(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    joint, member = world["joint"], world["member"]
    page = client.get(f"/party/{joint.pk}/edit/").content.decode()
    assert member.name in page  # offered as secretary: a full member of this party org
    response = client.post(f"/party/{joint.pk}/edit/", {"name": joint.name, "term_years": 3,
                                                        "term_started_on": "2024-07-01", "secretary": member.pk})
    assert response["Location"] == f"/party/{joint.pk}/"
    joint.refresh_from_db()
    assert joint.secretary_id == member.pk and joint.term_started_on == dt.date(2024, 7, 1)
    # A member of another party org is not a choice.
    response = client.post(f"/party/{joint.pk}/edit/", {"name": joint.name, "term_years": 3,
                                                        "secretary": world["other_member"].pk})
    assert "secretary" in response.context["form"].errors


def test_dissolving_a_party_org_ends_its_coverage_and_needs_a_reason(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    joint = world["joint"]
    response = client.post(f"/party/{joint.pk}/dissolve/", {"on": dt.date.today().isoformat(), "reason": ""})
    assert "reason" in response.context["form"].errors
    assert PartyOrg.objects.get(pk=joint.pk).dissolved_on is None
    response = client.post(f"/party/{joint.pk}/dissolve/", {"on": dt.date.today().isoformat(),
                                                            "reason": "成员单位均已单独建立党组织"})
    assert response.status_code == 302
    for org in world["small"]:
        org.refresh_from_db()
        assert org.coverage_status == "none"


def test_editing_a_member_keeps_the_id_number_when_left_blank_and_ending_them(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    member = world["member"]
    hash_before = member.id_number_hash
    page = client.get(f"/members/{member.pk}/edit/").content.decode()
    assert member.id_number_masked in page
    response = client.post(f"/members/{member.pk}/edit/", {
        "name": member.name, "gender": member.gender, "status": "probationary", "id_number": "", "phone": "",
        # Probationary: admitted within the last two years and not yet full (rule PROBATION).
        "admitted_on": (dt.date.today() - dt.timedelta(days=100)).isoformat(), "full_on": "",
        "workplace": member.workplace_id, "relation_org": member.relation_org_id})
    assert response.status_code == 302
    member = PartyMember.objects.get(pk=member.pk)
    assert member.status == "probationary" and member.id_number_hash == hash_before
    response = client.post(f"/members/{member.pk}/end/", {"on": dt.date.today().isoformat(), "reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(f"/members/{member.pk}/end/", {"on": dt.date.today().isoformat(), "reason": "other"})
    assert "note" in response.context["form"].errors  # "other" needs a note
    response = client.post(f"/members/{member.pk}/end/", {"on": dt.date.today().isoformat(),
                                                           "reason": "transferred_out", "note": "组织关系转出"})
    assert response.status_code == 302
    assert PartyMember.objects.get(pk=member.pk).ended_on == dt.date.today()


def test_nothing_outside_the_scope_can_be_changed(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    other, party, member = world["other"], world["other_party"], world["other_member"]
    link = PartyOrgCoverage.objects.get(org=other)
    today = dt.date.today().isoformat()
    for url, data in [(f"/orgs/{other.pk}/deregister/", {"on": today}),
                      (f"/party/{party.pk}/edit/", {"name": "x", "term_years": 3}),
                      (f"/party/{party.pk}/dissolve/", {"on": today, "reason": "x"}),
                      (f"/coverage/{link.pk}/end/", {"on": today}),
                      (f"/members/{member.pk}/edit/", {"name": "x", "gender": "male", "status": "full"}),
                      (f"/members/{member.pk}/end/", {"on": today, "reason": "x"})]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    other.refresh_from_db()
    assert other.status == "active" and other.coverage_status == "own"
    assert PartyOrg.objects.get(pk=party.pk).name == "朝阳测试党支部"
    assert PartyMember.objects.get(pk=member.pk).ended_on is None


def test_a_user_makes_lists_and_revokes_their_api_tokens(client, world, chaoyang_officer):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    response = client.post("/account/tokens/", {"label": "登记管理系统同步"})
    token = response.context["new_token"]
    assert token.startswith("shn_") and token in response.content.decode()
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    listed = client.get("/account/tokens/").content.decode()
    assert "登记管理系统同步" in listed and token not in listed  # shown once only
    row = ApiToken.objects.get(user=world["officer"])
    # Someone else's token is not theirs to revoke.
    other_token = ApiToken.objects.create(user=chaoyang_officer, key_hash="x" * 64, prefix="xxxxxxxx")
    assert client.post(f"/account/tokens/{other_token.pk}/revoke/").status_code == 404
    assert client.get(f"/account/tokens/{row.pk}/revoke/").status_code == 405
    assert client.post(f"/account/tokens/{row.pk}/revoke/").status_code == 302
    client.logout()
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert ApiToken.objects.get(pk=other_token.pk).revoked_at is None
