"""The NinjaAPI instance: authentication, error handlers and the routers of each area."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from shuniu.api import coverage, errors, instructors, members, orgs, party_orgs, regions
from shuniu.api.auth import BearerAuth, SessionAuth
from shuniu.api.common import QueryParser


class Utf8JSONRenderer(JSONRenderer):
    # Chinese as itself, not as \uXXXX escapes: readable in curl and logs, and shorter.
    json_dumps_params: dict[str, Any] = {"ensure_ascii": False}


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
    renderer=Utf8JSONRenderer(),
    parser=QueryParser(),
)
errors.install(api)

for module in (regions, orgs, party_orgs, members, instructors, coverage):
    api.add_router("/", module.router)


@api.get("/ping", auth=None, tags=["meta"], summary="存活检查（不访问数据库）")
def ping(request: Any) -> dict[str, str]:
    """For load balancers' liveness probes, and the API benchmark's no-database baseline: it goes
    through the same middleware and router as every route, but never touches the database."""
    return {"status": "ok"}
