""""Due but not established" (应建未建), defined once (DOMAIN.md §4).

An org is due when it has at least N full members among its staff (wherever their relation is
held) and no party org of its own (its coverage status is not ``own``). N is the ESTABLISH rule's
``min_full_members``: 3 by default, a local setting (``shuniu.rulesettings``) that a province, city,
county or street may set for itself, the most specific prefix of the org's region winning.

Every reader uses this module: ``due_q`` for querysets and the rollup's GROUP BYs (a CASE over the
region prefix columns, most specific first, when some region sets its own N), ``Thresholds.is_due``
for one org or row (the engine's incremental upkeep, the pages' badges). When a threshold setting
changes, the engine rebuilds the stored "due" counts of the regions concerned
(``engine.on_settings_changed``) in the setting's transaction, so the stored figures stay equal to
what a full rebuild gives.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Q, Value, When
from django.db.models.expressions import Expression

from shuniu.registry.models import CoverageStatus, OrgStatus
from shuniu.rulesettings.selectors import Settings, current, prefix_q, prefixes

RULE, PARAM = "ESTABLISH", "min_full_members"


class Thresholds:
    """N for every region, as the settings stood when this was made."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings if settings is not None else current()
        by_region = settings.overrides(RULE, PARAM)
        national = by_region.pop("", None)
        self.default: int = national if national is not None else settings.value(RULE, PARAM)
        self.by_region: dict[str, int] = by_region

    def for_region(self, region: str) -> int:
        """N for an org placed at ``region`` (its region code)."""
        if self.by_region:
            for prefix in prefixes(region)[:-1]:
                found = self.by_region.get(prefix)
                if found is not None:
                    return found
        return self.default

    def is_due(self, full_members: int, coverage_status: str, region: str) -> bool:
        return coverage_status != CoverageStatus.OWN and full_members >= self.for_region(region)

    def expression(self) -> Expression:
        """N of each row, for querysets of a model with the region prefix columns."""
        if not self.by_region:
            return Value(self.default)
        most_specific_first = sorted(self.by_region.items(), key=lambda kv: (-len(kv[0]), kv[0]))
        return Case(*(When(prefix_q(region), then=Value(n)) for region, n in most_specific_first),
                    default=Value(self.default))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Thresholds) and (self.default, self.by_region) == (other.default, other.by_region)

    def __repr__(self) -> str:
        return f"Thresholds(default={self.default}, by_region={self.by_region})"


def thresholds(settings: Settings | None = None) -> Thresholds:
    return Thresholds(settings)


def due_q(*, full_members: str = "full_members", status: str = "coverage_status",
          thresholds: Thresholds | None = None) -> Q:
    """The due orgs among a queryset of orgs; ``full_members`` and ``status`` name the fields (or
    annotations, for figures as of a past date) holding the org's full members and status."""
    t = thresholds if thresholds is not None else Thresholds()
    return Q(**{f"{full_members}__gte": t.expression()}) & ~Q(**{status: CoverageStatus.OWN.value})


def org_is_due(org: Any, thresholds: Thresholds | None = None) -> bool:
    """Whether one org (a SocialOrg) is due now: active, and due by the definition above."""
    if getattr(org, "status", None) != OrgStatus.ACTIVE:
        return False
    t = thresholds if thresholds is not None else Thresholds()
    return t.is_due(org.full_members, org.coverage_status, str(org.region_id))

