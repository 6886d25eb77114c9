"""Reads of transfer letters, batches, relation histories and the pocket-member finding, always
through a scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils.translation import gettext_lazy

from shuniu.accounts.scopes import Scope
from shuniu.cases.selectors import held_q
from shuniu.party.models import PartyMember, RelationChange
from shuniu.transfers.models import LetterKind, LetterState, RelationLetter, TransferBatch

OPEN_STATES = (LetterState.ISSUED, LetterState.RETURNED)


class PageFirst(QuerySet[RelationLetter, RelationLetter]):
    """Letters whose slice (a page) is read in two steps: the ids of the page, sorted on the
    letter's own columns, then those rows with their related rows (``select_related``). In one
    query the database joins the member and three party orgs to every matching letter and sorts
    those wide rows to keep 20 (a city's 2,900 letters: 70 ms on SQLite; 17 ms in two steps).
    The rows and their order are the same; a slice of a queryset with annotations, ``values()``
    or no ``select_related`` is read as usual."""

    def _fetch_all(self) -> None:
        if (self._result_cache is None and self.query.is_sliced and self.query.select_related
                and self._iterable_class is ModelIterable and not self.query.annotations):
            narrow = self._chain()  # type: ignore[attr-defined]  # (Django's private API, as QuerySet's own)
            narrow.query.select_related = False
            ids = list(narrow.values_list("pk", flat=True))
            wide: QuerySet[RelationLetter] = QuerySet(model=self.model, using=self.db)
            wide.query.select_related = self.query.select_related
            wide.query.deferred_loading = self.query.deferred_loading
            found = {row.pk: row for row in wide.filter(pk__in=ids)}
            self._result_cache = [found[pk] for pk in ids if pk in found]  # type: ignore[misc]
        super()._fetch_all()


def letters(scope: Scope) -> QuerySet[RelationLetter]:
    """The letters a jurisdiction sees: those whose issuing or receiving party org it holds.

    For a region or a party scope this is ``scope.filter`` (the binding ``region=("from_org",
    "receiver")``) in its subquery form: the binding's OR over the two joined party orgs makes the
    database read every letter (a full scan of 100,000 at national scale); the letters sent by the
    party orgs held (``held_q``, as the cases waiting on a body are found) and those received by
    them are each an index lookup on the letter's foreign key, and their union the ids to read
    (an OR of the two ``IN`` conditions still scans every letter on PostgreSQL, which estimates it
    to match most of them; docs/benchmarks.md "Relation transfers"). The same rows: a test
    compares the two forms."""
    qs = PageFirst(model=RelationLetter).select_related("member", "from_org", "to_org", "receiver", "case")
    if scope.kind in ("region", "party"):
        sent, received = held_q(scope, "from_org"), held_q(scope, "receiver")
        if sent is None or received is None:
            return qs.none()
        ids = RelationLetter.objects.filter(sent).order_by().values("pk").union(
            RelationLetter.objects.filter(received).order_by().values("pk"))
        return qs.filter(pk__in=ids)
    return scope.filter(qs)


def letter_search(scope: Scope, *, kind: str = "", state: str = "", direction: str = "", overdue: bool = False,
                  q: str = "", party_org: int | None = None, today: dt.date | None = None) -> QuerySet[RelationLetter]:
    """The letters a jurisdiction sees, filtered: ``direction`` "out" (issued by a party org it holds)
    or "in" (sent to one); ``overdue``: issued and past validity, not received."""
    qs = letters(scope)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if direction in ("out", "in"):
        held = held_q(scope, "from_org" if direction == "out" else "receiver")
        qs = qs.filter(held) if held is not None else qs.none()
    if party_org:
        qs = qs.filter(Q(from_org_id=party_org) | Q(receiver_id=party_org))
    if overdue:
        qs = qs.filter(overdue_q(today or dt.date.today()))
    if q := q.strip():
        qs = qs.filter(Q(number__icontains=q) | Q(member__name__icontains=q))
    return qs.order_by("-issued_on", "-id")


def overdue_q(today: dt.date) -> Q:
    """Letters issued and not received within their validity (the one definition of "overdue")."""
    return Q(state=LetterState.ISSUED, valid_until__lt=today)


def letter_get(scope: Scope, pk: int) -> RelationLetter | None:
    return letters(scope).filter(pk=pk).first()


def relation_history(member: PartyMember) -> QuerySet[RelationChange]:
    """The moves of a member the caller has found through a scoped read."""
    return member.relation_changes.select_related("from_org", "to_org").order_by("on", "id")


def batches(scope: Scope) -> QuerySet[TransferBatch]:
    return scope.filter(TransferBatch.objects.select_related("party_org"))


@dataclass(frozen=True)
class Progress:
    total: int
    by_state: dict[str, int]

    @property
    def done(self) -> int:
        return self.by_state.get(LetterState.COMPLETED, 0)

    @property
    def left(self) -> int:
        return self.total - self.done - self.by_state.get(LetterState.WITHDRAWN, 0)


def batch_progress(batch: TransferBatch) -> Progress:
    """How far a batch is: its letters by state (complete when every one is received or sent out).
    A letter returned and sent on elsewhere stays the batch's (its case keeps the batch origin)."""
    states = Counter(batch.letters.values_list("state", flat=True))
    return Progress(sum(states.values()), dict(states))


# ---- pocket members (口袋党员) -----------------------------------------------------------------

POCKET_REASONS = {
    "outgoing_no_receipt": gettext_lazy("转出到系统外，介绍信已过有效期仍无回执"),
    "internal_not_received": gettext_lazy("系统内介绍信已过有效期，接收方仍未接收"),
    "no_relation": gettext_lazy("在册党员，组织关系既不在本系统党组织，也未登记在外党组织"),
}
POCKET_SOURCE = ("《中国共产党党员教育管理工作条例》第二十五条（组织关系转出但尚未被接收的，原所在党组织仍负有管理责任）；"
                 "《关于加强社会组织党的建设工作的意见（试行）》第十四条")


@dataclass(frozen=True)
class PocketRow:
    member_id: int
    name: str
    reason: str
    since: dt.date | None
    letter_id: int | None
    party_org: str

    @property
    def reason_label(self) -> str:
        return str(POCKET_REASONS[self.reason])


def pocket_members(scope: Scope, today: dt.date) -> list[PocketRow]:
    """Members who carry a letter and are registered nowhere (口袋党员), past the letter's validity,
    or on a roster with their relation nowhere: the list an officer works through (rule POCKET).

    - a letter sent out of the system whose validity has passed with no receipt back;
    - a letter inside the system not received within its validity (the member still counts at the
      issuing party org, which remains responsible);
    - a current member with neither a relation here nor one recorded elsewhere."""
    rows: list[PocketRow] = []
    late = letters(scope).filter(state=LetterState.ISSUED, valid_until__lt=today).order_by("valid_until", "id")
    for letter in late:
        reason = "outgoing_no_receipt" if letter.kind == LetterKind.OUTGOING else "internal_not_received"
        rows.append(PocketRow(letter.member_id, letter.member.name, reason, letter.valid_until, letter.pk,
                              letter.from_org.name if letter.from_org else ""))
    nowhere = scope.filter(PartyMember.objects.filter(ended_on__isnull=True, relation_org__isnull=True,
                                                      relation_elsewhere=""))
    for pk, name in nowhere.order_by("name", "id").values_list("pk", "name"):
        rows.append(PocketRow(pk, name, "no_relation", None, None, ""))
    return rows
