"""Relation transfers (组织关系转接): the letters in and out with their states, one letter (printable:
存根, 主件, 回执), a letter inside the system started from a member, a letter sent out of the system
and its receipt, a paper letter received from outside, a dissolved party org's batch, and the
pocket-member list.

Every object is read through the scoped selectors of ``shuniu.transfers.selectors`` (outside the
scope is a 404) and every write goes through ``shuniu.transfers.services``. The receiving party org
is picked from the whole country (``pickers`` kind ``party_org_directory``: names and places only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import SignedInRequest
from shuniu.accounts.scopes import can_see_personal_data
from shuniu.cases.services import today
from shuniu.party import privacy
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.party.selectors import member_list, party_org_get
from shuniu.transfers.letters import default_valid_days
from shuniu.transfers.models import LetterKind, LetterState, RelationLetter
from shuniu.transfers.selectors import (
    POCKET_SOURCE,
    batch_progress,
    batches,
    letter_get,
    letter_search,
    letters,
    pocket_members,
)
from shuniu.transfers.services import batch_open, incoming_register, letter_issue, outgoing_receipt, outgoing_record
from shuniu.web.forms import ListFilters, submit
from shuniu.web.transfer_forms import BatchForm, IncomingForm, LetterForm, OutgoingForm, ReceiptForm, TransferFilters
from shuniu.web.views.common import export, paginate, render_page, scope_of, takes_query

EXPORT_COLUMNS = [("number", gettext_lazy("介绍信编号")), ("kind", gettext_lazy("类别")),
                  ("member", gettext_lazy("党员")), ("from", gettext_lazy("转出党组织")),
                  ("to", gettext_lazy("接收党组织")), ("issued_on", gettext_lazy("开具日期")),
                  ("valid_until", gettext_lazy("有效期至")), ("state", gettext_lazy("状态")),
                  ("received_on", gettext_lazy("接收日期")), ("reason", gettext_lazy("转接原因"))]


def _row(letter: RelationLetter) -> dict[str, Any]:
    return {"number": letter.number, "kind": letter.get_kind_display(), "member": letter.member.name,
            "from": letter.origin, "to": letter.destination, "issued_on": letter.issued_on,
            "valid_until": letter.valid_until, "state": letter.get_state_display(),
            "received_on": letter.received_on, "reason": letter.reason}


@login_required
@takes_query(TransferFilters)
def transfer_list(request: HttpRequest, query: TransferFilters) -> HttpResponseBase:
    day = today()
    context: dict[str, Any] = {"form": query, "f": query.values(), "today": day, "kinds": LetterKind.choices,
                               "states": LetterState.choices}
    if query.is_valid():
        f = query.cleaned_data
        qs = letter_search(scope_of(request), kind=f["kind"], state=f["state"], direction=f["direction"],
                           overdue=f["overdue"], q=f["q"], party_org=int(f["party_org"]) if f["party_org"] else None,
                           today=day)
        if f["format"]:
            rows = [_row(letter) for letter in qs[:100_000]]
            columns = [(key, str(label)) for key, label in EXPORT_COLUMNS]
            return export(request, rows, columns, f["format"], _("组织关系介绍信"), kind="transfers")
        context["page"] = paginate(qs, f["page"])
    return render_page(request, "web/transfers/list.html", "web/transfers/_results.html", context)


def _letter_or_404(request: HttpRequest, pk: int) -> RelationLetter:
    letter = letter_get(scope_of(request), pk)
    if letter is None:
        raise Http404
    return letter


def _age(born: dt.date | None, on: dt.date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One letter, laid out as the standard form (存根, 主件, 回执) and printable; an internal
    letter links to its case, where it is received, returned, extended or withdrawn."""
    letter = _letter_or_404(request, pk)
    member = letter.member
    scope = scope_of(request)
    full_id = ""
    if can_see_personal_data(request.user) and member.id_number_encrypted:
        full_id = member.id_number
        privacy.record_personal_read(request.user, member, ["id_number"], via="web")
    day = today()
    held_out = letter.from_org is not None and scope.allows(letter.from_org)
    response = render(request, "web/transfers/detail.html", {
        "letter": letter, "member": member, "id_shown": full_id or member.id_number_masked,
        "age": _age(member.birth_date, letter.issued_on or day), "today": day,
        "overdue": letter.state == LetterState.ISSUED and letter.valid_until is not None and letter.valid_until < day,
        "can_receipt": letter.kind == LetterKind.OUTGOING and letter.state == LetterState.ISSUED and held_out,
        "member_visible": member_list(scope).filter(pk=member.pk).exists(),
    })
    if full_id:
        response["Cache-Control"] = "private, no-store"
    return response


def _member_or_404(request: HttpRequest, pk: int) -> PartyMember:
    member = member_list(scope_of(request)).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def _subject(member: PartyMember) -> str:
    where = member.relation_org.name if member.relation_org is not None else member.relation_elsewhere
    return _("%(name)s（%(code)s）· %(where)s") % {"name": member.name, "code": member.id_number_masked or "—",
                                                  "where": where or "—"}


@login_required
def transfer_new(request: SignedInRequest, pk: int) -> HttpResponse:
    """Issue a letter inside the system for a member (the case is opened and submitted at once)."""
    member = _member_or_404(request, pk)
    valid = default_valid_days(member.region_id)
    form = LetterForm(request.POST or None, scope=scope_of(request), valid_default=valid,
                      initial={"valid_days": valid})
    if request.method == "POST" and form.is_valid():
        case = submit(form, lambda: letter_issue(actor=request.user, member=member, **form.service_data()))
        if case is not None:
            letter = RelationLetter.objects.get(case=case)
            messages.success(request, _("已开具介绍信 %(no)s，等待“%(to)s”接收") % {"no": letter.number,
                                                                             "to": letter.destination})
            return redirect("transfer_detail", letter.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("开具组织关系介绍信"), "subject": _subject(member),
        "cancel_url": reverse("member_edit", args=[member.pk]),
        "intro": _("接收党组织确认接收之日起，组织关系转入对方；接收前仍由本党组织管理（《中国共产党党员教育管理工作条例》第二十五条）。"),
    })


@login_required
def transfer_outgoing(request: SignedInRequest, pk: int) -> HttpResponse:
    """Record a letter sent to a party org outside the system: the member leaves the roster."""
    member = _member_or_404(request, pk)
    valid = default_valid_days(member.region_id)
    form = OutgoingForm(request.POST or None, scope=scope_of(request), valid_default=valid,
                        initial={"valid_days": valid, "issued_on": today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        letter = submit(form, lambda: outgoing_record(
            actor=request.user, member=member, number=d["number"], to_elsewhere=d["to_elsewhere"],
            issued_on=d["issued_on"], reason=d["reason"] or "", dues_paid_to=d["dues_paid_to"] or "",
            valid_days=d["valid_days"]))
        if letter is not None:
            messages.success(request, _("已登记转出介绍信 %(no)s；回执寄回后请登记") % {"no": letter.number})
            return redirect("transfer_detail", letter.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("转出到系统外"), "subject": _subject(member),
        "cancel_url": reverse("member_edit", args=[member.pk]),
        "intro": _("开往本系统以外党组织的介绍信：党员自开具日期起从本名册减少（转出），回执寄回后登记回执。"),
    })


@login_required
def transfer_receipt(request: SignedInRequest, pk: int) -> HttpResponse:
    letter = _letter_or_404(request, pk)
    if letter.kind != LetterKind.OUTGOING or letter.state != LetterState.ISSUED:
        raise Http404
    form = ReceiptForm(request.POST or None, scope=scope_of(request), initial={"received_on": today()})
    back = reverse("transfer_detail", args=[letter.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if submit(form, lambda: outgoing_receipt(actor=request.user, letter=letter, received_on=d["received_on"],
                                                 received_by=d["received_by"] or "")) is not None:
            messages.success(request, _("已登记回执，介绍信 %(no)s 办结") % {"no": letter.number})
            return redirect(back)
    return render(request, "web/form.html", {
        "form": form, "title": _("登记回执"), "subject": f"{letter.number} · {letter.member.name}",
        "cancel_url": back, "intro": _("接收方寄回的回执（介绍信第三联）。"),
    })


def _party_or_404(request: HttpRequest, pk: int, *, live: bool) -> PartyOrg:
    """The party org in scope (``live``: not dissolved, to receive members), else a 404."""
    party_org = party_org_get(scope_of(request), pk)
    if party_org is None or (live and party_org.dissolved_on is not None):
        raise Http404
    return party_org


@login_required
def transfer_incoming(request: SignedInRequest, pk: int) -> HttpResponse:
    """Register a paper letter from a party org outside the system, for this party org."""
    party_org = _party_or_404(request, pk, live=True)
    scope = scope_of(request)
    elsewhere = (member_list(scope).filter(relation_org__isnull=True).exclude(relation_elsewhere="")
                 .order_by("name", "id"))
    form = IncomingForm(request.POST or None, scope=scope, members=elsewhere, initial={"received_on": today()})
    back = reverse("party_detail", args=[party_org.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        letter = submit(form, lambda: incoming_register(
            actor=request.user, to_org=party_org, number=d["number"], from_elsewhere=d["from_elsewhere"],
            issued_on=d["issued_on"], received_on=d["received_on"], member=d["member"], person=form.person(),
            reason=d["reason"] or "", dues_paid_to=d["dues_paid_to"] or "", valid_days=d["valid_days"]))
        if letter is not None:
            messages.success(request, _("已登记转入：%(name)s（介绍信 %(no)s）") % {"name": letter.member.name,
                                                                           "no": letter.number})
            return redirect("transfer_detail", letter.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("登记系统外转入的介绍信"), "subject": party_org.name, "cancel_url": back,
        "intro": _("收到本系统以外党组织开具的纸质介绍信：选择已登记的党员，或填写新转入党员的信息。自接收日期起计入本党组织。"),
    })


@login_required
def transfer_batch_new(request: SignedInRequest, pk: int) -> HttpResponse:
    """转接全部党员: open the transfer of every member of this party org in one action."""
    party_org = _party_or_404(request, pk, live=False)
    valid = default_valid_days(party_org.region_id)
    form = BatchForm(request.POST or None, scope=scope_of(request), valid_default=valid,
                     initial={"valid_days": valid,
                              "reason": _("原党组织撤销") if party_org.dissolved_on else ""})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        batch = submit(form, lambda: batch_open(actor=request.user, party_org=party_org, to_org=d["to_org"],
                                                reason=d["reason"], valid_days=d["valid_days"]))
        if batch is not None:
            messages.success(request, _("已为 %(n)s 名党员开具介绍信") % {"n": batch_progress(batch).total})
            return redirect("transfer_batch", batch.pk)
    return render(request, "web/form.html", {
        "form": form, "title": _("转接全部党员"), "subject": party_org.name,
        "cancel_url": reverse("party_detail", args=[party_org.pk]),
        "intro": _("党组织撤销或合并时，为组织关系在此的全部党员各开具一封介绍信（《关于加强社会组织党的建设工作的意见（试行）》第八条），跟踪到最后一人接收。"),
    })


@login_required
def transfer_batch(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    batch = batches(scope).filter(pk=pk).first()
    if batch is None:
        raise Http404
    progress = batch_progress(batch)
    rows = letters(scope).filter(batch=batch).order_by("member__name", "id")
    states = [(label, progress.by_state.get(value, 0), value) for value, label in LetterState.choices
              if progress.by_state.get(value)]
    return render(request, "web/transfers/batch.html", {
        "batch": batch, "progress": progress, "letters": rows, "states": states, "today": today(),
        "percent": round(100 * progress.done / progress.total) if progress.total else 0,
    })


@login_required
@takes_query(ListFilters)
def transfer_pocket(request: HttpRequest, query: ListFilters) -> HttpResponse:
    context: dict[str, Any] = {"form": query, "source": POCKET_SOURCE}
    if query.is_valid():
        rows = pocket_members(scope_of(request), today())
        context["page"] = paginate(rows, query.cleaned_data["page"])  # type: ignore[arg-type]
    return render_page(request, "web/transfers/pocket.html", "web/transfers/_pocket_results.html", context)
