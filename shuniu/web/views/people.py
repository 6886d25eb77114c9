"""Members (masked), instructors with their load, coverage links and instructor assignments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.actors import SignedInRequest
from shuniu.coverage import engine
from shuniu.party.models import InstructorKind, MemberStatus
from shuniu.party.selectors import instructor_search, member_search
from shuniu.party.services import assignment_start, coverage_add, member_create
from shuniu.web.forms import (
    AssignmentForm,
    CoverageForm,
    FilterForm,
    InstructorFilters,
    MemberFilters,
    MemberForm,
    prefill_form,
    submit,
)
from shuniu.web.views.common import paginate, region_in_scope, render_form, render_page, scope_of, takes_query


@login_required
@takes_query(MemberFilters)
def member_list(request: HttpRequest, query: MemberFilters) -> HttpResponse:
    context: dict[str, Any] = {"form": query, "statuses": MemberStatus.choices, "f": query.values()}
    if query.is_valid():
        f, scope = query.cleaned_data, scope_of(request)
        region_in_scope(scope, f["region"])
        qs = member_search(scope, q=f["q"], status=f["status"], region=f["region"],
                           party_org=f["party_org"], workplace=f["workplace"], mobile=f["mobile"])
        context["page"] = paginate(qs, f["page"])
    return render_page(request, "web/member_list.html", "web/_member_results.html", context)


@login_required
@takes_query(prefill_form(MemberForm, ["workplace", "relation_org"]))
def member_new(request: HttpRequest, query: FilterForm) -> HttpResponse:
    scope = scope_of(request)
    form = MemberForm(request.POST or None, scope=scope, initial=query.given())
    if request.method == "POST" and form.is_valid():
        member = submit(form, lambda: member_create(actor=request.user, **form.service_data()))
        if member is not None:
            messages.success(request, _("已登记党员“%(name)s”") % {"name": member.name})
            if member.relation_org_id:
                return redirect("party_detail", member.relation_org_id)
            if member.workplace_id:
                return redirect("org_detail", member.workplace_id)
            return redirect(reverse("member_list") + f"?q={member.name}")
    return render_form(request, {
        "form": form, "title": _("登记党员"), "cancel": "member_list",
        "intro": _("公民身份号码和电话加密保存，列表中只显示掩码。工作单位、组织关系所在党组织至少填一项。"),
    }, query)


@login_required
@takes_query(InstructorFilters)
def instructor_list(request: HttpRequest, query: InstructorFilters) -> HttpResponse:
    context: dict[str, Any] = {"form": query, "kinds": InstructorKind.choices, "f": query.values()}
    if query.is_valid():
        f, scope = query.cleaned_data, scope_of(request)
        region_in_scope(scope, f["region"])
        qs = instructor_search(scope, q=f["q"], kind=f["kind"], region=f["region"],
                               overloaded=f["overloaded"])
        context["page"] = paginate(qs, f["page"])
    return render_page(request, "web/instructor_list.html", "web/_instructor_results.html", context)


@login_required
@takes_query(prefill_form(CoverageForm, ["org", "party_org"]))
def coverage_new(request: SignedInRequest, query: FilterForm) -> HttpResponse:
    scope = scope_of(request)
    initial = {"started_on": engine.today(), **query.given()}
    form = CoverageForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        link = submit(form, lambda: coverage_add(actor=request.user, party_org=d["party_org"], org=d["org"],
                                                 started_on=d["started_on"]))
        if link is not None:
            messages.success(request, _("“%(org)s”已纳入“%(party)s”的覆盖") % {"org": link.org, "party": link.party_org})
            return redirect("org_detail", link.org_id)
    return render_form(request, {
        "form": form, "title": _("纳入党组织覆盖"), "cancel": "org_list",
        "intro": _("把社会组织纳入一个党组织的覆盖，例如加入联合党支部。覆盖状态和统计随即更新。"),
    }, query)


@login_required
@takes_query(prefill_form(AssignmentForm, ["org", "instructor"]))
def assignment_new(request: SignedInRequest, query: FilterForm) -> HttpResponse:
    scope = scope_of(request)
    initial = {"started_on": engine.today(), **query.given()}
    form = AssignmentForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        assignment = submit(form, lambda: assignment_start(actor=request.user, instructor=d["instructor"],
                                                           org=d["org"], started_on=d["started_on"]))
        if assignment is not None:
            messages.success(request, _("已向“%(org)s”派驻指导员%(name)s") % {"org": assignment.org,
                                                                          "name": assignment.instructor})
            return redirect("org_detail", assignment.org_id)
    return render_form(request, {
        "form": form, "title": _("派驻党建工作指导员"), "cancel": "instructor_list",
        "intro": _("暂不具备建立党组织条件的社会组织，选派党建工作指导员或联络员，实现党的工作覆盖（《意见》第十一条）。"),
    }, query)
