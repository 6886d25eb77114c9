"""One error shape for every failure: ``{"errors": [{"field", "rule", "message"}]}``.

422: a service's ValidationError (one item per message, ``rule`` is its code) or a request that does
not match the schema; 400: a body that is not JSON; 401: no or bad credentials; 403: outside the
jurisdiction; 404: missing *or outside the scope* (the two are never told apart); 409: a write
that lost a race on a unique value; 429: too many attempts (``shuniu.core.ratelimit.RateLimited``,
e.g. too many ID numbers refused), with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from shuniu.core.ratelimit import RateLimited

NON_FIELD = "__all__"


def item(field: str | None, rule: str, message: str) -> dict[str, Any]:
    return {"field": None if field in (None, NON_FIELD) else field, "rule": rule, "message": message}


def from_django(exc: ValidationError) -> list[dict[str, Any]]:
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.error_list}
    out = []
    for field, errors in by_field.items():
        for error in errors:
            for sub in error.error_list:
                message = sub.message % sub.params if sub.params else sub.message
                out.append(item(field, sub.code or "invalid", str(message)))
    return out


# pydantic error type → (rule, message). The rule codes match those of the services where they overlap.
def _pydantic_message(kind: str, ctx: dict[str, Any], msg: str) -> tuple[str, str]:
    if kind == "missing":
        return "required", _("必填（规则：必填）")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "integer", _("须为整数（规则：整数）")
    if kind in ("float_parsing", "float_type"):
        return "number", _("须为数字（规则：数字）")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"greater_than_equal": ("≥", "ge"), "greater_than": (">", "gt"),
                 "less_than_equal": ("≤", "le"), "less_than": ("<", "lt")}[kind]
        return "range", _("取值须 %(op)s %(v)s（规则：取值范围）") % {"op": bound[0], "v": ctx.get(bound[1])}
    # A bounded Text (schemas.Text40…) reports its length after its validator, as "too_long" of a "Value".
    if kind == "string_too_long" or (kind == "too_long" and ctx.get("field_type") == "Value"):
        return "max_length", _("长度不能超过 %(n)s 个字符（规则：长度）") % {"n": ctx.get("max_length")}
    if kind == "too_long":
        return "max_length", _("不能超过 %(n)s 项（规则：长度）") % {"n": ctx.get("max_length")}
    if kind == "string_type":
        return "string", _("须为文本（规则：类型）")
    if kind.startswith("date") or kind.startswith("datetime"):
        return "date", _("不是有效日期（规则：YYYY-MM-DD）")
    if kind in ("bool_parsing", "bool_type"):
        return "boolean", _("须为 true 或 false（规则：类型）")
    if kind in ("literal_error", "enum"):
        return "choice", _("取值无效（规则：取值为 %(allowed)s 之一）") % {"allowed": ctx.get("expected", "")}
    if kind == "extra_forbidden":
        return "unknown", _("未知字段（规则：只接受文档所列字段）")
    if kind in ("list_type", "tuple_type", "set_type"):
        return "list", _("须为数组（规则：类型）")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "object", _("须为 JSON 对象（规则：类型）")
    if kind == "value_error":
        return "invalid", str(ctx.get("error", msg))
    return kind, msg


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    # ninja prefixes the source ("body", "query", "path") and, for a body, the parameter name.
    parts = list(loc[1:])
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or None


def from_ninja(exc: NinjaValidationError) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors:
        rule, message = _pydantic_message(error.get("type", ""), error.get("ctx") or {}, error.get("msg", ""))
        out.append(item(_field(error.get("loc", ())), rule, message))
    return out


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, errors: list[dict[str, Any]]) -> HttpResponse:
        return api.create_response(request, {"errors": errors}, status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 422, from_django(exc))

    @api.exception_handler(NinjaValidationError)
    def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, 422, from_ninja(exc))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, [item(None, "permission", str(exc) or _("您无权执行此操作"))])

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        # A subclass of PermissionDenied (so that pages show its message on the form): answered here first.
        response = respond(request, 429, [item(None, "rate_limit", exc.message)])
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, [item(None, "not_found", _("对象不存在或不在您的管辖范围内"))])

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return not_found(request, exc)

    @api.exception_handler(IntegrityError)
    def conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # The services check uniqueness first; this is only reached when two writes race.
        return respond(request, 409, [item(None, "conflict", _("与同时进行的另一项修改冲突，请重试"))])

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401, [item(None, "authentication", _(
            "未登录或令牌无效（规则：须提供有效的 Authorization: Bearer 令牌或登录会话）"))])
        response["WWW-Authenticate"] = 'Bearer realm="shuniu"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # ninja raises this for a body it cannot parse.
            return respond(request, 400, [item(None, "malformed", _("请求体不是有效的 JSON（规则：请求体须为 JSON）"))])
        return respond(request, exc.status_code, [item(None, "http", str(exc))])
