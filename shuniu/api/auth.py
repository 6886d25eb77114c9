"""Who is calling: a bearer token (other systems) or the Django session (pages, the docs page)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from shuniu.accounts.scopes import Scope
from shuniu.accounts.services import token_user


class BearerAuth(HttpBearer):
    """``Authorization: Bearer TOKEN``, a token made by ``shuniu adduser ... --token``."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        # A wrong token is refused outright, never quietly replaced by a session the browser may hold.
        user = self.authenticate(request, token.strip())
        if user is None:
            raise AuthenticationError()
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return token_user(token) if token else None


class SessionAuth(APIKeyCookie):
    """The logged-in user of the Django session, with Django's CSRF check for unsafe methods.

    Unlike ninja's ``django_auth`` the CSRF check runs only once a session user is found, so that
    a request without any credentials gets 401, not a CSRF 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise PermissionDenied(_("CSRF 校验失败（规则：使用登录会话修改数据时须附 X-CSRFToken 请求头）"))
        return user


def scope_of(request: HttpRequest) -> Scope:
    """The scope of the authenticated caller, computed once per request."""
    scope = getattr(request, "_shuniu_scope", None)
    if scope is None:
        scope = Scope.for_user(getattr(request, "auth", None))
        request._shuniu_scope = scope  # type: ignore[attr-defined]
    return scope
