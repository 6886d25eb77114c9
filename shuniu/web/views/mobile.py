"""Mobile members (流动党员, rule MOBILE): the list (per party org, host, region, finding; exported
as the other lists are), and the forms that register an outflow, end it, take a member in at a
host party org, end that, and open the lost-contact case. Reads through the scope layer; writes
through ``shuniu.mobile.services`` and the case mechanism."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.actors import SignedInRequest
from shuniu.cases.models import Case
from shuniu.cases.selectors import case_list
from shuniu.cases.services import case_open
from shuniu.core.services import add_years
from shuniu.coverage import engine
from shuniu.mobile.lost_contact import CODE as LOST_CONTACT
from shuniu.mobile.lost_contact import stop_from
from shuniu.mobile.models import Outflow
from shuniu.mobile.rules import months
from shuniu.mobile.selectors import FINDINGS, MobileFilters, mark, mobile_search, open_inflow_of, open_outflow_of
from shuniu.mobile.services import inflow_end, inflow_take_in, outflow_end, outflow_register
from shuniu.party.models import EndReason, PartyMember
from shuniu.party.selectors import member_list
from shuniu.web.forms import submit
from shuniu.web.mobile_forms import InflowEndForm, InflowForm, LostContactForm, OutflowEndForm, OutflowForm
from shuniu.web.mobile_forms import MobileFilters as MobileQuery
from shuniu.web.views.common import export, paginate, region_in_scope, render_page, scope_of, takes_query

EXPORT_COLUMNS = [
    ("name", "姓名"), ("relation_org", "组织关系所在党组织"), ("destination", "外出地点"), ("to_region", "流入地区"),
    ("fixed_place", "地点相对固定"), ("since", "外出日期"), ("reason", "外出原因"), ("certificate_no", "流动党员活动证编号"),
    ("expected_return", "预计返回日期"), ("phone", "联系电话"), ("host", "流入党组织"), ("taken_in_on", "接收日期"),
    ("over_limit", "应转移组织关系（规则 MOBILE）"),
]


def _finding_labels() -> list[tuple[str, str]]:
    labels = {"over_limit": _("外出满 6 个月且地点相对固定（应转移组织关系）"), "taken_in": _("已由流入地党组织接收"),
              "not_taken_in": _("尚未由流入地党组织接收")}
    return [(f, labels[f]) for f in FINDINGS]


@login_required
@takes_query(MobileQuery)
def mobile_list(request: HttpRequest, query: MobileQuery) -> HttpResponseBase:
    scope = scope_of(request)
    context: dict[str, Any] = {"form": query, "f": query.values(), "findings": _finding_labels()}
    if query.is_valid():
        d = query.cleaned_data
        region_in_scope(scope, d["region"])
        filters = MobileFilters(q=d["q"], party_org=int(d["party_org"]) if d["party_org"] else None,
                                host=int(d["host"]) if d["host"] else None, region=d["region"],
                                to_region=d["to_region"], finding=d["finding"])
        today = engine.today()
        qs = mobile_search(scope, filters, today)
        if d["format"]:
            return _export(request, list(qs), d["format"], d["region"], today)
        page = paginate(qs, d["page"])
        mark(list(page.object_list), today)
        context["page"] = page
        lost = (case_list(scope).filter(kind=LOST_CONTACT).exclude(waiting_on="")
                .select_related("member", "member__relation_org").order_by("-id")[:50])
        context["lost"] = [(c, stop_from(c)) for c in lost]
        stopped = (scope.filter(PartyMember.objects.filter(end_reason=EndReason.STOPPED))
                   .select_related("relation_org").order_by("ended_on", "pk")[:50])
        context["stopped"] = [(m, add_years(m.ended_on, months(str(m.region_id), name="removal_years")))
                              for m in stopped if m.ended_on]
    return render_page(request, "web/mobile_list.html", "web/_mobile_results.html", context)


def _export(request: HttpRequest, rows: list[Outflow], fmt: str, region: str, today: Any) -> HttpResponseBase:
    mark(rows, today)
    yes, no = _("是"), _("否")
    out = [{
        "name": o.member.name, "relation_org": o.member.relation_org.name if o.member.relation_org else "",
        "destination": o.destination, "to_region": o.region.name if o.region else "",
        "fixed_place": yes if o.fixed_place else no, "since": o.since, "reason": o.reason,
        "certificate_no": o.certificate_no, "expected_return": o.expected_return or "", "phone": o.phone_masked,
        "host": o.host.name if o.host else "",  # type: ignore[attr-defined]
        "taken_in_on": o.taken_in_on or "",  # type: ignore[attr-defined]
        "over_limit": yes if o.over_limit else no,  # type: ignore[attr-defined]
    } for o in rows]
    return export(request, out, EXPORT_COLUMNS, fmt, _("流动党员"), kind="mobile_list", region=region)


def _member_or_404(request: HttpRequest, pk: int) -> PartyMember:
    member = member_list(scope_of(request)).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def _subject(member: PartyMember) -> str:
    return _("%(name)s（%(code)s）") % {"name": member.name, "code": member.id_number_masked or "—"}


def _back(member: PartyMember) -> str:
    return reverse("mobile_list") + f"?q={member.name}"


def _form_page(request: HttpRequest, form: Any, title: str, member: PartyMember, intro: str) -> HttpResponse:
    return render(request, "web/form.html", {"form": form, "title": title, "subject": _subject(member),
                                             "cancel_url": reverse("mobile_list"), "intro": intro})


@login_required
def outflow_new(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    form = OutflowForm(request.POST or None, scope=scope_of(request), initial={"since": engine.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if submit(form, lambda: outflow_register(actor=request.user, member=member, **d)) is not None:
            messages.success(request, _("已登记“%(name)s”外出（流动党员）") % {"name": member.name})
            return redirect(_back(member))
    return _form_page(request, form, _("流出登记"), member, _(
        "外出 6 个月以内或地点不固定的党员登记为流动党员，组织关系不变；外出 6 个月以上且地点相对固定的，应转移组织关系。"))


@login_required
def outflow_end_view(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    outflow = open_outflow_of(scope_of(request), member.pk)
    if outflow is None:
        raise Http404
    form = OutflowEndForm(request.POST or None, scope=scope_of(request), initial={"ended_on": engine.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if submit(form, lambda: outflow_end(actor=request.user, outflow=outflow, ended_on=d["ended_on"],
                                             reason=d["reason"], note=d["note"])) is not None:
            messages.success(request, _("已结束“%(name)s”的流出登记") % {"name": member.name})
            return redirect(_back(member))
    return _form_page(request, form, _("结束流出登记"), member, _("党员返回、转移组织关系或其他原因结束外出；流入党组织的接收同时结束。"))


@login_required
def inflow_new(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    outflow = open_outflow_of(scope_of(request), member.pk)
    form = InflowForm(request.POST or None, scope=scope_of(request), initial={"started_on": engine.today()})
    if request.method == "POST" and form.is_valid():
        if outflow is None:
            form.add_error(None, _("该党员没有未结束的流出登记，须先登记外出（规则 MOBILE）"))
        else:
            d = form.cleaned_data
            if submit(form, lambda: inflow_take_in(actor=request.user, outflow=outflow, host=d["host"],
                                                    started_on=d["started_on"])) is not None:
                messages.success(request, _("“%(host)s”已接收“%(name)s”参加组织生活") % {
                    "host": d["host"].name, "name": member.name})
                return redirect(_back(member))
    return _form_page(request, form, _("流入登记（接收参加组织生活）"), member, _(
        "一方隶属、参加多重组织生活：组织关系不变，只在组织关系所在党组织统计一次。"))


@login_required
def inflow_end_view(request: SignedInRequest, pk: int) -> HttpResponse:
    inflow = open_inflow_of(scope_of(request), pk)
    if inflow is None:
        raise Http404
    member = inflow.member
    form = InflowEndForm(request.POST or None, scope=scope_of(request), initial={"ended_on": engine.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if submit(form, lambda: inflow_end(actor=request.user, inflow=inflow, ended_on=d["ended_on"],
                                            note=d["note"])) is not None:
            messages.success(request, _("已结束“%(name)s”在“%(host)s”参加组织生活") % {
                "name": member.name, "host": inflow.host.name})
            return redirect(reverse("mobile_list"))
    return _form_page(request, form, _("结束流入登记"), member, _("流动党员离开本地时，流入党组织结束接收；其流出登记仍由组织关系所在党组织办理。"))


@login_required
def lost_contact_new(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    form = LostContactForm(request.POST or None, scope=scope_of(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {"lost_since": d["lost_since"].isoformat(), "efforts": d["efforts"]}
        case: Case | None = submit(form, lambda: case_open(actor=request.user, kind=LOST_CONTACT, member=member,
                                                            data=data))
        if case is not None:
            messages.success(request, _("已记录“%(name)s”失去联系") % {"name": member.name})
            return redirect("case_detail", case.pk)
    return _form_page(request, form, _("记录失去联系的党员"), member, _(
        "失去联系满 6 个月后，党支部可提出停止党籍，报上级党组织批准后记录；不会自动停止党籍或除名。"))


@login_required
def removal_new(request: SignedInRequest, pk: int) -> HttpResponse:
    """A later decision on a member whose standing was stopped and who is still out of contact: the
    branch asks its superior to remove them (除名), through the same lost-contact case."""
    member = (scope_of(request).filter(PartyMember.objects.filter(pk=pk, end_reason=EndReason.STOPPED)).first())
    if member is None:
        raise Http404
    earlier = Case.objects.filter(kind=LOST_CONTACT, member=member).order_by("-id").first()
    initial = {"lost_since": earlier.data.get("lost_since") if earlier else None}
    form = LostContactForm(request.POST or None, scope=scope_of(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {"lost_since": d["lost_since"].isoformat(), "efforts": d["efforts"], "decision": "removed"}
        case: Case | None = submit(form, lambda: case_open(actor=request.user, kind=LOST_CONTACT, member=member,
                                                           data=data))
        if case is not None:
            messages.success(request, _("已起草“%(name)s”的除名请示") % {"name": member.name})
            return redirect("case_detail", case.pk)
    return _form_page(request, form, _("提出除名"), member, _(
        "停止党籍满 2 年后仍无法取得联系的，党支部可提出除名，报上级党组织批准后记录；不会自动除名。"))
