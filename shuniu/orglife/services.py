"""Writes of organizational life: meetings (record, correct, delete while the period is open, files)
and the yearly member review. Each keeps the compliance figures through ``compliance.track``.

Who may write: the party org's own side (a user whose scope is the party org or one above it: the
secretary, the committee) or an officer whose region holds it (``check_write``). The people on a
meeting are checked against the party org's expected roster on its date (``expected_roster``): the
members whose relation it held that day and the members taking part in its org life; anyone else is
refused with the same message whether or not they exist, so that the check tells nothing about
people outside the writer's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuniu.accounts.actors import Actor, actor_label, user_of
from shuniu.accounts.scopes import check_write
from shuniu.audit.services import diff, record, snapshot
from shuniu.cases import files
from shuniu.core.services import Errors, as_date, choice, not_in_future, require
from shuniu.orglife import compliance
from shuniu.orglife.models import (
    KINDS,
    AbsenceReason,
    Attendance,
    FollowUp,
    Meeting,
    MeetingFile,
    ReviewGrade,
    ReviewResult,
    bits_kinds,
    kinds_bits,
)
from shuniu.orglife.rules import CITE, RULE
from shuniu.party.models import Participation, PartyMember, PartyOrg
from shuniu.party.relations import roster_as_of

ROSTER_RULE = _("规则 LIFE：出席人员须为本组织党员或在本组织参加组织生活的党员")
MEETING_FIELDS = ["place", "host", "recorder", "topic", "lecturer", "invitees", "minutes", "decisions"]
MAX_TEXT = {"place": 200, "host": 60, "recorder": 60, "topic": 200, "lecturer": 60}
MAX_FILES = 10


def expected_roster(party_org: PartyOrg, day: dt.date) -> dict[int, bool]:
    """The members expected at the party org's meetings on ``day``: member id → True when taking part
    from elsewhere (a participation), False when the relation is held here."""
    out: dict[int, bool] = dict.fromkeys(roster_as_of(party_org, day).values_list("pk", flat=True), False)
    participants = (Participation.objects.filter(party_org=party_org, started_on__lte=day)
                    .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
                    .filter(Q(member__ended_on__isnull=True) | Q(member__ended_on__gt=day))
                    .values_list("member_id", flat=True))
    for pk in participants:
        out.setdefault(pk, True)
    return out


def _member_id(value: Any) -> int | None:
    if isinstance(value, PartyMember):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clean_kinds(errors: Errors, kinds: Any) -> list[str]:
    values = [kinds] if isinstance(kinds, str) else list(kinds or [])
    unknown = [k for k in values if k not in KINDS]
    if not values:
        errors.add("kinds", _("请选择会议类型（规则 LIFE：每条记录至少属于一种组织生活）"), "required")
    for kind in unknown:
        errors.add("kinds", _("会议类型“%(k)s”无效（规则：取值为 %(allowed)s 之一）")
                   % {"k": kind, "allowed": " / ".join(KINDS)}, "choice")
    return [k for k in KINDS if k in values]


def _clean_day(errors: Errors, party_org: PartyOrg, value: Any) -> dt.date | None:
    day = as_date(errors, "held_on", value, _("召开日期"))
    require(errors, "held_on", value, _("召开日期"))
    not_in_future(errors, "held_on", day, _("召开日期"))
    if day is not None and day < party_org.established_on:
        errors.add("held_on", _("召开日期 %(d)s 早于党组织成立日期 %(e)s（规则 LIFE：只记录党组织存续期间的组织生活）")
                   % {"d": day.isoformat(), "e": party_org.established_on.isoformat()}, "before_established")
    if day is not None and party_org.dissolved_on is not None and day >= party_org.dissolved_on:
        errors.add("held_on", _("召开日期 %(d)s 不早于党组织撤销日期 %(e)s（规则 LIFE：只记录党组织存续期间的组织生活）")
                   % {"d": day.isoformat(), "e": party_org.dissolved_on.isoformat()}, "after_dissolved")
    return day


def _clean_text(errors: Errors, data: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for name in MEETING_FIELDS:
        if name not in data:
            continue
        value = str(data[name] or "").strip()
        limit = MAX_TEXT.get(name, 20000)
        if len(value) > limit:
            errors.add(name, _("长度 %(n)s 超过上限 %(max)s（规则：字段长度）") % {"n": len(value), "max": limit}, "length")
        out[name] = value
    return out


def _clean_people(errors: Errors, roster: dict[int, bool], attendees: Sequence[Any],
                  absentees: Mapping[Any, Any] | Sequence[Any]) -> dict[int, tuple[bool, str, str]]:
    """member id → (present, reason, note), every expected member included (absent, no reason, when
    not named). ``absentees``: member → reason, or a sequence of (member, reason[, note])."""
    present_ids: list[int] = []
    bad: list[str] = []
    for value in attendees:
        pk = _member_id(value)
        if pk is None:
            bad.append(str(value))
        else:
            present_ids.append(pk)
    items = list(absentees.items()) if isinstance(absentees, Mapping) else [tuple(a) for a in absentees]
    absent: dict[int, tuple[str, str]] = {}
    absent_order: list[int] = []
    for item in items:
        pk = _member_id(item[0])
        reason = str(item[1] or "") if len(item) > 1 else ""
        note = str(item[2] or "")[:200] if len(item) > 2 else ""
        if pk is None:
            bad.append(str(item[0]))
            continue
        absent_order.append(pk)
        if reason:
            choice(errors, "absentees", reason, AbsenceReason, _("缺席原因"))
        absent[pk] = (reason, note)
    names = dict(PartyMember.objects.filter(pk__in=[*present_ids, *absent_order]).values_list("pk", "name"))
    seen: set[int] = set()
    duplicates = []
    for pk in [*present_ids, *absent_order]:
        if pk in seen:
            duplicates.append(pk)
        seen.add(pk)
    if duplicates:
        errors.add("attendees", _("出席或缺席人员重复：%(who)s（规则 LIFE：每人只记录一次）")
                   % {"who": "、".join(names.get(pk, str(pk)) if roster.get(pk) is not None else str(pk)
                                       for pk in dict.fromkeys(duplicates))}, "duplicate")
    outsiders = [pk for pk in dict.fromkeys([*present_ids, *absent_order]) if pk not in roster] + [None] * len(bad)
    if outsiders:
        # Named by what the caller gave (an id), never by a name looked up outside the roster.
        shown = [str(pk) for pk in outsiders if pk is not None] + bad
        errors.add("attendees", _("以下人员不是本组织在会议当日的党员，也未在本组织参加组织生活：%(who)s（%(rule)s）")
                   % {"who": "、".join(shown), "rule": ROSTER_RULE}, "not_on_roster")
    if not [pk for pk in present_ids if pk in roster]:
        errors.add("attendees", _("出席人数为 0：没有党员出席的会议不能记录为组织生活（规则 LIFE：%(cite)s）")
                   % {"cite": CITE}, "no_attendees")
    people = {pk: (False, "", "") for pk in roster}
    for pk in present_ids:
        if pk in roster:
            people[pk] = (True, "", "")
    for pk, (reason, note) in absent.items():
        if pk in roster and pk not in present_ids:
            people[pk] = (False, reason, note)
    return people


def _check_files(errors: Errors, uploads: Iterable[UploadedFile]) -> list[tuple[UploadedFile, files.Checked]]:
    out: list[tuple[UploadedFile, files.Checked]] = []
    uploads = list(uploads)
    if len(uploads) > MAX_FILES:
        errors.add("files", _("附件 %(n)s 个，超过上限 %(max)s 个（规则：附件数量上限）") % {"n": len(uploads), "max": MAX_FILES},
                   "too_many")
        return out
    for upload in uploads:
        name = (upload.name or "").rsplit("/", 1)[-1][:200]
        ok, problem = files.check(upload, name, upload.size or 0)
        if problem:
            errors.add("files", problem, "attachment")
        elif ok is not None:
            out.append((upload, ok))
    return out


def _store_files(meeting: Meeting, checked: list[tuple[UploadedFile, files.Checked]], actor: Any) -> None:
    for upload, ok in checked:
        name = (upload.name or "").rsplit("/", 1)[-1][:200] or f"file.{ok.extension}"
        row = MeetingFile(meeting=meeting, name=name, extension=ok.extension, content_type=ok.content_type,
                          size=ok.size, sha256=ok.sha256, uploaded_by_label=actor_label(actor))
        upload.seek(0)
        row.file.save(name, upload, save=False)
        row.save()


def _write_people(meeting: Meeting, people: dict[int, tuple[bool, str, str]], roster: dict[int, bool]) -> None:
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create([
        Attendance(meeting=meeting, member_id=pk, present=present, reason=reason, note=note,
                   participant=roster.get(pk, False))
        for pk, (present, reason, note) in sorted(people.items())])
    meeting.expected_count = len(people)
    meeting.present_count = sum(1 for present, _r, _n in people.values() if present)
    meeting.save(update_fields=["expected_count", "present_count"])


@dataclass
class CleanMeeting:
    """A meeting's values once checked (``clean_meeting``): what ``meeting_record`` writes."""

    bits: int
    day: dt.date | None
    text: dict[str, str]
    people: dict[int, tuple[bool, str, str]] = field(default_factory=dict)
    roster: dict[int, bool] = field(default_factory=dict)


def clean_meeting(errors: Errors, party_org: PartyOrg, *, kinds: Any, held_on: Any, topic: str = "",
                  attendees: Sequence[Any] = (), absentees: Mapping[Any, Any] | Sequence[Any] = (),
                  data: Mapping[str, Any] | None = None, roster: dict[int, bool] | None = None) -> CleanMeeting:
    """Every rule of a new meeting, reported into ``errors`` keyed by field: the kinds, the date within
    the party org's life and not in the future, the text fields, the people against the expected
    roster of the day (``roster``, when the caller has it already: the import reads it once per
    party org and day). ``meeting_record`` and the meetings import both call it."""
    data = dict(data or {})
    for name in sorted(set(data) - set(MEETING_FIELDS)):
        errors.add(name, _("未知字段“%(f)s”") % {"f": name}, "unknown")
    bits = kinds_bits(_clean_kinds(errors, kinds))
    day = _clean_day(errors, party_org, held_on)
    text = _clean_text(errors, {**data, "topic": topic})
    require(errors, "topic", text.get("topic"), _("主题"))
    out = CleanMeeting(bits, day, text)
    if day is not None and "held_on" not in errors.by_field:
        out.roster = roster if roster is not None else expected_roster(party_org, day)
        out.people = _clean_people(errors, out.roster, attendees, absentees)
    return out


@transaction.atomic
def meeting_record(*, actor: Actor, party_org: PartyOrg, kinds: Any, held_on: Any, topic: str = "",
                   attendees: Sequence[Any] = (), absentees: Mapping[Any, Any] | Sequence[Any] = (),
                   files: Iterable[UploadedFile] = (), is_demo: bool = False, **data: Any) -> Meeting:
    """Record a meeting (several kinds at once count for each). ``attendees``: the members present;
    ``absentees``: member → reason (leave / mobile / illness / other); expected members named in
    neither are recorded as absent without a reason (unexcused)."""
    check_write(actor, party_org)
    errors = Errors()
    clean = clean_meeting(errors, party_org, kinds=kinds, held_on=held_on, topic=topic, attendees=attendees,
                          absentees=absentees, data=data)
    bits, day, text, people, roster = clean.bits, clean.day, clean.text, clean.people, clean.roster
    checked = _check_files(errors, files)
    errors.raise_if_any()
    assert day is not None
    with compliance.track() as t:
        t.touch(party_orgs=[party_org.pk], years=[day.year])
        meeting = Meeting.objects.create(party_org=party_org, kinds=bits, held_on=day, is_demo=is_demo,
                                         recorded_by=user_of(actor),
                                         recorded_by_label=actor_label(actor), **text)
        _write_people(meeting, people, roster)
    _store_files(meeting, checked, actor)
    record(actor=actor, action="meeting.record", target=meeting,
           changes={"party_org_id": [None, party_org.pk], "kinds": [None, bits_kinds(bits)],
                    "held_on": [None, day.isoformat()], "present": [None, meeting.present_count],
                    "expected": [None, meeting.expected_count], "files": [None, len(checked)]})
    return meeting


def closes_on(meeting: Meeting) -> dt.date:
    """The last day a meeting may be deleted: the end of its quarter (afterwards it is corrected only)."""
    month = ((meeting.held_on.month - 1) // 3) * 3 + 3
    from shuniu.party.terms import add_months

    return add_months(dt.date(meeting.held_on.year, month, 1), 1) - dt.timedelta(days=1)


@transaction.atomic
def meeting_correct(*, actor: Actor, meeting: Meeting, reason: str, kinds: Any = None, held_on: Any = None,
                    attendees: Sequence[Any] | None = None, absentees: Mapping[Any, Any] | Sequence[Any] | None = None,
                    **data: Any) -> Meeting:
    """Correct a recorded meeting, with the reason; the audit entry keeps what changed from what."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    party_org = meeting.party_org
    check_write(actor, party_org)
    errors = Errors()
    require(errors, "reason", (reason or "").strip(), _("更正原因"))
    for name in sorted(set(data) - set(MEETING_FIELDS)):
        errors.add(name, _("未知字段“%(f)s”") % {"f": name}, "unknown")
    before = snapshot(meeting)
    before_people = {a.member_id: (a.present, a.reason) for a in meeting.attendance.all()}
    bits = kinds_bits(_clean_kinds(errors, kinds)) if kinds is not None else meeting.kinds
    day = _clean_day(errors, party_org, held_on) if held_on is not None else meeting.held_on
    text = _clean_text(errors, data)
    if "topic" in text:
        require(errors, "topic", text["topic"], _("主题"))
    people = None
    roster: dict[int, bool] = {}
    if day is not None and "held_on" not in errors.by_field and (
            attendees is not None or absentees is not None or day != meeting.held_on):
        roster = expected_roster(party_org, day)
        if attendees is None:
            attendees = [pk for pk, (present, _r) in before_people.items() if present]
        if absentees is None:
            absentees = [(pk, r) for pk, (present, r) in before_people.items() if not present and pk in roster]
        people = _clean_people(errors, roster, attendees, absentees)
    errors.raise_if_any()
    assert day is not None
    with compliance.track() as t:
        t.touch(party_orgs=[party_org.pk], years=[meeting.held_on.year, day.year])
        meeting.kinds, meeting.held_on = bits, day
        for name, value in text.items():
            setattr(meeting, name, value)
        meeting.corrections += 1
        meeting.save()
        if people is not None:
            _write_people(meeting, people, roster)
    changes = diff(before, snapshot(meeting))
    changes.pop("corrections", None)
    changes.pop("updated_at", None)
    if people is not None:
        after_people = {pk: (present, r) for pk, (present, r, _n) in people.items()}
        if after_people != before_people:
            changes["attendance"] = [{str(k): list(v) for k, v in sorted(before_people.items())},
                                     {str(k): list(v) for k, v in sorted(after_people.items())}]
    changes["reason"] = [None, reason.strip()]
    record(actor=actor, action="meeting.correct", target=meeting, changes=changes)
    return meeting


@transaction.atomic
def meeting_delete(*, actor: Actor, meeting: Meeting, reason: str) -> None:
    """Delete a meeting recorded by mistake, only while its quarter is open; afterwards correct it."""
    party_org = meeting.party_org
    check_write(actor, party_org)
    errors = Errors()
    require(errors, "reason", (reason or "").strip(), _("删除原因"))
    if compliance.today() > closes_on(meeting):
        errors.add("held_on", _("会议所在季度已于 %(d)s 结束，记录不能删除，只能更正（规则 LIFE：组织生活记录留痕）")
                   % {"d": closes_on(meeting).isoformat()}, "closed")
    errors.raise_if_any()
    before = snapshot(meeting)
    with compliance.track() as t:
        t.touch(party_orgs=[party_org.pk], years=[meeting.held_on.year])
        MeetingFile.objects.filter(meeting=meeting).delete()
        meeting.review_results.update(meeting=None)
        meeting.delete()
    record(actor=actor, action="meeting.delete", target_type="orglife.meeting", target_repr=str(before.get("topic")),
           changes={"held_on": [before.get("held_on"), None], "party_org_id": [party_org.pk, None],
                    "reason": [None, reason.strip()]})


@transaction.atomic
def meeting_file_add(*, actor: Actor, meeting: Meeting, upload: UploadedFile) -> MeetingFile:
    check_write(actor, meeting.party_org)
    errors = Errors()
    if meeting.files.count() >= MAX_FILES:
        errors.add("files", _("附件已有 %(max)s 个（规则：附件数量上限）") % {"max": MAX_FILES}, "too_many")
    checked = _check_files(errors, [upload])
    errors.raise_if_any()
    _store_files(meeting, checked, actor)
    record(actor=actor, action="meeting.file", target=meeting, changes={"file": [None, checked[0][1].sha256]})
    return meeting.files.order_by("-id").first()  # type: ignore[return-value]


# ---- the member review ---------------------------------------------------------------------------

def _clean_results(errors: Errors, party_org: PartyOrg, day: dt.date | None,
                   results: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, str, dt.date | None, str]]:
    roster = set(roster_as_of(party_org, day).values_list("pk", flat=True)) if day is not None else set()
    cleaned = []
    seen: set[int] = set()
    for i, result in enumerate(results, start=1):
        pk = _member_id(result.get("member"))
        if pk is None or (day is not None and pk not in roster):
            errors.add("results", _("第 %(i)s 条：%(who)s 不是本组织在评议日期的党员（规则 LIFE：民主评议本组织党员）")
                       % {"i": i, "who": result.get("member")}, "not_on_roster")
            continue
        if pk in seen:
            errors.add("results", _("第 %(i)s 条：同一党员重复评议（规则 LIFE：每人每年一个结果）") % {"i": i}, "duplicate")
            continue
        seen.add(pk)
        grade = choice(errors, "results", result.get("grade"), ReviewGrade, _("评议结果"))
        follow = str(result.get("follow_up") or "")
        improve_by = as_date(errors, "results", result.get("improve_by"), _("限期改正至"))
        if follow:
            choice(errors, "results", follow, FollowUp, _("处置"))
        if grade == ReviewGrade.UNQUALIFIED and not follow:
            errors.add("results", _("第 %(i)s 条：评为不合格须写明处置：限期改正、劝其退党或除名（规则：党章第九条）") % {"i": i},
                       "follow_up")
        if grade != ReviewGrade.UNQUALIFIED and follow:
            errors.add("results", _("第 %(i)s 条：只有不合格党员才有处置（规则：党章第九条）") % {"i": i}, "follow_up")
        if follow == FollowUp.EDUCATION and (improve_by is None or (day is not None and improve_by <= day)):
            errors.add("results", _("第 %(i)s 条：限期改正须写明晚于评议日期的期限（规则：党章第九条）") % {"i": i}, "improve_by")
        cleaned.append((pk, grade, follow, improve_by if follow == FollowUp.EDUCATION else None,
                        str(result.get("note") or "")[:200]))
    return cleaned


@transaction.atomic
def review_record(*, actor: Actor, party_org: PartyOrg, year: Any, reviewed_on: Any,
                  results: Sequence[Mapping[str, Any]], meeting: Meeting | None = None,
                  is_demo: bool = False) -> list[ReviewResult]:
    """Record the member review of a year (民主评议党员): each result is ``{"member", "grade",
    "follow_up", "improve_by", "note"}``; a 不合格 result needs its follow-up (education with a date to
    improve by, persuading to withdraw, or removal). A member already reviewed that year is corrected."""
    check_write(actor, party_org)
    if meeting is not None:
        check_write(actor, meeting.party_org)
    errors = Errors()
    day = as_date(errors, "reviewed_on", reviewed_on, _("评议日期"))
    require(errors, "reviewed_on", reviewed_on, _("评议日期"))
    not_in_future(errors, "reviewed_on", day, _("评议日期"))
    try:
        year_n = int(year)
    except (TypeError, ValueError):
        year_n = 0
    if day is not None and year_n not in (day.year, day.year - 1):
        errors.add("year", _("评议年度 %(y)s 须为评议日期所在年度或上一年度（规则 LIFE：民主评议党员每年一次）")
                   % {"y": year}, "year")
    if day is not None and day < party_org.established_on:
        errors.add("reviewed_on", _("评议日期早于党组织成立日期（规则 LIFE）"), "before_established")
    if meeting is not None and meeting.party_org_id != party_org.pk:
        errors.add("meeting", _("评议会议不是本组织的会议"), "meeting")
    cleaned = _clean_results(errors, party_org, day, results)
    if not cleaned and not errors.by_field:
        errors.add("results", _("没有评议结果"), "required")
    errors.raise_if_any()
    assert day is not None
    out = []
    with compliance.track() as t:
        t.touch(party_orgs=[party_org.pk], years=[year_n])
        existing = {r.member_id: r for r in ReviewResult.objects.filter(year=year_n, member_id__in=[c[0] for c in cleaned])}
        for pk, grade, follow, improve_by, note in cleaned:
            row = existing.get(pk)
            if row is not None and row.party_org_id != party_org.pk:
                check_write(actor, row.party_org)
                t.touch(party_orgs=[row.party_org_id])
            values = {"party_org": party_org, "reviewed_on": day, "grade": grade, "follow_up": follow,
                      "improve_by": improve_by, "note": note, "meeting": meeting}
            if row is None:
                row = ReviewResult.objects.create(member_id=pk, year=year_n, is_demo=is_demo, **values)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
            out.append(row)
    record(actor=actor, action="review.record", target=party_org,
           changes={"year": [None, year_n], "results": [None, {str(r.member_id): r.grade for r in out}]})
    return out


__all__ = ["RULE", "CleanMeeting", "clean_meeting", "closes_on", "expected_roster", "meeting_correct", "meeting_delete", "meeting_file_add",
           "meeting_record", "review_record"]
