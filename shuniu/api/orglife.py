"""Organizational life (组织生活, rule LIFE): the meetings of the party orgs in scope (list, detail with
the attendance and the files' metadata, record, correct, delete while the quarter is open), a party
org's periods with its compliance and its members' attendance, the member review, and the compliance
table with the party orgs behind each figure.

Reads go through ``shuniu.orglife.selectors`` (a meeting or party org outside the scope is a 404),
writes through ``shuniu.orglife.services`` (refusals: 422 naming the field and the rule; the people
on a meeting are checked against the party org's roster of the day, whoever holds their relation).
No ID number is ever returned here: members are named by id and name.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from shuniu.api.common import found, page, page_of_iterable, referenced, region_code, scope_of
from shuniu.api.party_orgs import party_org_get
from shuniu.api.schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    IdIn,
    InputSchema,
    IntIn,
    IsoDate,
    Page,
    Paging,
    RegionCodeIn,
    Text,
    Text40,
    Text60,
    Text200,
)
from shuniu.orglife import compliance, selectors
from shuniu.orglife.models import KINDS, AbsenceReason, Meeting
from shuniu.orglife.services import closes_on, meeting_correct, meeting_delete, meeting_record, review_record
from shuniu.regions.models import Region

router = Router(tags=["orglife"])
MeetingId = Annotated[int, Path(ge=1, le=MAX_ID, description="组织生活记录编号")]
PartyOrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="党组织编号")]
# The years the figures are kept for (a party org's records start in its first year).
FIRST_YEAR, LAST_YEAR = 1949, 2100
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年度")]
Text2000 = Annotated[Text, Field(max_length=2000)]
Text20000 = Annotated[Text, Field(max_length=20000)]
if TYPE_CHECKING:
    KindIn = str
    ReasonIn = str
else:  # the values defined once (the models' choices), as enums in the schema
    KindIn = Literal[tuple(KINDS)]
    ReasonIn = Literal[tuple(AbsenceReason.values)]
GradeIn = Literal["excellent", "qualified", "basic", "unqualified"]
FollowUpIn = Literal["education", "persuade", "remove"]
LifeByIn = Literal["level", "type", "industry", "hub"]
FigureIn = Literal["orgs", "complete", "incomplete", "idle"]


# ---- meetings ------------------------------------------------------------------------------------

class MeetingFilters(Paging):
    party_org: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="党组织编号")
    region: RegionCodeIn | None = Field(None, description="地区代码：该地区及其下级的党组织")
    kind: KindIn | None = Field(None, description="会议类型（同时属于多种类型的会议按每种类型计）")
    year: Year | None = None
    start: IsoDate | None = Field(None, alias="from", description="召开日期不早于（YYYY-MM-DD）")
    end: IsoDate | None = Field(None, alias="to", description="召开日期不晚于（YYYY-MM-DD）")


class MeetingOut(Schema):
    id: int
    party_org: int
    party_org_name: str
    kinds: list[str] = Field(..., description="会议类型代码")
    kind_labels: list[str]
    held_on: dt.date
    topic: str
    place: str
    host: str
    recorder: str
    lecturer: str
    expected_count: int = Field(..., description="应到人数")
    present_count: int = Field(..., description="实到人数")
    corrections: int = Field(..., description="更正次数")


class AttendanceOut(Schema):
    member: int = Field(..., description="党员编号")
    name: str
    present: bool
    reason: str = Field(..., description="缺席原因：leave 请假、mobile 外出流动、illness 生病、other 其他；空为未说明")
    reason_label: str
    excused: bool = Field(..., description="出席或因请假、外出、生病缺席")
    note: str
    participant: bool = Field(..., description="组织关系在外、在本组织参加组织生活")


class FileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_label: str
    uploaded_at: dt.datetime


class MeetingDetail(MeetingOut):
    invitees: str
    minutes: str
    decisions: str
    recorded_by_label: str
    created_at: dt.datetime
    deletable_until: dt.date = Field(..., description="此日后（会议所在季度结束后）只能更正，不能删除")
    attendance: list[AttendanceOut]
    files: list[FileOut]


class AbsenteeIn(InputSchema):
    member: IdIn = Field(..., description="党员编号")
    reason: ReasonIn | None = Field(None, description="缺席原因；不填为未说明原因（不作请假）")
    note: Text200 = ""


class MeetingIn(InputSchema):
    party_org: IdIn = Field(..., description="党组织编号")
    kinds: list[KindIn] = Field(..., max_length=len(KINDS), description="会议类型（可多选，每种类型各计一次）")
    held_on: IsoDate = Field(..., description="召开日期")
    topic: Text200 = Field(..., description="主题")
    place: Text200 = ""
    host: Text60 = Field("", description="主持人")
    recorder: Text60 = Field("", description="记录人")
    lecturer: Text60 = Field("", description="授课人（党课）")
    invitees: Text2000 = Field("", description="列席人员（非党员，写姓名）")
    minutes: Text20000 = Field("", description="会议记录")
    decisions: Text20000 = Field("", description="决定事项")
    attendees: list[IdIn] = Field(..., max_length=5000, description="出席党员的编号（本组织党员或在本组织参加组织生活的党员）")
    absentees: list[AbsenteeIn] = Field([], max_length=5000, description="缺席党员及原因；应到而未列出的党员记为缺席、未说明原因")


class MeetingCorrectIn(InputSchema):
    reason: Text200 = Field(..., description="更正原因（记入审计日志）")
    kinds: list[KindIn] | None = Field(None, max_length=len(KINDS))
    held_on: IsoDate | None = None
    topic: Text200 | None = None
    place: Text200 | None = None
    host: Text60 | None = None
    recorder: Text60 | None = None
    lecturer: Text60 | None = None
    invitees: Text2000 | None = None
    minutes: Text20000 | None = None
    decisions: Text20000 | None = None
    attendees: list[IdIn] | None = Field(None, max_length=5000, description="给出时替换出席名单")
    absentees: list[AbsenteeIn] | None = Field(None, max_length=5000, description="给出时替换缺席名单")


class DeleteQuery(Schema):
    reason: Text200 | None = Field(None, description="删除原因（也可在 JSON 请求体中给出）")


def _out(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "party_org": m.party_org_id, "party_org_name": m.party_org.name, "kinds": m.kind_list,
            "kind_labels": m.kind_labels, "held_on": m.held_on, "topic": m.topic, "place": m.place, "host": m.host,
            "recorder": m.recorder, "lecturer": m.lecturer, "expected_count": m.expected_count,
            "present_count": m.present_count, "corrections": m.corrections}


def _detail(m: Meeting) -> dict[str, Any]:
    reasons = {k: str(v) for k, v in AbsenceReason.choices}
    attendance = [{"member": a.member_id, "name": a.member.name, "present": a.present, "reason": a.reason,
                   "reason_label": reasons.get(a.reason, ""), "excused": a.excused, "note": a.note,
                   "participant": a.participant} for a in selectors.attendance_of(m)]
    files = [{"id": f.pk, "name": f.name, "content_type": f.content_type, "size": f.size, "sha256": f.sha256,
              "uploaded_by_label": f.uploaded_by_label, "uploaded_at": f.uploaded_at} for f in m.files.all()]
    return {**_out(m), "invitees": m.invitees, "minutes": m.minutes, "decisions": m.decisions,
            "recorded_by_label": m.recorded_by_label, "created_at": m.created_at, "deletable_until": closes_on(m),
            "attendance": attendance, "files": files}


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    try:
        return selectors.meeting_get(scope_of(request), pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


def _absentees(items: list[AbsenteeIn]) -> list[tuple[int, str, str]]:
    return [(a.member, a.reason or "", a.note) for a in items]


@router.get("/meetings", response={200: Page[MeetingOut], **ERRORS}, summary="组织生活记录列表")
def list_meetings(request: HttpRequest, filters: Query[MeetingFilters]) -> Any:
    qs = selectors.meeting_list(scope_of(request), region=filters.region or "", kind=filters.kind or "",
                                year=filters.year, start=filters.start, end=filters.end)
    if filters.party_org is not None:
        qs = qs.filter(party_org_id=filters.party_org)
    result = page(qs, filters)
    result["items"] = [_out(m) for m in result["items"]]
    return result


@router.post("/meetings", response={201: MeetingDetail, **WRITE_ERRORS},
             summary="记录组织生活（三会一课、主题党日等；可同时属于多种类型）")
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    party_org = referenced("party_org", party_org_get(scope_of(request), payload.party_org), _("党组织"),
                           payload.party_org)
    data = payload.dict(exclude={"party_org", "kinds", "held_on", "topic", "attendees", "absentees"})
    meeting = meeting_record(actor=request.auth, party_org=party_org, kinds=payload.kinds,  # type: ignore[attr-defined]
                             held_on=payload.held_on, topic=payload.topic, attendees=payload.attendees,
                             absentees=_absentees(payload.absentees), **data)
    return Status(201, _detail(_meeting(request, meeting.pk)))


@router.get("/meetings/{id}", response={200: MeetingDetail, **ERRORS}, summary="组织生活记录详情（出席情况、附件）")
def get_meeting(request: HttpRequest, id: MeetingId) -> Any:
    return _detail(_meeting(request, id))


@router.post("/meetings/{id}/correct", response={200: MeetingDetail, **WRITE_ERRORS},
             summary="更正组织生活记录（写明原因；只改给出的字段）")
def correct_meeting(request: HttpRequest, id: MeetingId, payload: MeetingCorrectIn) -> Any:
    meeting = _meeting(request, id)
    data = payload.dict(exclude_none=True, exclude={"reason", "absentees"})
    if payload.absentees is not None:
        data["absentees"] = _absentees(payload.absentees)
    meeting_correct(actor=request.auth, meeting=meeting, reason=payload.reason, **data)  # type: ignore[attr-defined]
    return _detail(_meeting(request, id))


def _body_reason(request: HttpRequest) -> str:
    """The reason given in a JSON body ``{"reason": "..."}`` (a DELETE may carry one)."""
    if not request.body:
        return ""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"reason": ValidationError(
            _("请求体不是有效的 JSON（规则：请求体须为 JSON）"), code="malformed")}) from None
    reason = body.get("reason") if isinstance(body, dict) else None
    if reason is not None and (not isinstance(reason, str) or len(reason) > 200 or "\x00" in reason):
        raise ValidationError({"reason": ValidationError(_("删除原因须为不超过 200 个字符的文本（规则：长度）"),
                                                         code="max_length")})
    return reason or ""


@router.delete("/meetings/{id}", response={204: None, **WRITE_ERRORS},
               summary="删除误录的组织生活记录（仅在会议所在季度内；原因用 ?reason= 或请求体）")
def delete_meeting(request: HttpRequest, id: MeetingId, query: Query[DeleteQuery]) -> Any:
    meeting = _meeting(request, id)
    reason = query.reason or _body_reason(request)
    meeting_delete(actor=request.auth, meeting=meeting, reason=reason)  # type: ignore[attr-defined]
    return HttpResponse(status=204)


# ---- a party org's org life ----------------------------------------------------------------------

class LifeQuery(Schema):
    year: Year | None = Field(None, description="年度，默认本年度")


class DueOut(Schema):
    kind: str
    label: str
    frequency: str = Field(..., description="month / quarter / year（本地设置）")
    period: str = Field(..., description="当前应开展的期次")
    start: dt.date
    end: dt.date
    done: bool
    meetings: list[int] = Field(..., description="本期已记录的会议编号")
    previous_period: str | None = None
    previous_done: bool | None = Field(None, description="上一期是否已开展（党组织尚未成立时为 null）")
    source: str = Field(..., description="依据")


class KindRate(Schema):
    expected: int
    held: int


class RateOut(Schema):
    expected: int = Field(..., description="应开展的期次")
    held: int = Field(..., description="已开展的期次")
    rate: float | None
    kinds: dict[str, KindRate]


class MemberLifeOut(Schema):
    member: int
    name: str
    participant: bool = Field(..., description="组织关系在外、在本组织参加组织生活")
    expected: int = Field(..., description="应出席次数")
    present: int
    unexcused: int = Field(..., description="无故缺席次数")
    rate: float | None
    months: int = Field(..., description="应参加组织生活的月数")
    months_attended: int = Field(..., description="其中参加了（在任一参加组织生活的党组织）的月数")
    grade: str = Field(..., description="民主评议结果：excellent / qualified / basic / unqualified；空为未评议")


class LifeOut(Schema):
    party_org: int
    party_org_name: str
    year: int
    as_of: dt.date
    periods: list[DueOut]
    rate: RateOut = Field(..., description="本年度的组织生活开展率")
    quarter: RateOut = Field(..., description="当季（as_of 所在季度）的开展率")
    members: list[MemberLifeOut]


def _rate(r: dict[str, Any]) -> dict[str, Any]:
    return {"expected": r["expected"], "held": r["held"], "rate": r["rate"],
            "kinds": {k: {"expected": e, "held": h} for k, (e, h) in r["kinds"].items()}}


@router.get("/party-orgs/{id}/life", response={200: LifeOut, **ERRORS},
            summary="党组织的组织生活：各类会议的期次、开展率、党员出席情况与评议结果")
def party_org_life(request: HttpRequest, id: PartyOrgId, query: Query[LifeQuery]) -> Any:
    party_org = found(party_org_get(scope_of(request), id))
    today = compliance.today()
    year = query.year or today.year
    day = compliance.seen_on(year, today) if year <= today.year else today
    dues = selectors.periods(party_org, day)
    start, end = selectors.quarter_of(day)
    return {
        "party_org": party_org.pk, "party_org_name": party_org.name, "year": year, "as_of": day,
        "periods": [{"kind": d.kind, "label": d.label, "frequency": d.frequency, "period": d.slot.label(),
                     "start": d.slot.start, "end": d.slot.end, "done": d.is_done, "meetings": [m.pk for m in d.done],
                     "previous_period": d.previous.label() if d.previous else None,
                     "previous_done": d.previous_done if d.previous else None, "source": d.source} for d in dues],
        "rate": _rate(selectors.org_rate(party_org, year, day=day)),
        "quarter": _rate(selectors.org_rate(party_org, day.year, start, end, day=day)),
        "members": [{"member": m.member_id, "name": m.name, "participant": m.participant, "expected": m.expected,
                     "present": m.present, "unexcused": m.unexcused, "rate": m.rate, "months": m.months,
                     "months_attended": m.months_attended, "grade": m.grade}
                    for m in selectors.member_attendance(party_org, year, day)],
    }


class ResultIn(InputSchema):
    member: IdIn = Field(..., description="党员编号（本组织在评议日期的党员）")
    grade: GradeIn = Field(..., description="优秀 excellent、合格 qualified、基本合格 basic、不合格 unqualified")
    follow_up: FollowUpIn | None = Field(None, description="不合格的处置：限期改正 education、劝其退党 persuade、除名 remove")
    improve_by: IsoDate | None = Field(None, description="限期改正至")
    note: Text200 = ""


class ReviewIn(InputSchema):
    year: Annotated[IntIn, Field(ge=FIRST_YEAR, le=LAST_YEAR)] = Field(..., description="评议年度")
    reviewed_on: IsoDate = Field(..., description="评议日期")
    meeting: IdIn | None = Field(None, description="评议会议（本组织的组织生活记录编号）")
    results: list[ResultIn] = Field(..., max_length=5000)


class ResultOut(Schema):
    member: int
    name: str
    year: int
    reviewed_on: dt.date
    grade: str
    follow_up: str
    improve_by: dt.date | None
    note: str
    meeting: int | None


class ReviewOut(Schema):
    party_org: int
    count: int
    items: list[ResultOut]


@router.post("/party-orgs/{id}/reviews", response={201: ReviewOut, **WRITE_ERRORS},
             summary="记录民主评议党员的结果（同一党员同一年度再次提交即更正）")
def record_review(request: HttpRequest, id: PartyOrgId, payload: ReviewIn) -> Any:
    scope = scope_of(request)
    party_org = found(party_org_get(scope, id))
    meeting = None
    if payload.meeting is not None:
        meeting = referenced("meeting", selectors.meeting_list(scope).filter(pk=payload.meeting).first(),
                             _("评议会议"), payload.meeting)
    rows = review_record(actor=request.auth, party_org=party_org, year=payload.year,  # type: ignore[attr-defined]
                         reviewed_on=payload.reviewed_on, meeting=meeting,
                         results=[r.dict() for r in payload.results])
    items = [{"member": r.member_id, "name": r.member.name, "year": r.year, "reviewed_on": r.reviewed_on,
              "grade": r.grade, "follow_up": r.follow_up, "improve_by": r.improve_by, "note": r.note,
              "meeting": r.meeting_id} for r in rows]
    return Status(201, {"party_org": party_org.pk, "count": len(items), "items": items})


# ---- the compliance table ------------------------------------------------------------------------

class LifeTableQuery(Paging):
    region: RegionCodeIn | None = Field(None, description="地区代码；缺省为本人管辖地区（管理员为全国）")
    year: Year | None = Field(None, description="年度；缺省为 as_of 所在年度或本年度")
    by: LifeByIn = Field("level", description="level：本地区及直接下级；type / industry / hub：按该维度分组")
    as_of: IsoDate | None = Field(None, description="统计日期（按会议记录重新计算）；缺省为当前")
    limit: int = Field(100, ge=1, le=500)


class LifeOrgsQuery(LifeTableQuery):
    key: Text40 = Field("", description="分组的键（by 不为 level 时：党组织类别、行业代码或枢纽编号）")
    figure: FigureIn = Field("orgs", description="orgs 全部、complete 全部按时开展、incomplete 未全部开展、idle 连续未开展")


class KindFigure(Schema):
    expected: int
    held: int
    rate: float | None


class LifeCounts(Schema):
    orgs: int = Field(..., description="党组织数")
    complete: int = Field(..., description="应开展的会议全部按时开展的党组织数")
    incomplete: int
    idle: int = Field(..., description="连续三个月（本地设置）未开展组织生活的党组织数")
    expected: int = Field(..., description="应开展的期次（各类会议合计）")
    held: int
    rate: float | None = Field(..., description="开展率 = 已开展期次 ÷ 应开展期次")
    complete_rate: float | None
    att_expected: int = Field(..., description="应出席人次")
    att_present: int
    attendance_rate: float | None
    reviewed: int = Field(..., description="已评议党员数")
    rev_excellent: int
    rev_qualified: int
    rev_basic: int
    rev_unqualified: int
    kinds: dict[str, KindFigure]


class LifeRow(LifeCounts):
    region: str
    name: str
    level: str | None = None
    key: str = ""


class LifeOrgRow(LifeCounts):
    party_org: int
    name: str
    kind: str
    region: str
    is_complete: bool
    is_idle: bool


def _as_of(value: dt.date | None) -> dt.date | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError({"as_of": ValidationError(
            _("统计日期须在 %(a)s 年至 %(b)s 年之间（规则：取值范围）") % {"a": FIRST_YEAR, "b": LAST_YEAR}, code="range")})
    return value


def _no_region(code: str | None) -> ValidationError:
    return ValidationError({"region": ValidationError(
        _("地区代码“%(code)s”不存在（规则：须为现行行政区划代码）") % {"code": code}, code="region")})


@router.get("/life-compliance", response={200: Page[LifeRow], **ERRORS},
            summary="组织生活开展情况统计（按地区、党组织类别、行业或枢纽）")
def life_compliance(request: HttpRequest, query: Query[LifeTableQuery]) -> Any:
    """The first row is the region itself (the country for an administrator without ``region``), the
    others its direct sub-regions (``by=level``) or its breakdown; each figure's party orgs are
    listed by ``/life-compliance/orgs`` with the same parameters."""
    if query.region:
        region_code("region", query.region)
    try:
        rows = selectors.life_rows(scope_of(request), query.region, year=query.year, by=query.by,
                                   as_of=_as_of(query.as_of))
    except Region.DoesNotExist:
        raise _no_region(query.region) from None
    return page_of_iterable(rows, query)


@router.get("/life-compliance/orgs", response={200: Page[LifeOrgRow], **ERRORS},
            summary="组织生活统计数字背后的党组织（最落后的在前）")
def life_compliance_orgs(request: HttpRequest, query: Query[LifeOrgsQuery]) -> Any:
    if query.region:
        region_code("region", query.region)
    try:
        rows = selectors.life_orgs(scope_of(request), query.region, year=query.year, by=query.by, key=query.key,
                                   figure=query.figure, as_of=_as_of(query.as_of))
    except Region.DoesNotExist:
        raise _no_region(query.region) from None
    return page_of_iterable(({**r, "party_org": r["party_org_id"]} for r in rows), query)

