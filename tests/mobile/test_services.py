"""The mobile services: what they write, and each refusal naming its field and rule with nothing
changed; the scope of each write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.audit.models import AuditEntry
from shuniu.mobile.models import Inflow, Outflow
from shuniu.mobile.services import inflow_end, inflow_take_in, outflow_end, outflow_register
from shuniu.party.models import Participation, PartyMember
from tests.factories import SYSTEM
from tests.mobile.conftest import TODAY

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (list(Outflow.objects.order_by("pk").values_list()), list(Inflow.objects.order_by("pk").values_list()),
            list(Participation.objects.order_by("pk").values_list("pk", "ended_on")),
            list(PartyMember.objects.order_by("pk").values_list("pk", "is_mobile", "ended_on")),
            AuditEntry.objects.count())


def refused(call, field: str, *words: str) -> None:  # type: ignore[no-untyped-def]
    before = state()
    with pytest.raises(ValidationError) as exc:
        call()
    messages = [str(m) for e in exc.value.error_dict.get(field, []) for m in e.messages]
    assert messages, f"no error on {field}: {exc.value.message_dict}"
    for word in words:
        assert any(word in m for m in messages), (word, messages)
    assert state() == before


def test_registering_writes_the_outflow_makes_the_member_mobile_and_audits(mobile, sec_a):
    member = mobile.m["a4"]
    outflow = outflow_register(actor=sec_a, member=member, destination="苏州市工业园区", since=TODAY, reason="务工",
                               phone="13912345678", certificate_no="LD-1")
    member.refresh_from_db()
    assert member.is_mobile and member.relation_org_id == mobile.a.pk  # the relation stays
    assert outflow.phone_masked and "13912345678" not in outflow.phone_masked
    assert AuditEntry.objects.filter(action="mobile.outflow_register", target_id=str(member.pk)).exists()


def test_an_outflow_for_a_member_who_left_the_roster_is_refused(mobile, sec_a):
    refused(lambda: outflow_register(actor=sec_a, member=mobile.m["a6"], destination="苏州", since=TODAY, reason="务工"),
            "member", "已于", "MOBILE")


def test_a_since_date_in_the_future_is_refused(mobile, sec_a):
    refused(lambda: outflow_register(actor=sec_a, member=mobile.m["a4"], destination="苏州",
                                     since=TODAY + dt.timedelta(days=1), reason="务工"),
            "since", "不能晚于今天")


def test_a_second_open_outflow_is_refused(mobile, sec_a):
    refused(lambda: outflow_register(actor=sec_a, member=mobile.m["a1"], destination="苏州", since=TODAY, reason="务工"),
            "member", "未结束的流出登记", "MOBILE")


def test_every_problem_at_once_keyed_by_field(mobile, sec_a):
    before = state()
    with pytest.raises(ValidationError) as exc:
        outflow_register(actor=sec_a, member=mobile.m["a4"], destination="", since="2026-02-30", reason="",
                         region="999999", expected_return="2000-01-01", phone="12")
    assert {"destination", "since", "reason", "region", "phone"} <= set(exc.value.message_dict)
    assert state() == before


def test_a_take_in_by_the_party_org_that_holds_the_relation_is_refused(mobile, committee_user):
    refused(lambda: inflow_take_in(actor=committee_user, outflow=mobile.out["a1"], host=mobile.a, started_on=TODAY),
            "host", "组织关系所在", "MOBILE")


def test_a_second_host_while_one_holds_them_is_refused(mobile, committee_user):
    refused(lambda: inflow_take_in(actor=committee_user, outflow=mobile.out["b1"], host=mobile.b, started_on=TODAY),
            "host")  # b holds the relation too
    other = mobile.committee
    refused(lambda: inflow_take_in(actor=committee_user, outflow=mobile.out["b1"], host=other, started_on=TODAY),
            "host", "已由其他党组织接收")


def test_a_take_in_before_the_outflow_or_of_an_ended_outflow_is_refused(mobile, committee_user):
    refused(lambda: inflow_take_in(actor=committee_user, outflow=mobile.out["a1"], host=mobile.b,
                                   started_on=mobile.out["a1"].since - dt.timedelta(days=1)), "started_on", "外出日期")
    refused(lambda: inflow_take_in(actor=committee_user, outflow=mobile.out["a5"], host=mobile.b, started_on=TODAY),
            "outflow", "已于")


def test_taking_in_makes_a_participation_that_never_moves_the_relation(mobile, committee_user):
    inflow = inflow_take_in(actor=committee_user, outflow=mobile.out["a1"], host=mobile.b, started_on=TODAY)
    assert inflow.participation.party_org_id == mobile.b.pk and inflow.participation.ended_on is None
    member = PartyMember.objects.get(pk=mobile.m["a1"].pk)
    assert member.relation_org_id == mobile.a.pk


def test_ending_the_outflow_ends_the_inflow_and_its_participation_and_the_mobile_flag(mobile, committee_user):
    outflow = mobile.out["b1"]
    inflow = Inflow.objects.get(outflow=outflow)
    outflow_end(actor=committee_user, outflow=outflow, ended_on=TODAY, reason="transferred")
    inflow.refresh_from_db()
    assert inflow.ended_on == TODAY and Participation.objects.get(pk=inflow.participation_id).ended_on == TODAY
    assert not PartyMember.objects.get(pk=mobile.m["b1"].pk).is_mobile


def test_ending_refusals(mobile, sec_a):
    refused(lambda: outflow_end(actor=sec_a, outflow=mobile.out["a5"], ended_on=TODAY), "ended_on", "已于")
    refused(lambda: outflow_end(actor=sec_a, outflow=mobile.out["a1"], ended_on=TODAY, reason="other"), "end_note")
    refused(lambda: outflow_end(actor=sec_a, outflow=mobile.out["a1"], ended_on=mobile.out["a1"].since
                                - dt.timedelta(days=1)), "ended_on", "外出日期")
    refused(lambda: outflow_end(actor=sec_a, outflow=mobile.out["a1"], ended_on=TODAY, reason="lost"), "end_reason")


def test_the_scope_of_each_write(mobile, sec_a, sec_b, chaoyang):
    before = state()
    with pytest.raises(PermissionDenied):  # another branch's member
        outflow_register(actor=sec_b, member=mobile.m["a4"], destination="苏州", since=TODAY, reason="务工")
    with pytest.raises(PermissionDenied):  # the host b lies outside branch a
        inflow_take_in(actor=sec_a, outflow=mobile.out["a1"], host=mobile.b, started_on=TODAY)
    with pytest.raises(PermissionDenied):  # the relation side does not end the host's inflow
        inflow_end(actor=sec_b, inflow=Inflow.objects.get(outflow=mobile.out["b1"]), ended_on=TODAY)
    with pytest.raises(PermissionDenied):  # b1 is hosted by a: b alone cannot end the inflow with it
        outflow_end(actor=sec_b, outflow=mobile.out["b1"], ended_on=TODAY)
    with pytest.raises(PermissionDenied):
        outflow_end(actor=chaoyang, outflow=mobile.out["a1"], ended_on=TODAY)
    assert state() == before
    # The host ends its own inflow.
    inflow_end(actor=sec_a, inflow=Inflow.objects.get(outflow=mobile.out["b1"]), ended_on=TODAY)


def test_a_system_actor_may_not_be_none(mobile):
    with pytest.raises(PermissionDenied):
        outflow_register(actor=None, member=mobile.m["a4"], destination="苏州", since=TODAY, reason="务工")  # type: ignore[arg-type]
    assert not Outflow.objects.filter(member=mobile.m["a4"]).exists()


def test_demo_flag_and_system_actor(mobile):
    outflow = outflow_register(actor=SYSTEM, member=mobile.m["a4"], destination="苏州", since=TODAY, reason="务工",
                               is_demo=True)
    assert outflow.is_demo
