"""Party orgs, coverage, members and instructors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from shuniu.audit.models import AuditEntry
from shuniu.core import crypto
from shuniu.core.services import add_years
from shuniu.party.models import InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage
from shuniu.party.services import (
    assignment_end,
    assignment_start,
    coverage_add,
    coverage_end,
    member_end,
    member_update,
    participation_add,
    party_org_create,
    party_org_dissolve,
    party_org_update,
)
from shuniu.registry.services import org_deregister
from tests.factories import (
    HEHUACHI,
    SYSTEM,
    XILIN,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_phone,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = make_id_number(4242)
PHONE = make_phone(4242)


def _audit_for(obj):
    return AuditEntry.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


def _open_coverage(party_org):
    return set(PartyOrgCoverage.objects.filter(party_org=party_org, ended_on__isnull=True)
               .values_list("org_id", flat=True))


# ---- party orgs -------------------------------------------------------------------------------

def test_party_org_create_with_covers_links_each_org_from_the_establishment_date():
    orgs = [SocialOrgFactory(region_code=XILIN) for _ in range(3)]
    joint = party_org_create(actor=SYSTEM, name="西林街道社会组织联合党支部", kind="joint_branch",
                             established_on="2020-07-01", covers=orgs)
    assert joint.formation == "joint"  # the default formation of a joint branch
    assert joint.term_years == 3
    assert joint.region_id == XILIN  # placed where the first covered org is
    assert joint.path == f"/{joint.pk}/"
    assert _open_coverage(joint) == {o.pk for o in orgs}
    assert set(PartyOrgCoverage.objects.filter(party_org=joint).values_list("started_on", flat=True)) == {
        dt.date(2020, 7, 1)}


def test_party_org_create_under_a_superior_extends_the_path():
    committee = PartyOrgFactory(kind="comprehensive_committee", name="钟楼区社会组织综合党委", region_code="320404")
    branch = PartyOrgFactory(superior=committee)
    assert committee.formation == "regional"
    assert committee.term_years == 5
    assert branch.path == f"/{committee.pk}/{branch.pk}/"
    assert branch.region_id == "320404"  # the superior's region, when nothing else places it


def test_a_joint_branch_cannot_be_standalone():
    with pytest.raises(ValidationError) as info:
        PartyOrgFactory(kind="joint_branch", formation="standalone")
    assert "formation" in info.value.message_dict


def test_party_org_create_covering_a_deregistered_org_writes_nothing():
    live = SocialOrgFactory(established_on=dt.date(2010, 1, 1))
    gone = SocialOrgFactory(established_on=dt.date(2010, 1, 1))
    org_deregister(actor=SYSTEM, org=gone, on=dt.date(2019, 1, 1))
    party_orgs, coverages, entries = (PartyOrg.objects.count(), PartyOrgCoverage.objects.count(),
                                      AuditEntry.objects.count())
    with pytest.raises(ValidationError) as info:
        PartyOrgFactory(kind="joint_branch", covers=[live, gone], established_on=dt.date(2020, 1, 1))
    assert "org" in info.value.message_dict
    # The party org row had been saved before the covers were checked: the transaction undoes it.
    assert PartyOrg.objects.count() == party_orgs
    assert PartyOrgCoverage.objects.count() == coverages
    assert AuditEntry.objects.count() == entries


def test_coverage_add_and_end_are_dated():
    org = SocialOrgFactory()
    joint = PartyOrgFactory(kind="joint_branch", established_on=dt.date(2020, 1, 1))
    link = coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2021-03-01")
    assert (link.started_on, link.ended_on) == (dt.date(2021, 3, 1), None)
    coverage_end(actor=SYSTEM, coverage=link, ended_on="2023-03-01", reason="单独组建党支部")
    link.refresh_from_db()
    assert (link.ended_on, link.end_reason) == (dt.date(2023, 3, 1), "单独组建党支部")
    assert _open_coverage(joint) == set()
    actions = list(_audit_for(org).filter(action__startswith="coverage.").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["coverage.add", "coverage.end"]


def test_coverage_cannot_start_before_the_party_org_or_twice():
    org = SocialOrgFactory()
    joint = PartyOrgFactory(kind="joint_branch", established_on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as info:
        coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2019-12-31")
    assert "started_on" in info.value.message_dict
    coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2020-01-01")
    with pytest.raises(ValidationError) as info:
        coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2020-02-01")
    assert "org" in info.value.message_dict
    assert PartyOrgCoverage.objects.filter(party_org=joint, org=org).count() == 1


def test_coverage_end_before_start_or_twice_is_refused():
    org = SocialOrgFactory()
    joint = PartyOrgFactory(kind="joint_branch", established_on=dt.date(2020, 1, 1), covers=[org])
    link = PartyOrgCoverage.objects.get(party_org=joint, org=org)
    with pytest.raises(ValidationError):
        coverage_end(actor=SYSTEM, coverage=link, ended_on="2019-01-01")
    coverage_end(actor=SYSTEM, coverage=link, ended_on="2021-01-01")
    with pytest.raises(ValidationError):
        coverage_end(actor=SYSTEM, coverage=link, ended_on="2022-01-01")


def test_party_org_dissolve_ends_its_coverages_and_keeps_the_row():
    orgs = [SocialOrgFactory(), SocialOrgFactory()]
    joint = PartyOrgFactory(kind="joint_branch", covers=orgs, established_on=dt.date(2019, 1, 1))
    party_org_dissolve(actor=SYSTEM, party_org=joint, on="2024-01-31", reason="成员单位均已单独组建")
    joint.refresh_from_db()
    assert (joint.dissolved_on, joint.dissolved_reason) == (dt.date(2024, 1, 31), "成员单位均已单独组建")
    ends = set(PartyOrgCoverage.objects.filter(party_org=joint).values_list("ended_on", flat=True))
    assert ends == {dt.date(2024, 1, 31)}
    assert _audit_for(joint).get(action="party_org.dissolve").changes["dissolved_on"] == [None, "2024-01-31"]


def test_party_org_dissolve_refuses_while_children_are_active():
    committee = PartyOrgFactory(kind="committee", region_code="320404")
    child = PartyOrgFactory(superior=committee)
    with pytest.raises(ValidationError) as info:
        party_org_dissolve(actor=SYSTEM, party_org=committee, on="2024-01-01", reason="撤销")
    assert "dissolved_on" in info.value.message_dict
    committee.refresh_from_db()
    assert committee.dissolved_on is None
    party_org_dissolve(actor=SYSTEM, party_org=child, on="2024-01-01", reason="撤销")
    party_org_dissolve(actor=SYSTEM, party_org=committee, on="2024-01-01", reason="撤销")
    committee.refresh_from_db()
    assert committee.dissolved_on == dt.date(2024, 1, 1)


def test_party_org_dissolve_needs_a_reason_and_a_date_after_establishment():
    branch = PartyOrgFactory(established_on=dt.date(2019, 7, 1))
    with pytest.raises(ValidationError) as info:
        party_org_dissolve(actor=SYSTEM, party_org=branch, on="2019-06-30", reason="")
    assert {"dissolved_on", "dissolved_reason"} <= set(info.value.message_dict)


def test_no_coverage_or_child_for_a_dissolved_party_org():
    branch = PartyOrgFactory(established_on=dt.date(2019, 7, 1))
    party_org_dissolve(actor=SYSTEM, party_org=branch, on="2020-01-01", reason="撤销")
    with pytest.raises(ValidationError):
        coverage_add(actor=SYSTEM, party_org=branch, org=SocialOrgFactory(), started_on="2021-01-01")
    with pytest.raises(ValidationError) as info:
        PartyOrgFactory(superior=branch)
    assert "superior" in info.value.message_dict


def test_party_org_update_moving_a_subtree_rewrites_the_paths():
    a = PartyOrgFactory(kind="committee", region_code="320404")
    b = PartyOrgFactory(kind="committee", region_code="320404")
    general = PartyOrgFactory(kind="general_branch", superior=a)
    leaf = PartyOrgFactory(superior=general)
    party_org_update(actor=SYSTEM, party_org=general, superior=b)
    leaf.refresh_from_db()
    general.refresh_from_db()
    assert general.path == f"/{b.pk}/{general.pk}/"
    assert leaf.path == f"/{b.pk}/{general.pk}/{leaf.pk}/"


def test_party_org_update_refuses_a_cycle():
    top = PartyOrgFactory(kind="committee", region_code="320404")
    child = PartyOrgFactory(superior=top)
    with pytest.raises(ValidationError) as info:
        party_org_update(actor=SYSTEM, party_org=top, superior=child)
    assert "superior" in info.value.message_dict


def test_the_secretary_must_be_a_full_member():
    branch = PartyOrgFactory()
    probationary = PartyMemberFactory(status="probationary", full_on=None, relation_org=branch)
    with pytest.raises(ValidationError) as info:
        party_org_update(actor=SYSTEM, party_org=branch, secretary=probationary)
    assert "secretary" in info.value.message_dict


# ---- members ----------------------------------------------------------------------------------

def test_member_create_encrypts_the_id_and_phone_and_keeps_a_lookup_hash():
    member = PartyMemberFactory(id_number=ID_NUMBER, phone=PHONE)
    row = PartyMember.objects.values().get(pk=member.pk)
    assert ID_NUMBER not in row["id_number_encrypted"]
    assert row["id_number_encrypted"] != ID_NUMBER
    assert row["id_number_masked"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert row["phone_masked"] == PHONE[:3] + "****" + PHONE[-4:]
    assert PHONE not in row["phone_encrypted"]
    assert ID_NUMBER not in json.dumps(row, default=str)
    assert PHONE not in json.dumps(row, default=str)
    assert PartyMember.objects.get(id_number_hash=crypto.keyed_hash(ID_NUMBER)).pk == member.pk
    assert member.id_number == ID_NUMBER
    assert member.phone == PHONE


def test_member_create_takes_the_birth_date_from_the_id_number():
    member = PartyMemberFactory(id_number=ID_NUMBER)
    assert member.birth_date == dt.date(int(ID_NUMBER[6:10]), int(ID_NUMBER[10:12]), int(ID_NUMBER[12:14]))


def test_member_create_normalizes_the_id_number_before_hashing():
    number = next(n for n in (make_id_number(i) for i in range(300, 600)) if n.endswith("X"))
    member = PartyMemberFactory(id_number=number[:-1] + "x")
    assert member.id_number == number
    assert member.id_number_hash == crypto.keyed_hash(number)


def test_a_duplicate_id_number_is_rejected_without_showing_it():
    workplace = SocialOrgFactory()
    PartyMemberFactory(id_number=ID_NUMBER, workplace=workplace)
    members, entries = PartyMember.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        PartyMemberFactory(id_number=ID_NUMBER, workplace=workplace)
    message = info.value.message_dict["id_number"][0]
    assert "唯一" in message
    assert ID_NUMBER not in message
    assert PartyMember.objects.count() == members
    # Nothing written but the audit of the refusal itself (shuniu.party.privacy).
    assert list(AuditEntry.objects.values_list("action", flat=True)[:AuditEntry.objects.count() - entries]) == [
        "member.id_refused"]


def test_a_mistyped_id_number_is_rejected_citing_gb_11643():
    wrong = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
    with pytest.raises(ValidationError) as info:
        PartyMemberFactory(id_number=wrong)
    message = info.value.message_dict["id_number"][0]
    assert "GB 11643-1999" in message
    assert wrong not in message


def test_a_member_needs_a_place():
    with pytest.raises(ValidationError) as info:
        PartyMemberFactory(workplace=None)
    assert "workplace" in info.value.message_dict


def test_a_member_placed_by_region_code_alone():
    member = PartyMemberFactory(workplace=None, region_code=XILIN)
    assert (member.county_code, member.street_code) == ("320404", XILIN)


def test_a_member_is_placed_at_the_workplace():
    org = SocialOrgFactory(region_code=XILIN)
    member = PartyMemberFactory(workplace=org)
    assert member.region_id == XILIN


def test_the_relation_is_held_here_or_elsewhere_not_both():
    with pytest.raises(ValidationError) as info:
        PartyMemberFactory(relation_org=PartyOrgFactory(), relation_elsewhere="北京市某律师事务所党支部")
    assert "relation_elsewhere" in info.value.message_dict


def test_full_membership_cannot_precede_admission():
    with pytest.raises(ValidationError) as info:
        PartyMemberFactory(admitted_on=dt.date(2020, 1, 1), full_on=dt.date(2019, 1, 1))
    assert "full_on" in info.value.message_dict


def test_member_update_status_change_is_audited_without_the_id_number():
    admitted = dt.date.today() - dt.timedelta(days=400)
    member = PartyMemberFactory(status="probationary", admitted_on=admitted, full_on=None,
                                id_number=ID_NUMBER, phone=PHONE)
    full_on = add_years(admitted, 1)
    member_update(actor=SYSTEM, member=member, status="full", full_on=full_on.isoformat())
    member.refresh_from_db()
    assert member.status == "full"
    entry = _audit_for(member).get(action="member.update")
    assert entry.changes["status"] == ["probationary", "full"]
    assert entry.changes["full_on"] == [None, full_on.isoformat()]
    everything = json.dumps(list(AuditEntry.objects.values("changes", "target_repr")), ensure_ascii=False)
    assert ID_NUMBER not in everything
    assert PHONE not in everything


def test_member_update_of_the_id_number_records_only_that_it_changed():
    member = PartyMemberFactory(id_number=ID_NUMBER)
    new_number = make_id_number(4343)
    member_update(actor=SYSTEM, member=member, id_number=new_number)
    entry = _audit_for(member).get(action="member.update")
    assert entry.changes["id_number_encrypted"] == ["***", "***"]
    assert entry.changes["id_number_hash"] == ["***", "***"]
    text = json.dumps(entry.changes)
    assert ID_NUMBER not in text and new_number not in text
    assert member.id_number == new_number


def test_member_update_may_keep_its_own_id_number():
    member = PartyMemberFactory(id_number=ID_NUMBER)
    member_update(actor=SYSTEM, member=member, id_number=ID_NUMBER)
    other = PartyMemberFactory()
    with pytest.raises(ValidationError):
        member_update(actor=SYSTEM, member=other, id_number=ID_NUMBER)


def test_member_update_of_the_workplace_moves_the_member():
    member = PartyMemberFactory(workplace=SocialOrgFactory(region_code=HEHUACHI))
    member_update(actor=SYSTEM, member=member, workplace=SocialOrgFactory(region_code=XILIN))
    member.refresh_from_db()
    assert member.street_code == XILIN


def test_member_end_keeps_the_row_and_ends_participations():
    member = PartyMemberFactory()
    other = PartyOrgFactory()
    part = participation_add(actor=SYSTEM, member=member, party_org=other, started_on="2022-01-01")
    member_end(actor=SYSTEM, member=member, on="2024-02-01", reason="transferred_out", note="组织关系转往外省")
    member.refresh_from_db()
    part.refresh_from_db()
    assert (member.ended_on, member.end_reason, member.end_note) == (dt.date(2024, 2, 1), "transferred_out",
                                                                     "组织关系转往外省")
    assert part.ended_on == dt.date(2024, 2, 1)


def test_participation_in_the_relation_org_itself_is_refused():
    branch = PartyOrgFactory()
    member = PartyMemberFactory(relation_org=branch)
    with pytest.raises(ValidationError) as info:
        participation_add(actor=SYSTEM, member=member, party_org=branch, started_on="2022-01-01")
    assert "party_org" in info.value.message_dict


# ---- instructors ------------------------------------------------------------------------------

def test_instructor_create_encrypts_the_phone():
    instructor = InstructorFactory(phone=PHONE)
    instructor.refresh_from_db()
    assert instructor.phone_masked == PHONE[:3] + "****" + PHONE[-4:]
    assert PHONE not in instructor.phone_encrypted
    assert crypto.decrypt(instructor.phone_encrypted) == PHONE
    assert instructor.county_code == "320404"


def test_instructor_create_validates_its_fields():
    with pytest.raises(ValidationError) as info:
        InstructorFactory(kind="mentor", capacity=0, region_code="999999", phone="12")
    assert {"kind", "capacity", "region_code", "phone"} <= set(info.value.message_dict)


def test_assignment_start_and_end():
    instructor = InstructorFactory()
    org = SocialOrgFactory()
    assignment = assignment_start(actor=SYSTEM, instructor=instructor, org=org, started_on="2022-03-01")
    assert (assignment.started_on, assignment.ended_on) == (dt.date(2022, 3, 1), None)
    with pytest.raises(ValidationError) as info:
        assignment_start(actor=SYSTEM, instructor=instructor, org=org, started_on="2022-04-01")
    assert "org" in info.value.message_dict
    assignment_end(actor=SYSTEM, assignment=assignment, ended_on="2023-03-01")
    assignment.refresh_from_db()
    assert assignment.ended_on == dt.date(2023, 3, 1)
    # After the end, a new assignment of the same pair may start.
    assignment_start(actor=SYSTEM, instructor=instructor, org=org, started_on="2024-01-01")
    assert InstructorAssignment.objects.filter(instructor=instructor, org=org).count() == 2
    actions = list(_audit_for(org).filter(action__startswith="assignment.").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["assignment.start", "assignment.end", "assignment.start"]


def test_an_assignment_cannot_end_before_it_starts():
    assignment = assignment_start(actor=SYSTEM, instructor=InstructorFactory(), org=SocialOrgFactory(),
                                  started_on="2022-03-01")
    with pytest.raises(ValidationError) as info:
        assignment_end(actor=SYSTEM, assignment=assignment, ended_on="2022-02-28")
    assert "ended_on" in info.value.message_dict


def test_no_assignment_to_a_deregistered_org():
    org = SocialOrgFactory(established_on=dt.date(2010, 1, 1))
    org_deregister(actor=SYSTEM, org=org, on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as info:
        assignment_start(actor=SYSTEM, instructor=InstructorFactory(), org=org, started_on="2021-01-01")
    assert "org" in info.value.message_dict


def test_party_org_dissolve_needs_a_date():
    branch = PartyOrgFactory()
    with pytest.raises(ValidationError) as info:
        party_org_dissolve(actor=SYSTEM, party_org=branch, on=None, reason="撤销")
    assert "dissolved_on" in info.value.message_dict
    branch.refresh_from_db()
    assert branch.dissolved_on is None
    assert not _audit_for(branch).filter(action="party_org.dissolve").exists()


def test_party_org_dissolve_before_a_coverage_started_is_a_validation_error():
    joint = PartyOrgFactory(kind="joint_branch", established_on=dt.date(2019, 1, 1))
    org = SocialOrgFactory()
    coverage_add(actor=SYSTEM, party_org=joint, org=org, started_on="2022-01-01")
    with pytest.raises(ValidationError) as info:
        party_org_dissolve(actor=SYSTEM, party_org=joint, on="2021-01-01", reason="撤销")
    assert "dissolved_on" in info.value.message_dict
    joint.refresh_from_db()
    assert joint.dissolved_on is None


def test_member_end_needs_a_date():
    member = PartyMemberFactory()
    with pytest.raises(ValidationError) as info:
        member_end(actor=SYSTEM, member=member, on="", reason="转出")
    assert "ended_on" in info.value.message_dict
    assert not _audit_for(member).filter(action="member.end").exists()
