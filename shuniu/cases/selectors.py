"""Reads of cases, always through a scope: lists, one case, the cases waiting on a user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet

from shuniu.accounts.scopes import Scope, subtree_q
from shuniu.cases.kinds import APPLICANT, BODY
from shuniu.cases.models import Attachment, Case, CaseStep
from shuniu.party.models import PartyOrg


def body_q(scope: Scope) -> Q | None:
    """The cases whose deciding body lies in the jurisdiction (None: the scope decides for none).

    The bodies are asked as a subquery of party-org ids (an index range of the party orgs' path or
    region column), so that the cases are then found by their (body, waiting_on, due_on) index
    instead of joining every case to its body."""
    return held_q(scope, "body")


def held_q(scope: Scope, field: str) -> Q | None:
    """The rows whose party org at ``field`` is one a jurisdiction decides for (see ``body_q``)."""
    if scope.kind == "all":
        return Q()
    if scope.kind == "party":
        return Q(**{f"{field}_id__in": PartyOrg.objects.filter(subtree_q("path", scope.party_path)).values("pk")})
    if scope.kind == "region" and scope.region is not None:
        return Q(**{f"{field}_id__in": PartyOrg.objects.filter(**{scope.region.field: scope.region.short})
                    .values("pk")})
    return None


def case_list(scope: Scope) -> QuerySet[Case]:
    """The cases a jurisdiction sees: those about its orgs, party orgs and members, and those
    waiting on (or decided by) the party orgs it holds."""
    base = Case.objects.select_related("body", "org", "party_org", "member")
    seen = scope.filter(base)
    if scope.kind == "all":
        return seen
    decided = body_q(scope)
    return seen | base.filter(decided) if decided is not None else seen


def case_search(scope: Scope, *, kind: str = "", state: str = "", q: str = "", overdue: bool = False,
                waiting: str = "", today: dt.date | None = None, org: str = "", party_org: str = "") -> QuerySet[Case]:
    qs = case_list(scope)
    if org:
        qs = qs.filter(org_id=int(org))
    if party_org:
        qs = qs.filter(party_org_id=int(party_org))
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if waiting:
        qs = qs.filter(waiting_on=waiting)
    if overdue:
        qs = qs.filter(waiting_on=BODY, due_on__lt=today or dt.date.today())
    if q := q.strip():
        qs = qs.filter(title__icontains=q)
    return qs


def case_get(scope: Scope, case_id: int) -> Case | None:
    return case_list(scope).filter(pk=case_id).first()


def case_steps(case: Case) -> QuerySet[CaseStep]:
    """The timeline of a case the caller has found through ``case_get``."""
    return case.steps.select_related("body").prefetch_related("attachments").order_by("at", "id")


def attachment_get(scope: Scope, attachment_id: int) -> Attachment | None:
    """An attachment, only when its case is visible in the jurisdiction."""
    attachment = Attachment.objects.select_related("case").filter(pk=attachment_id).first()
    if attachment is None or case_get(scope, attachment.case_id) is None:
        return None
    return attachment


def waiting_on_me(scope: Scope, user: Any = None) -> QuerySet[Case]:
    """Cases a user must act on: waiting on a body they decide for, or back with the applicant's
    side (a draft, a case returned for changes): in a region, every such case of the region (its
    officers apply for its orgs); for a party org, its own cases, not its subordinates' (they have
    their own secretaries), and any the user opened. Most urgent first: overdue and nearest
    deadline, then the oldest."""
    decided = body_q(scope)
    base = Case.objects.select_related("body", "org", "party_org", "member")
    mine = scope.filter(base.filter(waiting_on=APPLICANT))
    if scope.kind == "party":
        own = Q(party_org__path=scope.party_path)
        mine = mine.filter(own | Q(opened_by=user) if getattr(user, "pk", None) else own)
    if decided is not None:
        mine = mine | base.filter(decided, waiting_on=BODY)
    return mine.order_by(F("due_on").asc(nulls_last=True), "created_at", "id")


def count_waiting(scope: Scope, user: Any = None) -> dict[str, Any]:
    qs = waiting_on_me(scope, user).order_by()
    return {"body": qs.filter(waiting_on=BODY).count(), "applicant": qs.filter(waiting_on=APPLICANT).count()}
