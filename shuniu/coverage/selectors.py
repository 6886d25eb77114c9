"""Coverage status of orgs as of a date, computed from the dated facts (DOMAIN.md §4).

Each org in the population (active on the date) has exactly one status, the first that applies:
own, joint, instructor, mass_org, none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shuniu.party.models import InstructorAssignment, PartyMember, PartyOrgCoverage
from shuniu.registry.models import SocialOrg

STATUSES = ("own", "joint", "instructor", "mass_org", "none")


def population(qs: QuerySet[SocialOrg], as_of: dt.date) -> QuerySet[SocialOrg]:
    """Orgs registered by ``as_of`` and not deregistered on or before it."""
    return qs.filter(Q(established_on__isnull=True) | Q(established_on__lte=as_of)).filter(
        Q(deregistered_on__isnull=True) | Q(deregistered_on__gt=as_of)
    )


def _active_on(prefix: str, as_of: dt.date) -> Q:
    return Q(**{f"{prefix}started_on__lte": as_of}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": as_of})
    )


def _party_active(as_of: dt.date) -> Q:
    return Q(party_org__established_on__lte=as_of) & (
        Q(party_org__dissolved_on__isnull=True) | Q(party_org__dissolved_on__gt=as_of)
    )


OWN_PARTY = Q(party_org__formation="standalone") & ~Q(party_org__kind="joint_branch")


def annotate_status(qs: QuerySet[SocialOrg], as_of: dt.date) -> QuerySet[SocialOrg]:
    links = PartyOrgCoverage.objects.filter(_active_on("", as_of), _party_active(as_of), org=OuterRef("pk"))
    assigned = InstructorAssignment.objects.filter(_active_on("", as_of), org=OuterRef("pk"))
    return qs.annotate(
        has_own=Exists(links.filter(OWN_PARTY)),
        has_joint=Exists(links.exclude(OWN_PARTY)),
        has_instructor=Exists(assigned),
    )


def status_counts(qs: QuerySet[SocialOrg], as_of: dt.date) -> dict[str, Any]:
    """Counts by status plus the two coverage rates, for the population of ``qs`` on ``as_of``."""
    rows = annotate_status(population(qs, as_of), as_of)
    mass = (Q(has_trade_union=True) & (Q(trade_union_on__isnull=True) | Q(trade_union_on__lte=as_of))) | (
        Q(has_youth_league=True) & (Q(youth_league_on__isnull=True) | Q(youth_league_on__lte=as_of))
    )
    agg = rows.aggregate(
        population=Count("pk"),
        own=Count("pk", filter=Q(has_own=True)),
        joint=Count("pk", filter=Q(has_own=False, has_joint=True)),
        instructor=Count("pk", filter=Q(has_own=False, has_joint=False, has_instructor=True)),
        mass_org=Count("pk", filter=Q(has_own=False, has_joint=False, has_instructor=False) & mass),
    )
    n = agg["population"]
    agg["none"] = n - agg["own"] - agg["joint"] - agg["instructor"] - agg["mass_org"]
    agg["org_coverage_rate"] = (agg["own"] + agg["joint"]) / n if n else 0.0
    agg["work_coverage_rate"] = (n - agg["none"]) / n if n else 0.0
    return agg


def full_members_on_staff(qs: QuerySet[SocialOrg]) -> QuerySet[SocialOrg]:
    """Annotate each org with its current full members among staff (wherever the relation is held)."""
    return qs.annotate(
        full_on_staff=Count("staff_members", filter=Q(staff_members__status="full",
                                                     staff_members__ended_on__isnull=True))
    )


def member_count(qs: QuerySet[SocialOrg]) -> int:
    return PartyMember.objects.filter(workplace__in=qs, ended_on__isnull=True).count()
