"""Reads of party orgs, members and instructors, always through a scope."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from shuniu.accounts.scopes import Scope
from shuniu.party.models import (
    Instructor,
    InstructorAssignment,
    PartyMember,
    PartyOrg,
    PartyOrgCoverage,
    PartyOrgKind,
)
from shuniu.regions.codes import LEVELS, PREFIX_FIELDS, parse
from shuniu.regions.models import Region
from shuniu.registry.models import OrgStatus

K = TypeVar("K", bound=Hashable)


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
    """The tops of the visible party-org tree: current party orgs whose superior is not visible,
    in administrative order."""
    visible = party_org_list(scope).filter(dissolved_on__isnull=True)
    roots = party_org_search(scope).filter(Q(superior__isnull=True) | ~Q(superior_id__in=visible.values("id")))
    return in_administrative_order(roots)


def _children(scope: Scope, parent: PartyOrg, region: str = "", here: bool = False) -> QuerySet[PartyOrg]:
    qs = party_org_list(scope).filter(superior=parent, dissolved_on__isnull=True)
    if region:
        code = parse(region).short
        qs = qs.filter(region_id=code) if here else Scope.of_region(code).filter(qs)
    return qs


def party_org_children(scope: Scope, parent: PartyOrg, *, region: str = "", here: bool = False) -> QuerySet[PartyOrg]:
    """The current children of ``parent`` in scope, in administrative order; ``region`` keeps
    those placed in that region (``here``: placed at that region itself, in none of its parts)."""
    return in_administrative_order(_with_counts(_children(scope, parent, region, here).select_related("region")))


# ---- the tree as officers read it: administrative order, totals of subtrees, children by place ----

# The bodies of one place in the order an officer reads them: committees before branches.
KIND_ORDER = (PartyOrgKind.COMPREHENSIVE_COMMITTEE, PartyOrgKind.INDUSTRY_COMMITTEE, PartyOrgKind.COMMITTEE,
              PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH,
              PartyOrgKind.TEMPORARY_BRANCH)


def in_administrative_order(qs: QuerySet[PartyOrg]) -> QuerySet[PartyOrg]:
    """Party orgs by place, in region-code order (a city's bodies before its districts', a
    district's before its streets'), then by kind (KIND_ORDER), then by name."""
    rank = Case(*[When(kind=kind, then=Value(n)) for n, kind in enumerate(KIND_ORDER)],
                default=Value(len(KIND_ORDER)), output_field=IntegerField())
    return qs.annotate(kind_rank=rank).order_by("region_id", "kind_rank", "name", "id")


@dataclass(frozen=True)
class Totals:
    """What a subtree of party orgs holds, as far as the scope sees: the current members whose
    relation is held in it, and the active social orgs covered now by any party org in it (an org
    covered by two of them counted once)."""

    members: int = 0
    covered_orgs: int = 0


def _ancestor_paths(path: str) -> list[str]:
    """The paths of a party org and of its ancestors: "/1/7/42/" gives "/1/", "/1/7/", "/1/7/42/"."""
    parts = path.strip("/").split("/")
    return [f"/{'/'.join(parts[:n])}/" for n in range(1, len(parts) + 1)] if path.strip("/") else []


def _outermost(paths: Iterable[str]) -> list[str]:
    """The paths not inside another of them (sorted, an ancestor comes before its descendants)."""
    out: list[str] = []
    for path in sorted(set(paths)):
        if not out or not path.startswith(out[-1]):
            out.append(path)
    return out


def subtree_totals(scope: Scope, buckets: Mapping[K, Iterable[str]], *, under: str = "") -> dict[K, Totals]:
    """The totals of each bucket of party-org subtrees (a bucket names its subtrees by their
    paths: one party org, or the children of one group), in two queries whatever the number of
    buckets and party orgs: the members in scope counted by party org, then the distinct
    (party org, covered org) pairs; each row is added to the buckets holding one of its ancestors.
    ``under``: a path holding every bucket (the parent of a page of children), one prefix match."""
    owners: dict[str, list[K]] = {}
    for key, paths in buckets.items():
        for path in paths:
            owners.setdefault(path, []).append(key)
    members: dict[K, int] = dict.fromkeys(buckets, 0)
    orgs: dict[K, set[int]] = {key: set() for key in buckets}
    if owners:
        prefixes = [under] if under else _outermost(owners)

        def inside(field: str) -> Q:
            q = Q()
            for prefix in prefixes:
                q |= Q(**{f"{field}__startswith": prefix})
            return q

        def keys(path: str) -> set[K]:
            return {key for prefix in _ancestor_paths(path) for key in owners.get(prefix, ())}

        counted = (member_list(scope).filter(inside("relation_org__path")).order_by()
                   .values_list("relation_org__path").annotate(n=Count("pk")))
        for path, n in counted:
            for key in keys(path):
                members[key] += n
        links = scope.filter(PartyOrgCoverage.objects.filter(ended_on__isnull=True, org__status=OrgStatus.ACTIVE))
        pairs = links.filter(inside("party_org__path")).order_by().values_list("party_org__path", "org_id").distinct()
        for path, org_id in pairs:
            for key in keys(path):
                orgs[key].add(org_id)
    return {key: Totals(members[key], len(orgs[key])) for key in buckets}


def party_org_totals(scope: Scope, party_orgs: Iterable[PartyOrg]) -> dict[int, Totals]:
    """The rolled-up totals of each party org (itself and every party org below it), by id: the
    one definition that the tree, the party-org page and the API read."""
    return subtree_totals(scope, {p.pk: [p.path] for p in party_orgs})


def with_totals(scope: Scope, party_orgs: Iterable[PartyOrg]) -> list[PartyOrg]:
    """The party orgs, each with ``members_total`` and ``covered_orgs_total`` (party_org_totals)."""
    items = list(party_orgs)
    totals = party_org_totals(scope, items)
    for p in items:
        p.members_total = totals[p.pk].members  # type: ignore[attr-defined]
        p.covered_orgs_total = totals[p.pk].covered_orgs  # type: ignore[attr-defined]
    return items


# A party org with at least this many children in view lists them by place; fewer, as they are.
GROUP_THRESHOLD = 30
_GROUP_FIELDS = tuple(PREFIX_FIELDS[level] for level in LEVELS[:4])  # province to street


@dataclass(frozen=True)
class ChildGroup:
    """The children of a party org placed in one region (a district, a street), or, ``here``,
    at the region that holds the others itself (a district's own, in none of its streets)."""

    code: str
    name: str
    here: bool
    party_orgs: int
    totals: Totals


def party_org_child_groups(scope: Scope, parent: PartyOrg, *, region: str = "", here: bool = False,
                           threshold: int = GROUP_THRESHOLD) -> list[ChildGroup] | None:
    """The children of ``parent`` (as party_org_children gives them) grouped by the first level of
    place, province to street, at which they differ (a district committee's by street, a city
    committee's by district), in region-code order, each with its count and totals; in a bounded
    number of queries. None when they are to be listed as they are: fewer than ``threshold``, all
    in one street, or ``here`` (already the children placed at one region itself)."""
    children = _children(scope, parent, region, here)
    rows = list(children.order_by().values_list(*_GROUP_FIELDS).annotate(n=Count("pk")))
    if here or sum(row[-1] for row in rows) < threshold:
        return None
    depth = next((d for d in range(len(_GROUP_FIELDS)) if len({row[d] for row in rows}) > 1), None)
    if depth is None:
        return None
    above = rows[0][depth - 1] if depth else ""  # the place all share, one level up
    field = _GROUP_FIELDS[depth]
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row[depth]] = sizes.get(row[depth], 0) + row[-1]
    buckets: dict[str, list[str]] = {code: [] for code in sizes}
    for path, code in children.order_by().values_list("path", field):
        buckets[code].append(path)
    totals = subtree_totals(scope, buckets, under=parent.path)
    names = _place_names([code or above for code in sizes])
    groups = [ChildGroup(code=code or above, name=names[code or above], here=not code,
                         party_orgs=sizes[code], totals=totals[code]) for code in sizes]
    return sorted(groups, key=lambda g: (g.code, not g.here))


def _place_names(codes: list[str]) -> dict[str, str]:
    """The names of regions, in one query; a municipality's 市辖区 (1101) is named as the city (北京市)."""
    parents = {code: parent.short for code in codes if (parent := parse(code).parent()) is not None}
    names = dict(Region.objects.filter(code__in=[*codes, *parents.values()]).values_list("code", "name"))
    out = {}
    for code in codes:
        name = names.get(code, code)
        if name == "市辖区" and code in parents:
            name = names.get(parents[code], name)
        out[code] = name
    return out


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

