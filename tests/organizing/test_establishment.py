"""Establishing a party org through a case: the application, the body's decision, its effects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shuniu.accounts.scopes import Scope
from shuniu.cases.models import Case
from shuniu.cases.selectors import waiting_on_me
from shuniu.cases.services import attachment_add, case_act, case_open, case_update
from shuniu.coverage.due import due_q
from shuniu.party.models import Participation, PartyOrg
from shuniu.registry.models import SocialOrg
from tests.conftest import _user
from tests.coverage.test_engine import assert_incremental_equals_rebuild
from tests.factories import HEHUACHI, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def committee(db):
    return PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")


@pytest.fixture
def committee_user(committee):
    return _user("zl_committee", "secretary", f"party:{committee.pk}")


@pytest.fixture
def street_officer(db):
    return _user("hhc_street", "street_officer", HEHUACHI)


@pytest.fixture
def due_org(committee):
    org = SocialOrgFactory(name="荷花池社区养老服务协会", region_code=HEHUACHI)
    members = [PartyMemberFactory(workplace=org, relation_elsewhere="中共某人才服务中心支部") for _i in range(4)]
    return org, members


def test_the_application_goes_to_the_district_committee_back_for_a_secretary_and_is_approved(
        settings, tmp_path, due_org, committee, committee_user, street_officer):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    org, members = due_org
    assert SocialOrg.objects.filter(due_q(), pk=org.pk).exists()
    case = case_open(actor=street_officer, kind="establishment", org=org,
                     data={"name": "荷花池社区养老服务协会党支部", "members": {str(m.pk): "relation" for m in members}})
    attachment_add(actor=street_officer, case=case, upload=SimpleUploadedFile("成立党支部申请.pdf", PDF))
    case = case_act(actor=street_officer, case=case, action="submit")
    assert case.body == committee and case.waiting_on == "body"
    assert case in waiting_on_me(Scope.for_user(committee_user), committee_user)
    # No secretary yet: the committee may not approve, and returns it.
    with pytest.raises(ValidationError) as err:
        case_act(actor=committee_user, case=case, action="approve",
                 data={"decision_no": "钟社党〔2026〕21号", "decided_on": dt.date.today()})
    assert "书记人选" in str(err.value)
    case = case_act(actor=committee_user, case=case, action="return", comment="请确定书记人选")
    case = case_update(actor=street_officer, case=case, data={"secretary": members[0].pk})
    case = case_act(actor=street_officer, case=case, action="submit")
    case = case_act(actor=committee_user, case=case, action="approve",
                    data={"decision_no": "钟社党〔2026〕21号", "decided_on": dt.date.today()})
    party_org = PartyOrg.objects.get(pk=case.steps.get(action="approve").data["party_org"])
    org.refresh_from_db()
    assert party_org.superior == committee and party_org.secretary == members[0]
    assert org.coverage_status == "own" and not SocialOrg.objects.filter(due_q(), pk=org.pk).exists()
    assert set(party_org.members.values_list("pk", flat=True)) == {m.pk for m in members}
    assert [s.action for s in case.steps.order_by("at", "id")] == ["open", "submit", "return", "edit", "submit",
                                                                    "approve"]
    assert_incremental_equals_rebuild()


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"members": "two"}, "members", "3 名以上"),
    ({"party_kind": "joint_branch"}, "party_kind", "两个以上单位"),
    ({"secretary": "probationary"}, "secretary", "正式党员"),
    ({"secretary": "outsider"}, "secretary", "选派"),
])
def test_an_application_that_breaks_a_rule_is_refused_with_the_rule_and_changes_nothing(
        due_org, committee, street_officer, change, field, text):
    org, members = due_org
    data = {"name": "某党支部", "members": {str(m.pk): "relation" for m in members}, "secretary": members[0].pk}
    if change.get("members") == "two":
        data["members"] = {str(m.pk): "relation" for m in members[:2]}
        data["secretary"] = members[0].pk
    if change.get("party_kind"):
        data["party_kind"] = change["party_kind"]
    if change.get("secretary") == "probationary":
        probationary = PartyMemberFactory(workplace=org, status="probationary", relation_elsewhere="某支部")
        data["members"][str(probationary.pk)] = "relation"
        data["secretary"] = probationary.pk
    if change.get("secretary") == "outsider":
        outsider = PartyMemberFactory(workplace=SocialOrgFactory(region_code=HEHUACHI), relation_elsewhere="某支部")
        data["members"][str(outsider.pk)] = "participate"
        data["secretary"] = outsider.pk
    case = case_open(actor=street_officer, kind="establishment", org=org, data=data)
    with pytest.raises(ValidationError) as err:
        case_act(actor=street_officer, case=case, action="submit")
    assert field in err.value.error_dict and text in str(err.value.error_dict[field])
    case.refresh_from_db()
    assert case.state == "draft" and case.steps.count() == 1


def test_a_joint_branch_over_five_units_is_a_warning_and_participants_join_its_org_life(committee, street_officer):
    orgs = [SocialOrgFactory(name=f"荷花池小微组织{i}", region_code=HEHUACHI) for i in range(6)]
    members = [PartyMemberFactory(workplace=o, relation_elsewhere="某支部") for o in orgs]
    case = case_open(actor=street_officer, kind="establishment", org=orgs[0], submit=True, data={
        "party_kind": "joint_branch", "name": "荷花池小微组织联合党支部", "orgs": [o.pk for o in orgs[1:]],
        "members": {str(m.pk): "relation" if i < 3 else "participate" for i, m in enumerate(members)},
        "secretary": members[0].pk})
    from shuniu.organizing.establishment import warnings

    assert any("JOINT_SIZE" in w for w in warnings(case))
    committee_user = _user("zl_committee2", "secretary", f"party:{committee.pk}")
    case_act(actor=committee_user, case=case, action="approve",
             data={"decision_no": "钟社党〔2026〕22号", "decided_on": dt.date.today()})
    joint = PartyOrg.objects.get(name="荷花池小微组织联合党支部")
    assert joint.kind == "joint_branch" and joint.coverages.count() == 6
    assert Participation.objects.filter(party_org=joint).count() == 3
    assert_incremental_equals_rebuild()


def test_nobody_outside_the_org_s_region_opens_or_names_what_is_outside(due_org, chaoyang_officer, street_officer):
    org, _members = due_org
    with pytest.raises(PermissionDenied):
        case_open(actor=chaoyang_officer, kind="establishment", org=org, data={"name": "越权"})
    foreign = PartyMemberFactory(workplace=SocialOrgFactory(region_code="110105001"), relation_elsewhere="某支部")
    with pytest.raises(PermissionDenied):
        case_open(actor=street_officer, kind="establishment", org=org,
                  data={"name": "某党支部", "members": {str(foreign.pk): "participate"}})
    assert not Case.objects.exists()


def test_registering_an_org_that_has_three_full_members_opens_one_case_at_once(committee, settings):
    org = SocialOrgFactory(name="新登记的荷花池公益协会", region_code=HEHUACHI, established_on=dt.date.today())
    for _i in range(3):
        PartyMemberFactory(workplace=org, relation_elsewhere="某支部")
    cases = Case.objects.filter(org=org, kind="establishment")
    assert cases.count() == 1 and cases.get().state == "submitted" and cases.get().body == committee
    PartyMemberFactory(workplace=org, relation_elsewhere="某支部")  # a fourth: still one case
    assert cases.count() == 1
    old = SocialOrgFactory(name="老组织", region_code=HEHUACHI, established_on=dt.date(2010, 1, 1))
    for _i in range(3):
        PartyMemberFactory(workplace=old, relation_elsewhere="某支部")
    assert not Case.objects.filter(org=old).exists()
