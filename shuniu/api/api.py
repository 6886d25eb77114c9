"""The NinjaAPI instance: authentication, error handlers and the routers of each area."""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import Throttled
from ninja.renderers import JSONRenderer
from ninja.throttling import BaseThrottle, SimpleRateThrottle

from shuniu.api import (
    cases,
    coverage,
    development,
    errors,
    instructors,
    members,
    mobile,
    orglife,
    orgs,
    party_orgs,
    passes,
    regions,
    secretary_reports,
    transfers,
)
from shuniu.api.auth import BearerAuth, SessionAuth
from shuniu.api.common import QueryParser
from shuniu.core.cache import cache_call


class Utf8JSONRenderer(JSONRenderer):
    # Chinese as itself, not as \uXXXX escapes: readable in curl and logs, and shorter.
    json_dumps_params: dict[str, Any] = {"ensure_ascii": False}




@lru_cache(maxsize=8)
def _rate(text: str) -> tuple[int, int]:
    try:
        parsed = SimpleRateThrottle(rate=text)  # ninja's reading of "600/m"
        count, seconds = parsed.num_requests, parsed.duration
    except ValueError:
        count = seconds = None
    if not count or not seconds or count < 1:
        raise ImproperlyConfigured(f"SHUNIU_API_RATE must look like 600/m (requests/period: s, m, h, d), not {text!r}")
    return count, seconds


def _count(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (made with ``timeout`` on first use) and return it."""
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)  # another worker made it meanwhile


class TokenRateThrottle(BaseThrottle):
    """``SHUNIU_API_RATE`` requests per period for each bearer token, or each signed-in user of a session.

    A counter per fixed window in Django's cache (shared by the workers with ``REDIS_URL``), not
    ninja's ``SimpleRateThrottle``, which keeps and rewrites the time of every request of the period
    on each request: its cost would grow with the rate. A client may reach twice the rate across a
    window's edge; that is a throttle, not a quota.
    """

    def allow_request(self, request: HttpRequest) -> bool:
        limit, period = _rate(settings.SHUNIU_API_RATE)
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            ident = "t" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
        else:
            ident = f"u{getattr(request.auth, 'pk', '')}"  # type: ignore[attr-defined]
        key = f"shuniu:api-rate:{ident}:{int(time.time() // period)}"
        # An unreachable cache (Redis down) must not take the API down with it: no limit then.
        count = cache_call(_count, key, period + 5, what="API rate limit")
        return count is None or count <= limit

    def wait(self) -> float:
        _limit, period = _rate(settings.SHUNIU_API_RATE)
        return period - time.time() % period


# A mistyped SHUNIU_API_RATE stops the start (or `shuniu check`), not the first API request.
_rate(settings.SHUNIU_API_RATE)

api = NinjaAPI(
    title="shuniu",
    version="1",
    description="枢纽 · 社会组织党建管理：行政区划、社会组织、党组织、党员、党建工作指导员、覆盖统计与规则检查。"
    "认证：`Authorization: Bearer 令牌`（`shuniu adduser … --token` 生成）或登录会话（修改数据须附 CSRF 令牌）。",
    urls_namespace="api",
    docs_url="/docs",
    # The online validator badge would call validator.swagger.io: nothing may leave the intranet.
    docs=Swagger(settings={"validatorUrl": None}),
    auth=[BearerAuth(), SessionAuth()],
    throttle=[TokenRateThrottle()],
    renderer=Utf8JSONRenderer(),
    parser=QueryParser(),
)
errors.install(api)


def _per(seconds: int) -> str:
    units = {1: _("每秒"), 60: _("每分钟"), 3600: _("每小时"), 86400: _("每天")}
    return units.get(seconds) or _("每 %(n)s 秒") % {"n": seconds}


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    limit, period = _rate(settings.SHUNIU_API_RATE)
    message = _("请求过于频繁，请稍后再试（规则：每个令牌%(per)s最多 %(n)s 次请求）") % {"per": _per(period), "n": limit}
    return api.create_response(request, {"errors": [errors.item(None, "rate_limit", message)]}, status=429)

for module in (regions, orgs, party_orgs, members, instructors, coverage, cases, passes, development, mobile,
               transfers, orglife, secretary_reports):
    api.add_router("/", module.router)


# Not throttled: liveness probes come from the load balancer, often and without a token.
@api.get("/ping", auth=None, throttle=[], tags=["meta"], summary="存活检查（不访问数据库）")
def ping(request: Any) -> dict[str, str]:
    """For load balancers' liveness probes, and the API benchmark's no-database baseline: it goes
    through the same middleware and router as every route, but never touches the database."""
    return {"status": "ok"}
