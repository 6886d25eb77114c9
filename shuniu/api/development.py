"""The member development pipeline: people (list, detail with the timeline, a new applicant), a step
recorded, a person's development ended, and the board of a party org or a region. Read through the
pipeline's selectors (outside the scope: 404), written by its services, whose refusals come back as
422 naming the field, the rule and its source (a step that is the superior's, asked by anyone
else: 403). ID and phone numbers are always masked here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from shuniu.api.common import found, page, referenced, scope_of
from shuniu.api.schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    ErrorsOut,
    IdIn,
    InputSchema,
    IntIn,
    IsoDate,
    Page,
    Paging,
    Text,
    Text60,
)
from shuniu.development.selectors import applicant_get, applicants, board
from shuniu.development.services import applicant_create, applicant_end, step_record
from shuniu.party.selectors import party_org_get
from shuniu.registry.selectors import org_get

router = Router(tags=["development"])
ApplicantId = Annotated[int, Path(ge=1, le=MAX_ID, description="发展党员对象编号")]
StageCode = Literal["applicant", "activist", "candidate", "probationary", "full"]
StepCodeIn = Literal["talk", "activist", "review", "candidate", "introducers", "political_review", "training",
                     "notice", "pre_review", "meeting", "approval", "oath", "extension", "full_meeting",
                     "full_approval"]


class ApplicantOut(Schema):
    id: int
    name: str
    gender: str
    stage: str = Field(..., description="applicant 入党申请人 / activist 入党积极分子 / candidate 发展对象 / "
                                        "probationary 预备党员 / full 正式党员")
    id_number_masked: str
    phone_masked: str
    workplace: int = Field(..., alias="workplace_id")
    branch: int = Field(..., alias="branch_id", description="培养党组织编号")
    region: str = Field(..., alias="region_id")
    applied_on: dt.date
    talked_on: dt.date | None
    activist_on: dt.date | None
    last_review_on: dt.date | None
    candidate_on: dt.date | None
    introduced_on: dt.date | None
    political_review_on: dt.date | None
    trained_on: dt.date | None
    notice_on: dt.date | None
    pre_reviewed_on: dt.date | None
    meeting_on: dt.date | None
    approved_on: dt.date | None
    oath_on: dt.date | None
    extension_months: int
    full_meeting_on: dt.date | None
    full_on: dt.date | None
    member: int | None = Field(None, alias="member_id", description="接收为预备党员后的党员编号")
    ended_on: dt.date | None
    end_reason: str


class StepOut(Schema):
    id: int
    code: str
    on: dt.date
    actor_label: str
    note: str
    documents: str
    data: dict[str, Any]


class ApplicantDetail(ApplicantOut):
    steps: list[StepOut]


class ApplicantFilters(Paging):
    q: Text60 | None = Field(None, description="姓名包含")
    stage: StageCode | None = None
    party_org: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="党组织编号：该党组织及其下级培养的")
    region: Annotated[str, Field(pattern=r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")] | None = Field(
        None, description="地区代码：该地区及其下级")


class ApplicantIn(InputSchema):
    name: Text60
    gender: Literal["male", "female"]
    id_number: Annotated[Text, Field(max_length=30)] = ""
    birth_date: IsoDate | None = None
    phone: Annotated[Text, Field(max_length=30)] = ""
    workplace: IdIn
    branch: IdIn
    applied_on: IsoDate
    documents: Annotated[Text, Field(max_length=500)] = ""
    note: Annotated[Text, Field(max_length=500)] = ""


class StepIn(InputSchema):
    step: StepCodeIn
    on: IsoDate
    note: Annotated[Text, Field(max_length=500)] = ""
    documents: Annotated[Text, Field(max_length=500)] = ""
    recommended_by: Literal["members", "mass_org"] | None = None
    contacts: list[IdIn] | None = Field(None, max_length=5, description="培养联系人的党员编号（一至两名正式党员）")
    introducers: list[IdIn] | None = Field(None, max_length=5, description="入党介绍人的党员编号（两名正式党员）")
    conclusion: Annotated[Text, Field(max_length=500)] | None = None
    days: Annotated[float, Field(ge=0, le=365)] | None = None
    hours: Annotated[float, Field(ge=0, le=5000)] | None = None
    eligible: Annotated[IntIn, Field(ge=0, le=100000)] | None = None
    votes_for: Annotated[IntIn, Field(ge=0, le=100000)] | None = None
    months: Annotated[IntIn, Field(ge=0, le=24)] | None = None


class EndIn(InputSchema):
    ended_on: IsoDate
    reason: Literal["withdrawn", "not_qualified", "rejected", "disqualified", "left", "other"]
    note: Annotated[Text, Field(max_length=200)] = ""


class StageCount(Schema):
    stage: str
    label: str
    count: int
    in_small_orgs: int


class OverdueOut(Schema):
    applicant: int
    name: str
    rule_id: str
    title: str
    due_on: dt.date
    source: str


class BranchRow(Schema):
    id: int
    name: str
    total: int
    applicant: int
    activist: int
    candidate: int
    probationary: int
    full: int
    overdue: int


class BoardOut(Schema):
    stages: list[StageCount]
    total: int
    awaiting_approval: int
    overdue_reviews: int
    in_small_orgs: int = Field(..., description="工作单位正式党员 0 至 2 名的人数（《意见》第十五条）")
    ended: int
    overdue: list[OverdueOut]
    by_branch: list[BranchRow] = Field(..., description="按培养党组织：各阶段人数与逾期事项")


class BoardFilters(Schema):
    party_org: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    region: Annotated[str, Field(pattern=r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")] | None = None


def _party_org(request: HttpRequest, pk: int | None) -> Any:
    if pk is None:
        return None
    return found(party_org_get(scope_of(request), pk))


def _detail(applicant: Any) -> Any:
    """The person with their steps in order (``DevStep`` is ordered by date)."""
    return applicant


@router.get("/development/applicants", response={200: Page[ApplicantOut], **ERRORS}, summary="发展党员对象列表")
def list_applicants(request: HttpRequest, filters: Query[ApplicantFilters]) -> Any:
    qs = applicants(scope_of(request), party_org=_party_org(request, filters.party_org), region=filters.region or "",
                    stage=filters.stage or "", q=filters.q or "")
    return page(qs, filters)


@router.get("/development/applicants/{id}", response={200: ApplicantDetail, **ERRORS}, summary="发展党员对象及其发展过程")
def get_applicant(request: HttpRequest, id: ApplicantId) -> Any:
    return _detail(found(applicant_get(scope_of(request), id)))


@router.post("/development/applicants", response={201: ApplicantDetail, **WRITE_ERRORS, 429: ErrorsOut},
             summary="登记入党申请人")
def create_applicant(request: HttpRequest, payload: ApplicantIn) -> Any:
    scope = scope_of(request)
    data = payload.dict()
    data["workplace"] = referenced("workplace", org_get(scope, data["workplace"]), _("工作单位"), data["workplace"])
    data["branch"] = referenced("branch", party_org_get(scope, data["branch"]), _("培养党组织"), data["branch"])
    made = applicant_create(actor=request.auth, **data)  # type: ignore[attr-defined]
    return Status(201, _detail(applicant_get(scope, made.pk) or made))


@router.post("/development/applicants/{id}/steps", response={201: ApplicantDetail, **WRITE_ERRORS},
             summary="记录发展步骤（预审、审批、延长预备期由上级党委办理）")
def record_step(request: HttpRequest, id: ApplicantId, payload: StepIn) -> Any:
    scope = scope_of(request)
    person = found(applicant_get(scope, id))
    data = {k: v for k, v in payload.dict().items() if v is not None}
    step_record(actor=request.auth, applicant=person, **data)  # type: ignore[attr-defined]
    return Status(201, _detail(applicant_get(scope, id) or person))


@router.post("/development/applicants/{id}/end", response={200: ApplicantDetail, **WRITE_ERRORS}, summary="终止培养")
def end_applicant(request: HttpRequest, id: ApplicantId, payload: EndIn) -> Any:
    scope = scope_of(request)
    person = found(applicant_get(scope, id))
    applicant_end(actor=request.auth, applicant=person, on=payload.ended_on, reason=payload.reason,  # type: ignore[attr-defined]
                  note=payload.note)
    return _detail(applicant_get(scope, id) or person)


@router.get("/development/board", response={200: BoardOut, **ERRORS}, summary="发展党员看板：各阶段人数、逾期事项")
def development_board(request: HttpRequest, filters: Query[BoardFilters]) -> Any:
    scope = scope_of(request)
    figures = board(scope, party_org=_party_org(request, filters.party_org), region=filters.region or "")
    return {
        "stages": [{"stage": s["stage"], "label": str(s["label"]), "count": s["count"], "in_small_orgs": s["small"]}
                   for s in figures.stages],
        "total": figures.total, "awaiting_approval": figures.awaiting_approval,
        "overdue_reviews": figures.overdue_reviews, "in_small_orgs": figures.in_small_orgs, "ended": figures.ended,
        "overdue": [{"applicant": a.pk, "name": a.name, "rule_id": alert.rule_id, "title": alert.title,
                     "due_on": alert.due_on, "source": alert.source} for a, alert in figures.overdue],
        "by_branch": figures.by_branch,
    }

