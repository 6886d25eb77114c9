"""The changes after creation: editing party orgs and members, and the dated endings (an org
deregistered, a party org dissolved, a coverage link or an assignment ended, a member leaving).

Every object is fetched through the scoped selectors (outside the scope is a 404, as for reading),
and every change goes through its service, which checks the scope again and writes the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import SignedInRequest
from shuniu.coverage import engine
from shuniu.party.models import InstructorAssignment, PartyMember, PartyOrgCoverage
from shuniu.party.selectors import member_list, party_org_get
from shuniu.party.services import (
    assignment_end,
    coverage_end,
    member_end,
    member_update,
    party_org_dissolve,
    party_org_update,
)
from shuniu.registry.models import OrgStatus
from shuniu.registry.selectors import org_get
from shuniu.registry.services import org_deregister
from shuniu.transfers.letters import open_letter
from shuniu.transfers.selectors import letters, relation_history
from shuniu.web.forms import DatedChangeForm, MemberEditForm, MemberEndForm, PartyOrgEditForm, model_initial, submit
from shuniu.web.views.common import scope_of


def _member_subject(member: Any) -> str:
    return _("%(name)s（%(code)s）") % {"name": member.name, "code": member.id_number_masked}


def _dated_change(request: HttpRequest, *, title: str, subject: Any, intro: str, back: str,
                  on_label: Any, reason_label: Any | None, reason_required: bool, field_map: dict[str, str],
                  call: Callable[[Any, str], Any], done: str) -> HttpResponse:
    form = DatedChangeForm(request.POST or None, scope=scope_of(request), initial={"on": engine.today()},
                           on_label=on_label, reason_label=reason_label, reason_required=reason_required,
                           field_map=field_map)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if submit(form, lambda: call(d["on"], d.get("reason") or "")) is not None:
            messages.success(request, done)
            return redirect(back)
    return render(request, "web/form.html", {"form": form, "title": title, "subject": subject, "intro": intro,
                                             "cancel_url": back})


@login_required
def org_deregister_view(request: SignedInRequest, pk: int) -> HttpResponse:
    org = org_get(scope_of(request), pk)
    if org is None or org.status != OrgStatus.ACTIVE:
        raise Http404
    return _dated_change(
        request, title=_("注销社会组织"), subject=org, back=reverse("org_detail", args=[org.pk]),
        intro=_("注销后该组织自注销日期起不再计入统计，其党组织应随之调整或撤销（规则 CHANGE_DISSOLVE）；记录保留可查。"),
        on_label=gettext_lazy("注销日期"), reason_label=gettext_lazy("注销原因"), reason_required=False,
        field_map={"deregistered_on": "on", "status": "on"},
        call=lambda on, reason: org_deregister(actor=request.user, org=org, on=on, reason=reason),
        done=_("已注销“%(name)s”") % {"name": org.name})


@login_required
def party_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    party_org = party_org_get(scope, pk)
    if party_org is None:
        raise Http404
    initial = model_initial(party_org, PartyOrgEditForm)
    initial["superior"], initial["secretary"] = party_org.superior_id, party_org.secretary_id
    form = PartyOrgEditForm(request.POST or None, scope=scope, party_org=party_org, initial=initial)
    back = reverse("party_detail", args=[party_org.pk])
    if request.method == "POST" and form.is_valid():
        if not form.changed_data:
            messages.info(request, _("没有修改任何内容"))
            return redirect(back)
        if submit(form, lambda: party_org_update(actor=request.user, party_org=party_org,
                                                 **form.service_data())) is not None:
            messages.success(request, _("已保存修改"))
            return redirect(back)
    return render(request, "web/form.html", {"form": form, "title": _("修改党组织信息"), "subject": party_org,
                                             "cancel_url": back})


@login_required
def party_dissolve(request: SignedInRequest, pk: int) -> HttpResponse:
    party_org = party_org_get(scope_of(request), pk)
    if party_org is None or party_org.dissolved_on is not None:
        raise Http404
    return _dated_change(
        request, title=_("撤销党组织"), subject=party_org, back=reverse("party_detail", args=[party_org.pk]),
        intro=_("撤销后，它对社会组织的覆盖于同日结束，覆盖状态和统计随即更新。须先撤销或调整其下级党组织。"),
        on_label=gettext_lazy("撤销日期"), reason_label=gettext_lazy("撤销原因"), reason_required=True,
        field_map={"dissolved_on": "on", "dissolved_reason": "reason"},
        call=lambda on, reason: party_org_dissolve(actor=request.user, party_org=party_org, on=on, reason=reason),
        done=_("已撤销“%(name)s”") % {"name": party_org.name})


@login_required
def coverage_end_view(request: SignedInRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    link = PartyOrgCoverage.objects.select_related("org", "party_org").filter(pk=pk, ended_on__isnull=True).first()
    if link is None or org_get(scope, link.org_id) is None:
        raise Http404
    return _dated_change(
        request, title=_("结束党组织覆盖"), subject=f"{link.org.name} · {link.party_org.name}",
        back=reverse("org_detail", args=[link.org_id]),
        intro=_("例如该组织已单独建立党组织、转入其他联合党支部。结束后覆盖状态和统计随即更新。"),
        on_label=gettext_lazy("结束日期"), reason_label=gettext_lazy("结束原因"), reason_required=False,
        field_map={"ended_on": "on"},
        call=lambda on, reason: coverage_end(actor=request.user, coverage=link, ended_on=on, reason=reason),
        done=_("“%(party)s”对“%(org)s”的覆盖已结束") % {"party": link.party_org.name, "org": link.org.name})


@login_required
def assignment_end_view(request: SignedInRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    assignment = (InstructorAssignment.objects.select_related("org", "instructor")
                  .filter(pk=pk, ended_on__isnull=True).first())
    if assignment is None or org_get(scope, assignment.org_id) is None:
        raise Http404
    return _dated_change(
        request, title=_("结束指导员派驻"), subject=f"{assignment.org.name} · {assignment.instructor.name}",
        back=reverse("org_detail", args=[assignment.org_id]), intro=_("结束后覆盖状态和统计随即更新。"),
        on_label=gettext_lazy("结束日期"), reason_label=None, reason_required=False, field_map={"ended_on": "on"},
        call=lambda on, _reason: assignment_end(actor=request.user, assignment=assignment, ended_on=on),
        done=_("已结束%(name)s对“%(org)s”的派驻") % {"name": assignment.instructor.name, "org": assignment.org.name})


def _member_or_404(request: HttpRequest, pk: int) -> PartyMember:
    member = member_list(scope_of(request)).filter(pk=pk, ended_on__isnull=True).first()
    if member is None:
        raise Http404
    return member


def _member_back(member: PartyMember) -> str:
    if member.relation_org_id:
        return reverse("party_detail", args=[member.relation_org_id])
    if member.workplace_id:
        return reverse("org_detail", args=[member.workplace_id])
    return reverse("member_list") + f"?q={member.name}"


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    member = _member_or_404(request, pk)
    initial = {name: getattr(member, name) for name in MemberEditForm.base_fields
               if name not in ("id_number", "phone", "workplace", "relation_org")}
    initial["workplace"], initial["relation_org"] = member.workplace_id, member.relation_org_id
    form = MemberEditForm(request.POST or None, scope=scope, initial=initial)
    back = _member_back(member)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if not data:
            messages.info(request, _("没有修改任何内容"))
            return redirect(back)
        if submit(form, lambda: member_update(actor=request.user, member=member, **data)) is not None:
            messages.success(request, _("已保存修改"))
            return redirect(_member_back(member))
    return render(request, "web/member_edit.html", {
        "form": form, "title": _("修改党员信息"), "subject": _member_subject(member),
        "cancel_url": back, "intro": _("转正、调整工作单位或组织关系后，覆盖状态和统计随即更新。"),
        "member": member, "moves": relation_history(member), "letters": letters(scope).filter(member=member),
        "open_letter": open_letter(member), "today": engine.today(),
    })


@login_required
def member_end_view(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    back = _member_back(member)
    form = MemberEndForm(request.POST or None, scope=scope_of(request), initial={"on": engine.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if submit(form, lambda: member_end(actor=request.user, member=member, on=d["on"], reason=d["reason"],
                                           note=d["note"])) is not None:
            messages.success(request, _("已登记“%(name)s”减少") % {"name": member.name})
            return redirect(back)
    return render(request, "web/form.html", {
        "form": form, "title": _("党员减少"), "subject": _member_subject(member),
        "cancel_url": back,
        "intro": _("组织关系转出本系统范围、去世、出党、停止党籍、除名等情形，按统计分类登记。记录保留可查，不再计入统计。"),
    })
