"""The one scope layer: what a user may see and change.

Every read of orgs and people filters through a ``Scope`` (``Scope.filter(queryset)``), and every
service checks its writes with ``check_write``; views, the API, exports, pickers and Django admin
all read through the selectors, so a jurisdiction rule lives here and nowhere else.

A scope does not know the models it filters: each scoped model declares how its rows reach a
region, hub, party org or instructor (``scope_binding``, see ``shuniu.core.scoping``), and
``filter`` turns that into one condition. A region scope is a prefix-column equality (indexed), a
party scope a materialized path prefix, a hub scope the org's current hub, an instructor scope the
orgs they are assigned to now; rows that hang off orgs are reached through the orgs in scope.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from shuniu.core.actors import SystemActor, is_admin, require_actor
from shuniu.core.scoping import Path, ScopeBinding, Through
from shuniu.regions.codes import InvalidRegionCode, RegionCode, parse

if TYPE_CHECKING:
    from shuniu.accounts.models import User

M = TypeVar("M", bound=Model)

# What a hub, party or instructor scope holds, and the lookup that matches it at the end of a path.
_HELD = {"hub": "pk", "party": "path__startswith", "instructor": "pk"}


def subtree_q(field: str, path: str) -> Q:
    """The party orgs (at ``field``, a path column) in the subtree of materialized ``path``.

    On PostgreSQL a prefix LIKE, which the path index serves under the C collation. SQLite's LIKE
    ignores case, so it cannot use the index and scans every party org: there the same rows are
    asked as a range of the index, from the path to the path with its final "/" raised to "0" (paths
    hold only digits and "/", and SQLite compares text byte by byte), which reads only the subtree.
    """
    if connection.vendor == "sqlite" and path.endswith("/"):
        return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})
    return Q(**{f"{field}__startswith": path})


def binding_of(model: type[Model]) -> ScopeBinding:
    """The model's scope binding; a model without one is a programming error, never "everything"."""
    binding = getattr(model, "scope_binding", None)
    if not isinstance(binding, ScopeBinding):
        raise ImproperlyConfigured(
            f"{model._meta.label} has no scope_binding: declare on the model how its rows reach a region, "
            "org or party org (shuniu.core.scoping.ScopeBinding) before filtering it by scope")
    return binding


def _join(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


def _target(model: type[Model], path: str) -> type[Model]:
    """The model at the end of a lookup path ("" is the model itself)."""
    for part in path.split("__") if path else ():
        related = model._meta.get_field(part).related_model
        if related is None or isinstance(related, str):
            raise ImproperlyConfigured(f"{model._meta.label}.{part} is not a relation (scope binding path {path!r})")
        model = related
    return model


def _link(model: type[Model], through: Through) -> tuple[type[Model], str]:
    """The link model of ``through`` and the name of its foreign key back to ``model``."""
    rel = model._meta.get_field(through.relation)
    link = rel.related_model
    if link is None or isinstance(link, str) or not rel.is_relation or rel.concrete:
        raise ImproperlyConfigured(f"{model._meta.label}.{through.relation} is not a reverse relation")
    return link, rel.field.name  # type: ignore[union-attr]


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
        if is_admin(user):
            return cls.everything()
        if user.scope_region_id:
            return cls.of_region(user.scope_region_id)
        if user.scope_hub_id:
            return cls("hub", hub_id=user.scope_hub_id)
        if user.scope_party_org_id and user.scope_party_org is not None:
            return cls("party", party_path=user.scope_party_org.path)
        if user.scope_instructor_id:
            return cls("instructor", instructor_id=user.scope_instructor_id)
        return cls.nothing()

    # ---- filtering ----------------------------------------------------------------------
    def filter(self, qs: QuerySet[M]) -> QuerySet[M]:
        """The rows of ``qs`` inside this scope, for any model with a ``scope_binding``."""
        binding = binding_of(qs.model)
        if self.kind == "all":
            return qs
        condition = self._condition(qs.model, binding)
        return qs.none() if condition is None else qs.filter(condition)

    def _condition(self, model: type[Model], binding: ScopeBinding) -> Q | None:
        """The rows of ``model`` in scope as one condition; None when the scope reaches none.
        A binding naming several paths for one side (a tuple) reaches a row through any of them."""
        fields = ("region", "org", "hub", "party_org", "instructor")
        split = next((f for f in fields if isinstance(getattr(binding, f), tuple)), None)
        if split is not None:
            conditions = [self._condition(model, replace(binding, **{split: path}))
                          for path in getattr(binding, split)]
            found: list[Q] = []
            for c in conditions:
                if c is not None and c not in found:
                    found.append(c)
            return reduce(or_, found) if found else None
        region, org = binding.region, binding.org
        direct = {"hub": binding.hub, "party": binding.party_org, "instructor": binding.instructor}.get(self.kind)
        assert not isinstance(region, tuple) and not isinstance(org, tuple) and not isinstance(direct, tuple)
        if self.kind == "region":
            assert self.region is not None
            if region is None or isinstance(region, Through):
                return None
            # One equality on the prefix column of the scope's level: an index lookup.
            return Q(**{_join(region, self.region.field): self.region.short})
        if self.kind not in _HELD:
            return None
        if direct is not None:
            return self._held(model, direct)
        if org is not None and org != "":
            return self._via_orgs(model, org)
        return None

    def _held_value(self) -> Any:
        return {"hub": self.hub_id, "party": self.party_path, "instructor": self.instructor_id}[self.kind]

    def _held(self, model: type[Model], path: Path) -> Q:
        """Rows whose hub, party org or instructor (at ``path``) is the one this scope holds."""
        lookup = _HELD[self.kind]
        if isinstance(path, Through):
            link, own = _link(model, path)
            held = (subtree_q(_join(path.field, "path"), self.party_path) if self.kind == "party"
                    else Q(**{_join(path.field, lookup): self._held_value()}))
            rows = link._default_manager.filter(held, **{f"{path.current}__isnull": True})
            return Q(pk__in=rows.values(own))
        assert path is not None
        if self.kind == "party":
            return subtree_q(_join(path, "path"), self.party_path)
        return Q(**{_join(path, lookup): self._held_value()})

    def _via_orgs(self, model: type[Model], path: Path) -> Q:
        """Rows whose social org (at ``path``) is in scope: a subquery of the org ids."""
        if isinstance(path, Through):
            link, own = _link(model, path)
            orgs = self.filter(_target(link, path.field)._default_manager.all()).values("pk")
            rows = link._default_manager.filter(**{f"{path.current}__isnull": True, f"{path.field}__in": orgs})
            return Q(pk__in=rows.values(own))
        assert path
        orgs = self.filter(_target(model, path)._default_manager.all()).values("pk")
        return Q(**{f"{path}__in": orgs})

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
        """Whether ``obj`` (a row of any model with a scope binding) is inside this scope."""
        model = obj._meta.model
        binding_of(model)
        if self.kind == "all":
            return True
        return self.filter(model._default_manager.filter(pk=obj.pk)).exists()


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


def check_write(actor: Any, *objs: Model | None, region_code: str | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may write every one of ``objs`` (None and unsaved
    ones are skipped) and place something in ``region_code``.

    ``actor`` is a ``User`` (held to their scope) or a ``SystemActor`` (commands, the demo generator,
    imports run by an operator on the server), which is not restricted. Anything else is refused.
    A service calls it for every object it touches: the subject, what it links to and what it
    unlinks from, before it validates anything (so that its errors tell nothing about the rest).
    """
    if isinstance(require_actor(actor), SystemActor):
        return
    scope = Scope.for_user(actor)
    for obj in objs:
        if obj is not None and obj.pk is not None and not scope.allows(obj):
            # The kind of object, not its name: the caller may have named it by id only.
            raise PermissionDenied(_("%(what)s不在您的管辖范围内（规则：只能写入管辖范围内的对象）")
                                   % {"what": obj._meta.verbose_name})
    # Only region scopes can place new things somewhere; hub, party and instructor scopes write
    # through objects they already hold (a secretary adds a branch under their own party org).
    if region_code is not None and not scope.contains_region(region_code):
        raise PermissionDenied(_("地区 %(code)s 不在您的管辖范围内") % {"code": region_code})


def placed_code(code: Any) -> str | None:
    """The short form of a region code a caller asks to place something in, for checking the place
    before the rest; None when it names no current division (the service's rules report that)."""
    from shuniu.regions.models import Region

    try:
        short = parse(str(code)).short if code not in (None, "") else None
    except InvalidRegionCode:
        return None
    return short if short and Region.objects.filter(code=short, retired_on__isnull=True).exists() else None


def check_self(actor: Any, user: Model) -> None:
    """Raise PermissionDenied unless ``actor`` is ``user`` themselves, an administrator or a system
    actor: for what belongs to a person (their API tokens)."""
    checked = require_actor(actor)
    if isinstance(checked, SystemActor) or Scope.for_user(checked).kind == "all" or checked.pk == user.pk:
        return
    raise PermissionDenied(_("只能操作本人的账户数据（规则：本人或系统管理员）"))
