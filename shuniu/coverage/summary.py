"""The registry summary (``shuniu summary``, the dashboard of hub, party and instructor scopes): how many
regions, orgs, party orgs, members, instructors and hubs lie in a scope."""

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
    scopes = [scope]
    regions = Region.objects.filter(retired_on__isnull=True)
    if region_code:
        rc = parse(region_code)
        scopes.append(Scope.of_region(rc.short))
        regions = regions.filter(**{rc.field: rc.short}).exclude(code=rc.short)

    def within(qs: QuerySet[Any]) -> QuerySet[Any]:
        for each in scopes:
            qs = each.filter(qs)
        return qs

    orgs = within(SocialOrg.objects.all())
    party = within(PartyOrg.objects.filter(dissolved_on__isnull=True))
    members = within(PartyMember.objects.filter(ended_on__isnull=True))
    instructors = within(Instructor.objects.filter(ended_on__isnull=True))
    hubs = within(Hub.objects.all())
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
