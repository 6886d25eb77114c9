"""Social orgs: the list behind every figure (search, filters, export), the detail, the forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import SignedInRequest
from shuniu.coverage.models import CoverageStatus
from shuniu.coverage.orglist import org_search, org_search_count
from shuniu.coverage.rules import evaluate
from shuniu.coverage.selectors import STATUSES, sub_regions
from shuniu.party import bodies
from shuniu.party.models import BodyOverride, InstructorAssignment, MemberStatus, PartyOrg, PartyOrgCoverage
from shuniu.party.selectors import member_list, party_org_get, party_org_list
from shuniu.party.services import body_override_set
from shuniu.regions.models import Region
from shuniu.registry.models import Grade, Industry, OrgType, SocialOrg
from shuniu.registry.selectors import hub_list, org_get, org_history
from shuniu.registry.services import org_create, org_update
from shuniu.web.figures import COVERED, STATUS_SHORT, WORKED
from shuniu.web.forms import BodyOverrideForm, OrgFilters, OrgForm, model_initial, submit
from shuniu.web.views.common import export, history, paginate, render_page, scope_of, takes_query

SORT_LABELS = {
    "name": gettext_lazy("名称"), "-established_on": gettext_lazy("成立日期（新→旧）"),
    "established_on": gettext_lazy("成立日期（旧→新）"), "-full_members": gettext_lazy("正式党员（多→少）"),
    "-full_time_staff": gettext_lazy("专职人员（多→少）"), "region": gettext_lazy("所在地区"),
    "-updated_at": gettext_lazy("最近修改"),
}
EXPORT_COLUMNS = [
    ("id", "ID"), ("name", "名称"), ("uscc", "统一社会信用代码"), ("type", "类型"), ("industry", "行业"),
    ("region_code", "地区代码"), ("region", "所在地区"), ("hub", "所属枢纽"), ("coverage_status", "覆盖状态"),
    ("full_time_staff", "专职人员数"), ("members_on_staff", "专职人员中的党员"), ("full_members", "其中正式党员"),
    ("established_on", "成立日期"), ("evaluation_grade", "评估等级"), ("status", "状态"),
]


def _region_choices(scope: Any, current: str) -> list[tuple[str, str]]:
    """The scope's region and its sub-regions (plus the one chosen, if deeper), for the filter."""
    if scope.kind == "region" and scope.region is not None:
        top = Region.objects.get(code=scope.region.short)
        choices = [(top.code, top.name), *((c, "　" + n) for c, n in sub_regions(top))]
    elif scope.kind == "all":
        choices = [(c, n) for c, n in sub_regions(None)]
    else:
        return []
    if current and current not in {c for c, _n in choices}:
        found = Region.objects.filter(code=current).first()
        if found is not None:
            choices.append((found.code, found.name))
    return choices


def _describe(f: dict[str, Any], region_name: str) -> list[str]:
    """The active filters in words, above the list ("朝阳区 · 联合覆盖 · 应建未建")."""
    words = []
    if region_name:
        words.append(region_name)
    if f["statuses"]:
        joined = ",".join(f["statuses"])
        words.append(_("组织覆盖") if joined == COVERED else _("工作覆盖") if joined == WORKED
                     else "、".join(str(STATUS_SHORT[s]) for s in f["statuses"]))
    if f["due"]:
        words.append(_("应建未建"))
    if f["org_type"] in OrgType.values:
        words.append(str(OrgType(f["org_type"]).label))
    if f["industry"]:
        words.append(str(Industry.objects.filter(pk=f["industry"]).values_list("name", flat=True).first() or ""))
    if f["grade"]:
        words.append(f["grade"])
    if f["q"]:
        words.append(_("“%(q)s”") % {"q": f["q"]})
    return [w for w in words if w]


@login_required
@takes_query(OrgFilters)
def org_list(request: HttpRequest, query: OrgFilters) -> HttpResponseBase:
    scope = scope_of(request)
    hubs = list(hub_list(scope).values_list("pk", "name")[:1000])
    context: dict[str, Any] = {
        "form": query, "types": OrgType.choices, "industries": Industry.objects.values_list("pk", "name"),
        "hubs": hubs, "status_choices": [(COVERED, _("组织覆盖（单独建立＋联合覆盖）")), (WORKED, _("工作覆盖（四种方式之一）")),
                                         *((s, STATUS_SHORT[s]) for s in STATUSES)],
        "grades": Grade.values, "sorts": SORT_LABELS.items(), "can_create": scope.kind in ("all", "region"),
    }
    if not query.is_valid():
        values = query.values()
        return render_page(request, "web/org_list.html", "web/_org_results.html", {
            **context, "f": {**values, "org_type": values["type"], "statuses": list(values["status"])},
            "status_param": ",".join(values["status"]), "regions": _region_choices(scope, values["region"])})
    f = query.search()
    try:
        qs = org_search(scope, **f)
    except (PermissionDenied, Region.DoesNotExist) as exc:
        raise Http404 from exc
    fmt = query.cleaned_data["format"]
    if fmt:
        return _export(request, qs, fmt, f["region"])
    page = paginate(qs, query.cleaned_data["page"], count=org_search_count(scope, **f))
    region_name = Region.objects.filter(code=f["region"]).values_list("name", flat=True).first() if f["region"] else ""
    return render_page(request, "web/org_list.html", "web/_org_results.html", {
        **context, "page": page, "f": f, "status_param": ",".join(f["statuses"]),
        "regions": _region_choices(scope, f["region"]), "described": _describe(f, region_name or ""),
    })


def _export(request: HttpRequest, qs: Any, fmt: str, region: str) -> FileResponse:
    types, statuses = dict(OrgType.choices), dict(CoverageStatus.choices)
    rows = []
    for o in qs.select_related(None).values(
            "id", "name", "uscc", "type", "industry__name", "region_id", "region__name", "hub__name",
            "coverage_status", "full_time_staff", "members_on_staff", "full_members", "established_on",
            "evaluation_grade", "status").iterator(chunk_size=2000):
        rows.append({
            **o, "type": str(types.get(o["type"], o["type"])), "industry": o["industry__name"] or "",
            "region_code": o["region_id"], "region": o["region__name"], "hub": o["hub__name"] or "",
            "coverage_status": str(statuses.get(o["coverage_status"], "")),
            "status": _("正常") if o["status"] == "active" else _("注销"),
        })
    return export(request, rows, EXPORT_COLUMNS, fmt, _("社会组织"), kind="org_list", region=region)


def _org_or_404(request: HttpRequest, pk: int) -> SocialOrg:
    org = org_get(scope_of(request), pk)
    if org is None:
        raise Http404
    return org


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    org = _org_or_404(request, pk)
    coverages = list(PartyOrgCoverage.objects.filter(org=org).select_related("party_org")
                     .order_by("-ended_on", "-started_on"))
    coverages.sort(key=lambda c: c.ended_on is not None)  # current links first
    visible = set(party_org_list(scope).filter(pk__in=[c.party_org_id for c in coverages])
                  .values_list("pk", flat=True))
    assignments = list(InstructorAssignment.objects.filter(org=org).select_related("instructor")
                       .order_by("ended_on", "-started_on"))
    staff = member_list(scope).filter(workplace=org)
    staff_counts = {s: staff.filter(status=s).count() for s in MemberStatus.values}
    findings = [x for x in evaluate(SocialOrg.objects.filter(pk=org.pk), PartyOrg.objects.none())
                if x.subject_type == "org"]
    body = bodies.explain(org)
    body_visible = isinstance(body, bodies.Body) and party_org_get(scope, body.party_org.pk) is not None
    return render(request, "web/org_detail.html", {
        "body": body, "body_resolved": isinstance(body, bodies.Body), "body_visible": body_visible,
        "org": org, "coverages": coverages, "visible_party": visible, "assignments": assignments,
        "staff": staff[:20], "staff_total": sum(staff_counts.values()), "staff_counts": staff_counts,
        "findings": findings, "history": history(list(org_history(org)[:100]), SocialOrg),
        "hub_links": org.hub_links.select_related("hub").order_by("-started_on"),
        "inspections": org.inspections.all(), "evaluations": org.evaluations.all(),
        "status_label": STATUS_SHORT.get(org.coverage_status, ""),
    })


@login_required
def org_body(request: SignedInRequest, pk: int) -> HttpResponse:
    """Set or clear the org's responsible party body by hand (rule RESPONSIBLE_BODY)."""
    scope = scope_of(request)
    org = _org_or_404(request, pk)
    current = BodyOverride.objects.filter(org=org).first()
    initial = {"party_org": current.party_org_id, "reason": current.reason} if current else {}
    form = BodyOverrideForm(request.POST or None, scope=scope, initial=initial)
    back = reverse("org_detail", args=[org.pk])
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["party_org"]
        done = submit(form, lambda: body_override_set(actor=request.user, org=org, party_org=chosen,
                                                      reason=form.cleaned_data["reason"]) or True)
        if done is not None:
            messages.success(request, _("已指定党建工作责任主体") if chosen else _("已清除指定，恢复按规则确定"))
            return redirect(back)
    found = bodies.explain(org)
    if isinstance(found, bodies.Body):
        # Named only inside the scope, as everywhere (a hub's staff may not see the committee).
        name = found.party_org.name if party_org_get(scope, found.party_org.pk) is not None else _("不在您的管辖范围内")
        now = _("现为“%(p)s”：%(why)s") % {"p": name, "why": found.explanation}
    else:
        now = _("现未能确定：%(why)s") % {"why": found.explanation}
    return render(request, "web/form.html", {
        "form": form, "title": _("指定党建工作责任主体"), "subject": org, "cancel_url": back,
        "intro": _("党建工作责任主体一般按业务主管单位、行业、登记管理机关所在地依次确定（《意见》第六条）；"
                   "特殊情况可逐个组织指定。") + " " + now,
    })


@login_required
def org_new(request: SignedInRequest) -> HttpResponse:
    scope = scope_of(request)
    if scope.kind not in ("all", "region"):
        raise PermissionDenied(_("只有地区管辖范围的用户可以登记社会组织"))
    form = OrgForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        org = submit(form, lambda: org_create(actor=request.user, **form.service_data()))
        if org is not None:
            messages.success(request, _("已登记“%(name)s”") % {"name": org.name})
            for warning in getattr(org, "warnings", []):
                messages.warning(request, warning)
            return redirect("org_detail", org.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("登记社会组织"), "cancel": "org_list",
        "intro": _("带 * 的为必填项。统一社会信用代码按 GB 32100-2015 校验；保存后系统自动计算覆盖状态。"),
    })


@login_required
def org_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    org = _org_or_404(request, pk)
    form = OrgForm(request.POST or None, scope=scope, initial=model_initial(org, OrgForm))
    if request.method == "POST" and form.is_valid():
        if not form.changed_data:
            messages.info(request, _("没有修改任何内容"))
            return redirect("org_detail", org.pk)
        saved = submit(form, lambda: org_update(actor=request.user, org=org, **form.service_data(only_changed=True)))
        if saved is not None:
            messages.success(request, _("已保存修改"))
            for warning in getattr(saved, "warnings", []):
                messages.warning(request, warning)
            return redirect("org_detail", org.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("修改社会组织信息"), "subject": org, "cancel_url": reverse("org_detail", args=[org.pk]),
    })
