"""Secretaries' annual reports (书记述职, rule SECRETARY_REPORT): the reports in scope, one report
with its ratings, writing one (a case of the kind ``secretary_report``, submitted at once if asked),
and the figures per region. The superior's return and evaluation go through
``POST /api/v1/cases/{id}/act`` (``evaluate`` with ``data.grade``, and for 一般/差 ``interview_on``
and ``follow_up``). Outside the scope: 404; refusals: 422 naming the field and the rule."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from shuniu.annualreports.kind import CODE
from shuniu.annualreports.models import SecretaryReport
from shuniu.annualreports.selectors import report_get, report_list, summary
from shuniu.api.common import found, page, referenced, scope_of
from shuniu.api.party_orgs import party_org_get
from shuniu.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, BoolIn, IdIn, InputSchema, Page, Paging, RegionCodeIn
from shuniu.cases.services import case_open
from shuniu.regions.models import Region

router = Router(tags=["secretary-reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ID, description="述职编号")]
Year = Annotated[int, Field(ge=1921, le=9999)]
GradeCode = Literal["good", "fairly_good", "average", "poor"]


class RatingOut(Schema):
    side: str = Field(..., description="superior 上级党组织 / members 本单位党员")
    grade: str
    count: int
    rater: str


class RectificationOut(Schema):
    item: str
    due_on: str


class ReportOut(Schema):
    id: int
    case: int = Field(..., description="事项编号：退回、评议经 /cases/{id}/act 办理")
    party_org: int
    party_org_name: str
    year: int
    state: str = Field(..., description="事项状态：draft、submitted、returned、evaluated、withdrawn")
    secretary: str
    mode: str
    submitted_on: dt.date | None
    superior_grade: str
    grade: str = Field(..., description="综合评议等次（按权重）：good 好、fairly_good 较好、average 一般、poor 差；空为未评")
    evaluated_on: dt.date | None
    interview_on: dt.date | None


class ReportDetail(ReportOut):
    text: str
    problems: str
    rectification: list[RectificationOut]
    follow_up: str
    ratings: list[RatingOut]


class ReportFilters(Paging):
    year: Year | None = None
    party_org: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="党组织编号")
    grade: GradeCode | None = None


class RectificationIn(InputSchema):
    item: str = Field(..., max_length=500)
    due_on: str = Field(..., max_length=10, description="完成期限 YYYY-MM-DD")


class ReportIn(InputSchema):
    party_org: IdIn = Field(..., description="党组织编号")
    year: Annotated[int, Field(ge=1921, le=9999, strict=True)] = Field(..., description="述职年度")
    mode: Literal["on_site", "written"] = "on_site"
    text: str = Field("", max_length=20000, description="述职报告")
    problems: str = Field("", max_length=20000, description="存在问题")
    rectification: list[RectificationIn] = Field(default_factory=list, max_length=50, description="整改事项")
    members_good: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0
    members_fairly_good: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0
    members_average: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0
    members_poor: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0
    submit: BoolIn = Field(False, description="建立后立即报送上级党组织")


class SummaryFilters(Schema):
    year: Year | None = Field(None, description="述职年度，缺省为上一年")
    region: RegionCodeIn | None = Field(None, description="地区代码；缺省为本人管辖地区（管理员为全国）")


class SummaryRow(Schema):
    region: str
    name: str
    expected: int = Field(..., description="应述职的党组织")
    reported: int
    not_reported: int
    good: int
    fairly_good: int
    average: int
    poor: int
    unrated: int = Field(..., description="已述职未评议")


class SummaryOut(Schema):
    year: int
    rows: list[SummaryRow] = Field(..., description="所选地区一行，其后为各直接下级地区；各数字的党组织见网页 /reports/?figure=")


def _out(r: SecretaryReport, detail: bool = False) -> dict[str, Any]:
    out = {"id": r.pk, "case": r.case_id, "party_org": r.party_org_id, "party_org_name": r.party_org.name,
           "year": r.year, "state": r.case.state, "secretary": r.secretary_name, "mode": r.mode,
           "submitted_on": r.submitted_on, "superior_grade": r.superior_grade, "grade": r.grade,
           "evaluated_on": r.evaluated_on, "interview_on": r.interview_on}
    if detail:
        out.update(text=r.text, problems=r.problems, rectification=r.rectification, follow_up=r.follow_up,
                   ratings=[{"side": x.side, "grade": x.grade, "count": x.count, "rater": x.rater_label}
                            for x in r.ratings.order_by("side", "grade", "id")])
    return out


@router.get("/secretary-reports", response={200: Page[ReportOut], **ERRORS}, summary="书记述职列表")
def list_secretary_reports(request: HttpRequest, filters: Query[ReportFilters]) -> Any:
    scope = scope_of(request)
    party_org = None
    if filters.party_org is not None:
        party_org = party_org_get(scope, filters.party_org)
        if party_org is None:
            return {"count": 0, "limit": filters.limit, "offset": filters.offset, "items": []}
    qs = report_list(scope, year=filters.year, party_org=party_org, grade=filters.grade or "")
    result = page(qs, filters)
    result["items"] = [_out(r) for r in result["items"]]
    return result


@router.get("/secretary-reports/summary", response={200: SummaryOut, **ERRORS},
            summary="书记述职统计：应述职、已述职、未述职与评议等次分布（按地区）")
def secretary_report_summary(request: HttpRequest, filters: Query[SummaryFilters]) -> Any:
    year = filters.year or timezone.localdate().year - 1
    try:
        rows = summary(scope_of(request), year, filters.region or "")
    except Region.DoesNotExist as exc:
        raise Http404 from exc
    return {"year": year, "rows": [{"region": r.region, "name": r.name, **r.figures} for r in rows]}


@router.get("/secretary-reports/{id}", response={200: ReportDetail, **ERRORS}, summary="书记述职详情（含评议）")
def get_secretary_report(request: HttpRequest, id: ReportId) -> Any:
    return _out(found(report_get(scope_of(request), id)), detail=True)


@router.post("/secretary-reports", response={201: ReportDetail, **WRITE_ERRORS},
             summary="撰写书记述职（可立即报送上级党组织）")
def create_secretary_report(request: HttpRequest, payload: ReportIn) -> Any:
    scope = scope_of(request)
    party_org = referenced("party_org", party_org_get(scope, payload.party_org), _("党组织"), payload.party_org)
    data = payload.dict(exclude={"party_org", "submit"})
    title = _("%(year)s年度书记述职：%(org)s") % {"year": payload.year, "org": party_org.name}
    with transaction.atomic():
        case = case_open(actor=request.auth, kind=CODE, party_org=party_org, data=data, title=title,  # type: ignore[attr-defined]
                         submit=payload.submit)
    report_pk = SecretaryReport.objects.values_list("pk", flat=True).get(case=case)
    return Status(201, _out(found(report_get(scope, report_pk)), detail=True))

