"""Users: creation with a role and one jurisdiction."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import Actor, check_admin
from shuniu.accounts.models import ApiToken, Role, User
from shuniu.accounts.scopes import check_self
from shuniu.audit.services import record
from shuniu.core.cache import cache_call
from shuniu.core.services import Errors, choice
from shuniu.core.sql import unique_row
from shuniu.regions.codes import InvalidRegionCode, parse

# Which kind of jurisdiction each role takes.
ROLE_SCOPE_KIND = {
    Role.ADMIN: "all",
    Role.CITY_OFFICER: "region",
    Role.DISTRICT_OFFICER: "region",
    Role.STREET_OFFICER: "region",
    Role.HUB_STAFF: "hub",
    Role.SECRETARY: "party",
    Role.INSTRUCTOR: "instructor",
}
# The levels of division an officer's scope may be. The four municipalities (北京 11, 天津 12, 上海 31,
# 重庆 50) are city-level governments recorded at province level; the four prefecture-level cities
# without counties (东莞 4419, 中山 4420, 儋州 4604, 嘉峪关 6202) are their own district level.
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
_CITIES_WITHOUT_COUNTIES = frozenset({"4419", "4420", "4604", "6202"})
_REGION_LEVEL = {
    Role.CITY_OFFICER: (("city",), gettext_lazy("市级党建工作人员的管辖范围须为地级市或直辖市代码")),
    Role.DISTRICT_OFFICER: (("county",), gettext_lazy("区级党建工作人员的管辖范围须为县（区）代码，或不设区县的地级市代码")),
    Role.STREET_OFFICER: (("street", "community"), gettext_lazy("街道党建工作人员的管辖范围须为街道（乡镇）代码")),
}


def _scope_level_ok(role: str, region: Any) -> bool:
    levels, _message = _REGION_LEVEL[Role(role)]
    if region.level in levels:
        return True
    if role == Role.CITY_OFFICER:
        return bool(region.level == "province" and region.code in _MUNICIPALITIES)
    if role == Role.DISTRICT_OFFICER:
        return bool(region.level == "city" and region.code in _CITIES_WITHOUT_COUNTIES)
    return False


# The field of ``User`` holding each kind of jurisdiction: the models they name are read from these
# foreign keys, so that accounts, below the apps that define hubs and party orgs, imports none of them.
_SCOPE_FIELDS = {"region": "scope_region", "hub": "scope_hub", "party": "scope_party_org",
                 "instructor": "scope_instructor"}


def _scope_model(kind: str) -> Any:
    return User._meta.get_field(_SCOPE_FIELDS[kind]).related_model


def _scope_region(errors: Errors, code: str) -> Any:
    """The current division for ``code``, or an error on the scope (the rules of ``region_get``)."""
    if not code:
        errors.add("scope", _("地区代码不能为空（规则：必填）"), "required")
        return None
    try:
        short = parse(code).short
    except InvalidRegionCode:
        errors.add("scope", _("地区代码“%(code)s”格式不正确（规则：2、4、6、9 或 12 位数字）") % {"code": code}, "region")
        return None
    region = _scope_model("region").objects.filter(code=short, retired_on__isnull=True).first()
    if region is None:
        errors.add("scope", _("地区代码“%(code)s”不存在或已撤销（规则：须为现行行政区划）") % {"code": code}, "region")
    return region


def parse_scope(errors: Errors, role: str, scope: str) -> dict[str, Any]:
    """'110105' → region, 'hub:ID', 'party:ID', 'instructor:ID'; checked against the role."""
    kind = ROLE_SCOPE_KIND.get(Role(role)) if role in Role.values else None
    if kind == "all":
        return {}
    scope = (scope or "").strip()
    if kind == "region":
        region = _scope_region(errors, scope)
        # A city officer's scope is a city (or a municipality), a district officer's a county, etc.:
        # a role's checks and figures are written for that level.
        if region is not None and not _scope_level_ok(role, region):
            errors.add("scope", str(_REGION_LEVEL[Role(role)][1]), "scope_level")
        return {"scope_region": region}
    prefix, _sep, ident = scope.partition(":")
    model = _scope_model(prefix) if prefix in ("hub", "party", "instructor") else None
    if model is None or prefix != kind or not ident.isdigit():
        errors.add("scope", _("角色 %(role)s 的管辖范围应写作 %(form)s") %
                   {"role": role, "form": {"hub": "hub:ID", "party": "party:ID", "instructor": "instructor:ID"}
                    .get(kind or "", "?")}, "scope")
        return {}
    obj = model.objects.filter(pk=int(ident)).first()
    if obj is None:
        errors.add("scope", _("管辖范围 %(s)s 不存在") % {"s": scope}, "scope")
    return {f"scope_{'party_org' if prefix == 'party' else prefix}": obj}


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, role: str, scope: str = "", password: str | None = None,
    full_name: str = "", is_staff: bool = True,
) -> tuple[User, str]:
    """Create a user; returns the user and the password (generated when not given). Administrators
    only: a user's role and jurisdiction are what every other check relies on."""
    check_admin(actor)
    errors = Errors()
    choice(errors, "role", role, Role, _("角色"))
    if User.objects.filter(username=username).exists():
        errors.add("username", _("用户名“%(u)s”已存在") % {"u": username}, "unique")
    fields = parse_scope(errors, role, scope) if not errors.by_field else {}
    errors.raise_if_any()
    password = password or secrets.token_urlsafe(9)
    user = User(username=username, role=role, first_name=full_name, is_staff=is_staff,
                is_superuser=(role == Role.ADMIN), **fields)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise exc
    user.set_password(password)
    user.save()
    record(actor=actor, action="user.create", target=user,
           changes={"role": [None, role], "scope": [None, scope]})
    return user, password


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Actor, user: User, label: str = "") -> str:
    """A new API token for ``user``; the plain token is returned once and never stored. Users make
    their own; administrators any (a token acts with its user's whole jurisdiction)."""
    check_self(actor, user)
    token = "shn_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_token_hash(token), prefix=token[4:12], label=label.strip()[:60])
    record(actor=actor, action="token.create", target=user, changes={"prefix": [None, token[4:12]]})
    return token


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token: refused from the next request on. Users revoke their own; administrators any."""
    check_self(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoke", target=token.user, changes={"prefix": [token.prefix, None]})
    return token


# How stale ``last_used_at`` may get: writing it on every request would make each API read a
# write too (on SQLite one writer at a time), for a figure that only needs to say "in use lately".
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)

# How long a token's user is kept in Django's cache. Looking the token up costs an API read a
# query of its own (a third of a detail page's work); the cache entry is dropped when the token is
# revoked or its user changed (``forget_tokens``: at once and on commit), so with a shared cache (Redis, as
# production runs) a revocation holds from the next request. With the per-process memory cache and
# several worker processes, the other processes may serve a revoked token for up to this long.
TOKEN_CACHE_SECONDS = int(TOKEN_USE_RESOLUTION.total_seconds())


def _token_cache_key(key_hash: str) -> str:
    return f"shuniu:token:{key_hash}"


def token_user(token: str) -> User | None:
    """The active user holding an unrevoked ``token``, or None."""
    key_hash = _token_hash(token)
    cached = _cached(cache.get, _token_cache_key(key_hash))
    if cached is not None:
        return cast(User, cached)
    # The password hash is left out: the user is kept in the cache (Redis), which needs no secret;
    # a deferred field is read from the database if ever used, and never written back by save().
    found = unique_row(ApiToken.objects.select_related("user").defer("user__password")
                       .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True))
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    # Kept no longer than TOKEN_USE_RESOLUTION, so ``last_used_at`` stays as fresh as it was.
    _cached(cache.set, _token_cache_key(key_hash), found.user, TOKEN_CACHE_SECONDS)
    return found.user


def forget_tokens(key_hashes: list[str]) -> None:
    """Drop these tokens' cached users now, and again once the current transaction commits: a
    request in between still reads the old rows and may have cached them again."""
    if key_hashes:
        keys = [_token_cache_key(h) for h in key_hashes]
        _cached(cache.delete_many, keys, always=True)
        transaction.on_commit(lambda: _cached(cache.delete_many, keys, always=True))


def _cached(operation: Any, *args: Any, always: bool = False) -> Any:
    """A token-cache operation through ``core.cache.cache_call``: when the cache is unreachable
    (Redis down), tokens are looked up in the database, which is the source of truth. (A revocation
    whose cache entry could not be dropped may pass until the entry expires, if the cache comes back
    with it: hence the error in the log.)"""
    return cache_call(operation, *args, always=always, what="API token cache")
