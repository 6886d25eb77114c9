"""Reads of party orgs, members and instructors, always through a scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from shuniu.accounts.scopes import Scope
from shuniu.party.models import Instructor, InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage


def party_org_list(scope: Scope) -> QuerySet[PartyOrg]:
    return scope.filter(PartyOrg.objects.select_related("superior", "secretary"))


def member_list(scope: Scope) -> QuerySet[PartyMember]:
    """Current members (not ended) in scope."""
    return scope.filter(
        PartyMember.objects.filter(ended_on__isnull=True).select_related("workplace", "relation_org")
    )


def instructor_list(scope: Scope) -> QuerySet[Instructor]:
    return scope.filter(Instructor.objects.filter(ended_on__isnull=True))


def _count(qs: QuerySet[Any], fk: str) -> Coalesce:
    """A correlated COUNT (one subquery per figure, so several figures do not multiply each other)."""
    counted = qs.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_counts(qs: QuerySet[PartyOrg]) -> QuerySet[PartyOrg]:
    return qs.annotate(
        n_members=_count(PartyMember.objects.filter(ended_on__isnull=True), "relation_org"),
        n_covered=_count(PartyOrgCoverage.objects.filter(ended_on__isnull=True), "party_org"),
        n_children=_count(PartyOrg.objects.filter(dissolved_on__isnull=True), "superior"),
    )


def party_org_search(scope: Scope, *, q: str = "", kind: str = "", region: str = "",
                     dissolved: bool = False) -> QuerySet[PartyOrg]:
    """Party orgs in scope (current ones unless ``dissolved``), with member, covered-org and child counts."""
    qs = party_org_list(scope).select_related("region")
    qs = qs.filter(dissolved_on__isnull=False) if dissolved else qs.filter(dissolved_on__isnull=True)
    if region:
        qs = Scope.of_region(region).filter(qs)
    if kind:
        qs = qs.filter(kind=kind)
    if q := q.strip():
        qs = qs.filter(name__icontains=q)
    return _with_counts(qs)


def party_org_roots(scope: Scope) -> QuerySet[PartyOrg]:
    """The tops of the visible party-org tree: current party orgs whose superior is not visible."""
    visible = party_org_list(scope).filter(dissolved_on__isnull=True)
    return party_org_search(scope).filter(Q(superior__isnull=True) | ~Q(superior_id__in=visible.values("id")))


def party_org_children(scope: Scope, parent: PartyOrg) -> QuerySet[PartyOrg]:
    return party_org_search(scope).filter(superior=parent)


def party_org_get(scope: Scope, party_org_id: int) -> PartyOrg | None:
    return _with_counts(party_org_list(scope).select_related("region")).filter(pk=party_org_id).first()


def party_org_history(party_org: PartyOrg) -> QuerySet[Any]:
    """The audit entries about one party org, newest first (the caller has checked the scope)."""
    from shuniu.audit.models import AuditEntry

    return AuditEntry.objects.filter(target_type="party.partyorg", target_id=str(party_org.pk)).order_by("-at", "-id")


def member_search(scope: Scope, *, q: str = "", status: str = "", region: str = "", party_org: str = "",
                  workplace: str = "", mobile: bool = False) -> QuerySet[PartyMember]:
    qs = member_list(scope)
    if region:
        qs = Scope.of_region(region).filter(qs)
    if status:
        qs = qs.filter(status=status)
    if party_org:
        qs = qs.filter(relation_org_id=int(party_org))
    if workplace:
        qs = qs.filter(workplace_id=int(workplace))
    if mobile:
        qs = qs.filter(is_mobile=True)
    if q := q.strip():
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "id")


def instructor_search(scope: Scope, *, q: str = "", region: str = "", kind: str = "",
                      overloaded: bool = False) -> QuerySet[Instructor]:
    """Current instructors in scope with ``load`` (their current assignments, wherever the org) and
    ``current`` (prefetched current assignments to orgs inside the scope)."""
    from shuniu.registry.models import SocialOrg

    qs = instructor_list(scope).select_related("region")
    if region:
        qs = Scope.of_region(region).filter(qs)
    if kind:
        qs = qs.filter(kind=kind)
    if q := q.strip():
        qs = qs.filter(Q(name__icontains=q) | Q(employer__icontains=q))
    qs = qs.annotate(load=_count(InstructorAssignment.objects.filter(ended_on__isnull=True), "instructor"))
    if overloaded:
        qs = qs.filter(load__gt=F("capacity"))
    visible_orgs = scope.filter(SocialOrg.objects.all()).values("id")
    current = (InstructorAssignment.objects.filter(ended_on__isnull=True, org_id__in=visible_orgs)
               .select_related("org").order_by("org__name"))
    return qs.prefetch_related(Prefetch("assignments", queryset=current, to_attr="current")).order_by("name", "id")

