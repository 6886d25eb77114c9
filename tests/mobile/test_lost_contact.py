"""The lost-contact case (rule MOBILE; EDU 2019 art. 24): recorded by the branch, submitted once 6
months have passed, approved by the superior, which records 停止党籍 (never automatic)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.cases.models import Case
from shuniu.cases.services import case_act, case_open
from shuniu.party.models import PartyMember
from shuniu.party.terms import add_months
from tests.mobile.conftest import TODAY

pytestmark = pytest.mark.django_db

SIX = add_months(TODAY, -6)


def _open(user, member, lost: dt.date) -> Case:  # type: ignore[no-untyped-def]
    return case_open(actor=user, kind="lost_contact", member=member,
                     data={"lost_since": lost.isoformat(), "efforts": "电话、走访"})


def test_recording_a_lost_contact_changes_nothing_on_the_member(mobile, sec_a):
    member = mobile.m["a4"]
    case = _open(sec_a, member, TODAY - dt.timedelta(days=30))
    assert case.state == "draft" and case.holder_id == mobile.a.pk
    member.refresh_from_db()
    assert member.ended_on is None


def test_submitting_a_day_before_six_months_is_refused_naming_the_rule(mobile, sec_a):
    case = _open(sec_a, mobile.m["a4"], SIX + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        case_act(actor=sec_a, case=case, action="submit")
    message = " ".join(exc.value.message_dict["lost_since"])
    assert "未满 6 个月" in message and "MOBILE" in message and "第二十四条" in message
    case.refresh_from_db()
    assert case.state == "draft"


def test_at_six_months_the_branch_submits_and_the_superior_approves_stopping_the_standing(
        mobile, sec_a, committee_user):
    member = mobile.m["a4"]
    case = _open(sec_a, member, SIX)
    case = case_act(actor=sec_a, case=case, action="submit")
    assert case.state == "submitted" and case.body_id == mobile.committee.pk
    # The branch cannot approve its own request; the superior's user can.
    with pytest.raises(PermissionDenied):
        case_act(actor=sec_a, case=case, action="approve", data={"decision_no": "钟党〔2026〕1号",
                                                                   "decided_on": TODAY.isoformat()})
    assert PartyMember.objects.get(pk=member.pk).ended_on is None
    with pytest.raises(ValidationError) as exc:  # the decision needs its number
        case_act(actor=committee_user, case=case, action="approve", data={"decided_on": TODAY.isoformat()})
    assert "decision_no" in exc.value.message_dict
    case = case_act(actor=committee_user, case=case, action="approve",
                    data={"decision_no": "钟党〔2026〕1号", "decided_on": TODAY.isoformat()})
    assert case.state == "approved"
    member.refresh_from_db()
    assert member.ended_on == TODAY and member.end_reason == "stopped" and "钟党〔2026〕1号" in member.end_note


def test_another_branch_cannot_open_or_decide(mobile, sec_b):
    with pytest.raises(PermissionDenied):
        _open(sec_b, mobile.m["a4"], SIX)
    assert not Case.objects.filter(kind="lost_contact").exists()


def test_a_lost_since_in_the_future_is_refused(mobile, sec_a):
    with pytest.raises(ValidationError) as exc:
        _open(sec_a, mobile.m["a4"], TODAY + dt.timedelta(days=1))
    assert "lost_since" in exc.value.message_dict
    assert not Case.objects.filter(kind="lost_contact").exists()


def _stopped(mobile, sec_a, committee_user, years_ago: int):  # type: ignore[no-untyped-def]
    """a4 out of contact, stopped by the superior's decision ``years_ago`` years ago (the date moved back)."""
    from shuniu.core.services import add_years

    member = mobile.m["a4"]
    case = _open(sec_a, member, SIX)
    case = case_act(actor=sec_a, case=case, action="submit")
    case_act(actor=committee_user, case=case, action="approve", data={"decision_no": "钟党〔2024〕1号",
                                                                        "decided_on": TODAY.isoformat()})
    PartyMember.objects.filter(pk=member.pk).update(ended_on=add_years(TODAY, -years_ago))
    member.refresh_from_db()
    return member


def test_removal_two_years_after_the_stop_is_a_later_decision_the_same_way(mobile, sec_a, committee_user):
    member = _stopped(mobile, sec_a, committee_user, 2)
    case = case_open(actor=sec_a, kind="lost_contact", member=member,
                     data={"lost_since": SIX.isoformat(), "decision": "removed"})
    case = case_act(actor=sec_a, case=case, action="submit")
    case_act(actor=committee_user, case=case, action="approve", data={"decision_no": "钟党〔2026〕9号",
                                                                        "decided_on": TODAY.isoformat()})
    member.refresh_from_db()
    assert member.end_reason == "removed" and "钟党〔2026〕9号" in member.end_note


def test_removal_less_than_two_years_after_the_stop_or_of_a_member_on_the_roster_is_refused(
        mobile, sec_a, committee_user):
    with pytest.raises(ValidationError) as exc:
        case_open(actor=sec_a, kind="lost_contact", member=mobile.m["a3"],
                  data={"lost_since": SIX.isoformat(), "decision": "removed"})
    assert "decision" in exc.value.message_dict
    member = _stopped(mobile, sec_a, committee_user, 1)
    case = case_open(actor=sec_a, kind="lost_contact", member=member,
                     data={"lost_since": SIX.isoformat(), "decision": "removed"})
    with pytest.raises(ValidationError) as exc:
        case_act(actor=sec_a, case=case, action="submit")
    assert "未满 2 年" in " ".join(exc.value.message_dict["decision"])
    member.refresh_from_db()
    assert member.end_reason == "stopped"


def test_the_removal_page_is_for_stopped_members_of_the_scope(mobile, sec_a, sec_b, committee_user):
    from django.test import Client

    member = _stopped(mobile, sec_a, committee_user, 3)
    a, b = Client(), Client()
    a.force_login(sec_a)
    b.force_login(sec_b)
    assert "提出除名" in a.get("/mobile/").content.decode()
    assert b.get(f"/mobile/members/{member.pk}/removal/").status_code == 404
    assert a.get(f"/mobile/members/{mobile.m['a3'].pk}/removal/").status_code == 404  # on the roster
    response = a.post(f"/mobile/members/{member.pk}/removal/", {"lost_since": SIX.isoformat()})
    assert response.status_code == 302
    assert Case.objects.get(kind="lost_contact", member=member, data__decision="removed").state == "draft"
