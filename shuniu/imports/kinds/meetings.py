"""Import kind "meetings": records of organizational life (组织生活记录), one meeting a row.

A row names the party org (by its name, or its number in the system), the date, the kinds (Chinese
labels separated by 、 , ; or /, e.g. “主题党日、支部党员大会”: a meeting of several kinds counts for
each), the topic, place, host, recorder and lecturer, the members present as a list of ID numbers
(18-digit 公民身份号码, found by their keyed hash as the members import finds them) or names (a name
must be unique on the party org's roster that day), the absentees with their reasons (e.g.
“张三（请假）；李四（生病）”), the invitees, the minutes and the decisions.

Every row is checked with ``meeting_record``'s own rules (``shuniu.orglife.services.clean_meeting``:
the kinds, the date within the party org's life and not in the future, the roster of the day, no
duplicate, at least one member present); what only a file has (a name that is ambiguous or not on
the roster, an unknown ID number) is checked here and named with the row and the column. Rows
naming a party org outside the actor's jurisdiction are refused one by one.

Limit: the rows are written through ``meeting_record`` one at a time (each keeps the compliance
figures, a few dozen queries), and the roster is read once per party org and day: meant for files of
hundreds of meetings; ``MAX_ROWS`` refuses a larger file. A file with any wrong row writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core import crypto
from shuniu.core.services import Errors
from shuniu.core.validators import normalize_code
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.members import _in_chunks
from shuniu.imports.spec import Column
from shuniu.orglife.models import AbsenceReason, Attendance, Meeting, MeetingKind
from shuniu.orglife.services import ROSTER_RULE, clean_meeting, expected_roster, meeting_record
from shuniu.party.models import PartyMember, PartyOrg

MAX_ROWS = 2000

# Labels (and the usual short forms) of the kinds of meeting, as officers write them.
KIND_OPTIONS: dict[str, str] = {
    **{str(label): value for value, label in MeetingKind.choices},
    "党员大会": MeetingKind.GENERAL_MEETING, "支部大会": MeetingKind.GENERAL_MEETING,
    "支部委员会": MeetingKind.COMMITTEE_MEETING, "支委会会议": MeetingKind.COMMITTEE_MEETING,
    "党小组": MeetingKind.GROUP_MEETING, "党课": MeetingKind.PARTY_LECTURE, "讲党课": MeetingKind.PARTY_LECTURE,
    "主题党日活动": MeetingKind.THEME_DAY, "组织生活": MeetingKind.LIFE_MEETING,
    "民主评议": MeetingKind.MEMBER_REVIEW, "评议党员": MeetingKind.MEMBER_REVIEW,
}
KIND_LABELS = tuple(str(label) for _v, label in MeetingKind.choices)
REASON_OPTIONS: dict[str, str] = {
    **{str(label): value for value, label in AbsenceReason.choices},
    "事假": AbsenceReason.LEAVE, "出差": AbsenceReason.LEAVE, "外出": AbsenceReason.MOBILE,
    "流动": AbsenceReason.MOBILE, "病假": AbsenceReason.ILLNESS, "生病住院": AbsenceReason.ILLNESS,
}
_SEPARATORS = re.compile(r"[、,，;；/／\n\r\t]+")
_PERSON_SEPARATORS = re.compile(r"[、,，;；/／\s]+")
_WITH_REASON = re.compile(r"^(?P<who>[^（(]+?)\s*[（(]\s*(?P<why>[^）)]*?)\s*[）)]$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


def _key(value: str) -> str:
    return cells.choice_key(value)


_KINDS = {_key(k): v for k, v in {**KIND_OPTIONS, **{v: v for v in MeetingKind.values}}.items()}
_REASONS = {_key(k): v for k, v in {**REASON_OPTIONS, **{v: v for v in AbsenceReason.values}}.items()}


def kinds_cell(value: Any) -> tuple[str, ...]:
    """Kinds of meeting separated by 、 , ; or / (labels, short forms or codes)."""
    found: list[str] = []
    for part in _SEPARATORS.split(cells.text(value)):
        if not part.strip():
            continue
        kind = _KINDS.get(_key(part))
        if kind is None:
            raise cells.CellError("choice", _("“%(v)s”不是会议类型（规则：取值为 %(allowed)s 之一，多个用“、”分隔）")
                                  % {"v": part.strip(), "allowed": " / ".join(KIND_LABELS)})
        if kind not in found:
            found.append(kind)
    return tuple(found)


def people_cell(value: Any) -> tuple[str, ...]:
    """Names or ID numbers separated by 、 , ; / or spaces."""
    return tuple(p for p in _PERSON_SEPARATORS.split(cells.text(value)) if p)


def absentees_cell(value: Any) -> tuple[tuple[str, str, str], ...]:
    """Absentees with their reasons: “张三（请假）；李四（生病）” → (person, reason, note); a reason that
    is none of the known ones is kept as the note of an “other” absence; none given is unexcused."""
    out = []
    for part in re.split(r"[、,，;；\n\r]+", cells.text(value)):
        part = part.strip()
        if not part:
            continue
        m = _WITH_REASON.match(part)
        who, why = (m["who"].strip(), m["why"].strip()) if m else (part, "")
        reason = _REASONS.get(_key(why), "") if why else ""
        note = ""
        if why and not reason:
            reason, note = AbsenceReason.OTHER, why[:200]
        out.append((who, reason, note))
    return tuple(out)


COLUMNS: list[Column] = [
    Column("party_org", "党组织", "Party org", cells.text, required=True, aliases=("党组织名称", "党支部", "党组织编号"),
           example="某某社会工作服务中心党支部", width=30, note="党组织名称（须唯一），或其在系统中的编号"),
    Column("held_on", "召开日期", "Date", cells.date, required=True, aliases=("日期", "会议日期", "开展日期"),
           example="2026-04-10"),
    Column("kinds", "会议类型", "Kinds", kinds_cell, required=True, aliases=("类型", "会议类别"),
           labels=KIND_LABELS, example="主题党日、支部党员大会", width=24,
           note="可填多种，用“、”分隔：" + "、".join(KIND_LABELS)),
    Column("topic", "主题", "Topic", cells.text, required=True, aliases=("会议主题", "活动主题"), example="学习党章",
           width=24),
    Column("place", "地点", "Place", cells.text, aliases=("会议地点",), example="党员活动室"),
    Column("host", "主持人", "Host", cells.text, example="张三"),
    Column("recorder", "记录人", "Recorder", cells.text, example="李四"),
    Column("lecturer", "授课人", "Lecturer", cells.text, aliases=("党课授课人",), note="党课填写"),
    Column("attendees", "出席人员", "Attendees", people_cell, aliases=("出席党员", "参会人员"), example="张三、李四",
           width=40, note="公民身份号码（18 位）或姓名，用“、”分隔；姓名须在当日本组织名册中唯一"),
    Column("absentees", "缺席人员及原因", "Absentees", absentees_cell, aliases=("缺席人员", "缺席党员"),
           example="王五（请假）；赵六（生病）", width=40,
           note="姓名或公民身份号码，括号内写原因：请假、外出流动、生病、其他；未列出的应到党员记为无故缺席"),
    Column("invitees", "列席人员", "Invitees", cells.text, note="非党员，写姓名"),
    Column("minutes", "会议记录", "Minutes", cells.text, width=40),
    Column("decisions", "决定事项", "Decisions", cells.text, width=30),
]
TEXT_FIELDS = ("place", "host", "recorder", "lecturer", "invitees", "minutes", "decisions")


@dataclass
class _Roster:
    expected: dict[int, bool]  # member id → taking part from elsewhere
    by_name: dict[str, list[int]]


class MeetingKindSpec(Kind):
    name = "meetings"
    label = gettext_lazy("组织生活记录")
    model = Meeting
    columns = COLUMNS
    sheet_title = "组织生活记录"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:
        plan = Plan(kind=self.name)
        if len(parsed) > MAX_ROWS:
            plan.add_error(ctx, ctx.header.row + 1, "", "too_many", _(
                "文件有 %(n)s 行，超过 %(max)s 行（规则：组织生活记录逐行办理，每个文件至多 %(max)s 行，请分批导入）")
                % {"n": len(parsed), "max": MAX_ROWS})
            return plan
        orgs = self._party_orgs(parsed)
        allowed = ctx.allowed(PartyOrg, (po.pk for pos in orgs.values() for po in pos))
        owners = self._owners(parsed)
        rosters: dict[tuple[int, Any], _Roster] = {}
        for p in parsed:
            plan.rows += 1
            errors = Errors()
            party_org = self._party_org(errors, ctx, p.data.get("party_org"), orgs, allowed)
            day = p.data.get("held_on")
            roster = None
            if party_org is not None and day is not None:
                key = (party_org.pk, day)
                if key not in rosters:
                    rosters[key] = self._roster(party_org, day)
                roster = rosters[key]
            attendees = self._people(errors, "attendees", [(t, "", "") for t in p.data.get("attendees", ())],
                                     roster, owners)
            absentees = self._people(errors, "absentees", list(p.data.get("absentees", ())), roster, owners)
            text = {k: p.data[k] for k in TEXT_FIELDS if k in p.data}
            if party_org is not None:
                clean_meeting(errors, party_org, kinds=p.data.get("kinds", ()), held_on=day,
                              topic=p.data.get("topic", ""), attendees=[a[0] for a in attendees], absentees=absentees,
                              data=text, roster=roster.expected if roster is not None else None)
            # A cell that could not be read: its own message, not the "required" it leaves behind.
            for field_name, (code, message) in p.bad.items():
                kept = [e for e in errors.by_field.pop(field_name, []) if e.code != "required"]
                errors.by_field[field_name] = [*kept, ValidationError(message, code=code)]
            for field_name in ("party_org", "held_on", "kinds", "topic"):
                if field_name not in p.data and field_name not in errors.by_field:
                    errors.add(field_name, _("%(label)s不能为空（规则：必填）") % {"label": ctx.column(field_name)},
                               "required")
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            assert party_org is not None
            plan.creates.append(Change(p.row, None, {
                "party_org": party_org, "kinds": list(p.data["kinds"]), "held_on": day, "topic": p.data["topic"],
                "attendees": [a[0] for a in attendees], "absentees": absentees, **text}))
        return plan

    # ---- look-ups, a few queries for the whole file ----------------------------------------------

    @staticmethod
    def _party_orgs(parsed: list[Parsed]) -> dict[str, list[PartyOrg]]:
        """Party orgs by the text of the file: by name, and by number for a cell of digits."""
        values = {str(p.data["party_org"]) for p in parsed if "party_org" in p.data}
        out: dict[str, list[PartyOrg]] = {}
        for po in _in_chunks(PartyOrg.objects.all(), "name", values):
            out.setdefault(po.name, []).append(po)
        numbers = {int(v) for v in values if v.isdigit() and len(v) < 19}
        for po in _in_chunks(PartyOrg.objects.all(), "pk", numbers):
            out.setdefault(str(po.pk), []).append(po)
        return out

    @staticmethod
    def _owners(parsed: list[Parsed]) -> dict[str, int]:
        """Member id of each ID number the file names (by the keyed hash: the numbers are stored encrypted)."""
        tokens = {t for p in parsed for t in p.data.get("attendees", ())}
        tokens |= {a[0] for p in parsed for a in p.data.get("absentees", ())}
        digests = {crypto.keyed_hash(n) for n in (normalize_code(t) for t in tokens) if _ID_NUMBER.match(n)}
        rows = bulk.select_in("SELECT id_number_hash, id FROM party_partymember WHERE {where}", "id_number_hash",
                              sorted(digests))
        return {digest: pk for digest, pk in rows}

    @staticmethod
    def _roster(party_org: PartyOrg, day: Any) -> _Roster:
        expected = expected_roster(party_org, day)
        by_name: dict[str, list[int]] = {}
        for pk, name in PartyMember.objects.filter(pk__in=list(expected)).values_list("pk", "name"):
            by_name.setdefault(name, []).append(pk)
        return _Roster(expected, by_name)

    @staticmethod
    def _party_org(errors: Errors, ctx: Context, value: Any, orgs: dict[str, list[PartyOrg]],
                   allowed: set[int] | None) -> PartyOrg | None:
        if value is None:
            return None
        found = orgs.get(str(value), [])
        current = [po for po in found if po.dissolved_on is None]
        if len(current) > 1 or (not current and len(found) > 1):
            errors.add("party_org", _("党组织“%(v)s”有重名，无法确定（规则：名称须唯一，可改填党组织编号）") % {"v": value},
                       "reference")
            return None
        if not found:
            errors.add("party_org", _("党组织“%(v)s”不存在（规则：须为系统中现有党组织的名称或编号）") % {"v": value},
                       "reference")
            return None
        party_org = (current or found)[0]
        if allowed is not None and party_org.pk not in allowed:
            ctx.refuse_outside(errors, "party_org", value)
            return None
        return party_org

    @staticmethod
    def _people(errors: Errors, field_name: str, items: list[tuple[str, str, str]], roster: _Roster | None,
                owners: dict[str, int]) -> list[tuple[int, str, str]]:
        """The members a cell names (ID number or name), each on the roster of the day; those that are
        not, or whose name is not unique there, are named back as written (an ID number masked)."""
        if roster is None:
            return []
        out: list[tuple[int, str, str]] = []
        missing: list[str] = []
        for token, reason, note in items:
            number = normalize_code(token)
            if _ID_NUMBER.match(number):
                pk = owners.get(crypto.keyed_hash(number))
                if pk is None or pk not in roster.expected:
                    missing.append(crypto.mask_id_number(number))
                    continue
            else:
                pks = roster.by_name.get(token, [])
                if len(pks) > 1:
                    errors.add(field_name, _("“%(n)s”在当日本组织名册中有 %(k)s 人同名，无法确定（规则：同名时请填公民身份号码）")
                               % {"n": token, "k": len(pks)}, "ambiguous")
                    continue
                if not pks:
                    missing.append(token)
                    continue
                pk = pks[0]
            out.append((pk, reason, note))
        if missing:
            errors.add(field_name, _("以下人员不是本组织在会议当日的党员，也未在本组织参加组织生活：%(who)s（%(rule)s）")
                       % {"who": "、".join(missing), "rule": ROSTER_RULE}, "not_on_roster")
        return out

    # ---- writing ---------------------------------------------------------------------------------

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        for change in plan.creates:
            row = dict(change.after)
            try:
                meeting = meeting_record(actor=ctx.actor, **row)
            except ValidationError as exc:
                # Checked in the plan: something changed since. The caller's transaction is undone.
                raise ValidationError(_("第 %(row)s 行：%(msg)s") % {"row": change.row, "msg": "；".join(exc.messages)},
                                      code="conflict") from exc
            changes.append(("orglife.meeting", meeting.pk, 1, "created", None, None))
            attendance = sorted(Attendance.objects.filter(meeting=meeting).values_list("pk", flat=True))
            changes += [("orglife.attendance", first, n, "created", None, None) for first, n in bulk.runs(attendance)]
        return changes
