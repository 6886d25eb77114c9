"""Relation transfers (组织关系转接): the letters a jurisdiction sends or receives, one letter, a
letter inside the system (issued at once), one sent out of the system and its receipt, a paper
letter received from outside, a dissolved party org's batch, the pocket-member list, and where a
member's relation was on a day.

Reads go through ``shuniu.transfers.selectors`` (a letter outside the scope is a 404; the
receiving side sees a letter once it is sent to it), writes through ``shuniu.transfers.services``.
Receiving, returning, extending and withdrawing a letter inside the system are actions of its case:
``POST /cases/{case_id}/act`` (``confirm`` with ``received_on``, ``return`` with a comment,
``extend`` with ``extend_days``, ``withdraw``). ID numbers are always masked here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from shuniu.api.common import found, page, referenced, scope_of
from shuniu.api.members import member_get
from shuniu.api.party_orgs import party_org_get
from shuniu.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, InputSchema, Page, Paging
from shuniu.cases.services import today
from shuniu.party.models import PartyOrg
from shuniu.party.relations import relation_as_of
from shuniu.registry.selectors import org_get
from shuniu.transfers import selectors
from shuniu.transfers.models import LetterState, RelationLetter, TransferBatch
from shuniu.transfers.services import batch_open, incoming_register, letter_issue, outgoing_receipt, outgoing_record

router = Router(tags=["transfers"])
LetterId = Annotated[int, Path(ge=1, le=MAX_ID, description="介绍信编号（系统内部编号）")]
BatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="批量转接编号")]
MemberId = Annotated[int, Path(ge=1, le=MAX_ID, description="党员编号")]
Month = Annotated[str, Field(max_length=7, description="党费交至（年-月，如 2026-11）")]
ValidDays = Annotated[int, Field(ge=1, le=90, description="有效期（天）；不填时按本地规则 DEADLINE_RELATION_TRANSFER")]


class TransferFilters(Paging):
    direction: Literal["out", "in"] | None = Field(None, description="out 本方开出、in 开给本方")
    kind: Literal["internal", "outgoing", "incoming"] | None = Field(
        None, description="internal 系统内、outgoing 转出到系统外、incoming 从系统外转入")
    state: Literal["draft", "issued", "returned", "completed", "withdrawn"] | None = Field(None, description="状态")
    overdue: bool = Field(False, description="只看已开具、过了有效期仍未接收的")
    q: str | None = Field(None, max_length=60, description="党员姓名或介绍信编号包含")
    party_org: int | None = Field(None, ge=1, le=MAX_ID, description="转出或接收党组织编号")


class LetterOut(Schema):
    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    number: str
    member_id: int
    member_name: str
    from_org_id: int | None
    from_name: str = Field(..., description="转出党组织（系统外的为其名称）")
    to_org_id: int | None
    to_name: str = Field(..., description="接收党组织（系统外的为其名称）")
    issued_on: dt.date | None
    valid_days: int | None
    valid_until: dt.date | None
    extended: bool
    overdue: bool
    received_on: dt.date | None
    received_by: str
    reason: str
    dues_paid_to: str
    case_id: int | None = Field(..., description="系统内介绍信的事项编号：接收、退回、延期、撤回用 /cases/{case_id}/act")
    batch_id: int | None

    @staticmethod
    def resolve_kind_label(obj: RelationLetter) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_label(obj: RelationLetter) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_member_name(obj: RelationLetter) -> str:
        return obj.member.name

    @staticmethod
    def resolve_from_name(obj: RelationLetter) -> str:
        return obj.origin

    @staticmethod
    def resolve_to_name(obj: RelationLetter) -> str:
        return obj.destination

    @staticmethod
    def resolve_overdue(obj: RelationLetter) -> bool:
        return obj.state == LetterState.ISSUED and obj.valid_until is not None and obj.valid_until < today()


class LetterDetail(LetterOut):
    member_gender: str
    member_status: str
    member_id_number_masked: str = Field(..., description="公民身份号码（遮蔽）")
    to_workplace_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_member_gender(obj: RelationLetter) -> str:
        return obj.member.gender

    @staticmethod
    def resolve_member_status(obj: RelationLetter) -> str:
        return obj.member.status

    @staticmethod
    def resolve_member_id_number_masked(obj: RelationLetter) -> str:
        return obj.member.id_number_masked


class LetterIn(InputSchema):
    member: int = Field(..., ge=1, le=MAX_ID, description="党员编号（组织关系在本方党组织）")
    to_org: int = Field(..., ge=1, le=MAX_ID, description="接收党组织编号（全国任一存续的党组织）")
    to_workplace: int | None = Field(None, ge=1, le=MAX_ID, description="新工作单位（社会组织编号，可不填）")
    reason: str = Field("", max_length=200, description="转接原因")
    dues_paid_to: Month = ""
    valid_days: ValidDays | None = None


class OutgoingIn(InputSchema):
    member: int = Field(..., ge=1, le=MAX_ID, description="党员编号")
    number: str = Field(..., max_length=40, description="介绍信编号")
    to_elsewhere: str = Field(..., max_length=200, description="去往的系统外党组织")
    issued_on: dt.date = Field(..., description="开具日期")
    reason: str = Field("", max_length=200)
    dues_paid_to: Month = ""
    valid_days: ValidDays | None = None


class ReceiptIn(InputSchema):
    received_on: dt.date = Field(..., description="回执日期")
    received_by: str = Field("", max_length=150, description="经办人")


class PersonIn(InputSchema):
    name: str = Field(..., max_length=60)
    gender: Literal["male", "female"]
    status: Literal["full", "probationary"] = "full"
    id_number: str | None = Field(None, max_length=30)
    admitted_on: dt.date | None = None
    full_on: dt.date | None = None
    workplace: int | None = Field(None, ge=1, le=MAX_ID, description="工作单位（社会组织编号）")


class IncomingIn(InputSchema):
    to_org: int = Field(..., ge=1, le=MAX_ID, description="接收党组织编号（本方）")
    number: str = Field(..., max_length=40, description="介绍信编号")
    from_elsewhere: str = Field(..., max_length=200, description="开具介绍信的系统外党组织")
    issued_on: dt.date
    received_on: dt.date
    member: int | None = Field(None, ge=1, le=MAX_ID, description="已登记、组织关系在外的党员编号；或填 person")
    person: PersonIn | None = Field(None, description="新转入党员的信息")
    reason: str = Field("", max_length=200)
    dues_paid_to: Month = ""
    valid_days: ValidDays | None = None


class BatchIn(InputSchema):
    party_org: int = Field(..., ge=1, le=MAX_ID, description="撤销或合并的党组织编号（本方）")
    to_org: int = Field(..., ge=1, le=MAX_ID, description="接收党组织编号")
    reason: str = Field(..., max_length=200)
    valid_days: ValidDays | None = None


class BatchOut(Schema):
    id: int
    party_org_id: int
    party_org_name: str
    opened_on: dt.date
    reason: str
    opened_by_label: str
    total: int
    done: int
    left: int
    by_state: dict[str, int]
    letters: list[LetterOut]


class PocketOut(Schema):
    member_id: int
    name: str
    reason: str
    reason_label: str
    since: dt.date | None
    letter_id: int | None
    party_org: str


class PocketPage(Page[PocketOut]):
    source: str = Field(..., description="依据")


class AsOf(Schema):
    as_of: dt.date | None = Field(None, description="日期（YYYY-MM-DD），默认今天")


class RelationOut(Schema):
    member_id: int
    as_of: dt.date
    party_org_id: int | None
    party_org_name: str | None
    elsewhere: str = Field(..., description="组织关系在系统外的党组织名称")
    on_roster: bool = Field(..., description="当日是否在册（已入党、尚未减少）")
    registered: bool


def _letter(request: HttpRequest, pk: int) -> RelationLetter:
    return found(selectors.letter_get(scope_of(request), pk))


def _party_org_anywhere(field: str, pk: int) -> PartyOrg:
    """The receiving party org: any in the country (the service refuses a dissolved one, saying so)."""
    return referenced(field, PartyOrg.objects.filter(pk=pk).first(), _("接收党组织"), pk)


@router.get("/transfers", response={200: Page[LetterOut], **ERRORS}, summary="组织关系介绍信列表（转出、转入）")
def list_transfers(request: HttpRequest, filters: Query[TransferFilters]) -> Any:
    qs = selectors.letter_search(scope_of(request), kind=filters.kind or "", state=filters.state or "",
                                 direction=filters.direction or "", overdue=filters.overdue, q=filters.q or "",
                                 party_org=filters.party_org, today=today())
    return page(qs, filters)


@router.get("/transfers/pocket", response={200: PocketPage, **ERRORS}, summary="口袋党员（规则 POCKET）")
def pocket(request: HttpRequest, filters: Query[Paging]) -> Any:
    rows = selectors.pocket_members(scope_of(request), today())
    items = [{"member_id": r.member_id, "name": r.name, "reason": r.reason, "reason_label": r.reason_label,
              "since": r.since, "letter_id": r.letter_id, "party_org": r.party_org}
             for r in rows[filters.offset:filters.offset + filters.limit]]
    return {"count": len(rows), "limit": filters.limit, "offset": filters.offset, "items": items,
            "source": selectors.POCKET_SOURCE}


@router.post("/transfers", response={201: LetterDetail, **WRITE_ERRORS},
             summary="开具系统内介绍信（立即开具；接收方用 /cases/{case_id}/act 确认接收）")
def create_transfer(request: HttpRequest, payload: LetterIn) -> Any:
    scope = scope_of(request)
    member = referenced("member", member_get(scope, payload.member), _("党员"), payload.member)
    workplace = None
    if payload.to_workplace is not None:
        workplace = referenced("to_workplace", org_get(scope, payload.to_workplace), _("新工作单位"),
                               payload.to_workplace)
    case = letter_issue(actor=request.auth, member=member,  # type: ignore[attr-defined]
                        to_org=_party_org_anywhere("to_org", payload.to_org), reason=payload.reason,
                        dues_paid_to=payload.dues_paid_to, valid_days=payload.valid_days, to_workplace=workplace)
    return Status(201, _letter(request, RelationLetter.objects.get(case=case).pk))


@router.post("/transfers/outgoing", response={201: LetterDetail, **WRITE_ERRORS},
             summary="登记转出到系统外的介绍信（党员自开具日期起减少）")
def create_outgoing(request: HttpRequest, payload: OutgoingIn) -> Any:
    member = referenced("member", member_get(scope_of(request), payload.member), _("党员"), payload.member)
    letter = outgoing_record(actor=request.auth, member=member, number=payload.number,  # type: ignore[attr-defined]
                             to_elsewhere=payload.to_elsewhere, issued_on=payload.issued_on, reason=payload.reason,
                             dues_paid_to=payload.dues_paid_to, valid_days=payload.valid_days)
    return Status(201, _letter(request, letter.pk))


@router.post("/transfers/{id}/receipt", response={200: LetterDetail, **WRITE_ERRORS}, summary="登记转出介绍信的回执")
def record_receipt(request: HttpRequest, id: LetterId, payload: ReceiptIn) -> Any:
    letter = outgoing_receipt(actor=request.auth, letter=_letter(request, id),  # type: ignore[attr-defined]
                              received_on=payload.received_on, received_by=payload.received_by)
    return _letter(request, letter.pk)


@router.post("/transfers/incoming", response={201: LetterDetail, **WRITE_ERRORS},
             summary="登记从系统外转入的纸质介绍信（自接收日期起计入）")
def create_incoming(request: HttpRequest, payload: IncomingIn) -> Any:
    scope = scope_of(request)
    to_org = referenced("to_org", party_org_get(scope, payload.to_org), _("接收党组织"), payload.to_org)
    member = None
    if payload.member is not None:
        member = referenced("member", member_get(scope, payload.member), _("党员"), payload.member)
    person = payload.person.dict(exclude_none=True) if payload.person is not None else None
    if person and person.get("workplace") is not None:
        person["workplace"] = referenced("person.workplace", org_get(scope, person["workplace"]), _("工作单位"),
                                         person["workplace"])
    letter = incoming_register(actor=request.auth, to_org=to_org, number=payload.number,  # type: ignore[attr-defined]
                               from_elsewhere=payload.from_elsewhere, issued_on=payload.issued_on,
                               received_on=payload.received_on, member=member, person=person, reason=payload.reason,
                               dues_paid_to=payload.dues_paid_to, valid_days=payload.valid_days)
    return Status(201, _letter(request, letter.pk))


def _batch_out(request: HttpRequest, batch: TransferBatch) -> dict[str, Any]:
    progress = selectors.batch_progress(batch)
    rows = selectors.letters(scope_of(request)).filter(batch=batch).order_by("member__name", "id")
    return {"id": batch.pk, "party_org_id": batch.party_org_id, "party_org_name": batch.party_org.name,
            "opened_on": batch.opened_on, "reason": batch.reason, "opened_by_label": batch.opened_by_label,
            "total": progress.total, "done": progress.done, "left": progress.left, "by_state": progress.by_state,
            "letters": list(rows)}


@router.post("/transfers/batches", response={201: BatchOut, **WRITE_ERRORS},
             summary="转接全部党员（党组织撤销、合并时一次开具全部介绍信）")
def open_batch(request: HttpRequest, payload: BatchIn) -> Any:
    party_org = referenced("party_org", party_org_get(scope_of(request), payload.party_org), _("党组织"),
                           payload.party_org)
    batch = batch_open(actor=request.auth, party_org=party_org,  # type: ignore[attr-defined]
                       to_org=_party_org_anywhere("to_org", payload.to_org), reason=payload.reason,
                       valid_days=payload.valid_days)
    return Status(201, _batch_out(request, batch))


@router.get("/transfers/batches/{id}", response={200: BatchOut, **ERRORS}, summary="批量转接的进度")
def get_batch(request: HttpRequest, id: BatchId) -> Any:
    batch = found(selectors.batches(scope_of(request)).filter(pk=id).first())
    return _batch_out(request, batch)


# After the fixed paths (/transfers/outgoing, /incoming, /batches, /pocket): {id} would take them.
@router.get("/transfers/{id}", response={200: LetterDetail, **ERRORS}, summary="介绍信详情")
def get_transfer(request: HttpRequest, id: LetterId) -> Any:
    return _letter(request, id)


@router.get("/members/{id}/relation", response={200: RelationOut, **ERRORS},
            summary="党员某日的组织关系所在（relation_as_of）")
def member_relation(request: HttpRequest, id: MemberId, query: Query[AsOf]) -> Any:
    member = found(member_get(scope_of(request), id))
    day = query.as_of or today()
    at = relation_as_of(member, day)
    name = PartyOrg.objects.filter(pk=at.party_org_id).values_list("name", flat=True).first() \
        if at.party_org_id is not None else None
    return {"member_id": member.pk, "as_of": day, "party_org_id": at.party_org_id, "party_org_name": name,
            "elsewhere": at.elsewhere, "on_roster": at.on_roster, "registered": at.registered}


