"""Query strings that no page or endpoint can take, refused before any view reads them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.web.forms import shown


class QueryStringMiddleware:
    """A 400 naming the parameter for:

    - a NUL character in a parameter's name or value: PostgreSQL can neither store nor compare one
      (every lookup with it fails), and no form sends it; the pages' own forms and the API's
      schemas check their parameters too, but the admin's searches and filters do not;
    - the admin's ``_to_field`` given empty: Django 5.2 then looks up a field named "" and fails
      with a 500 (any other field it does not allow is already a 400).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The raw query string, not request.GET: these checks are not a view reading its parameters
        # (tests record which parameters each view reads).
        errors = []
        for name, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True,
                                     encoding=request.encoding or "utf-8", errors="replace"):
            if "\x00" in name or "\x00" in value:
                errors.append((shown(name), _("参数“%(name)s”含有 NUL 字符（规则：地址中的参数不能包含 NUL 字符）")
                               % {"name": shown(name)}))
            elif name == "_to_field" and value == "" and request.path.startswith(reverse("admin:index")):
                errors.append((name, _("参数“_to_field”为空（规则：给出时须为字段名）")))
        if not errors:
            return self.get_response(request)
        if request.path.startswith(reverse("api:api-root")):
            return JsonResponse({"errors": [{"field": f, "rule": "query", "message": m} for f, m in errors]},
                                status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "web/bad_query.html", {"errors": [m for _f, m in errors]}, status=400)
