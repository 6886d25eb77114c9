"""Login security: the client's address, lockouts after failed logins, their audit, the lockout
page, unlocking, and the idle timeout of sessions.

django-axes counts the failures and refuses a locked-out login before any password is checked
(``axes.backends.AxesStandaloneBackend`` first in ``AUTHENTICATION_BACKENDS``). ``LoginAttempts`` is
its database handler with two additions: the account and the address have limits of their own
(the people of one office share its address), and every failure, lockout, refusal and login is
written to the audit log.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shuniu.accounts.actors import SystemActor, require_actor
from shuniu.accounts.models import Role, User
from shuniu.audit.services import record

AUTH = SystemActor("auth")


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: the peer's, or behind the reverse proxy (``SHUNIU_BEHIND_PROXY``)
    the one the proxy appended to X-Forwarded-For. Counted from the right, ``SHUNIU_PROXY_COUNT``
    entries in: what a client writes into the header itself stays on the left, so it cannot choose
    the address its failures are counted against."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.SHUNIU_BEHIND_PROXY:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < settings.SHUNIU_PROXY_COUNT:
        return remote
    candidate = hops[-settings.SHUNIU_PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _limits() -> dict[str, int]:
    return {"username": settings.AXES_FAILURE_LIMIT, "ip_address": settings.SHUNIU_LOGIN_ADDRESS_FAILURE_LIMIT}


class LoginAttempts(AxesDatabaseHandler):
    """axes' database handler, with a limit per lockout parameter and the audit of each outcome."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # axes compares one figure with AXES_FAILURE_LIMIT. Each parameter's failures are given in
        # units of that limit, so each is held to its own: floor(n * a / l) >= a exactly when n >= l.
        account_limit = settings.AXES_FAILURE_LIMIT
        counts: dict[str, int] = {}
        worst = 0
        params = get_lockout_parameters(request, credentials)
        for param, attempts in zip(params, self.get_user_attempts(request, credentials), strict=True):
            name = param if isinstance(param, str) else "+".join(param)
            n = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            counts[name] = n
            limit = _limits().get(name, account_limit)
            worst = max(worst, n * account_limit // max(limit, 1))
        # The lockout page and the audit say which of the two is locked.
        request.shuniu_login_failures = counts
        return worst

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None,
                          **kwargs: Any) -> None:
        # The backend marks a login it refused because of a lockout before this signal is sent.
        refused = bool(request is not None and getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        username = get_client_username(request, credentials)
        _audit_attempt("login.refused" if refused else "login.failed", request, username)
        if not refused and request.axes_locked_out:
            _audit_attempt("login.locked", request, username, locked=", ".join(locked_parameters(request)))

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        actor = user if isinstance(user, User) and user.is_active else AUTH
        record(actor=actor, action="login", target=user, changes={"address": [None, client_address(request)]})


def _audit_attempt(action: str, request: HttpRequest, username: str | None, **extra: str) -> None:
    user = User.objects.filter(username=username).first() if username else None
    changes: dict[str, Any] = {"username": [None, username], "address": [None, client_address(request)]}
    changes.update({key: [None, value] for key, value in extra.items()})
    if user is not None:
        record(actor=AUTH, action=action, target=user, changes=changes)
    else:
        record(actor=AUTH, action=action, target_type="accounts.user", target_repr=username or "", changes=changes)


def locked_parameters(request: Any) -> list[str]:
    """Which of the account ("username") and the address ("ip_address") reached its limit."""
    counts = getattr(request, "shuniu_login_failures", {})
    return [name for name, limit in _limits().items() if counts.get(name, 0) >= limit]


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page of a refused login (axes' ``AXES_LOCKOUT_CALLABLE``): 429, what is locked, for how long."""
    locked = locked_parameters(request) or ["username"]
    context = {
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "account": "username" in locked,
        "address": "ip_address" in locked,
        "account_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.SHUNIU_LOGIN_ADDRESS_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=429)


def login_unlock(*, actor: Any, username: str = "", address: str = "") -> int:
    """Lift the lockout of an account and/or an address before its cool-off ends (administrators);
    returns how many records of failed logins (axes keeps one per username, address and browser) were removed."""
    actor = require_actor(actor)
    if isinstance(actor, User) and not (actor.is_superuser or actor.role == Role.ADMIN):
        raise PermissionDenied(_("只有系统管理员可以解除登录锁定"))
    if not username and not address:
        raise ValueError("login_unlock needs a username or an address")
    removed = 0
    if username:
        removed += reset(username=username)
    if address:
        removed += reset(ip=address)
    record(actor=actor, action="login.unlock", target_type="accounts.user", target_repr=username or address,
           changes={"username": [None, username or None], "address": [None, address or None],
                    "records": [removed, 0]})
    return removed


# How often at most a signed-in session's expiry is pushed back: a session save is a database
# write, which a page view should not cost every time (on SQLite it would wait for a running import).
_TOUCH_EVERY = 60


class IdleSessionMiddleware:
    """Ends a session after ``SHUNIU_SESSION_IDLE_MINUTES`` without a request (``SESSION_COOKIE_AGE``)
    and keeps an active one alive: a request by a signed-in user saves the session again, which sets
    a new expiry in the database and in the cookie, once a minute at most."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response  # API clients with a token, first visits: no session to keep alive
        session = getattr(request, "session", None)
        if session is None or session.get(SESSION_KEY) is None:
            return response
        now = int(time.time())
        if now - int(session.get("_shuniu_active", 0)) >= _TOUCH_EVERY:
            session["_shuniu_active"] = now
        return response
