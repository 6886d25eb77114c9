"""The member development pipeline's pages: the board of a party org or a region (people at each
stage, who is overdue, how many work in orgs with no or few members), a person's page with their
timeline and the form for the next step, a new applicant, and ending a person's development.
Read through the pipeline's selectors (outside the scope: 404), written by its services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import SignedInRequest
from shuniu.accounts.scopes import Scope
from shuniu.development.models import Applicant, EndReason, Stage, StepCode
from shuniu.development.selectors import alert_of, applicant_get, applicants, board, timeline
from shuniu.development.services import (
    RECOMMENDED_BY,
    STEPS,
    applicant_create,
    applicant_end,
    next_steps,
    probation_ends,
    step_record,
)
from shuniu.party.models import Gender, MemberStatus, PartyMember
from shuniu.party.selectors import party_org_get, party_org_list
from shuniu.registry.selectors import org_list
from shuniu.rulesettings.selectors import current
from shuniu.web.forms import (
    ChoiceQuery,
    FlagQuery,
    IdQuery,
    ListFilters,
    NoEchoInput,
    PickerField,
    RegionQuery,
    ScopedForm,
    TextQuery,
    submit,
)
from shuniu.web.views.common import paginate, region_in_scope, render_page, scope_of, takes_query


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class DevelopmentFilters(ListFilters):
    q = TextQuery(max_length=60, label=gettext_lazy("查找"))
    stage = ChoiceQuery(Stage.values, label=gettext_lazy("所处阶段"))
    party_org = IdQuery(gettext_lazy("须为党组织编号"), label=gettext_lazy("党组织"))
    region = RegionQuery(label=gettext_lazy("地区"))
    overdue = FlagQuery(label=gettext_lazy("只看逾期"))


class ApplicantForm(ScopedForm):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    gender = forms.ChoiceField(label=gettext_lazy("性别"), choices=Gender.choices, widget=forms.RadioSelect)
    id_number = forms.CharField(label=gettext_lazy("公民身份号码"), max_length=30, required=False, widget=NoEchoInput,
                                help_text=gettext_lazy("加密保存，页面上只显示掩码；出生日期由号码得出，须年满十八岁"))
    birth_date = _date(label=gettext_lazy("出生日期"), required=False,
                       help_text=gettext_lazy("无公民身份号码时填写"))
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    workplace = PickerField(org_list(Scope.nothing()), "org", label=gettext_lazy("工作单位（社会组织）"))
    branch = PickerField(party_org_list(Scope.nothing()), "party_org", label=gettext_lazy("培养党组织"),
                         help_text=gettext_lazy("接收入党申请的党组织：本单位党支部，或覆盖本单位的联合党支部"))
    applied_on = _date(label=gettext_lazy("递交入党申请书日期"))
    documents = forms.CharField(label=gettext_lazy("材料"), max_length=500, required=False,
                                initial=gettext_lazy("入党申请书"))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("workplace", org_list(self.scope).filter(status="active")),
                         ("branch", party_org_list(self.scope).filter(dissolved_on__isnull=True))):
            self.fields[name].queryset = qs  # type: ignore[attr-defined]
            self.fields[name].widget.queryset = qs  # type: ignore[attr-defined]


class StepForm(ScopedForm):
    """The next step of a person: its date, the documents, and the facts each step needs (the ones
    a step does not read are ignored)."""

    step = forms.ChoiceField(label=gettext_lazy("步骤"), choices=())
    on = _date(label=gettext_lazy("日期"))
    recommended_by = forms.ChoiceField(label=gettext_lazy("推荐方式（列为积极分子）"), required=False,
                                       choices=[("", "—"), *RECOMMENDED_BY.items()])
    contacts = forms.ModelMultipleChoiceField(PartyMember.objects.none(), required=False,
                                              label=gettext_lazy("培养联系人（列为积极分子，一至两名正式党员）"),
                                              widget=forms.CheckboxSelectMultiple)
    introducers = forms.ModelMultipleChoiceField(PartyMember.objects.none(), required=False,
                                                 label=gettext_lazy("入党介绍人（两名正式党员）"),
                                                 widget=forms.CheckboxSelectMultiple)
    conclusion = forms.CharField(label=gettext_lazy("考察意见或政治审查结论"), max_length=500, required=False)
    days = forms.DecimalField(label=gettext_lazy("培训天数"), required=False, min_value=0, max_digits=5,
                              decimal_places=1)
    hours = forms.DecimalField(label=gettext_lazy("培训学时"), required=False, min_value=0, max_digits=5,
                               decimal_places=1)
    eligible = forms.IntegerField(label=gettext_lazy("应到会有表决权的正式党员数（支部大会）"), required=False, min_value=0)
    votes_for = forms.IntegerField(label=gettext_lazy("赞成票数（支部大会）"), required=False, min_value=0)
    months = forms.IntegerField(label=gettext_lazy("延长预备期月数（6 至 12）"), required=False, min_value=0)
    documents = forms.CharField(label=gettext_lazy("材料"), max_length=500, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, applicant: Applicant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps = next_steps(applicant)
        self.fields["step"].choices = [(code, StepCode(code).label) for code in steps]  # type: ignore[attr-defined]
        members = self.scope.filter(PartyMember.objects.filter(
            relation_org=applicant.branch, status=MemberStatus.FULL, ended_on__isnull=True)).order_by("name")
        for name in ("contacts", "introducers"):
            self.fields[name].queryset = members  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}
        for name in ("contacts", "introducers"):
            if name in data:
                data[name] = [m.pk for m in data[name]]
        for name in ("days", "hours"):
            if name in data:
                data[name] = float(data[name])
        return data


class EndForm(ScopedForm):
    on = _date(label=gettext_lazy("终止日期"))
    reason = forms.ChoiceField(label=gettext_lazy("终止原因"), choices=EndReason.choices)
    note = forms.CharField(label=gettext_lazy("终止原因说明"), max_length=200, required=False)
    field_map = {"ended_on": "on", "end_reason": "reason", "end_note": "note"}


def _person(request: HttpRequest, pk: int) -> Applicant:
    found = applicant_get(scope_of(request), pk)
    if found is None:
        raise Http404
    return found


@login_required
@takes_query(DevelopmentFilters)
def development_board(request: HttpRequest, query: DevelopmentFilters) -> HttpResponse:
    scope = scope_of(request)
    context: dict[str, Any] = {"form": query, "f": query.values(), "stages": Stage.choices}
    if query.is_valid():
        f = query.cleaned_data
        region_in_scope(scope, f["region"])
        party_org = party_org_get(scope, int(f["party_org"])) if f["party_org"] else None
        if f["party_org"] and party_org is None:
            raise Http404
        today = dt.date.today()
        figures = board(scope, party_org=party_org, region=f["region"], today=today)
        qs = applicants(scope, party_org=party_org, region=f["region"], stage=f["stage"], q=f["q"])
        if f["overdue"]:
            qs = qs.filter(pk__in=[a.pk for a, _alert in figures.overdue])
        page = paginate(qs, f["page"])
        alert_days = int(current().value("DEVELOPMENT", "probation_alert_days", ""))
        rows = [(a, alert_of(a, today, alert_days)) for a in page.object_list]
        context.update(board=figures, page=page, rows=rows, party_org=party_org, today=today,
                       export_query=f"?region={f['region']}" if f["region"] else "")
    return render_page(request, "web/development_board.html", "web/_development_results.html", context)


@login_required
def development_new(request: SignedInRequest) -> HttpResponse:
    form = ApplicantForm(request.POST or None, scope=scope_of(request))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        made = submit(form, lambda: applicant_create(actor=request.user, **data))
        if made is not None:
            messages.success(request, _("已登记入党申请人“%(name)s”") % {"name": made.name})
            return redirect("development_person", made.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("登记入党申请人"), "cancel": "development_board",
        "intro": _("年满十八岁方可申请入党（党章第一条）。党组织收到申请书后，应在一个月内派人谈话（《中国共产党发展党员工作细则》第七条）。")})


@login_required
def development_person(request: SignedInRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    today = dt.date.today()
    alert_days = int(current().value("DEVELOPMENT", "probation_alert_days", str(person.region_id)))
    steps = [{"step": s, "label": StepCode(s.code).label if s.code in StepCode.values else s.code,
              "facts": _facts(s.data)} for s in timeline(person)]
    return render(request, "web/development_person.html", {
        "person": person, "steps": steps, "alert": alert_of(person, today, alert_days), "today": today,
        "next": [StepCode(c).label for c in next_steps(person)], "probation_ends": probation_ends(person),
        "superior_steps": _("、").join(str(StepCode(c).label) for c, d in STEPS.items() if d.by_superior),
    })


_FACT_LABELS = {"recommended_by": gettext_lazy("推荐方式"), "contacts": gettext_lazy("培养联系人"),
                "introducers": gettext_lazy("入党介绍人"), "conclusion": gettext_lazy("结论"),
                "days": gettext_lazy("培训天数"), "hours": gettext_lazy("培训学时"),
                "eligible": gettext_lazy("应到会有表决权的正式党员"), "votes_for": gettext_lazy("赞成票"),
                "months": gettext_lazy("延长月数"), "working_days": gettext_lazy("公示工作日"),
                "ends_on": gettext_lazy("公示期满"), "late": gettext_lazy("逾期"), "reason": gettext_lazy("原因")}


def _fact(key: str, value: Any) -> str:
    if isinstance(value, list):
        return _("、").join(str(v.get("name", "")) if isinstance(v, dict) else str(v) for v in value)
    if key == "recommended_by":
        return str(RECOMMENDED_BY.get(value, value))
    if key == "reason":
        return str(EndReason(value).label) if value in EndReason.values else str(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _facts(data: dict[str, Any]) -> str:
    return _("；").join(_("%(label)s：%(value)s") % {"label": _FACT_LABELS.get(k, k), "value": _fact(k, v)}
                       for k, v in data.items() if v not in (None, "", []) and not (k == "late" and v is False))


@login_required
def development_step(request: SignedInRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = StepForm(request.POST or None, scope=scope_of(request), applicant=person)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        step = data.pop("step")
        saved = submit(form, lambda: step_record(actor=request.user, applicant=person, step=step, **data))
        if saved is not None:
            messages.success(request, _("已记录“%(step)s”（%(on)s）") % {
                "step": StepCode(saved.code).label, "on": f"{saved.on:%Y-%m-%d}"})
            return redirect("development_person", person.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("记录发展步骤"), "subject": person,
        "cancel_url": reverse("development_person", args=[person.pk]),
        "intro": _("各步骤须按《中国共产党发展党员工作细则》规定的顺序和时间办理；预审、审批和延长预备期由上级党委办理。")})


@login_required
def development_end(request: SignedInRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = EndForm(request.POST or None, scope=scope_of(request))
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data
        ended = submit(form, lambda: applicant_end(actor=request.user, applicant=person, on=f["on"],
                                                   reason=f["reason"], note=f["note"]))
        if ended is not None:
            messages.success(request, _("已终止对“%(name)s”的培养") % {"name": ended.name})
            return redirect("development_person", person.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("终止培养"), "subject": person,
        "cancel_url": reverse("development_person", args=[person.pk]),
        "intro": _("记录保留。取消预备党员资格须由上级党委决定（党章第七条）。")})
