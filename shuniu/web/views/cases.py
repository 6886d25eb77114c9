"""Cases: the list, one case with its timeline and the form for the next action, the inbox, and
the establishment application started from an org's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuniu.accounts.actors import SignedInRequest
from shuniu.annualreports.models import Grade, Mode
from shuniu.cases.inbox import reminders
from shuniu.cases.kinds import APPLICANT, BODY, all_kinds, kind_of
from shuniu.cases.selectors import attachment_get, case_get, case_search, case_steps, count_waiting, waiting_on_me
from shuniu.cases.services import acts_for, attachment_add, case_act, case_open, case_update, subject_of, today
from shuniu.organizing import establishment
from shuniu.organizing.change import DECISIONS
from shuniu.party.models import PartyMember
from shuniu.party.selectors import party_org_get
from shuniu.registry.selectors import org_list
from shuniu.web.case_forms import ActionForm, CaseFilters, EstablishmentForm, PartyCaseForm
from shuniu.web.views.common import paginate, render_page, scope_of, takes_query


def _kinds() -> list[tuple[str, str]]:
    return [(code, str(k.label)) for code, k in sorted(all_kinds().items())]


@login_required
@takes_query(CaseFilters)
def case_list(request: HttpRequest, query: CaseFilters) -> HttpResponse:
    context: dict[str, Any] = {"form": query, "f": query.values(), "kinds": _kinds(), "today": today()}
    if query.is_valid():
        f = {k: query.cleaned_data[k] for k in ("q", "kind", "state", "waiting", "overdue", "org", "party_org")}
        context["page"] = paginate(case_search(scope_of(request), **f, today=today()).order_by("-updated_at", "-id"),
                                   query.cleaned_data["page"])
    return render_page(request, "web/cases/case_list.html", "web/cases/_case_results.html", context)


@login_required
@takes_query(CaseFilters)
def inbox(request: HttpRequest, query: CaseFilters) -> HttpResponse:
    scope = scope_of(request)
    day = today()
    context: dict[str, Any] = {"form": query, "today": day}
    if query.is_valid():
        context["page"] = paginate(waiting_on_me(scope, request.user), query.cleaned_data["page"])
        context["reminders"] = reminders(scope, day)
    return render_page(request, "web/cases/inbox.html", "web/cases/_inbox_results.html", context)


@login_required
def todo_count(request: HttpRequest) -> HttpResponse:
    """The inbox count in the navigation, loaded after the page (it costs the page nothing)."""
    scope = scope_of(request)
    counts = count_waiting(scope, request.user)
    total = counts["body"] + counts["applicant"] + reminders(scope, today(), limit=0).count
    return render(request, "web/cases/_todo_count.html", {"total": total})


def _case_or_404(request: HttpRequest, pk: int) -> Any:
    case = case_get(scope_of(request), pk)
    if case is None:
        raise Http404
    return case


def _action_form(request: HttpRequest, case: Any, data: Any = None, files: Any = None) -> ActionForm | None:
    """The form of the actions this user may take now (None: none)."""
    kind = kind_of(case.kind)
    user = request.user
    # The body's side (not on one's own submission) and the applicant's side, each if this user is on it.
    # A superior holds its subordinates too: while the case is with it, it is offered its decisions only.
    deciding = acts_for(user, case.body)
    sides = {BODY: deciding and case.submitted_by_id != user.pk,
             APPLICANT: scope_of(request).allows(subject_of(case)) and not (deciding and case.waiting_on == BODY)}
    mine = [t for t in kind.actions_from(case.state) if sides[t.by]]
    if not mine:
        return None
    extra: dict[str, Any] = {}
    for t in mine:
        extra.update(kind.action_fields.get(t.action, {}))
    return ActionForm(data, files, actions=[(t.action, t.shown()) for t in mine], extra=extra,
                      choices={"decision": {k: str(v) for k, v in DECISIONS.items()},
                               "grade": {k: str(v) for k, v in Grade.choices}})


_MEMBER_KEYS = ("secretary", "deputy", "committee")


def _shown_value(key: str, value: Any, members: dict[str, Any], orgs: dict[str, Any]) -> str:
    """An application's value as a reader expects it: names, not ids; words, not codes."""
    from shuniu.organizing.change import DECISIONS, EVENTS
    from shuniu.party.models import PartyOrgKind

    sep = _("、")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key == "party_kind":
        return str(dict(PartyOrgKind.choices).get(value, value))
    if key == "event":
        return str(EVENTS.get(value, value))
    if key == "decision":
        return str(DECISIONS.get(value, value))
    if key in _MEMBER_KEYS:
        ids = value if isinstance(value, list) else [value]
        return sep.join(getattr(members.get(str(i)), "name", str(i)) for i in ids)
    if key == "members" and isinstance(value, dict):
        roles = {"relation": _("转入组织关系"), "participate": _("参加组织生活")}
        return sep.join(_("%(name)s（%(role)s）") % {"name": getattr(members.get(str(i)), "name", i),
                                                    "role": roles.get(r, r)} for i, r in value.items())
    if key in ("orgs", "org"):
        ids = value if isinstance(value, list) else [value]
        return sep.join(getattr(orgs.get(str(i)), "name", str(i)) for i in ids)
    if key == "mode":
        return str(dict(Mode.choices).get(value, value))
    if key == "rectification" and isinstance(value, list):
        return sep.join(_("%(item)s（%(due)s 前）") % {"item": e.get("item", ""), "due": e.get("due_on", "")}
                        for e in value if isinstance(e, dict))
    if key == "candidates" and isinstance(value, list):
        return sep.join(_("%(name)s 赞成 %(f)s") % {"name": getattr(members.get(str(c.get("member"))), "name", ""),
                                                  "f": c.get("for", 0)} for c in value if isinstance(c, dict))
    return str(value)


def application_rows(case: Any) -> list[tuple[str, str]]:
    """The application's fields with their labels, in the kind's order, as names and words."""
    from shuniu.registry.models import SocialOrg

    kind = kind_of(case.kind)
    data = case.data
    ids: set[int] = set()
    for key in (*_MEMBER_KEYS, "members"):
        value = data.get(key)
        items = list(value) if isinstance(value, dict | list) else [value]
        ids |= {int(i) for i in items if str(i).isdigit()}
    ids |= {int(c["member"]) for c in data.get("candidates") or [] if isinstance(c, dict) and str(c.get("member")).isdigit()}
    members = {str(m.pk): m for m in PartyMember.objects.filter(pk__in=ids)}
    org_ids = [int(i) for i in [*(data.get("orgs") or []), data.get("org")] if str(i).isdigit()]
    # Whoever may read the case reads its application: the names of the orgs and members it lists
    # are what the deciding body decides on (a committee holds them only once it covers them).
    orgs = {str(o.pk): o for o in SocialOrg.objects.filter(pk__in=org_ids)} if org_ids else {}
    return [(str(label), _shown_value(name, data[name], members, orgs)) for name, label in kind.fields.items()
            if data.get(name) not in (None, "", [], {}, False)]


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    kind = kind_of(case.kind)
    return render(request, "web/cases/case_detail.html", {
        "case": case, "kind": kind, "state": kind.state_label(case.state), "steps": case_steps(case),
        "fields": application_rows(case), "today": today(), "action_form": _action_form(request, case),
        "warnings": establishment.warnings(case) if case.kind == "establishment" else [],
        "can_edit": case.waiting_on == APPLICANT and scope_of(request).allows(subject_of(case)),
    })


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for errs in exc.error_dict.values() for e in errs for m in e.messages]
    return [str(m) for m in exc.messages]


@login_required
@require_POST
def case_act_view(request: SignedInRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = _action_form(request, case, request.POST, request.FILES)
    if form is None:
        raise PermissionDenied(_("您不能办理此事项"))
    if form.is_valid():
        try:
            files = [form.cleaned_data["attachment"]] if form.cleaned_data.get("attachment") else []
            case_act(actor=request.user, case=case, action=form.cleaned_data["action"],
                     comment=form.cleaned_data.get("comment") or "", data=form.payload(), attachments=files)
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            done = kind_of(case.kind).transition(case.state, form.cleaned_data["action"])
            messages.success(request, _("已办理：%(action)s") % {
                "action": done.shown() if done else form.cleaned_data["action"]})
    else:
        for errs in form.errors.values():
            for problem in errs:
                messages.error(request, str(problem))
    return redirect("case_detail", case.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = attachment_get(scope_of(request), pk)
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def save_case(request: SignedInRequest, form: Any, write: Callable[[], Any],
              then: Callable[[Any], HttpResponse] | None = None) -> HttpResponse | None:
    """Write the application (``write`` opens or changes the case), attach the file and submit it if
    asked, all or nothing: a submission the rules refuse leaves no draft behind, and the form shows
    why (None); else the case's page (or ``then(case)``: a kind with its own page)."""
    try:
        with transaction.atomic():
            case = write()
            if form.cleaned_data.get("attachment"):
                attachment_add(actor=request.user, case=case, upload=form.cleaned_data["attachment"])
            if form.cleaned_data.get("submit_now"):
                case = case_act(actor=request.user, case=case, action="submit")
    except ValidationError as exc:
        for message in _errors(exc):
            form.add_error(None, message)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, _("已保存：%(title)s") % {"title": case.title})
    return then(case) if then is not None else redirect("case_detail", case.pk)


def _establishment_form(request: HttpRequest, org: Any, initial: dict[str, Any]) -> EstablishmentForm:
    staff = list(PartyMember.objects.filter(workplace=org, ended_on__isnull=True).order_by("name", "id"))
    return EstablishmentForm(request.POST or None, request.FILES or None, staff=staff, initial=initial)


@login_required
def establishment_new(request: SignedInRequest, pk: int) -> HttpResponse:
    org = org_list(scope_of(request)).filter(pk=pk).first()
    if org is None:
        raise Http404
    form = _establishment_form(request, org, {"name": _("%(org)s党支部") % {"org": org.name}, "submit_now": True})
    if request.method == "POST" and form.is_valid():
        saved = save_case(request, form, lambda: case_open(actor=request.user, kind="establishment", org=org,
                                                        data=form.service_data()))
        if saved is not None:
            return saved
    return render(request, "web/cases/establishment_form.html", {
        "form": form, "org": org, "title": _("成立党组织申请"),
        "intro": _("正式党员 3 人以上的社会组织应单独建立党组织，由党建工作责任主体批复（《意见》第八条、第十一条）。")})


@login_required
def case_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    """Change an establishment application that is a draft or was returned, and resubmit it."""
    case = _case_or_404(request, pk)
    if case.kind != "establishment" or case.waiting_on != APPLICANT or case.org is None:
        raise Http404
    data = case.data
    initial = {"party_kind": data.get("party_kind"), "name": data.get("name"), "secretary": data.get("secretary"),
               "secretary_dispatched": data.get("secretary_dispatched"), "reason": data.get("reason"),
               "submit_now": True, **{f"m_{k}": v for k, v in (data.get("members") or {}).items()}}
    form = _establishment_form(request, case.org, initial)
    if request.method == "POST" and form.is_valid():
        saved = save_case(request, form, lambda: case_update(actor=request.user, case=case, data=form.service_data()))
        if saved is not None:
            return saved
    return render(request, "web/cases/establishment_form.html", {
        "form": form, "org": case.org, "title": _("修改成立党组织申请"), "case": case})


PARTY_KINDS = ("change_report", "election_request", "election_result", "term_postponement")


@login_required
def party_case_new(request: SignedInRequest, pk: int, kind: str) -> HttpResponse:
    """Open a case about a party org from its page (a report, an election, a postponement)."""
    party_org = party_org_get(scope_of(request), pk)
    if party_org is None or kind not in PARTY_KINDS:
        raise Http404
    members = list(PartyMember.objects.filter(relation_org=party_org, ended_on__isnull=True, status="full")
                   .order_by("name", "id"))
    form = PartyCaseForm(request.POST or None, request.FILES or None, kind=kind, members=members,
                         initial={"submit_now": True})
    if request.method == "POST" and form.is_valid():
        saved = save_case(request, form, lambda: case_open(actor=request.user, kind=kind, party_org=party_org,
                                                        data=form.service_data()))
        if saved is not None:
            return saved
    declared = kind_of(kind)
    return render(request, "web/cases/party_case_form.html", {
        "form": form, "party": party_org, "title": declared.label, "source": declared.source})
