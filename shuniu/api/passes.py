"""An org's annual inspections and grade evaluations: list and record. The org is read through the
caller's scope (outside it: 404); the records are written by the passes' services, whose refusals
(rules INSPECTION, EVALUATION_VETO, EVAL_ELIGIBILITY) come back as 422 naming the field, the rule
and its source."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from shuniu.api.common import found, scope_of
from shuniu.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, BoolIn, InputSchema, IntIn, IsoDate, Text
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.passes.services import evaluation_record, inspection_record
from shuniu.registry.selectors import org_get

router = Router(tags=["passes"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="社会组织编号")]


class InspectionOut(Schema):
    id: int
    org: int = Field(..., alias="org_id")
    year: int
    conclusion: str = Field(..., description="pass 合格 / basic_pass 基本合格 / fail 不合格")
    coverage_status: str = Field(..., description="年检时的党组织覆盖状态（快照；空为迁入的旧记录）")
    was_due: bool | None = Field(None, description="年检时是否应建未建（快照）")
    full_members: int | None = Field(None, description="年检时专职人员中的正式党员（快照）")
    probationary_members: int | None = Field(None, description="年检时专职人员中的预备党员（快照）")
    life_held: bool | None
    life_note: str
    dues_paid: bool | None
    charter_clause: bool | None = Field(None, description="章程写入党建工作内容（《意见》第二十二条）")
    note: str
    recorded_at: dt.datetime | None


class InspectionIn(InputSchema):
    year: Annotated[IntIn, Field(ge=1, le=32767)]
    conclusion: Literal["pass", "basic_pass", "fail"]
    life_held: BoolIn | None = None
    life_note: Annotated[Text, Field(max_length=500)] = ""
    dues_paid: BoolIn | None = None
    charter_clause: BoolIn | None = None
    note: Annotated[Text, Field(max_length=500)] = ""


class EvaluationOut(Schema):
    id: int
    org: int = Field(..., alias="org_id")
    year: int
    grade: str
    decided_on: dt.date | None
    valid_until: dt.date
    document_number: str
    note: str
    recorded_at: dt.datetime | None


class EvaluationIn(InputSchema):
    year: Annotated[IntIn, Field(ge=1, le=32767)]
    grade: Literal["1A", "2A", "3A", "4A", "5A"]
    decided_on: IsoDate
    document_number: Annotated[Text, Field(max_length=60)] = ""
    note: Annotated[Text, Field(max_length=500)] = ""


@router.get("/orgs/{id}/inspections", response={200: list[InspectionOut], **ERRORS}, summary="社会组织的年检（年报）记录")
def list_inspections(request: HttpRequest, id: OrgId) -> Any:
    org = found(org_get(scope_of(request), id))
    return list(InspectionRecord.objects.filter(org=org).order_by("-year", "-id"))


@router.post("/orgs/{id}/inspections", response={201: InspectionOut, **WRITE_ERRORS},
             summary="记录年检（年报）及党建情况")
def create_inspection(request: HttpRequest, id: OrgId, payload: InspectionIn) -> Any:
    org = found(org_get(scope_of(request), id))
    return Status(201, inspection_record(actor=request.auth, org=org, **payload.dict()))  # type: ignore[attr-defined]


@router.get("/orgs/{id}/evaluations", response={200: list[EvaluationOut], **ERRORS}, summary="社会组织的等级评估记录")
def list_evaluations(request: HttpRequest, id: OrgId) -> Any:
    org = found(org_get(scope_of(request), id))
    return list(EvaluationRecord.objects.filter(org=org).order_by("-year", "-id"))


@router.post("/orgs/{id}/evaluations", response={201: EvaluationOut, **WRITE_ERRORS}, summary="记录等级评估")
def create_evaluation(request: HttpRequest, id: OrgId, payload: EvaluationIn) -> Any:
    org = found(org_get(scope_of(request), id))
    return Status(201, evaluation_record(actor=request.auth, org=org, **payload.dict()))  # type: ignore[attr-defined]
