"""Organizational life (组织生活, rule LIFE): the compliance table of a region with the party orgs behind
every figure (exported as the other tables are), one party org's org life, the meetings (record,
list, detail, correct, delete while open, files), the member review, and the secretary's workspace.
Reads through ``shuniu.orglife.selectors`` and the scope layer; writes through ``shuniu.orglife.services``."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shuniu.accounts.actors import SignedInRequest
from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import reminders
from shuniu.cases.selectors import waiting_on_me
from shuniu.development.selectors import applicants
from shuniu.orglife import compliance
from shuniu.orglife.models import KINDS, Meeting, MeetingFile, MeetingKind, bits_kinds
from shuniu.orglife.rules import CITE, kind_label
from shuniu.orglife.selectors import (
    attendance_of,
    life_orgs,
    life_rows,
    meeting_get,
    meeting_history,
    meeting_list,
    org_rate,
    periods,
    quarter_of,
    roster_life,
)
from shuniu.orglife.services import closes_on, expected_roster, meeting_correct, meeting_delete, meeting_record
from shuniu.orglife.services import review_record as record_review
from shuniu.party.models import PartyMember, PartyOrg, PartyOrgKind
from shuniu.party.selectors import party_org_list
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region
from shuniu.transfers.models import LetterState
from shuniu.transfers.selectors import letter_search
from shuniu.web.forms import submit
from shuniu.web.orglife_forms import (
    FOLLOW_UPS,
    GRADES,
    REASONS,
    LifeOrgsQuery,
    LifeQuery,
    MeetingCorrectForm,
    MeetingDeleteForm,
    MeetingFilters,
    MeetingForm,
    MeetingPrefill,
    ReviewForm,
    RosterQuery,
)
from shuniu.web.views.common import export, form_errors, history, paginate, render_page, scope_of, takes_query

BY_LABELS = {"level": gettext_lazy("地区"), "type": gettext_lazy("党组织类别"), "industry": gettext_lazy("行业"),
             "hub": gettext_lazy("枢纽")}


def _by_labels() -> list[tuple[str, str]]:
    return [("level", _("按地区")), ("type", _("按党组织类别")), ("industry", _("按行业")), ("hub", _("按枢纽"))]


def _kind_columns() -> list[tuple[str, str]]:
    return [(k, kind_label(k)) for k in KINDS]


# ---- the compliance table ------------------------------------------------------------------------

def _life_args(scope: Scope, d: dict[str, Any]) -> dict[str, Any]:
    """The selector's arguments from a valid query, the region checked against the scope (a region
    outside it, or none such, is a 404 as on the region pages)."""
    try:
        region = None
        if d["region"] or scope.kind in ("all", "region"):
            from shuniu.coverage.selectors import resolve_region

            region = resolve_region(scope, d["region"] or None)
    except (PermissionDenied, Region.DoesNotExist, InvalidRegionCode) as exc:
        raise Http404 from exc
    today = compliance.today()
    year = d["year"] or (d["as_of"].year if d["as_of"] else today.year)
    as_of = d["as_of"] if d["as_of"] and d["as_of"] < compliance.seen_on(year, today) else None
    return {"region": region, "code": region.code if region else "", "year": year, "as_of": as_of,
            "by": d["by"] or "level"}


def _orgs_url(a: dict[str, Any], region: str, key: str, figure: str) -> str:
    params = {"region": region, "year": a["year"], "by": a["by"], "key": key, "figure": figure,
              "as_of": a["as_of"].isoformat() if a["as_of"] else ""}
    return reverse("life_orgs") + "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _link_rows(rows: list[dict[str, Any]], a: dict[str, Any]) -> list[dict[str, Any]]:
    for i, r in enumerate(rows):
        region = r["region"] if a["by"] == "level" else a["code"]
        key = "" if a["by"] == "level" or i == 0 else r["key"]
        r["urls"] = {f: _orgs_url(a, region, key, f) for f in ("orgs", "complete", "incomplete", "idle")}
        r["kind_list"] = [{"kind": k, "label": kind_label(k), **r["kinds"][k]} for k in KINDS]
    return rows


@login_required
@takes_query(LifeQuery)
def life_table(request: HttpRequest, query: LifeQuery) -> HttpResponseBase:
    scope = scope_of(request)
    if scope.kind == "party":
        own = own_party_org(request)
        return redirect("life_org", own.pk) if own is not None else redirect("meeting_list")
    if scope.kind not in ("all", "region"):
        return redirect("meeting_list")
    context: dict[str, Any] = {"form": query, "f": query.values(), "by_labels": _by_labels(),
                               "kinds": _kind_columns(), "today": compliance.today(), "cite": CITE,
                               "years": list(range(compliance.today().year, compliance.today().year - 5, -1))}
    if query.is_valid():
        a = _life_args(scope, query.cleaned_data)
        rows = _link_rows(life_rows(scope, a["code"] or None, year=a["year"], by=a["by"], as_of=a["as_of"]), a)
        if a["region"] is None:
            rows[0]["name"] = _("全国")
        if query.cleaned_data["format"]:
            out, columns, stem = _table_file(rows, a)
            return export(request, out, columns, query.cleaned_data["format"], stem, kind="life_table",
                          region=a["code"])
        context.update(rows=rows, a=a, top=rows[0], first=BY_LABELS[a["by"]],
                       empty_rows=sum(1 for r in rows[1:] if not r["orgs"]))
    return render_page(request, "web/orglife/life_table.html", "web/orglife/_life_results.html", context)


def _table_file(rows: list[dict[str, Any]], a: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, str]], str]:
    columns = [("name", _("名称")), ("orgs", _("党组织数")), ("complete", _("全部按时召开")),
               ("complete_rate", _("按时召开占比")), ("idle", _("连续三个月未开展")), ("expected", _("应开展次数")),
               ("held", _("已开展次数")), ("rate", _("组织生活开展率")), ("attendance_rate", _("党员出席率")),
               ("rev_excellent", _("评议优秀")), ("rev_qualified", _("评议合格")), ("rev_basic", _("评议基本合格")),
               ("rev_unqualified", _("评议不合格"))]
    columns += [(f"rate_{k}", _("%(kind)s开展率") % {"kind": label}) for k, label in _kind_columns()]
    out = [{**r, **{f"rate_{k}": r["kinds"][k]["rate"] for k in KINDS}} for r in rows]
    return out, columns, _("组织生活开展情况%(y)s") % {"y": a["year"]}


@login_required
@takes_query(LifeOrgsQuery)
def life_orgs_view(request: HttpRequest, query: LifeOrgsQuery) -> HttpResponseBase:
    scope = scope_of(request)
    context: dict[str, Any] = {"form": query, "f": query.values(), "kinds": _kind_columns(),
                               "figures": _figure_labels()}
    if query.is_valid():
        d = query.cleaned_data
        a = _life_args(scope, d)
        rows = life_orgs(scope, a["code"] or None, year=a["year"], by=a["by"], key=d["key"],
                         figure=d["figure"] or "orgs", as_of=a["as_of"])
        for r in rows:
            r["kind_list"] = [{"kind": k, **r["kinds"][k]} for k in KINDS]
            r["kind_label"] = PartyOrgKind(r["kind"]).label if r["kind"] in PartyOrgKind.values else r["kind"]
        if d["format"]:
            out, columns, stem = _orgs_file(rows, a)
            return export(request, out, columns, d["format"], stem, kind="life_orgs", region=a["code"])
        context.update(a=a, page=paginate(rows, d["page"]),  # type: ignore[arg-type]
                       figure_label=dict(_figure_labels()).get(d["figure"] or "orgs"),
                       region_name=a["region"].name if a["region"] else "")
    return render_page(request, "web/orglife/life_orgs.html", "web/orglife/_life_orgs_results.html", context)


def _figure_labels() -> list[tuple[str, str]]:
    return [("orgs", _("全部党组织")), ("complete", _("全部按时召开")), ("incomplete", _("未全部按时召开")),
            ("idle", _("连续三个月未开展"))]


def _orgs_file(rows: list[dict[str, Any]], a: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, str]], str]:
    yes, no = _("是"), _("否")
    columns = [("name", _("党组织")), ("kind_label", _("类别")), ("expected", _("应开展次数")), ("held", _("已开展次数")),
               ("rate", _("组织生活开展率")), ("attendance_rate", _("党员出席率")), ("complete_text", _("全部按时召开")),
               ("idle_text", _("连续三个月未开展"))]
    columns += [(f"n_{k}", label) for k, label in _kind_columns()]
    out = [{**r, "kind_label": str(r["kind_label"]), "complete_text": yes if r["is_complete"] else no,
            "idle_text": yes if r["is_idle"] else no,
            **{f"n_{k}": f"{r['kinds'][k]['held']}/{r['kinds'][k]['expected']}" for k in KINDS}} for r in rows]
    return out, columns, _("组织生活党组织名单%(y)s") % {"y": a["year"]}


# ---- one party org ---------------------------------------------------------------------------------

def _party_or_404(request: HttpRequest, pk: int) -> PartyOrg:
    party_org = party_org_list(scope_of(request)).filter(pk=pk).select_related("region").first()
    if party_org is None:
        raise Http404
    return party_org


def own_party_org(request: HttpRequest) -> PartyOrg | None:
    pk = getattr(request.user, "scope_party_org_id", None)
    return party_org_list(scope_of(request)).filter(pk=pk).first() if pk else None


def _org_life(party_org: PartyOrg, day: dt.date) -> dict[str, Any]:
    """What a party org's page and the workspace show: this period's meetings, the quarter's and the
    year's compliance, the members with their attendance and review."""
    dues = periods(party_org, day)
    start, end = quarter_of(day)
    open_dues = [d for d in dues if not d.is_done]
    year_rate = org_rate(party_org, day.year, day=day)
    return {
        "dues": dues, "next_due": min((d.slot.end for d in open_dues), default=None),
        "quarter": org_rate(party_org, day.year, start, end, day=day), "quarter_start": start, "quarter_end": end,
        "year_rate": year_rate, "members": roster_life(party_org, day.year, day),
        "year_kinds": [{"label": kind_label(k), "expected": e, "held": h} for k, (e, h) in year_rate["kinds"].items()],
        "today": day, "cite": CITE, "can_write": party_org.dissolved_on is None,
    }


@login_required
def life_org(request: HttpRequest, pk: int) -> HttpResponse:
    party_org = _party_or_404(request, pk)
    day = compliance.today()
    context = _org_life(party_org, day)
    context.update(party=party_org, meetings=meeting_list(scope_of(request), party_org=party_org)[:30])
    return render(request, "web/orglife/life_org.html", context)


# ---- the meetings ------------------------------------------------------------------------------------

@login_required
@takes_query(MeetingFilters)
def meeting_list_view(request: HttpRequest, query: MeetingFilters) -> HttpResponse:
    scope = scope_of(request)
    context: dict[str, Any] = {"form": query, "f": query.values(), "kinds": MeetingKind.choices,
                               "years": list(range(compliance.today().year, compliance.today().year - 5, -1))}
    if query.is_valid():
        d = query.cleaned_data
        party_org = party_org_list(scope).filter(pk=d["party_org"]).first() if d["party_org"] else None
        qs = meeting_list(scope, kind=d["kind"], year=d["year"])
        if d["party_org"]:
            qs = qs.filter(party_org=party_org) if party_org is not None else qs.none()
        if d["q"]:
            qs = qs.filter(topic__icontains=d["q"])
        context.update(page=paginate(qs, d["page"]), party=party_org)
    return render_page(request, "web/orglife/meeting_list.html", "web/orglife/_meeting_results.html", context)


def _roster_context(scope: Scope, party_org: PartyOrg | None, day: dt.date | None,
                    checked: set[int] | None = None, reasons: dict[int, str] | None = None) -> dict[str, Any]:
    roster: list[dict[str, Any]] = []
    if party_org is not None:
        day = day if day is not None and day <= compliance.today() else compliance.today()
        expected = expected_roster(party_org, day)
        names = dict(PartyMember.objects.filter(pk__in=list(expected)).values_list("pk", "name"))
        for pk, participant in sorted(expected.items(), key=lambda kv: (kv[1], names.get(kv[0], ""), kv[0])):
            roster.append({"pk": pk, "name": names.get(pk, ""), "participant": participant,
                           "present": checked is None or pk in checked, "reason": (reasons or {}).get(pk, "")})
    return {"roster": roster, "roster_party": party_org, "roster_day": day, "reasons": REASONS}


@login_required
@takes_query(RosterQuery)
def meeting_roster(request: HttpRequest, query: RosterQuery) -> HttpResponse:
    """The checklist of the expected roster, for the party org and date chosen in the form (htmx)."""
    scope = scope_of(request)
    party_org, day = None, None
    if query.is_valid():
        d = query.cleaned_data
        if d["party_org"]:
            party_org = party_org_list(scope).filter(pk=d["party_org"], dissolved_on__isnull=True).first()
        day = d["held_on"]
    return render(request, "web/orglife/_roster.html", _roster_context(scope, party_org, day))


def _posted_party(form: MeetingForm) -> PartyOrg | None:
    value = form.data.get("party_org")
    try:
        return form.fields["party_org"].queryset.filter(pk=int(str(value))).first()  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None


def _posted_day(form: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(form.data.get("held_on", "")))
    except ValueError:
        return None


@login_required
def meeting_new(request: SignedInRequest) -> HttpResponse:
    scope = scope_of(request)
    prefill = MeetingPrefill(request.GET)
    initial: dict[str, Any] = {"held_on": compliance.today()}
    own = own_party_org(request)
    if own is not None:
        initial["party_org"] = own.pk
    given = prefill.given()
    if "party_org" in given:
        initial["party_org"] = given["party_org"]
    if "kinds" in given:
        initial["kinds"] = list(given["kinds"])
    form = MeetingForm(request.POST or None, request.FILES or None, scope=scope, initial=initial)
    checked: set[int] | None = None
    reasons: dict[int, str] = {}
    if request.method == "POST":
        present, absent = form.people(request.POST)
        checked, reasons = set(present), absent
        if form.is_valid():
            d = form.cleaned_data
            meeting = submit(form, lambda: meeting_record(
                actor=request.user, party_org=d["party_org"], kinds=d["kinds"], held_on=d["held_on"],
                topic=d["topic"], attendees=present, absentees=absent, files=d["attachments"], **form.text()))
            if meeting is not None:
                messages.success(request, _("已记录“%(topic)s”（%(kinds)s），出席 %(p)s / %(e)s 人") % {
                    "topic": meeting.topic, "kinds": "、".join(meeting.kind_labels), "p": meeting.present_count,
                    "e": meeting.expected_count})
                return redirect("meeting_detail", meeting.pk)
        party_org, day = _posted_party(form), _posted_day(form)
    else:
        party_org = party_org_list(scope).filter(pk=initial.get("party_org") or 0, dissolved_on__isnull=True).first()
        day = initial["held_on"]
    status = 400 if request.method == "GET" and not prefill.is_valid() else 200
    return render(request, "web/orglife/meeting_form.html", {
        "form": form, "title": _("记录组织生活"), "query_errors": form_errors(prefill) if status == 400 else [],
        "cancel_url": reverse("life_org", args=[party_org.pk]) if party_org else reverse("meeting_list"),
        **_roster_context(scope, party_org, day, checked, reasons)}, status=status)


def _meeting_or_404(request: HttpRequest, pk: int) -> Meeting:
    try:
        return meeting_get(scope_of(request), pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _meeting_history(meeting: Meeting) -> list[dict[str, Any]]:
    """The audit entries as the history shows them: the kinds by name, the attendance as counts."""
    labels = {"meeting.record": _("记录组织生活"), "meeting.correct": _("更正记录"), "meeting.file": _("添加附件")}
    entries = []
    for entry in meeting_history(meeting):
        changes = {}
        for key, pair in entry.changes.items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            if key == "kinds":
                pair = ["、".join(kind_label(k) for k in (bits_kinds(v) if isinstance(v, int) else v or []))
                        or None for v in pair]
            elif key == "attendance":
                pair = [_("出席 %(p)s / %(e)s 人") % {"p": sum(1 for x in v.values() if x[0]), "e": len(v)}
                        for v in pair]
                key = "present_count"
            elif key in ("present", "expected", "files", "file"):
                key = {"present": "present_count", "expected": "expected_count"}.get(key, key)
                if key in ("files", "file"):
                    pair = [None, _("%(n)s 个") % {"n": pair[1]}] if key == "files" else [None, _("1 个")]
                    key = "files"
            changes[key] = pair
        entries.append(SimpleNamespace(at=entry.at, actor_label=entry.actor_label,
                                       action=labels.get(entry.action, entry.action), changes=changes))
    return history(entries, Meeting)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    people = list(attendance_of(meeting))
    today = compliance.today()
    return render(request, "web/orglife/meeting_detail.html", {
        "meeting": meeting, "present": [a for a in people if a.present], "absent": [a for a in people if not a.present],
        "files": list(meeting.files.all()), "history": _meeting_history(meeting),
        "closes_on": closes_on(meeting), "open": today <= closes_on(meeting), "delete_form": MeetingDeleteForm(
            scope=scope_of(request)), "invitees": [n for n in meeting.invitees.replace("，", "、").replace(",", "、")
                                                  .split("、") if n.strip()]})


@login_required
def meeting_correct_view(request: SignedInRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    meeting = _meeting_or_404(request, pk)
    people = list(attendance_of(meeting))
    initial = {name: getattr(meeting, name) for name in ("held_on", "topic", "place", "host", "recorder", "lecturer",
                                                          "invitees", "minutes", "decisions")}
    initial["kinds"] = meeting.kind_list
    form = MeetingCorrectForm(request.POST or None, scope=scope, initial=initial)
    checked: set[int] = {a.member_id for a in people if a.present}
    reasons = {a.member_id: a.reason for a in people if not a.present}
    day: dt.date | None = meeting.held_on
    if request.method == "POST":
        present, absent = form.people(request.POST)
        checked, reasons = set(present), absent
        day = _posted_day(form) or meeting.held_on
        if form.is_valid():
            d = form.cleaned_data
            done = submit(form, lambda: meeting_correct(
                actor=request.user, meeting=meeting, reason=d["reason"], kinds=d["kinds"], held_on=d["held_on"],
                attendees=present, absentees=absent, topic=d["topic"], **form.text()))
            if done is not None:
                messages.success(request, _("已更正记录“%(topic)s”") % {"topic": done.topic})
                return redirect("meeting_detail", meeting.pk)
    return render(request, "web/orglife/meeting_form.html", {
        "form": form, "title": _("更正组织生活记录"), "subject": f"{meeting.party_org.name} · {meeting.held_on:%Y-%m-%d}",
        "cancel_url": reverse("meeting_detail", args=[meeting.pk]), "correcting": True,
        **_roster_context(scope, meeting.party_org, day, checked, reasons)})


@login_required
@require_POST
def meeting_delete_view(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    form = MeetingDeleteForm(request.POST, scope=scope_of(request))
    party_org = meeting.party_org
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        if submit(form, lambda: meeting_delete(actor=request.user, meeting=meeting, reason=reason) or True):
            messages.success(request, _("已删除该组织生活记录"))
            return redirect("life_org", party_org.pk)
    for message in form_errors(form):  # type: ignore[arg-type]
        messages.error(request, message)
    return redirect("meeting_detail", meeting.pk)


@login_required
def meeting_file_download(request: HttpRequest, pk: int) -> FileResponse:
    found = scope_of(request).filter(MeetingFile.objects.filter(pk=pk)).first()
    if found is None:
        raise Http404
    response = FileResponse(found.file.open("rb"), as_attachment=found.content_type not in (
        "image/png", "image/jpeg", "image/gif", "image/webp"), filename=found.name, content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- the member review ---------------------------------------------------------------------------

@login_required
def review_new(request: SignedInRequest, pk: int) -> HttpResponse:
    party_org = _party_or_404(request, pk)
    today = compliance.today()
    members = list(PartyMember.objects.filter(pk__in=list(expected_roster(party_org, today)),
                                              relation_org=party_org).order_by("name", "pk"))
    form = ReviewForm(request.POST or None, scope=scope_of(request),
                      initial={"year": today.year, "reviewed_on": today})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        rows = form.rows(request.POST, members)
        if submit(form, lambda: record_review(actor=request.user, party_org=party_org, year=d["year"],
                                               reviewed_on=d["reviewed_on"], results=rows)) is not None:
            messages.success(request, _("已记录 %(n)s 名党员的民主评议结果") % {"n": len(rows)})
            return redirect("life_org", party_org.pk)
    existing = {m.member_id: m for m in roster_life(party_org, today.year, today)}
    data = request.POST if request.method == "POST" else None
    rows = [{"member": m, "grade": data.get(f"grade_{m.pk}", "") if data else existing.get(m.pk, SimpleNamespace(
        grade="")).grade, "follow_up": data.get(f"follow_up_{m.pk}", "") if data else "",
             "improve_by": data.get(f"improve_by_{m.pk}", "") if data else "",
             "note": data.get(f"note_{m.pk}", "") if data else ""} for m in members]
    return render(request, "web/orglife/review_form.html", {
        "form": form, "party": party_org, "rows": rows, "grades": GRADES, "follow_ups": FOLLOW_UPS,
        "title": _("民主评议党员")})


# ---- the secretary's workspace -----------------------------------------------------------------------

def workspace(request: HttpRequest, party_org: PartyOrg) -> HttpResponse:
    """The home page of a party-org scope (a secretary, a committee): their branch."""
    scope = scope_of(request)
    day = compliance.today()
    context = _org_life(party_org, day)
    letters = letter_search(scope, state=LetterState.ISSUED, party_org=party_org.pk)[:10]
    context.update(
        party=party_org, letters=letters, pipeline=applicants(scope, party_org=party_org)[:20],
        waiting=waiting_on_me(scope, request.user)[:10], reminders=reminders(scope, day, 10),
        meetings=meeting_list(scope, party_org=party_org)[:5])
    return render(request, "web/orglife/workspace.html", context)


def life_panel(scope: Scope, code: str) -> dict[str, Any] | None:
    """The dashboard's org-life figures of a region (None for scopes without one)."""
    if scope.kind not in ("all", "region"):
        return None
    year = compliance.today().year
    row = life_rows(scope, code or None, year=year)[0]
    a = {"year": year, "by": "level", "as_of": None, "code": code}
    row["urls"] = {f: _orgs_url(a, code, "", f) for f in ("orgs", "complete", "incomplete", "idle")}
    row["table_url"] = reverse("life_table") + (f"?region={code}" if code else "")
    return row


__all__ = ["life_org", "life_orgs_view", "life_panel", "life_table", "meeting_correct_view",
           "meeting_delete_view", "meeting_detail", "meeting_file_download", "meeting_list_view", "meeting_new",
           "meeting_roster", "review_new", "workspace"]
