"""Cases and the to-do inbox: list, detail, open, act, attachments; ``/todo``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile

from shuniu.api.common import found, page, referenced, scope_of
from shuniu.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, InputSchema, Page, Paging
from shuniu.cases import selectors
from shuniu.cases.inbox import reminders
from shuniu.cases.kinds import all_kinds, kind_of
from shuniu.cases.models import Attachment, Case
from shuniu.cases.services import attachment_add, case_act, case_open, case_update, today
from shuniu.party.selectors import member_list, party_org_get
from shuniu.registry.selectors import org_get

router = Router(tags=["cases"])
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="事项编号")]
KindCode = Literal["establishment", "change_report", "election_request", "election_result", "term_postponement",
                   "lost_contact", "secretary_report"]


class CaseFilters(Paging):
    kind: str | None = Field(None, max_length=40, description="事项类别，例如 establishment、change_report")
    state: str | None = Field(None, max_length=24, description="状态，例如 submitted、returned、approved")
    waiting: Literal["body", "applicant"] | None = Field(None, description="待办方：body 审批方、applicant 申请方")
    overdue: bool = Field(False, description="只看已超期（待审批且过了办理期限）")
    q: str | None = Field(None, max_length=100, description="标题包含")


class StepOut(Schema):
    id: int
    action: str
    from_state: str
    to_state: str
    actor_label: str
    at: dt.datetime
    comment: str
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_label: str
    uploaded_at: dt.datetime


class CaseOut(Schema):
    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    title: str
    org_id: int | None
    party_org_id: int | None
    member_id: int | None
    body_id: int | None
    body_name: str | None
    waiting_on: str
    submitted_on: dt.date | None
    due_on: dt.date | None
    closed_on: dt.date | None
    overdue: bool

    @staticmethod
    def resolve_kind_label(obj: Case) -> str:
        return str(kind_of(obj.kind).label)

    @staticmethod
    def resolve_state_label(obj: Case) -> str:
        return kind_of(obj.kind).state_label(obj.state)

    @staticmethod
    def resolve_body_name(obj: Case) -> str | None:
        return obj.body.name if obj.body_id and obj.body else None

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return obj.waiting_on == "body" and obj.due_on is not None and obj.due_on < today()


class CaseDetail(CaseOut):
    data: dict[str, Any]
    opened_by_label: str
    steps: list[StepOut]
    attachments: list[AttachmentOut]
    actions: list[str] = Field(..., description="当前状态下允许的操作（不论由谁办理）")

    @staticmethod
    def resolve_steps(obj: Case) -> list[Any]:
        return list(selectors.case_steps(obj))

    @staticmethod
    def resolve_attachments(obj: Case) -> list[Any]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_actions(obj: Case) -> list[str]:
        return [t.action for t in kind_of(obj.kind).actions_from(obj.state)]


class CaseIn(InputSchema):
    kind: KindCode = Field(..., description="事项类别")
    org: int | None = Field(None, ge=1, le=MAX_ID, description="社会组织编号（成立党组织申请）")
    party_org: int | None = Field(None, ge=1, le=MAX_ID, description="党组织编号（变更/撤销报告、换届）")
    member: int | None = Field(None, ge=1, le=MAX_ID, description="党员编号")
    title: str | None = Field(None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, description="申请内容，字段见各事项类别")
    submit: bool = Field(False, description="建立后立即报送审批")


class CasePatch(InputSchema):
    data: dict[str, Any] = Field(..., description="要修改的申请内容（草稿或退回修改时）")


class ActIn(InputSchema):
    action: str = Field(..., max_length=24, description="操作：submit、return、approve、reject、withdraw 等")
    comment: str | None = Field(None, max_length=2000, description="意见（退回、不予批准时必填）")
    data: dict[str, Any] = Field(default_factory=dict, description="操作携带的内容，例如批复文号 decision_no、批复日期 decided_on")


class TodoItem(Schema):
    type: Literal["case", "reminder"]
    title: str
    due_on: dt.date | None
    overdue: bool
    rule_id: str
    case_id: int | None = None
    url: str


class TodoOut(Schema):
    cases: int = Field(..., description="待办事项数")
    reminders: int = Field(..., description="提醒数")
    items: list[TodoItem]


def _detail(request: HttpRequest, pk: int) -> Case:
    return found(selectors.case_get(scope_of(request), pk))


@router.get("/cases", response={200: Page[CaseOut], **ERRORS}, summary="事项列表")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    qs = selectors.case_search(scope_of(request), kind=filters.kind or "", state=filters.state or "",
                               waiting=filters.waiting or "", overdue=filters.overdue, q=filters.q or "",
                               today=today())
    return page(qs.order_by("-updated_at", "-id"), filters)


@router.get("/cases/{id}", response={200: CaseDetail, **ERRORS}, summary="事项详情（含办理过程与附件）")
def get_case(request: HttpRequest, id: CaseId) -> Any:
    return _detail(request, id)


@router.post("/cases", response={201: CaseDetail, **WRITE_ERRORS}, summary="建立事项（可立即报送）")
def open_case(request: HttpRequest, payload: CaseIn) -> Any:
    scope = scope_of(request)
    if payload.kind not in all_kinds():
        from django.core.exceptions import ValidationError

        raise ValidationError({"kind": [_("事项类别“%(k)s”尚未启用") % {"k": payload.kind}]})
    subjects: dict[str, Any] = {}
    if payload.org is not None:
        subjects["org"] = referenced("org", org_get(scope, payload.org), _("社会组织"), payload.org)
    if payload.party_org is not None:
        subjects["party_org"] = referenced("party_org", party_org_get(scope, payload.party_org), _("党组织"),
                                           payload.party_org)
    if payload.member is not None:
        subjects["member"] = referenced("member", member_list(scope).filter(pk=payload.member).first(), _("党员"),
                                        payload.member)
    case = case_open(actor=request.auth, kind=payload.kind, data=payload.data,  # type: ignore[attr-defined]
                     title=payload.title or "", submit=payload.submit, **subjects)
    return Status(201, _detail(request, case.pk))


@router.patch("/cases/{id}", response={200: CaseDetail, **WRITE_ERRORS}, summary="修改申请内容")
def update_case(request: HttpRequest, id: CaseId, payload: CasePatch) -> Any:
    case = case_update(actor=request.auth, case=_detail(request, id), data=payload.data)  # type: ignore[attr-defined]
    return _detail(request, case.pk)


@router.post("/cases/{id}/act", response={200: CaseDetail, **WRITE_ERRORS}, summary="办理事项（报送、退回、批准、不予批准、撤回）")
def act_on_case(request: HttpRequest, id: CaseId, payload: ActIn) -> Any:
    case = case_act(actor=request.auth, case=_detail(request, id), action=payload.action,  # type: ignore[attr-defined]
                    comment=payload.comment or "", data=payload.data)
    return _detail(request, case.pk)


@router.post("/cases/{id}/attachments", response={201: AttachmentOut, **WRITE_ERRORS},
             summary="上传附件（PDF/JPEG/PNG/DOCX，按内容识别类型）")
def upload_attachment(request: HttpRequest, id: CaseId, file: File[UploadedFile]) -> Any:
    attachment = attachment_add(actor=request.auth, case=_detail(request, id), upload=file)  # type: ignore[attr-defined]
    return Status(201, attachment)


@router.get("/cases/{id}/attachments", response={200: list[AttachmentOut], **ERRORS}, summary="事项的附件")
def list_attachments(request: HttpRequest, id: CaseId) -> Any:
    return list(Attachment.objects.filter(case=_detail(request, id)))


@router.get("/todo", response={200: TodoOut, **ERRORS}, summary="我的待办（待审批、退回修改的事项与有期限的提醒）")
def todo(request: HttpRequest, limit: int = Query(50, ge=1, le=500)) -> Any:  # type: ignore[assignment]
    scope = scope_of(request)
    day = today()
    waiting = selectors.waiting_on_me(scope, request.user)
    cases = list(waiting[:limit])
    more = reminders(scope, day, limit)
    items = [TodoItem(type="case", title=c.title, due_on=c.due_on, rule_id=kind_of(c.kind).rule_id, case_id=c.pk,
                      overdue=c.waiting_on == "body" and c.due_on is not None and c.due_on < day,
                      url=f"/cases/{c.pk}/") for c in cases]
    items += [TodoItem(type="reminder", title=r.title, due_on=r.due_on, overdue=r.overdue(day), rule_id=r.rule_id,
                       url=r.url) for r in more.items]
    items.sort(key=lambda i: (not i.overdue, i.due_on or dt.date.max))
    return {"cases": waiting.order_by().count(), "reminders": more.count, "items": items[:limit]}
