"""Registry writes: org_create / org_update / org_deregister, hubs and hub links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shuniu.audit.models import AuditEntry
from shuniu.registry.models import HubLink, OrgStatus, SocialOrg
from shuniu.registry.services import hub_link_set, org_create, org_deregister, org_update
from tests.factories import CHAOYANG, HEHUACHI, SYSTEM, HubFactory, SocialOrgFactory, make_uscc

pytestmark = pytest.mark.django_db


def _org_data(**overrides):
    data = {
        "name": "钟楼区律师协会",
        "type": "social_group",
        "uscc": make_uscc(900_001),
        "region_code": HEHUACHI,
        "registration_level": "county",
        "established_on": "2012-05-04",
    }
    data.update(overrides)
    return data


def _audit_for(obj):
    return AuditEntry.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


def test_org_create_places_the_org_in_every_prefix_column():
    org = org_create(actor=SYSTEM, **_org_data())
    org.refresh_from_db()
    assert org.region_id == "320404006"
    assert (org.province_code, org.city_code, org.county_code, org.street_code, org.community_code) == (
        "32", "3204", "320404", "320404006", "")
    assert org.uscc == make_uscc(900_001)
    assert org.established_on == dt.date(2012, 5, 4)
    assert org.status == OrgStatus.ACTIVE


def test_org_create_sets_the_registration_authority_region_from_the_level():
    county = org_create(actor=SYSTEM, **_org_data())
    city = org_create(actor=SYSTEM, **_org_data(uscc=make_uscc(900_002), registration_level="city"))
    national = org_create(actor=SYSTEM, **_org_data(uscc=make_uscc(900_003), registration_level="national"))
    assert county.registration_region_id == "320404"
    assert city.registration_region_id == "3204"
    assert national.registration_region_id == "11"


def test_org_create_accepts_a_twelve_digit_region_code():
    org = org_create(actor=SYSTEM, **_org_data(region_code="320404006000"))
    assert org.region_id == "320404006"


def test_org_create_normalizes_a_full_width_uscc():
    code = make_uscc(900_004)
    org = org_create(actor=SYSTEM, **_org_data(uscc="".join(chr(ord(c) + 0xFEE0) for c in code)))
    assert org.uscc == code


@pytest.mark.parametrize("org_type", ["social_group", "service_institution", "foundation"])
def test_org_create_requires_a_uscc_unless_community_org(org_type):
    before = SocialOrg.objects.count()
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **_org_data(type=org_type, uscc=None))
    assert "uscc" in info.value.message_dict
    assert "社区社会组织" in info.value.message_dict["uscc"][0]  # the rule: only community orgs may lack one
    assert SocialOrg.objects.count() == before


def test_org_create_without_the_uscc_key_is_refused_too():
    data = _org_data()
    del data["uscc"]
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **data)
    assert "uscc" in info.value.message_dict


def test_community_orgs_may_have_no_uscc_and_several_of_them_coexist():
    first = org_create(actor=SYSTEM, **_org_data(name="荷花池社区广场舞队", type="community_org", uscc=""))
    second = org_create(actor=SYSTEM, **_org_data(name="荷花池社区读书会", type="community_org", uscc=None))
    assert first.uscc is None and second.uscc is None
    assert SocialOrg.objects.filter(uscc__isnull=True, pk__in=[first.pk, second.pk]).count() == 2


def test_a_duplicate_uscc_is_rejected_naming_field_and_rule_and_nothing_is_written():
    existing = SocialOrgFactory()
    orgs, entries = SocialOrg.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **_org_data(uscc=existing.uscc))
    message = info.value.message_dict["uscc"][0]
    assert existing.uscc in message
    assert "规则" in message and "唯一" in message
    assert SocialOrg.objects.count() == orgs
    assert AuditEntry.objects.count() == entries


def test_a_mistyped_uscc_is_rejected_by_the_service_citing_gb_32100():
    code = make_uscc(900_005)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **_org_data(uscc=wrong))
    assert "GB 32100-2015" in info.value.message_dict["uscc"][0]
    assert not SocialOrg.objects.filter(name="钟楼区律师协会").exists()
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("code", ["999999", "320404999", "abc", "3204041"])
def test_an_unknown_or_malformed_region_is_rejected_and_nothing_is_written(code):
    orgs, entries = SocialOrg.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **_org_data(region_code=code))
    assert list(info.value.message_dict) == ["region_code"]
    assert code in info.value.message_dict["region_code"][0]
    assert SocialOrg.objects.count() == orgs
    assert AuditEntry.objects.count() == entries


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, name="", type="club", uscc="123", region_code="999999",
                   registration_level="county", full_time_staff=-1)
    assert {"name", "type", "uscc", "region_code", "full_time_staff"} <= set(info.value.message_dict)


def test_an_unknown_field_is_rejected_not_ignored():
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **_org_data(colour="red"))
    assert "colour" in info.value.message_dict


def test_an_establishment_date_in_the_future_is_rejected():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        org_create(actor=SYSTEM, **_org_data(established_on=tomorrow))
    assert "established_on" in info.value.message_dict


def test_org_update_writes_an_audit_entry_with_old_and_new_values():
    org = SocialOrgFactory(name="旧名称协会", full_time_staff=2)
    org_update(actor=SYSTEM, org=org, name="新名称协会", full_time_staff=7)
    org.refresh_from_db()
    assert org.name == "新名称协会"
    entry = _audit_for(org).get(action="org.update")
    assert entry.changes["name"] == ["旧名称协会", "新名称协会"]
    assert entry.changes["full_time_staff"] == [2, 7]
    assert "uscc" not in entry.changes  # unchanged fields are not recorded
    assert entry.actor_label == "system:test"


def test_org_update_without_a_change_records_nothing():
    org = SocialOrgFactory(name="不变协会")
    org_update(actor=SYSTEM, org=org, name="不变协会")
    assert not _audit_for(org).filter(action="org.update").exists()


def test_org_update_moving_the_org_updates_the_prefix_columns():
    org = SocialOrgFactory(region_code=HEHUACHI)
    org_update(actor=SYSTEM, org=org, region_code=CHAOYANG)
    org.refresh_from_db()
    assert (org.province_code, org.city_code, org.county_code, org.street_code) == ("11", "1101", "110105", "")


def test_org_update_may_keep_its_own_uscc_but_not_take_another():
    org, other = SocialOrgFactory(), SocialOrgFactory()
    org_update(actor=SYSTEM, org=org, uscc=org.uscc)
    with pytest.raises(ValidationError) as info:
        org_update(actor=SYSTEM, org=org, uscc=other.uscc)
    assert "uscc" in info.value.message_dict
    org.refresh_from_db()
    assert org.uscc != other.uscc


def test_org_update_refuses_to_clear_the_uscc_of_a_registered_org():
    org = SocialOrgFactory(type="foundation")
    with pytest.raises(ValidationError) as info:
        org_update(actor=SYSTEM, org=org, uscc="")
    assert "uscc" in info.value.message_dict


def test_org_deregister_keeps_the_row_with_status_and_date():
    org = SocialOrgFactory(established_on=dt.date(2015, 1, 1))
    org_deregister(actor=SYSTEM, org=org, on=dt.date(2023, 12, 31), reason="自行解散")
    org.refresh_from_db()
    assert org.status == OrgStatus.DEREGISTERED
    assert org.deregistered_on == dt.date(2023, 12, 31)
    entry = _audit_for(org).get(action="org.deregister")
    assert entry.changes["status"] == ["active", "deregistered"]
    assert entry.changes["reason"] == [None, "自行解散"]


def test_org_deregister_twice_or_before_establishment_is_refused():
    org = SocialOrgFactory(established_on=dt.date(2015, 1, 1))
    with pytest.raises(ValidationError) as info:
        org_deregister(actor=SYSTEM, org=org, on=dt.date(2014, 1, 1))
    assert "deregistered_on" in info.value.message_dict
    org_deregister(actor=SYSTEM, org=org, on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as info:
        org_deregister(actor=SYSTEM, org=org, on=dt.date(2021, 1, 1))
    assert "status" in info.value.message_dict


def test_org_create_with_a_hub_opens_a_dated_link():
    hub = HubFactory()
    org = SocialOrgFactory(hub=hub, established_on=dt.date(2019, 4, 1))
    link = HubLink.objects.get(org=org)
    assert (link.hub_id, link.started_on, link.ended_on) == (hub.pk, dt.date(2019, 4, 1), None)
    assert SocialOrg.objects.get(pk=org.pk).hub_id == hub.pk


def test_hub_link_set_keeps_the_history():
    first, second = HubFactory(), HubFactory()
    org = SocialOrgFactory(hub=first, established_on=dt.date(2019, 4, 1))
    hub_link_set(actor=SYSTEM, org=org, hub=second, on=dt.date(2022, 1, 1))
    hub_link_set(actor=SYSTEM, org=org, hub=None, on=dt.date(2023, 6, 30))
    links = list(HubLink.objects.filter(org=org).order_by("started_on").values_list("hub_id", "started_on",
                                                                                      "ended_on"))
    assert links == [
        (first.pk, dt.date(2019, 4, 1), dt.date(2022, 1, 1)),
        (second.pk, dt.date(2022, 1, 1), dt.date(2023, 6, 30)),
    ]
    org.refresh_from_db()
    assert org.hub_id is None
    changes = [e.changes["hub_id"] for e in _audit_for(org).filter(action="org.hub").order_by("id")]
    assert changes == [[first.pk, second.pk], [second.pk, None]]


def test_hub_link_set_to_the_same_hub_changes_nothing():
    hub = HubFactory()
    org = SocialOrgFactory(hub=hub)
    hub_link_set(actor=SYSTEM, org=org, hub=hub, on=dt.date(2024, 1, 1))
    assert HubLink.objects.filter(org=org).count() == 1
    assert not _audit_for(org).filter(action="org.hub").exists()


def test_org_update_of_the_hub_goes_through_the_link_history():
    first, second = HubFactory(), HubFactory()
    org = SocialOrgFactory(hub=first)
    org_update(actor=SYSTEM, org=org, hub=second)
    assert HubLink.objects.filter(org=org).count() == 2
    assert HubLink.objects.get(org=org, ended_on__isnull=True).hub_id == second.pk
    assert _audit_for(org).get(action="org.update").changes["hub_id"] == [first.pk, second.pk]


def test_hub_link_set_cannot_end_the_current_link_before_it_started():
    first, second = HubFactory(), HubFactory()
    org = SocialOrgFactory(hub=first, established_on=dt.date(2019, 4, 1))
    with pytest.raises(ValidationError) as info:
        hub_link_set(actor=SYSTEM, org=org, hub=second, on=dt.date(2019, 3, 1))
    assert "on" in info.value.message_dict
    assert HubLink.objects.get(org=org).ended_on is None
    org.refresh_from_db()
    assert org.hub_id == first.pk
