"""Secretaries' annual reports (书记述职, rule SECRETARY_REPORT): the board (per region, with the
party orgs behind every figure, exported as the other lists are), one report with its case
timeline and ratings, and the form that writes, revises and submits a report. Reads through the
scoped selectors; writes through the case mechanism (the evaluation is the case's action form)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shuniu.accounts.actors import SignedInRequest
from shuniu.annualreports.kind import CODE
from shuniu.annualreports.models import Grade, SecretaryReport
from shuniu.annualreports.rules import CITE, RULE, deadline
from shuniu.annualreports.selectors import FIGURES, drill, report_get, report_list, summary
from shuniu.cases.kinds import APPLICANT, kind_of
from shuniu.cases.selectors import case_steps
from shuniu.cases.services import case_open, case_update
from shuniu.coverage import engine
from shuniu.party.models import PartyOrg
from shuniu.party.selectors import party_org_get
from shuniu.web.report_forms import ReportFilters, ReportForm
from shuniu.web.views.cases import _action_form, save_case
from shuniu.web.views.common import export, paginate, region_in_scope, render_page, scope_of, takes_query

EXPORT_COLUMNS = [("party_org", "党组织"), ("superior", "上级党组织"), ("region", "地区代码"), ("year", "述职年度"),
                  ("reported", "已述职"), ("grade", "综合评议等次")]
GRADES = dict(Grade.choices)


@login_required
@takes_query(ReportFilters)
def report_board(request: HttpRequest, query: ReportFilters) -> HttpResponseBase:
    scope = scope_of(request)
    today = engine.today()
    context: dict[str, Any] = {"form": query, "f": query.values(), "figures": FIGURES, "grades": GRADES,
                               "cite": CITE, "rule": RULE}
    if query.is_valid():
        d = query.cleaned_data
        year = d["year"] or today.year - 1
        region_in_scope(scope, d["region"])
        context.update(year=year, years=list(range(today.year, today.year - 6, -1)),
                       deadline=deadline(year, d["region"] or getattr(scope.region, "short", "")))
        if scope.kind in ("all", "region"):
            context["rows"] = summary(scope, year, d["region"])
        party_orgs = drill(scope, year, d["region"], d["figure"])
        if d["format"]:
            return _export(request, list(party_orgs), d["format"], d["region"], year)
        page = paginate(party_orgs, d["page"])
        for p in page.object_list:
            p.grade_label = str(GRADES.get(p.report_grade, "")) if p.report_grade else ""
        context["page"] = page
        context["figure_label"] = FIGURES.get(d["figure"] or "expected")
        context["reports"] = report_list(scope, year=None)[:20] if scope.kind == "party" else []
    return render_page(request, "web/reports/board.html", "web/reports/_board_results.html", context)


def _export(request: HttpRequest, rows: list[PartyOrg], fmt: str, region: str, year: int) -> HttpResponseBase:
    yes, no = _("是"), _("否")
    out = [{"party_org": p.name, "superior": p.superior.name if p.superior else "", "region": p.region_id,
            "year": year, "reported": yes if p.has_report else no,  # type: ignore[attr-defined]
            "grade": str(GRADES.get(p.report_grade, "")) if p.has_report else ""}  # type: ignore[attr-defined]
           for p in rows]
    return export(request, out, EXPORT_COLUMNS, fmt, _("书记述职"), kind="secretary_reports", region=region)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get(scope_of(request), pk)
    if report is None:
        raise Http404
    case = report.case
    kind = kind_of(case.kind)
    return render(request, "web/reports/detail.html", {
        "report": report, "case": case, "state": kind.state_label(case.state), "steps": case_steps(case),
        "ratings": list(report.ratings.order_by("side", "grade", "id")), "action_form": _action_form(request, case),
        "can_edit": case.waiting_on == APPLICANT and scope_of(request).allows(report.party_org),
        "cite": CITE, "today": engine.today()})


def _save(request: SignedInRequest, form: ReportForm, write: Any) -> HttpResponse | None:
    """Write the report, attach the file and submit it if asked, all or nothing (the cases' form)."""
    return save_case(request, form, write, then=lambda case: redirect(
        "report_detail", SecretaryReport.objects.values_list("pk", flat=True).get(case=case)))


@login_required
def report_new(request: SignedInRequest, pk: int) -> HttpResponse:
    party_org = party_org_get(scope_of(request), pk)
    if party_org is None:
        raise Http404
    form = ReportForm(request.POST or None, request.FILES or None,
                      initial={"year": engine.today().year - 1, "submit_now": True, "mode": "on_site"})
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        title = _("%(year)s年度书记述职：%(org)s") % {"year": data["year"], "org": party_org.name}
        saved = _save(request, form, lambda: case_open(actor=request.user, kind=CODE, party_org=party_org, data=data,
                                                       title=title))
        if saved is not None:
            return saved
    return render(request, "web/reports/form.html", {"form": form, "party": party_org, "title": _("书记述职"),
                                                     "cite": CITE})


@login_required
def report_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    report = report_get(scope_of(request), pk)
    if report is None or report.case.waiting_on != APPLICANT:
        raise Http404
    case = report.case
    form = ReportForm(request.POST or None, request.FILES or None, initial=ReportForm.initial_from(case.data))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, lambda: case_update(actor=request.user, case=case, data=form.service_data()))
        if saved is not None:
            return saved
    return render(request, "web/reports/form.html", {"form": form, "party": report.party_org, "report": report,
                                                     "title": _("修改书记述职"), "cite": CITE})
