"""Mobile members (流动党员, rule MOBILE): the list of those away (with the finding "away ≥ 6
months at a fixed place: must transfer the relation"), registering and ending an outflow, taking a
member in at a host party org and ending that. Read through the scope layer (outside: 404), written
by ``shuniu.mobile.services`` (refusals: 422 naming the field and the rule)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from shuniu.api.common import found, page, referenced, scope_of
from shuniu.api.members import member_get
from shuniu.api.party_orgs import party_org_get
from shuniu.api.schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    BoolIn,
    IdIn,
    InputSchema,
    IsoDate,
    Page,
    Paging,
    RegionCodeIn,
    Text40,
    Text60,
    Text200,
)
from shuniu.mobile.models import Outflow
from shuniu.mobile.selectors import MobileFilters, mark, mobile_search, open_inflow_of, open_outflow_of
from shuniu.mobile.services import inflow_end, inflow_take_in, outflow_end, outflow_register

router = Router(tags=["mobile"])
MemberId = Annotated[int, Path(ge=1, le=MAX_ID, description="党员编号")]


class OutflowOut(Schema):
    id: int
    member: int
    member_name: str
    relation_org: int | None
    destination: str
    region: str | None = Field(None, description="流入地区代码")
    fixed_place: bool
    since: dt.date
    reason: str
    certificate_no: str = Field(..., description="流动党员活动证编号")
    expected_return: dt.date | None
    phone: str = Field(..., description="联系电话（遮蔽）")
    ended_on: dt.date | None
    end_reason: str
    host: int | None = Field(None, description="接收其参加组织生活的党组织")
    host_name: str = ""
    taken_in_on: dt.date | None = None
    over_limit: bool = Field(False, description="外出满 6 个月且地点相对固定：应转移组织关系（规则 MOBILE）")


class OutflowFilters(Paging):
    q: Text60 | None = Field(None, description="姓名包含")
    party_org: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="组织关系所在党组织编号")
    host: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="流入党组织编号")
    region: RegionCodeIn | None = Field(None, description="党员所在地区代码：该地区及其下级")
    to_region: RegionCodeIn | None = Field(None, description="流入地区代码：该地区及其下级")
    finding: Literal["over_limit", "taken_in", "not_taken_in"] | None = None


class OutflowIn(InputSchema):
    destination: Text200 = Field(..., description="外出地点")
    since: IsoDate = Field(..., description="外出日期")
    reason: Text200 = Field(..., description="外出原因")
    fixed_place: BoolIn = Field(False, description="地点相对固定")
    region: RegionCodeIn | None = Field(None, description="流入地区代码")
    certificate_no: Text40 = Field("", description="流动党员活动证编号")
    expected_return: IsoDate | None = Field(None, description="预计返回日期")
    phone: Text40 = Field("", description="联系电话")


class OutflowEndIn(InputSchema):
    ended_on: IsoDate
    reason: Literal["returned", "transferred", "other"] = "returned"
    note: Text200 = ""


class InflowIn(InputSchema):
    host: IdIn = Field(..., description="流入党组织编号")
    started_on: IsoDate = Field(..., description="接收日期")


class InflowEndIn(InputSchema):
    ended_on: IsoDate
    note: Text200 = ""


def _out(o: Outflow) -> dict[str, Any]:
    host = getattr(o, "host", None)
    return {
        "id": o.pk, "member": o.member_id, "member_name": o.member.name, "relation_org": o.member.relation_org_id,
        "destination": o.destination, "region": o.region_id, "fixed_place": o.fixed_place, "since": o.since,
        "reason": o.reason, "certificate_no": o.certificate_no, "expected_return": o.expected_return,
        "phone": o.phone_masked, "ended_on": o.ended_on, "end_reason": o.end_reason,
        "host": host.pk if host else None, "host_name": host.name if host else "",
        "taken_in_on": getattr(o, "taken_in_on", None), "over_limit": bool(getattr(o, "over_limit", False)),
    }


@router.get("/mobile/outflows", response={200: Page[OutflowOut], **ERRORS}, summary="流动党员列表（在外的流出登记）")
def list_outflows(request: HttpRequest, filters: Query[OutflowFilters]) -> Any:
    today = timezone.localdate()
    qs = mobile_search(scope_of(request), MobileFilters(
        q=filters.q or "", party_org=filters.party_org, host=filters.host, region=filters.region or "",
        to_region=filters.to_region or "", finding=filters.finding or ""), today)
    result = page(qs, filters)
    result["items"] = [_out(o) for o in mark(list(result["items"]), today)]
    return result


def _outflow(request: HttpRequest, member_id: int) -> Outflow:
    return found(open_outflow_of(scope_of(request), member_id))


@router.post("/mobile/members/{id}/outflow", response={201: OutflowOut, **WRITE_ERRORS}, summary="流出登记")
def register_outflow(request: HttpRequest, id: MemberId, payload: OutflowIn) -> Any:
    member = found(member_get(scope_of(request), id))
    outflow = outflow_register(actor=request.auth, member=member, **payload.dict())  # type: ignore[attr-defined]
    return Status(201, _out(outflow))


@router.post("/mobile/members/{id}/outflow/end", response={200: OutflowOut, **WRITE_ERRORS},
             summary="结束流出登记（返回、转移组织关系或其他）")
def end_outflow(request: HttpRequest, id: MemberId, payload: OutflowEndIn) -> Any:
    outflow = _outflow(request, id)
    ended = outflow_end(actor=request.auth, outflow=outflow, ended_on=payload.ended_on,  # type: ignore[attr-defined]
                        reason=payload.reason, note=payload.note)
    return _out(ended)


@router.post("/mobile/members/{id}/inflow", response={201: OutflowOut, **WRITE_ERRORS},
             summary="流入登记：流入地党组织接收参加组织生活")
def take_in(request: HttpRequest, id: MemberId, payload: InflowIn) -> Any:
    scope = scope_of(request)
    outflow = _outflow(request, id)
    host = referenced("host", party_org_get(scope, payload.host), _("流入党组织"), payload.host)
    inflow_take_in(actor=request.auth, outflow=outflow, host=host, started_on=payload.started_on)  # type: ignore[attr-defined]
    fresh = mark([Outflow.objects.select_related("member", "region").get(pk=outflow.pk)], timezone.localdate())[0]
    fresh.host = host  # type: ignore[attr-defined]
    fresh.taken_in_on = payload.started_on  # type: ignore[attr-defined]
    return Status(201, _out(fresh))


@router.post("/mobile/members/{id}/inflow/end", response={200: OutflowOut, **WRITE_ERRORS},
             summary="结束流入登记（由流入党组织办理）")
def end_inflow(request: HttpRequest, id: MemberId, payload: InflowEndIn) -> Any:
    inflow = found(open_inflow_of(scope_of(request), id))
    inflow_end(actor=request.auth, inflow=inflow, ended_on=payload.ended_on, note=payload.note)  # type: ignore[attr-defined]
    return _out(Outflow.objects.select_related("member", "region").get(pk=inflow.outflow_id))
