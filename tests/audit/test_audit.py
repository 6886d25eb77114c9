"""Every service write records exactly one audit entry: who, what, which row, which fields."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied

from shuniu.accounts.actors import SystemActor
from shuniu.accounts.services import user_create
from shuniu.audit.models import AuditEntry
from shuniu.audit.services import diff, record
from shuniu.party import services as party
from shuniu.passes import services as passes
from shuniu.registry import services as registry
from tests.factories import (
    HEHUACHI,
    SYSTEM,
    HubFactory,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_phone,
    make_uscc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs(db):
    o = type("Objs", (), {})()
    o.org = SocialOrgFactory(established_on=dt.date(2015, 1, 1))
    o.other_org = SocialOrgFactory()
    o.hub = HubFactory()
    o.branch = PartyOrgFactory(covers=[o.org], established_on=dt.date(2019, 1, 1))
    o.joint = PartyOrgFactory(kind="joint_branch", established_on=dt.date(2019, 1, 1))
    o.member = PartyMemberFactory(workplace=o.org, relation_org=o.branch, id_number=make_id_number(8080),
                                  phone=make_phone(8080))
    o.instructor = InstructorFactory()
    o.assignment = party.assignment_start(actor=SYSTEM, instructor=o.instructor, org=o.other_org,
                                          started_on="2020-01-01")
    return o


# (name, call, expected action, expected target model label, target getter)
WRITES = [
    ("org_create", lambda a, o: registry.org_create(
        actor=a, name="审计测试协会", type="social_group", uscc=make_uscc(880_001), region_code=HEHUACHI,
        registration_level="county"), "org.create", "registry.socialorg", None),
    ("org_update", lambda a, o: registry.org_update(actor=a, org=o.org, full_time_staff=99),
     "org.update", "registry.socialorg", lambda o: o.org),
    ("org_deregister", lambda a, o: registry.org_deregister(actor=a, org=o.other_org, on=dt.date(2024, 1, 1)),
     "org.deregister", "registry.socialorg", lambda o: o.other_org),
    ("hub_create", lambda a, o: registry.hub_create(actor=a, name="审计枢纽", level="street",
                                                    region_code=HEHUACHI), "hub.create", "registry.hub", None),
    ("hub_link_set", lambda a, o: registry.hub_link_set(actor=a, org=o.org, hub=o.hub, on=dt.date(2024, 1, 1)),
     "org.hub", "registry.socialorg", lambda o: o.org),
    ("inspection_record", lambda a, o: passes.inspection_record(actor=a, org=o.org, year=2023, conclusion="pass"),
     "inspection.record", "registry.socialorg", lambda o: o.org),
    ("evaluation_record", lambda a, o: passes.evaluation_record(actor=a, org=o.org, year=2023, grade="3A",
                                                                decided_on="2023-12-01"),
     "evaluation.record", "registry.socialorg", lambda o: o.org),
    ("party_org_create", lambda a, o: party.party_org_create(
        actor=a, name="审计党支部", kind="branch", established_on="2020-01-01", covers=[o.other_org]),
     "party_org.create", "party.partyorg", None),
    ("party_org_update", lambda a, o: party.party_org_update(actor=a, party_org=o.branch, secretary=o.member),
     "party_org.update", "party.partyorg", lambda o: o.branch),
    ("party_org_dissolve", lambda a, o: party.party_org_dissolve(actor=a, party_org=o.joint, on="2024-01-01",
                                                                 reason="撤销"),
     "party_org.dissolve", "party.partyorg", lambda o: o.joint),
    ("coverage_add", lambda a, o: party.coverage_add(actor=a, party_org=o.joint, org=o.other_org,
                                                     started_on="2020-01-01"),
     "coverage.add", "registry.socialorg", lambda o: o.other_org),
    ("coverage_end", lambda a, o: party.coverage_end(actor=a, coverage=o.branch.coverages.get(),
                                                     ended_on="2024-01-01"),
     "coverage.end", "registry.socialorg", lambda o: o.org),
    ("member_create", lambda a, o: party.member_create(
        actor=a, name="审计党员", gender="male", status="probationary", workplace=o.org,
        admitted_on=dt.date.today() - dt.timedelta(days=100), id_number=make_id_number(8081)),
     "member.create", "party.partymember", None),
    ("member_update", lambda a, o: party.member_update(actor=a, member=o.member, is_mobile=True),
     "member.update", "party.partymember", lambda o: o.member),
    ("member_end", lambda a, o: party.member_end(actor=a, member=o.member, on="2024-01-01", reason="转出"),
     "member.end", "party.partymember", lambda o: o.member),
    ("participation_add", lambda a, o: party.participation_add(actor=a, member=o.member, party_org=o.joint,
                                                               started_on="2022-01-01"),
     "participation.add", "party.partymember", lambda o: o.member),
    ("instructor_create", lambda a, o: party.instructor_create(actor=a, name="审计指导员", kind="liaison",
                                                               region_code=HEHUACHI),
     "instructor.create", "party.instructor", None),
    ("assignment_start", lambda a, o: party.assignment_start(actor=a, instructor=o.instructor, org=o.org,
                                                             started_on="2021-01-01"),
     "assignment.start", "registry.socialorg", lambda o: o.org),
    ("assignment_end", lambda a, o: party.assignment_end(actor=a, assignment=o.assignment, ended_on="2023-01-01"),
     "assignment.end", "registry.socialorg", lambda o: o.other_org),
    ("user_create", lambda a, o: user_create(actor=a, username="audited", role="district_officer",
                                             scope="320404")[0], "user.create", "accounts.user", None),
]


@pytest.mark.parametrize("call, action, target_type, target_of", [w[1:] for w in WRITES], ids=[w[0] for w in WRITES])
def test_each_service_write_records_exactly_one_audit_entry(objs, zhonglou_officer, admin_user, call, action,
                                                            target_type, target_of):
    # Users are created by administrators only.
    actor = admin_user if action == "user.create" else zhonglou_officer
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    result = call(actor, objs)
    new = AuditEntry.objects.exclude(pk__in=before)
    assert new.count() == 1
    entry = new.get()
    assert entry.actor == actor
    assert entry.actor_label == actor.username
    assert entry.action == action
    assert entry.target_type == target_type
    target = target_of(objs) if target_of else result
    assert entry.target_id == str(target.pk)
    assert entry.target_repr == str(target)[:200]
    assert entry.changes, "an audit entry says what changed"
    assert all(isinstance(v, list) and len(v) == 2 for v in entry.changes.values())


def test_a_create_entry_lists_the_new_values():
    org = SocialOrgFactory(name="新值协会", full_time_staff=4)
    entry = AuditEntry.objects.get(action="org.create", target_id=str(org.pk))
    assert entry.changes["name"] == [None, "新值协会"]
    assert entry.changes["full_time_staff"] == [None, 4]
    assert entry.changes["county_code"] == [None, "320404"]
    assert "created_at" not in entry.changes


def test_a_failed_write_records_nothing(objs, zhonglou_officer):
    before = AuditEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; the point is what is left behind
        registry.org_create(actor=zhonglou_officer, name="", type="social_group", uscc=objs.org.uscc,
                            region_code=HEHUACHI, registration_level="county")
    with pytest.raises(Exception):  # noqa: B017
        party.party_org_dissolve(actor=zhonglou_officer, party_org=objs.branch, on="2018-01-01", reason="")
    assert AuditEntry.objects.count() == before


def test_system_writes_are_recorded_with_their_label(db):
    org = SocialOrgFactory(actor=SystemActor("import:2024-01.xlsx"))
    entry = AuditEntry.objects.get(action="org.create", target_id=str(org.pk))
    assert entry.actor is None
    assert entry.actor_label == "system:import:2024-01.xlsx"


@pytest.mark.parametrize("actor", [None, "import:2024-01.xlsx"])
def test_a_write_without_a_typed_actor_is_refused_and_recorded_nowhere(db, actor):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        SocialOrgFactory(actor=actor)
    assert AuditEntry.objects.count() == before


def test_personal_data_never_reaches_the_audit_log(objs, zhonglou_officer):
    number, phone = make_id_number(8082), make_phone(8082)
    member = party.member_create(actor=zhonglou_officer, name="隐私党员", gender="female", status="full",
                                 admitted_on="2015-06-01", workplace=objs.org, id_number=number, phone=phone)
    party.member_update(actor=zhonglou_officer, member=member, id_number=make_id_number(8083),
                        phone=make_phone(8083))
    dump = json.dumps(list(AuditEntry.objects.values()), default=str, ensure_ascii=False)
    for secret in (number, phone, make_id_number(8083), make_phone(8083), make_id_number(8080)):
        assert secret not in dump
    assert member.id_number_masked in dump  # the masked form is fine, and shows the scan works


def test_diff_redacts_encrypted_fields_and_skips_timestamps():
    changes = diff({"id_number_hash": "a", "name": "x", "updated_at": 1},
                   {"id_number_hash": "b", "name": "y", "updated_at": 2})
    assert changes == {"id_number_hash": ["***", "***"], "name": ["x", "y"]}


def test_record_without_a_target_keeps_type_and_label(db):
    entry = record(actor=SYSTEM, action="regions.load", target_type="regions.region", target_repr="file:x.csv",
                   changes={"report": [None, "added 1"]})
    assert (entry.actor_label, entry.target_type, entry.target_id, entry.target_repr) == (
        "system:test", "regions.region", "", "file:x.csv")
