"""The one scope layer: what a user may see and change.

Every selector of orgs and people takes a ``Scope`` and filters through it; views, the API,
exports, pickers and Django admin all use the selectors, so a jurisdiction rule lives here and
nowhere else. A region scope is a prefix-column equality (indexed), a party scope a materialized
path prefix, a hub scope the org's current hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from shuniu.regions.codes import RegionCode, parse

if TYPE_CHECKING:
    from shuniu.accounts.models import User

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    kind: str  # "all" | "region" | "hub" | "party" | "instructor" | "none"
    region: RegionCode | None = None
    hub_id: int | None = None
    party_path: str = ""
    instructor_id: int | None = None

    # ---- constructors -------------------------------------------------------------------
    @classmethod
    def everything(cls) -> Scope:
        return cls("all")

    @classmethod
    def nothing(cls) -> Scope:
        return cls("none")

    @classmethod
    def of_region(cls, code: str) -> Scope:
        return cls("region", region=parse(code))

    @classmethod
    def for_user(cls, user: User | Any) -> Scope:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls.nothing()
        if user.is_superuser or user.role == "admin":
            return cls.everything()
        if user.scope_region_id:
            return cls.of_region(user.scope_region_id)
        if user.scope_hub_id:
            return cls("hub", hub_id=user.scope_hub_id)
        if user.scope_party_org_id:
            return cls("party", party_path=user.scope_party_org.path)
        if user.scope_instructor_id:
            return cls("instructor", instructor_id=user.scope_instructor_id)
        return cls.nothing()

    # ---- the Q objects ------------------------------------------------------------------
    def _placed(self, prefix: str = "") -> Q:
        assert self.region is not None
        return Q(**{f"{prefix}{self.region.field}": self.region.short})

    def _org_ids(self) -> Any:
        """A subquery of SocialOrg ids in scope (for hub, party and instructor scopes)."""
        from shuniu.registry.models import SocialOrg

        return self.filter_orgs(SocialOrg.objects.all()).values("id")

    def filter_orgs(self, qs: QuerySet[M]) -> QuerySet[M]:
        from shuniu.party.models import InstructorAssignment, PartyOrgCoverage

        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed())
        if self.kind == "hub":
            return qs.filter(hub_id=self.hub_id)
        if self.kind == "party":
            covered = PartyOrgCoverage.objects.filter(
                party_org__path__startswith=self.party_path, ended_on__isnull=True
            ).values("org_id")
            return qs.filter(id__in=covered)
        if self.kind == "instructor":
            assigned = InstructorAssignment.objects.filter(
                instructor_id=self.instructor_id, ended_on__isnull=True
            ).values("org_id")
            return qs.filter(id__in=assigned)
        return qs.none()

    def filter_party_orgs(self, qs: QuerySet[M]) -> QuerySet[M]:
        from shuniu.party.models import PartyOrgCoverage

        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed())
        if self.kind == "party":
            return qs.filter(path__startswith=self.party_path)
        if self.kind in ("hub", "instructor"):
            covering = PartyOrgCoverage.objects.filter(org_id__in=self._org_ids(), ended_on__isnull=True)
            return qs.filter(id__in=covering.values("party_org_id"))
        return qs.none()

    def filter_members(self, qs: QuerySet[M]) -> QuerySet[M]:
        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed())
        if self.kind == "party":
            return qs.filter(relation_org__path__startswith=self.party_path)
        if self.kind in ("hub", "instructor"):
            return qs.filter(workplace_id__in=self._org_ids())
        return qs.none()

    def filter_instructors(self, qs: QuerySet[M]) -> QuerySet[M]:
        from shuniu.party.models import InstructorAssignment

        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed())
        if self.kind == "instructor":
            return qs.filter(id=self.instructor_id)
        if self.kind in ("hub", "party"):
            assigned = InstructorAssignment.objects.filter(org_id__in=self._org_ids(), ended_on__isnull=True)
            return qs.filter(id__in=assigned.values("instructor_id"))
        return qs.none()

    def filter_hubs(self, qs: QuerySet[M]) -> QuerySet[M]:
        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed())
        if self.kind == "hub":
            return qs.filter(id=self.hub_id)
        return qs.none()

    def filter_placed(self, qs: QuerySet[M]) -> QuerySet[M]:
        """Other rows placed in a region (incubators): by region only. Hub, party and instructor
        scopes hold orgs, not places, so they reach none (``filter_hubs`` would match a hub scope's
        id against the rows' own ids)."""
        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed())
        return qs.none()

    def filter_by_org(self, qs: QuerySet[M], field: str = "org") -> QuerySet[M]:
        """Rows that hang off a social org (coverage links, hub links, inspections, assignments)."""
        if self.kind == "all":
            return qs
        if self.kind == "region":
            return qs.filter(self._placed(f"{field}__"))
        return qs.filter(**{f"{field}_id__in": self._org_ids()})

    def within(self, code: str) -> Scope | None:
        """This scope narrowed to the region ``code`` (any code form): what lies in both.

        One prefix equality instead of two: asked for a district inside a city officer's city,
        PostgreSQL would otherwise read the city's 17,000 index entries to AND them with the
        district's 1,000. None for a hub, party or instructor scope (not a region: filter the rows).
        """
        if self.kind not in ("all", "region"):
            return None
        wanted = parse(code)
        if self.kind == "all":
            return Scope("region", region=wanted)
        assert self.region is not None
        if wanted.short.startswith(self.region.short):
            return Scope("region", region=wanted)
        if self.region.short.startswith(wanted.short):
            return self
        return Scope.nothing()

    # ---- checks ---------------------------------------------------------------------------
    def contains_region(self, code: str) -> bool:
        """True when the region (any code form) lies inside a region scope (or scope is all)."""
        if self.kind == "all":
            return True
        if self.kind != "region" or self.region is None:
            return False
        return parse(code).short.startswith(self.region.short)

    def allows(self, obj: Model) -> bool:
        """Whether ``obj`` (an org, party org, member, instructor or hub) is inside this scope."""
        from shuniu.party.models import Instructor, PartyMember, PartyOrg
        from shuniu.registry.models import Hub, SocialOrg

        filters = {
            SocialOrg: self.filter_orgs,
            PartyOrg: self.filter_party_orgs,
            PartyMember: self.filter_members,
            Instructor: self.filter_instructors,
            Hub: self.filter_hubs,
        }
        fn = filters.get(type(obj))
        if fn is None:
            return self.kind == "all"
        return fn(type(obj)._default_manager.filter(pk=obj.pk)).exists()


# Roles that may read full ID and phone numbers (within their scope); everyone else sees them masked.
PERSONAL_DATA_ROLES = frozenset({"admin", "city_officer", "district_officer", "secretary"})


def can_see_personal_data(user: User | Any) -> bool:
    """Whether ``user`` may see full ID and phone numbers of the people in their scope.

    The one place that decides it: pages, the API and exports ask here. Lists never show full
    numbers whatever the role; a detail shows them only when this is true.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.role in PERSONAL_DATA_ROLES)


def check_write(actor: Any, obj: Model | None = None, *, region_code: str | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may write ``obj`` / place something in ``region_code``.

    ``actor`` is a ``User`` (held to their scope) or a ``SystemActor`` (commands, the demo generator,
    imports run by an operator on the server), which is not restricted. Anything else is refused.
    """
    from shuniu.accounts.actors import SystemActor, require_actor

    if isinstance(require_actor(actor), SystemActor):
        return
    scope = Scope.for_user(actor)
    if obj is not None and obj.pk is not None and not scope.allows(obj):
        raise PermissionDenied(_("该对象不在您的管辖范围内"))
    # Only region scopes can place new things somewhere; hub, party and instructor scopes write
    # through objects they already hold (a secretary adds a branch under their own party org).
    if region_code is not None and not scope.contains_region(region_code):
        raise PermissionDenied(_("地区 %(code)s 不在您的管辖范围内") % {"code": region_code})
