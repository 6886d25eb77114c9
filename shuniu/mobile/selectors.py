"""Reads of mobile members through the scope layer: the list of those away (per party org, per
region, per host, per finding) and the finding of rule MOBILE (away ≥ 6 months at a fixed place:
must transfer the relation). The relation side sees its members' outflows; the host sees those it
has taken in (an open inflow)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.mobile.models import Inflow, Outflow
from shuniu.mobile.rules import limit_reached, months
from shuniu.party.models import PartyOrg
from shuniu.rulesettings.selectors import current

OVER_LIMIT = "over_limit"
TAKEN_IN = "taken_in"
NOT_TAKEN_IN = "not_taken_in"
FINDINGS = (OVER_LIMIT, TAKEN_IN, NOT_TAKEN_IN)


def outflows(scope: Scope, *, open_only: bool = True) -> QuerySet[Outflow]:
    """The outflows in scope: those of members whose relation (or workplace, or place) the scope
    holds, and those a party org of the scope has taken in and still hosts."""
    qs = Outflow.objects.all()
    if open_only:
        qs = qs.filter(ended_on__isnull=True, member__ended_on__isnull=True)
    if scope.kind != "all":
        own = scope.filter(Outflow.objects.all()).values("pk")
        hosted = scope.filter(Inflow.objects.filter(ended_on__isnull=True)).values("outflow_id")
        qs = qs.filter(Q(pk__in=own) | Q(pk__in=hosted))
    open_inflows = Inflow.objects.filter(ended_on__isnull=True).select_related("host")
    return (qs.select_related("member", "member__relation_org", "member__workplace", "region")
            .prefetch_related(Prefetch("inflows", queryset=open_inflows, to_attr="open_inflows")))


def outflow_get(scope: Scope, pk: int) -> Outflow | None:
    return outflows(scope, open_only=False).filter(pk=pk).first()


def open_outflow_of(scope: Scope, member_id: int) -> Outflow | None:
    return outflows(scope).filter(member_id=member_id).first()


def open_inflow_of(scope: Scope, member_id: int) -> Inflow | None:
    """The member's open inflow, if the scope holds its host (the host ends it)."""
    hosts = scope.filter(PartyOrg.objects.all()).values("pk")
    return (Inflow.objects.filter(member_id=member_id, ended_on__isnull=True, host__in=hosts)
            .select_related("host", "member", "participation").first())


def over_limit_ids(qs: QuerySet[Outflow], today: dt.date) -> set[int]:
    """Rule MOBILE's finding among ``qs``: open outflows at a relatively fixed place for ``months``
    or more (exactly 6 months counts), by the setting of each member's region."""
    settings = current()
    limits: dict[str, int] = {}
    found: set[int] = set()
    rows = qs.filter(fixed_place=True, ended_on__isnull=True).values_list("pk", "since", "member__region_id")
    for pk, since, region in rows.order_by().iterator(chunk_size=2000):
        region = str(region or "")
        if region not in limits:
            limits[region] = months(region, settings) if settings.enabled("MOBILE", region) else 0
        if limits[region] and limit_reached(since, today, limits[region]):
            found.add(pk)
    return found


@dataclass(frozen=True)
class MobileFilters:
    q: str = ""
    party_org: int | None = None  # the party org holding the relation
    host: int | None = None  # the party org that took them in
    region: str = ""  # the member's place (the relation side's region)
    to_region: str = ""  # where they went (流入地区)
    finding: str = ""


def mobile_search(scope: Scope, f: MobileFilters, today: dt.date) -> QuerySet[Outflow]:
    """The current mobile members in scope (one row per open outflow), filtered, by name."""
    qs = outflows(scope)
    if f.region:
        qs = qs.filter(pk__in=Scope.of_region(f.region).filter(Outflow.objects.all()).values("pk"))
    if f.to_region:
        qs = qs.filter(region__code__startswith=f.to_region)
    if f.party_org is not None:
        qs = qs.filter(member__relation_org_id=f.party_org)
    hosted = Inflow.objects.filter(ended_on__isnull=True)
    if f.host is not None:
        qs = qs.filter(pk__in=hosted.filter(host_id=f.host).values("outflow_id"))
    if f.finding == TAKEN_IN:
        qs = qs.filter(pk__in=hosted.values("outflow_id"))
    elif f.finding == NOT_TAKEN_IN:
        qs = qs.exclude(pk__in=hosted.values("outflow_id"))
    elif f.finding == OVER_LIMIT:
        qs = qs.filter(pk__in=over_limit_ids(qs, today))
    if q := f.q.strip():
        qs = qs.filter(member__name__icontains=q)
    return qs.order_by("since", "id")


def mark(rows: list[Outflow], today: dt.date) -> list[Outflow]:
    """Set ``over_limit`` and ``host`` on each row shown (a page, an export)."""
    over = over_limit_ids(Outflow.objects.filter(pk__in=[r.pk for r in rows]), today)
    for r in rows:
        r.over_limit = r.pk in over  # type: ignore[attr-defined]
        inflows = getattr(r, "open_inflows", [])
        r.host = inflows[0].host if inflows else None  # type: ignore[attr-defined]
        r.taken_in_on = inflows[0].started_on if inflows else None  # type: ignore[attr-defined]
    return rows
