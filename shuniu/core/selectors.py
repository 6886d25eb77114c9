"""Cross-app read models: the registry summary (``shuniu summary``, the home page)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.party.models import Instructor, MemberStatus, PartyMember, PartyOrg, PartyOrgKind
from shuniu.regions.codes import LEVELS, parse
from shuniu.regions.models import Region
from shuniu.registry.models import Hub, HubLevel, OrgStatus, OrgType, SocialOrg


def _counts(qs: QuerySet[Any], field: str, keys: list[str]) -> dict[str, int]:
    found = dict(qs.order_by().values_list(field).annotate(n=Count("pk")))
    return {k: int(found.get(k, 0)) for k in keys} | {k: int(v) for k, v in found.items() if k not in keys}


def summary(scope: Scope, region_code: str | None = None) -> dict[str, Any]:
    """Counts of regions, orgs, party orgs, members, instructors and hubs within scope (and region).

    Party orgs, members and instructors count the current ones (not dissolved, not ended).
    """
    if region_code:
        rc = parse(region_code)
        scope_r = Scope.of_region(rc.short)

        def within(qs: QuerySet[Any], method: str) -> QuerySet[Any]:
            return getattr(scope, method)(getattr(scope_r, method)(qs))
    else:
        def within(qs: QuerySet[Any], method: str) -> QuerySet[Any]:
            return getattr(scope, method)(qs)

    regions = Region.objects.filter(retired_on__isnull=True)
    if region_code:
        regions = regions.filter(**{rc.field: rc.short}).exclude(code=rc.short)
    orgs = within(SocialOrg.objects.all(), "filter_orgs")
    party = within(PartyOrg.objects.filter(dissolved_on__isnull=True), "filter_party_orgs")
    members = within(PartyMember.objects.filter(ended_on__isnull=True), "filter_members")
    instructors = within(Instructor.objects.filter(ended_on__isnull=True), "filter_instructors")
    hubs = within(Hub.objects.all(), "filter_hubs")
    return {
        "regions": _counts(regions, "level", list(LEVELS)),
        "social_orgs": {
            "total": orgs.count(),
            "by_type": _counts(orgs, "type", list(OrgType.values)),
            "by_status": _counts(orgs, "status", list(OrgStatus.values)),
        },
        "party_orgs": {"total": party.count(), "by_kind": _counts(party, "kind", list(PartyOrgKind.values))},
        "members": {"total": members.count(), "by_status": _counts(members, "status", list(MemberStatus.values))},
        "instructors": instructors.count(),
        "hubs": _counts(hubs, "level", list(HubLevel.values)),
    }
