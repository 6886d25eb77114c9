"""The one scope layer: what each persona sees (selectors) and may change (services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.accounts.actors import SystemActor
from shuniu.accounts.scopes import Scope, check_write
from shuniu.accounts.services import user_create
from shuniu.party.models import Instructor, PartyMember, PartyOrg
from shuniu.party.services import (
    assignment_start,
    coverage_add,
    instructor_create,
    member_create,
    member_update,
    party_org_create,
)
from shuniu.registry.models import Hub, SocialOrg
from shuniu.registry.services import org_create, org_update
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_uscc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(branch, branch_org, hub):
    """Orgs, party orgs and members in 钟楼区 (two streets) and in 朝阳区, and a hub in 荷花池街道."""
    w = type("World", (), {})()
    w.branch, w.branch_org, w.hub = branch, branch_org, hub
    w.hehuachi_org = SocialOrgFactory(name="荷花池养老服务中心", region_code=HEHUACHI, hub=hub)
    w.xilin_org = SocialOrgFactory(name="西林街道志愿者协会", region_code=XILIN)
    w.chaoyang_org = SocialOrgFactory(name="朝阳区律师协会", region_code=JIANWAI)
    # A temporary branch under the secretary's branch: inside its subtree. The services now refuse
    # anything under a branch (rule NESTING), so it is moved there as data from before the rule:
    # the scope follows the tree, whatever its kinds.
    w.project_org = SocialOrgFactory(name="荷花池公益项目中心", region_code=HEHUACHI)
    w.temporary = PartyOrgFactory(name="公益项目临时党支部", kind="temporary_branch", covers=[w.project_org])
    w.temporary.path = f"{branch.path}{w.temporary.pk}/"
    PartyOrg.objects.filter(pk=w.temporary.pk).update(superior=branch, path=w.temporary.path)
    w.xilin_branch = PartyOrgFactory(name="西林志愿者协会党支部", covers=[w.xilin_org])
    w.chaoyang_branch = PartyOrgFactory(name="朝阳区律师协会党支部", covers=[w.chaoyang_org])
    w.branch_member = PartyMemberFactory(workplace=branch_org, relation_org=branch)
    w.temporary_member = PartyMemberFactory(workplace=w.project_org, relation_org=w.temporary)
    w.hub_member = PartyMemberFactory(workplace=w.hehuachi_org)
    w.xilin_member = PartyMemberFactory(workplace=w.xilin_org, relation_org=w.xilin_branch)
    w.chaoyang_member = PartyMemberFactory(workplace=w.chaoyang_org, relation_org=w.chaoyang_branch)
    w.instructor = InstructorFactory(region_code=HEHUACHI)
    w.chaoyang_instructor = InstructorFactory(region_code=JIANWAI)
    return w


def _names(qs):
    return set(qs.values_list("name", flat=True))


def _seen(user):
    scope = Scope.for_user(user)
    return (
        _names(scope.filter(SocialOrg.objects.all())),
        _names(scope.filter(PartyOrg.objects.all())),
        set(scope.filter(PartyMember.objects.all()).values_list("pk", flat=True)),
    )


def test_a_district_officer_sees_their_district_and_nothing_of_another(world, zhonglou_officer):
    orgs, party_orgs, members = _seen(zhonglou_officer)
    assert {"荷花池养老服务中心", "西林街道志愿者协会", "荷花池社工服务中心"} <= orgs
    assert "朝阳区律师协会" not in orgs
    assert {"西林志愿者协会党支部", "荷花池社工服务中心党支部"} <= party_orgs
    assert "朝阳区律师协会党支部" not in party_orgs
    assert {world.xilin_member.pk, world.branch_member.pk, world.hub_member.pk} <= members
    assert world.chaoyang_member.pk not in members
    instructors = Scope.for_user(zhonglou_officer).filter(Instructor.objects.all())
    assert set(instructors.values_list("pk", flat=True)) == {world.instructor.pk}


def test_the_other_district_officer_sees_the_mirror_image(world, chaoyang_officer):
    orgs, party_orgs, members = _seen(chaoyang_officer)
    assert orgs == {"朝阳区律师协会"}
    assert party_orgs == {"朝阳区律师协会党支部"}
    assert members == {world.chaoyang_member.pk}


def test_the_beijing_city_officer_sees_chaoyang_but_not_zhonglou(world, beijing_city_officer):
    orgs, party_orgs, members = _seen(beijing_city_officer)
    assert orgs == {"朝阳区律师协会"}
    assert party_orgs == {"朝阳区律师协会党支部"}
    assert members == {world.chaoyang_member.pk}
    scope = Scope.for_user(beijing_city_officer)
    assert scope.contains_region(CHAOYANG) and scope.contains_region("110105001000")
    assert not scope.contains_region("320404")


def test_the_admin_sees_everything(world, admin_user):
    orgs, _party_orgs, members = _seen(admin_user)
    assert {"朝阳区律师协会", "西林街道志愿者协会"} <= orgs
    assert {world.chaoyang_member.pk, world.xilin_member.pk} <= members


def test_the_secretary_sees_only_the_subtree_of_their_branch(world, secretary):
    orgs, party_orgs, members = _seen(secretary)
    assert orgs == {"荷花池社工服务中心", "荷花池公益项目中心"}
    assert party_orgs == {"荷花池社工服务中心党支部", "公益项目临时党支部"}
    assert members == {world.branch_member.pk, world.temporary_member.pk}


def test_the_secretary_of_a_subtree_leaf_does_not_see_the_parent(world):
    user, _pw = user_create(actor=SYSTEM, username="temp_secretary", role="secretary",
                            scope=f"party:{world.temporary.pk}")
    orgs, party_orgs, members = _seen(user)
    assert orgs == {"荷花池公益项目中心"}
    assert party_orgs == {"公益项目临时党支部"}
    assert members == {world.temporary_member.pk}


def test_hub_staff_see_only_the_orgs_linked_to_their_hub(world, hub_staff):
    orgs, party_orgs, members = _seen(hub_staff)
    assert orgs == {"荷花池养老服务中心"}
    assert party_orgs == set()
    assert members == {world.hub_member.pk}
    hubs = Scope.for_user(hub_staff).filter(Hub.objects.all())
    assert list(hubs) == [world.hub]


def test_a_hub_org_that_leaves_the_hub_leaves_the_hub_scope(world, hub_staff):
    org_update(actor=SYSTEM, org=world.hehuachi_org, hub=None)
    orgs, _party_orgs, members = _seen(hub_staff)
    assert orgs == set()
    assert members == set()


def test_an_ended_coverage_leaves_the_secretary_scope(world, secretary):
    from shuniu.party.models import PartyOrgCoverage
    from shuniu.party.services import coverage_end

    link = PartyOrgCoverage.objects.get(party_org=world.temporary, org=world.project_org)
    coverage_end(actor=SYSTEM, coverage=link, ended_on=dt.date.today())
    orgs, _party_orgs, _members = _seen(secretary)
    assert orgs == {"荷花池社工服务中心"}


def test_anonymous_and_inactive_users_see_nothing(world, zhonglou_officer):
    assert _seen(AnonymousUser()) == (set(), set(), set())
    zhonglou_officer.is_active = False
    assert _seen(zhonglou_officer) == (set(), set(), set())


# ---- writes -----------------------------------------------------------------------------------

def test_a_district_officer_cannot_update_an_org_of_another_district(world, chaoyang_officer):
    with pytest.raises(PermissionDenied):
        org_update(actor=chaoyang_officer, org=world.xilin_org, name="改名")
    world.xilin_org.refresh_from_db()
    assert world.xilin_org.name == "西林街道志愿者协会"


def test_a_district_officer_can_update_an_org_of_their_own_district(world, chaoyang_officer):
    org_update(actor=chaoyang_officer, org=world.chaoyang_org, full_time_staff=12)
    world.chaoyang_org.refresh_from_db()
    assert world.chaoyang_org.full_time_staff == 12


def test_a_district_officer_cannot_move_an_org_out_of_their_district(world, chaoyang_officer):
    with pytest.raises(PermissionDenied):
        org_update(actor=chaoyang_officer, org=world.chaoyang_org, region_code=XILIN)
    world.chaoyang_org.refresh_from_db()
    assert world.chaoyang_org.county_code == CHAOYANG


def test_a_district_officer_cannot_register_an_org_in_another_district(chaoyang_officer, zhonglou_officer):
    data = {"name": "钟楼区某协会", "type": "social_group", "uscc": make_uscc(700_001), "region_code": XILIN,
            "registration_level": "county"}
    before = SocialOrg.objects.count()
    with pytest.raises(PermissionDenied):
        org_create(actor=chaoyang_officer, **data)
    assert SocialOrg.objects.count() == before
    org = org_create(actor=zhonglou_officer, **data)
    assert org.county_code == "320404"


def test_the_city_officer_writes_in_the_whole_city_only(beijing_city_officer):
    org = org_create(actor=beijing_city_officer, name="北京市某基金会", type="foundation",
                     uscc=make_uscc(700_002, CHAOYANG, "foundation"), region_code=JIANWAI,
                     registration_level="city")
    assert org.province_code == "11"
    with pytest.raises(PermissionDenied):
        org_create(actor=beijing_city_officer, name="常州市某基金会", type="foundation",
                   uscc=make_uscc(700_003, "320404", "foundation"), region_code=XILIN, registration_level="city")


def test_members_and_party_orgs_of_another_district_cannot_be_changed(world, chaoyang_officer):
    with pytest.raises(PermissionDenied):
        member_update(actor=chaoyang_officer, member=world.xilin_member, status="probationary")
    with pytest.raises(PermissionDenied):
        coverage_add(actor=chaoyang_officer, party_org=world.xilin_branch, org=world.chaoyang_org,
                     started_on="2023-01-01")
    with pytest.raises(PermissionDenied):
        member_create(actor=chaoyang_officer, name="张三", gender="male", status="full", admitted_on="2015-06-01",
                      workplace=world.xilin_org)
    with pytest.raises(PermissionDenied):
        instructor_create(actor=chaoyang_officer, name="李四", kind="liaison", region_code=XILIN)
    with pytest.raises(PermissionDenied):
        assignment_start(actor=chaoyang_officer, instructor=world.chaoyang_instructor, org=world.xilin_org,
                         started_on="2023-01-01")


def test_a_member_cannot_be_placed_in_another_district_by_region_code(chaoyang_officer):
    before = PartyMember.objects.count()
    with pytest.raises(PermissionDenied):
        member_create(actor=chaoyang_officer, name="王五", gender="male", status="full", region_code=XILIN,
                      admitted_on="2015-06-01", id_number=make_id_number(700))
    assert PartyMember.objects.count() == before


def test_a_party_org_cannot_cover_an_org_of_another_district(world, chaoyang_officer):
    before = PartyOrg.objects.count()
    with pytest.raises(PermissionDenied):
        party_org_create(actor=chaoyang_officer, name="跨区联合党支部", kind="joint_branch",
                         established_on="2023-01-01", region_code=CHAOYANG,
                         covers=[world.chaoyang_org, world.xilin_org])
    assert PartyOrg.objects.count() == before


def test_the_secretary_writes_inside_the_subtree_only(world, secretary):
    member_update(actor=secretary, member=world.branch_member, is_mobile=True)
    member_update(actor=secretary, member=world.temporary_member, is_mobile=True)
    with pytest.raises(PermissionDenied):
        member_update(actor=secretary, member=world.xilin_member, is_mobile=True)
    with pytest.raises(PermissionDenied):
        org_update(actor=secretary, org=world.xilin_org, full_time_staff=1)
    org_update(actor=secretary, org=world.branch_org, full_time_staff=9)


def test_hub_staff_write_only_hub_orgs(world, hub_staff):
    org_update(actor=hub_staff, org=world.hehuachi_org, has_trade_union=True)
    with pytest.raises(PermissionDenied):
        org_update(actor=hub_staff, org=world.branch_org, has_trade_union=True)


def test_users_without_a_jurisdiction_write_nothing(world, zhonglou_officer):
    data = {"name": "匿名协会", "type": "social_group", "uscc": make_uscc(700_004), "region_code": XILIN,
            "registration_level": "county"}
    with pytest.raises(PermissionDenied):
        org_create(actor=AnonymousUser(), **data)
    with pytest.raises(PermissionDenied):
        org_update(actor=AnonymousUser(), org=world.xilin_org, name="改名")
    zhonglou_officer.is_active = False
    with pytest.raises(PermissionDenied):
        org_create(actor=zhonglou_officer, **data)
    assert not SocialOrg.objects.filter(name="匿名协会").exists()


def test_system_actors_are_not_restricted(world):
    check_write(SYSTEM, world.chaoyang_org)
    check_write(SystemActor("cli"), world.xilin_org, region_code=CHAOYANG)


@pytest.mark.parametrize("actor", [None, "import", "", 0, AnonymousUser()])
def test_anything_but_a_user_or_a_system_actor_is_refused(world, actor):
    with pytest.raises(PermissionDenied):
        check_write(actor, world.chaoyang_org)
    with pytest.raises(PermissionDenied):
        org_update(actor=actor, org=world.xilin_org, name="改名")
    assert SocialOrg.objects.get(pk=world.xilin_org.pk).name != "改名"


@pytest.mark.parametrize("role, wrong, right", [
    ("city_officer", "320404", "3204"), ("city_officer", "32", "11"),
    ("district_officer", "3204", "320404"), ("district_officer", "32", "110105"),
])
def test_an_officer_scope_must_be_a_division_of_the_role_level(db, role, wrong, right):
    with pytest.raises(ValidationError) as info:
        user_create(actor=SYSTEM, username="officer", role=role, scope=wrong)
    assert info.value.message_dict["scope"][0].endswith("代码") and "管辖范围须为" in info.value.message_dict["scope"][0]
    user, _pw = user_create(actor=SYSTEM, username="officer", role=role, scope=right)
    assert user.scope_region.code == right


def test_a_street_officer_scope_must_be_a_street(db):
    with pytest.raises(ValidationError) as info:
        user_create(actor=SYSTEM, username="street", role="street_officer", scope="320404")
    assert "scope" in info.value.message_dict
    user, _pw = user_create(actor=SYSTEM, username="street", role="street_officer", scope=HEHUACHI)
    assert Scope.for_user(user).contains_region("320404006001")
    assert not Scope.for_user(user).contains_region(XILIN)


@pytest.mark.parametrize("role, scope", [("secretary", "hub:1"), ("hub_staff", "party:1"),
                                         ("district_officer", ""), ("hub_staff", "hub:999999")])
def test_a_scope_must_match_the_role_and_exist(db, role, scope):
    with pytest.raises(ValidationError) as info:
        user_create(actor=SYSTEM, username="x", role=role, scope=scope)
    assert "scope" in info.value.message_dict


def test_a_member_cannot_be_moved_to_another_district_by_region_code(world, chaoyang_officer):
    with pytest.raises(PermissionDenied):
        member_update(actor=chaoyang_officer, member=world.chaoyang_member, region_code=XILIN)
    world.chaoyang_member.refresh_from_db()
    assert world.chaoyang_member.county_code == CHAOYANG


def test_the_secretary_adds_no_party_org_beside_or_under_their_branch(world, secretary):
    # Under their own branch the scope would allow it, but nothing sits under a branch (NESTING).
    with pytest.raises(ValidationError) as info:
        party_org_create(actor=secretary, name="项目临时党支部", kind="temporary_branch",
                         established_on="2024-01-01", superior=world.branch, covers=[world.branch_org])
    assert "superior" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        party_org_create(actor=secretary, name="另立党支部", kind="branch", established_on="2024-01-01",
                         region_code=HEHUACHI)
    with pytest.raises((PermissionDenied, ValidationError)):
        party_org_create(actor=secretary, name="西林临时党支部", kind="temporary_branch",
                         established_on="2024-01-01", superior=world.xilin_branch)
    assert not PartyOrg.objects.filter(name__in=["项目临时党支部", "西林临时党支部"]).exists()


def test_hub_staff_cannot_register_orgs_anywhere(hub_staff):
    with pytest.raises(PermissionDenied):
        org_create(actor=hub_staff, name="枢纽新组织", type="social_group", uscc=make_uscc(700_006),
                   region_code=HEHUACHI, registration_level="county")


def test_an_officer_cannot_use_another_districts_hub_or_instructor(chaoyang_officer):
    from shuniu.party.services import assignment_start
    from shuniu.registry.services import org_update
    from tests.factories import JIANWAI, HubFactory, InstructorFactory, SocialOrgFactory

    zhonglou_hub = HubFactory()  # in 荷花池街道, 320404
    zhonglou_instructor = InstructorFactory()
    chaoyang_org = SocialOrgFactory(region_code=JIANWAI)
    with pytest.raises(PermissionDenied):
        org_update(actor=chaoyang_officer, org=chaoyang_org, hub=zhonglou_hub)
    with pytest.raises(PermissionDenied):
        assignment_start(actor=chaoyang_officer, instructor=zhonglou_instructor, org=chaoyang_org,
                         started_on=dt.date(2021, 1, 1))


def test_deregistering_accepts_an_iso_date_and_refuses_a_bad_one():
    from shuniu.registry.services import org_deregister
    from tests.factories import SocialOrgFactory

    org = SocialOrgFactory()
    with pytest.raises(ValidationError) as exc:
        org_deregister(actor=SYSTEM, org=org, on="2021-02-30")
    assert "deregistered_on" in exc.value.message_dict
    assert org_deregister(actor=SYSTEM, org=org, on="2021-02-01").status == "deregistered"


# ---- the scope binding ----------------------------------------------------------------------------

def test_a_model_without_a_scope_binding_is_an_error_not_everything(db):
    from django.core.exceptions import ImproperlyConfigured

    from shuniu.audit.models import AuditEntry

    for scope in (Scope.everything(), Scope.of_region("320404"), Scope("hub", hub_id=1), Scope.nothing()):
        with pytest.raises(ImproperlyConfigured, match="has no scope_binding"):
            scope.filter(AuditEntry.objects.all())
    with pytest.raises(ImproperlyConfigured):
        Scope.everything().allows(AuditEntry(pk=1))


def test_a_model_is_scoped_by_its_declaration_alone(world, secretary, zhonglou_officer, chaoyang_officer):
    """Participation is named nowhere in scopes.py: its binding (on the model) places it where its
    party org is, and in that party org's subtree."""
    from shuniu.party.models import Participation
    from shuniu.party.services import participation_add

    here = participation_add(actor=SYSTEM, member=world.xilin_member, party_org=world.temporary,
                             started_on=dt.date(2022, 1, 1))
    there = participation_add(actor=SYSTEM, member=world.branch_member, party_org=world.chaoyang_branch,
                              started_on=dt.date(2022, 1, 1))

    def seen(user):
        return set(Scope.for_user(user).filter(Participation.objects.all()))

    assert seen(secretary) == {here}
    assert seen(zhonglou_officer) == {here}
    assert seen(chaoyang_officer) == {there}


def test_a_region_scope_is_one_equality_on_a_prefix_column(db):
    import re

    sql = str(Scope.of_region("320404").filter(PartyMember.objects.all()).query)
    where = sql[sql.index("WHERE"):]
    assert re.search(r'"county_code" = \'?320404', where), where
    assert "LIKE" not in where.upper() and "JOIN" not in sql.upper()
    # Rows that hang off an org are placed by the org's column.
    from shuniu.party.models import PartyOrgCoverage

    sql = str(Scope.of_region("320404006").filter(PartyOrgCoverage.objects.all()).query)
    assert re.search(r'"street_code" = \'?320404006', sql), sql


def test_hub_party_and_instructor_scopes_reach_rows_through_their_orgs(world, secretary, hub_staff):
    """Coverage links, assignments and members are held through the orgs a hub or party scope holds."""
    from shuniu.party.models import InstructorAssignment, PartyOrgCoverage

    assignment = assignment_start(actor=SYSTEM, instructor=world.instructor, org=world.hehuachi_org,
                                  started_on=dt.date(2022, 1, 1))
    hub = Scope.for_user(hub_staff)
    assert list(hub.filter(InstructorAssignment.objects.all())) == [assignment]
    assert list(hub.filter(Instructor.objects.all())) == [world.instructor]
    assert set(Scope.for_user(secretary).filter(PartyOrgCoverage.objects.all()).values_list("org_id", flat=True)) == {
        world.branch_org.pk, world.project_org.pk}
