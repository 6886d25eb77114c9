"""The three passes on an org's page: recording its annual inspection (with the party-building
section) and its grade evaluation. The org is read through the scope (outside it: 404) and the
record is written by the passes' services, which apply the local rules INSPECTION,
EVALUATION_VETO and EVAL_ELIGIBILITY and name them when they refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import SignedInRequest
from shuniu.passes.services import PassRules, evaluation_record, inspection_record
from shuniu.registry.models import Grade, InspectionResult, SocialOrg
from shuniu.registry.selectors import org_get
from shuniu.web.forms import ScopedForm, submit
from shuniu.web.views.common import scope_of

_YES_NO = [("", gettext_lazy("（未填写）")), ("yes", gettext_lazy("是")), ("no", gettext_lazy("否"))]


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class InspectionForm(ScopedForm):
    year = forms.IntegerField(label=gettext_lazy("年检年度"))
    conclusion = forms.ChoiceField(label=gettext_lazy("年检结论"), choices=InspectionResult.choices)
    life_held = forms.ChoiceField(label=gettext_lazy("按规定开展组织生活"), choices=_YES_NO, required=False)
    life_note = forms.CharField(label=gettext_lazy("组织生活情况"), max_length=500, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    dues_paid = forms.ChoiceField(label=gettext_lazy("按时交纳党费"), choices=_YES_NO, required=False)
    charter_clause = forms.ChoiceField(label=gettext_lazy("章程写入党建工作内容"), choices=_YES_NO, required=False,
                                       help_text=gettext_lazy("《意见》第二十二条：党建工作写入社会组织章程"))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=500, required=False)

    def service_data(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        for name in ("life_held", "dues_paid", "charter_clause"):
            d[name] = _yes_no(d.get(name) or "")
        return d


class EvaluationForm(ScopedForm):
    year = forms.IntegerField(label=gettext_lazy("评估年度"))
    grade = forms.ChoiceField(label=gettext_lazy("评估等级"), choices=Grade.choices)
    decided_on = _date(label=gettext_lazy("评估结论日期"), help_text=gettext_lazy("有效期自此日起算"))
    document_number = forms.CharField(label=gettext_lazy("文号"), max_length=60, required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=500, required=False)


def _org(request: SignedInRequest, pk: int) -> SocialOrg:
    org = org_get(scope_of(request), pk)
    if org is None:
        raise Http404
    return org


def _rules_in_force(org: SocialOrg, rule_ids: list[str]) -> str:
    """The local rules on for the org's region, named with their sources, for the form's intro."""
    rules = PassRules()
    on = [f"{rule_id}（{rules.source(rule_id, org)}）" for rule_id in rule_ids if rules.on(rule_id, org)]
    state = _("应建未建") if rules.is_due(org) else _("非应建未建")
    if not on:
        return _("本组织目前为“%(state)s”；所在地区未启用相关的地方规则。") % {"state": state}
    return _("本组织目前为“%(state)s”；所在地区启用的地方规则：%(rules)s。") % {"state": state, "rules": "；".join(on)}


def _page(request: SignedInRequest, org: SocialOrg, form: ScopedForm, title: str, intro: str) -> HttpResponse:
    return render(request, "web/form.html", {"form": form, "title": title, "subject": org, "intro": intro,
                                             "cancel_url": reverse("org_detail", args=[org.pk])})


@login_required
def inspection_new(request: SignedInRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    form = InspectionForm(request.POST or None, scope=scope_of(request), initial={"year": dt.date.today().year - 1})
    if request.method == "POST" and form.is_valid():
        saved = submit(form, lambda: inspection_record(actor=request.user, org=org, **form.service_data()))
        if saved is not None:
            messages.success(request, _("已记录 %(year)s 年度年检：%(c)s") % {
                "year": saved.year, "c": saved.get_conclusion_display()})
            return redirect("org_detail", org.pk)
    intro = _("党建情况（党组织覆盖状态、专职人员中的党员）按录入时的数据自动记录。") + _rules_in_force(org, ["INSPECTION"])
    return _page(request, org, form, _("记录年检（年报）"), intro)


@login_required
def evaluation_new(request: SignedInRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    form = EvaluationForm(request.POST or None, scope=scope_of(request), initial={"year": dt.date.today().year})
    if request.method == "POST" and form.is_valid():
        saved = submit(form, lambda: evaluation_record(actor=request.user, org=org, **form.cleaned_data))
        if saved is not None:
            messages.success(request, _("已记录 %(year)s 年度等级评估：%(grade)s，有效期至 %(until)s") % {
                "year": saved.year, "grade": saved.grade, "until": f"{saved.valid_until:%Y-%m-%d}"})
            return redirect("org_detail", org.pk)
    intro = _("评估等级有效期 %(n)s 年，自评估结论日期起算。") % {"n": settings.SHUNIU_EVALUATION_VALID_YEARS} + _rules_in_force(org, ["EVAL_ELIGIBILITY", "EVALUATION_VETO"])
    return _page(request, org, form, _("记录等级评估"), intro)

