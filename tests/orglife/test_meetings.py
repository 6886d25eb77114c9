"""Recording, correcting and deleting meetings, and the member review, through the services: the
rules with their messages, and nothing written when a rule refuses."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shuniu.audit.models import AuditEntry
from shuniu.orglife import compliance
from shuniu.orglife.models import Attendance, LifeRollup, LifeTally, Meeting, ReviewResult
from shuniu.orglife.services import meeting_correct, meeting_delete, meeting_record, review_record
from tests.factories import SYSTEM

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82")


def _state():  # type: ignore[no-untyped-def]
    return (Meeting.objects.count(), Attendance.objects.count(), AuditEntry.objects.filter(action__startswith="meeting").count(),
            list(LifeRollup.objects.order_by("pk").values_list("held_general_meeting", "exp_general_meeting")),
            list(LifeTally.objects.order_by("pk").values_list("held_general_meeting", flat=True)))


def _refused(life, **kwargs):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    before = _state()
    data = {"party_org": life.branch, "kinds": ["general_meeting"], "held_on": dt.date(2026, 4, 10), "topic": "学习",
            "attendees": [life.own[0]], **kwargs}
    with pytest.raises(ValidationError) as e:
        meeting_record(actor=SYSTEM, **data)
    assert _state() == before
    return e.value.message_dict, {err.code for errs in e.value.error_dict.values() for err in errs}


def test_a_general_meeting_with_two_absentees_and_a_photo(life, secretary):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    photo = SimpleUploadedFile("签到表.png", PNG, content_type="image/png")
    m = meeting_record(actor=secretary, party_org=life.branch, kinds=["general_meeting", "theme_day"],
                       held_on=dt.date(2026, 5, 18), topic="学习党章", place="会议室", host="书记",
                       attendees=[life.own[0], life.guest], absentees={life.own[1].pk: "leave", life.own[2].pk: "illness"},
                       files=[photo])
    rows = {a.member_id: (a.present, a.reason, a.participant) for a in m.attendance.all()}
    assert rows == {life.own[0].pk: (True, "", False), life.guest.pk: (True, "", True),
                    life.own[1].pk: (False, "leave", False), life.own[2].pk: (False, "illness", False)}
    assert [f.content_type for f in m.files.all()] == ["image/png"]
    t = LifeTally.objects.get(party_org=life.branch, year=2026)
    assert (t.held_general_meeting, t.held_theme_day, t.att_expected, t.att_present) == (1, 1, 4, 2)
    entry = AuditEntry.objects.get(action="meeting.record")
    assert entry.actor == secretary and entry.changes["kinds"][1] == ["general_meeting", "theme_day"]
    assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)


def test_a_meeting_in_the_future_is_refused(life):  # type: ignore[no-untyped-def]
    messages, codes = _refused(life, held_on=dt.date(2026, 5, 21))
    assert "future" in codes and "召开日期" in messages["held_on"][0]


def test_a_meeting_before_the_party_org_existed_is_refused(life):  # type: ignore[no-untyped-def]
    messages, codes = _refused(life, held_on=dt.date(2019, 6, 30))
    assert "before_established" in codes and "LIFE" in messages["held_on"][0]


def test_an_attendee_who_is_neither_member_nor_participant_is_refused(life):  # type: ignore[no-untyped-def]
    messages, codes = _refused(life, attendees=[life.own[0], life.stranger])
    assert "not_on_roster" in codes
    assert str(life.stranger.pk) in messages["attendees"][0] and "LIFE" in messages["attendees"][0]
    # The stranger's name is not disclosed (they may be outside the writer's scope).
    assert life.stranger.name not in messages["attendees"][0]


def test_a_participant_before_taking_part_is_refused(life):  # type: ignore[no-untyped-def]
    _messages, codes = _refused(life, held_on=dt.date(2025, 12, 20), attendees=[life.own[0], life.guest])
    assert "not_on_roster" in codes


def test_duplicate_attendees_are_refused(life):  # type: ignore[no-untyped-def]
    _messages, codes = _refused(life, attendees=[life.own[0], life.own[0]])
    assert "duplicate" in codes
    _messages, codes = _refused(life, attendees=[life.own[0]], absentees={life.own[0].pk: "leave"})
    assert "duplicate" in codes


def test_a_general_meeting_without_attendees_is_refused(life):  # type: ignore[no-untyped-def]
    messages, codes = _refused(life, attendees=[], absentees={m.pk: "leave" for m in life.own})
    assert "no_attendees" in codes and "出席人数为 0" in messages["attendees"][0]


def test_no_kind_an_unknown_kind_a_bad_reason_and_a_bad_file_are_refused_together(life):  # type: ignore[no-untyped-def]
    bad = SimpleUploadedFile("photo.png", b"MZ\x90\x00not an image", content_type="image/png")
    messages, codes = _refused(life, kinds=["tea_party"], absentees={life.own[1].pk: "holiday"}, files=[bad], topic="")
    assert {"choice", "required", "attachment"} <= codes
    assert set(messages) >= {"kinds", "absentees", "files", "topic"}


def test_a_secretary_cannot_record_for_another_party_org(life, secretary):  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        meeting_record(actor=secretary, party_org=life.other, kinds=["theme_day"], held_on=dt.date(2026, 5, 1),
                       topic="x", attendees=[life.guest])


def test_a_correction_keeps_the_trail_and_moves_the_figures(life, secretary):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    m = meeting_record(actor=secretary, party_org=life.branch, kinds=["theme_day"], held_on=dt.date(2026, 3, 10),
                       topic="学习", attendees=life.own)
    meeting_correct(actor=secretary, meeting=m, reason="补记为党员大会", kinds=["theme_day", "general_meeting"],
                    absentees={life.own[2].pk: "mobile"}, attendees=life.own[:2])
    m.refresh_from_db()
    assert (m.corrections, m.present_count, m.expected_count) == (1, 2, 4)  # the guest too, absent unexcused
    entry = AuditEntry.objects.filter(action="meeting.correct").get()
    assert entry.changes["reason"] == [None, "补记为党员大会"] and "kinds" in entry.changes and "attendance" in entry.changes
    t = LifeTally.objects.get(party_org=life.branch, year=2026)
    assert (t.held_general_meeting, t.att_present) == (1, 2)
    with pytest.raises(ValidationError) as e:
        meeting_correct(actor=secretary, meeting=m, reason="", topic="改")
    assert "reason" in e.value.message_dict
    assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)


def test_a_meeting_is_deleted_only_while_its_quarter_is_open(life, secretary):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    open_one = meeting_record(actor=secretary, party_org=life.branch, kinds=["theme_day"], held_on=dt.date(2026, 4, 2),
                              topic="学习", attendees=life.own)
    closed = meeting_record(actor=secretary, party_org=life.branch, kinds=["theme_day"], held_on=dt.date(2026, 3, 2),
                            topic="学习", attendees=life.own)
    meeting_delete(actor=secretary, meeting=open_one, reason="重复录入")
    assert not Meeting.objects.filter(pk=open_one.pk).exists()
    with pytest.raises(ValidationError) as e:
        meeting_delete(actor=secretary, meeting=closed, reason="重复录入")
    assert "只能更正" in e.value.message_dict["held_on"][0]
    assert compliance.stored_rollup(2026) == compliance.compute_rollup(2026)


def test_the_member_review_counts_by_grade_and_an_unqualified_member_needs_a_follow_up(life, secretary):  # type: ignore[no-untyped-def]
    compliance.ensure_current()
    results = [{"member": life.own[0], "grade": "excellent"}, {"member": life.own[1], "grade": "qualified"},
               {"member": life.own[2], "grade": "unqualified"}]
    with pytest.raises(ValidationError) as e:
        review_record(actor=secretary, party_org=life.branch, year=2025, reviewed_on=dt.date(2026, 1, 15), results=results)
    assert "党章第九条" in e.value.message_dict["results"][0]
    assert not ReviewResult.objects.exists()
    results[2].update(follow_up="education", improve_by=dt.date(2026, 7, 15))
    review_record(actor=secretary, party_org=life.branch, year=2025, reviewed_on=dt.date(2026, 1, 15), results=results)
    with time_machine.travel(dt.datetime(2026, 5, 20, 12), tick=False):
        t = LifeTally.objects.get(party_org=life.branch, year=2025)
        assert (t.rev_excellent, t.rev_qualified, t.rev_basic, t.rev_unqualified) == (1, 1, 0, 1)
        zhonglou = LifeRollup.objects.get(year=2025, dimension="region", key="", region="320404")
        assert zhonglou.rev_unqualified == 1
    # The guest's relation is elsewhere: the review is the relation org's.
    with pytest.raises(ValidationError):
        review_record(actor=secretary, party_org=life.branch, year=2025, reviewed_on=dt.date(2026, 1, 15),
                      results=[{"member": life.guest, "grade": "qualified"}])
    assert compliance.stored_rollup(2025) == compliance.compute_rollup(2025)
