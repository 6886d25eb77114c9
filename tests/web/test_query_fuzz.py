"""Bad query parameters answer 400 with a message naming the parameter, the value and the rule, or
a list (empty, or the last page); a region outside the jurisdiction is a 404, as on the region
pages. Never a 500.

First the answers, one test each: the five server errors issue 11 named, and each rule of the
pages' filter forms (``shuniu/web/forms.py``) and of the API. Then a fuzz of every GET route:

- the routes are found in the URL resolver (``tests/access/routes.py``), their path parameters
  filled with objects of the access matrix's world inside each persona's jurisdiction;
- a route's query parameters are found three ways: the filter form its view declares
  (``query_form``, see ``shuniu.web.views.common.takes_query``), the fields of the GET forms and the
  query strings of the links in the page it renders, and the parameters the view reads from
  request.GET (recorded as the access matrix records them); the API's come from its OpenAPI schema
  and the admin's from Django's own names for them;
- each parameter is swept with one value of each shape as the administrator; then hypothesis sends
  values of many shapes (text, unicode, digits, huge and negative integers, empty, NUL, 10 kB)
  alone, repeated and in combination, derandomized so that a run is reproducible, as an
  administrator, a district officer and a branch secretary, in Chinese and in English;
- every answer must be below 500 with no exception raised or logged, and a page's 400 must name
  the rule broken in the user's language (the API's: be in its error format).

The API's query parameters are also fuzzed from its schema by schemathesis (tests/api/test_schemathesis.py).
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.views import main as admin_main
from django.core.handlers.wsgi import WSGIRequest, get_bytes_from_wsgi
from django.core.signals import got_request_exception
from django.http import QueryDict
from django.test import Client
from django.urls import resolve
from django.utils.functional import cached_property
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.web.forms import ChoiceQuery, FilterForm, FlagQuery, ListQuery, QueryField
from tests.access.routes import Route, Rule, all_routes, build_url, rule_for
from tests.access.test_matrix import ReadingQueryDict, fills, id_param
from tests.access.world import REGION_OF, World, rolled_back_world
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, ZHONGLOU

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "zhonglou", "secretary")
LANGUAGES = ("zh-hans", "en")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with rolled_back_world(django_db_blocker) as built:
        yield built


def page_client(world: World, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.users[persona])
    return client


def rows(response: Any) -> int:
    return len(response.context["page"].object_list)


# ---- the answers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "param", "message"), [
    ("/orgs/?hub=abc", "hub", "筛选条件“hub”的值“abc”无效（规则：须为枢纽编号）"),
    ("/members/?region=0", "region", "筛选条件“region”的值“0”无效（规则：须为 2、4、6、9 或 12 位数字的地区代码）"),
    ("/members/?workplace=99999999999999999999999", "workplace",
     "筛选条件“workplace”的值“99999999999999999999999”无效（规则：须为社会组织编号）"),
    ("/orgs/?by=region&key=1", "by",
     "筛选条件“by”的值“region”无效（规则：取值为 level、type、industry、hub、supervisory、registration 之一）"),
    ("/party/?region=0", "region", "筛选条件“region”的值“0”无效（规则：须为 2、4、6、9 或 12 位数字的地区代码）"),
])
def test_the_server_errors_of_issue_11_are_400s_naming_parameter_value_and_rule(world, url, param, message):
    response = page_client(world, "admin").get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    # Shown again: the filter form, and the error listed where the results would be.
    assert 'method="get"' in page and "data-filter-errors" in page
    assert response.context["form"].errors[param] == [message]


def test_the_error_stands_under_its_field_in_the_form_shown_again(world):
    page = page_client(world, "admin").get("/orgs/?type=nonsense&q=荷花池").content.decode()
    select = page[page.index('name="type"'):]
    assert select.index("筛选条件“type”的值“nonsense”无效") < select.index("</label>")
    assert 'value="荷花池"' in page  # the valid filters are kept


def test_htmx_gets_the_errors_in_place_of_the_results(world):
    response = page_client(world, "admin").get("/members/?status=gone", headers={"HX-Request": "true"})
    assert response.status_code == 400
    partial = response.content.decode()
    assert "<html" not in partial and "筛选条件“status”的值“gone”无效（规则：取值为 full、probationary 之一）" in partial


def test_the_message_is_in_the_users_language(world):
    client = page_client(world, "admin")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = html.unescape(client.get("/orgs/?hub=abc").content.decode())
    assert 'Filter "hub" has an invalid value "abc" (rule: must be a hub id)' in page


@pytest.mark.parametrize(("query", "rule"), [
    ({"page": "-1"}, "须为正整数页码"), ({"page": "1.5"}, "须为正整数页码"), ({"page": "9" * 30}, "须为正整数页码"),
    ({"q": "测" * 101}, "不超过 100 个字符"), ({"q": "a\tb"}, "不能包含控制字符"),
    ({"status": "own,nothing"}, "取值为 own、joint、instructor、mass_org、none 中的一个或几个，以逗号分隔"),
    ({"due": "yes"}, "取值为 1 或 0"), ({"hub": "0"}, "须为枢纽编号"), ({"hub": "９"}, "须为枢纽编号"),
    ({"hub": str(2**63)}, "须为枢纽编号"), ({"region": "１１０１０５"}, "须为 2、4、6、9 或 12 位数字的地区代码"),
    ({"sort": "password"}, "取值为 name、"), ({"format": "pdf"}, "取值为 csv、xlsx 之一"),
    ({"by": "hub", "key": "abc"}, "须为枢纽编号"), ({"by": "type", "key": "club"}, "取值为 social_group、"),
    ({"key": "1"}, "筛选条件“key”须与“by”一同给出"), ({"by": "level", "key": "1"}, "筛选条件“key”须与“by”一同给出"),
    ({"hub": ["1", "2"]}, "筛选条件“hub”给出了多个不同的值（规则：只能有一个值）"),
])
def test_each_rule_of_the_org_list_is_a_400_naming_it(world, query, rule):
    response = page_client(world, "admin").get("/orgs/", query)
    assert response.status_code == 400 and rule in response.content.decode()


@pytest.mark.parametrize("query", [
    {"hub": "1", "workplace": "x"},  # a parameter the page does not take is ignored
    {"status": "own,joint", "due": "0", "type": "", "q": "  "},  # empty values are filters not set
    {"hub": ["7", "7"]},  # repeated with the same value
    {"by": "type"},  # a coverage table's total row: the dimension without a key
])
def test_values_of_the_right_shape_give_a_list(world, query):
    assert page_client(world, "admin").get("/orgs/", query).status_code == 200


def test_a_page_past_the_last_is_the_last_and_the_largest_id_finds_nothing(world):
    client = page_client(world, "admin")
    page = client.get("/orgs/", {"page": "999"}).context["page"]
    assert page.number == page.paginator.num_pages == 1 and len(page.object_list) > 0
    assert rows(client.get("/orgs/", {"by": "hub", "key": str(2**63 - 1)})) == 0
    assert rows(client.get("/members/", {"workplace": str(2**63 - 1)})) == 0


def test_an_id_outside_the_jurisdiction_finds_nothing_a_region_outside_it_is_a_404(world):
    client = page_client(world, "zhonglou")
    inside, outside = world["branch_org"], world["cy_org"]
    assert rows(client.get("/members/", {"workplace": inside.pk})) == 1
    assert rows(client.get("/members/", {"workplace": outside.pk})) == 0
    assert rows(client.get("/orgs/", {"hub": world["cy_hub"].pk})) == 0
    for url in ("/orgs/", "/members/", "/party/", "/instructors/"):
        assert client.get(url, {"region": HEHUACHI}).status_code == 200
        assert client.get(url, {"region": CHAOYANG}).status_code == 404, url
        assert client.get(url, {"region": "999999"}).status_code == 404, url  # no such region


def test_a_picker_search_that_cannot_match_lists_nothing_and_says_why(world):
    response = page_client(world, "admin").get("/pick/org/", {"q": "x" * 101})
    assert response.status_code == 200
    assert f"筛选条件“q”的值“{'x' * 40}…”无效（规则：不超过 100 个字符）" in response.content.decode()
    assert page_client(world, "admin").get("/pick/nothing/", {"q": "x" * 101}).status_code == 404


def test_a_link_that_prefills_a_form_with_a_bad_value_shows_the_form_without_it(world):
    client = page_client(world, "admin")
    org = world["branch_org"]
    good = client.get("/coverage/new/", {"org": org.pk})
    assert good.status_code == 200 and good.context["form"].initial["org"] == str(org.pk)
    bad = client.get("/coverage/new/", {"org": "abc", "party_org": world["branch"].pk})
    assert bad.status_code == 400
    assert "筛选条件“org”的值“abc”无效（规则：须为社会组织编号）" in bad.content.decode()
    assert "org" not in bad.context["form"].initial and bad.context["form"].initial["party_org"] == str(world["branch"].pk)
    assert client.get("/party/new/", {"kind": "club"}).status_code == 400
    # The form still saves: the query string of its address is not read on POST.
    assert client.post("/members/new/?workplace=abc", {}).status_code == 200


def test_an_export_with_a_bad_region_is_a_400_naming_it(world):
    response = page_client(world, "zhonglou").get("/imports/exports/orgs.csv", {"region": "32x"})
    assert response.status_code == 400
    assert "筛选条件“region”的值“32x”无效（规则：须为 2、4、6、9 或 12 位数字的地区代码）" in response.content.decode()


def test_a_nul_character_anywhere_in_a_query_is_a_400_page_or_api_alike(world):
    client = page_client(world, "admin")
    for url in ("/orgs/", "/admin/registry/socialorg/", "/login/", "/api/v1/orgs"):
        response = client.get(url, {"q": "a\x00b"})
        assert response.status_code == 400, url
        assert "参数“q”含有 NUL 字符（规则：地址中的参数不能包含 NUL 字符）" in response.content.decode(), url
    assert client.get("/api/v1/orgs", {"q\x00": "1"}).json()["errors"][0]["rule"] == "query"


def test_an_empty_admin_to_field_is_a_400_as_any_other_it_does_not_allow(world):
    client = page_client(world, "admin")
    url = f"/admin/registry/socialorg/{world['branch_org'].pk}/change/"
    response = client.get(url, {"_to_field": ""})
    assert response.status_code == 400
    assert "参数“_to_field”为空" in response.content.decode()
    refused = client.get(url, {"_to_field": "password"})  # Django's own refusal, with our 400 page
    assert refused.status_code == 400 and "请求无效" in refused.content.decode()


def api_client(world: World, persona: str) -> Client:
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {world.tokens[persona]}"})


@pytest.mark.parametrize(("url", "field", "rule", "message"), [
    ("/api/v1/orgs?hub=9223372036854775808", "hub", "range", "取值须 ≤ 9223372036854775807（规则：取值范围）"),
    ("/api/v1/members?region=0", "region", "region", "地区代码“0”格式不正确（规则：2、4、6、9 或 12 位数字）"),
    ("/api/v1/orgs?ordering=password", "ordering", "choice", "取值无效"),
    ("/api/v1/coverage?by=region", "by", "choice", "取值无效"),
    ("/api/v1/orgs?q=" + "x" * 101, "q", "max_length", "长度不能超过 100 个字符（规则：长度）"),
    ("/api/v1/orgs?limit=1&limit=2", "limit", "repeated", "参数“limit”给出了多个不同的值（规则：只能有一个值）"),
])
def test_the_api_refuses_a_bad_query_in_its_error_format(world, url, field, rule, message):
    response = api_client(world, "zhonglou").get(url)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == (field, rule) and message in error["message"]


def test_the_api_takes_a_repeated_list_parameter_and_a_repeated_equal_value(world):
    client = api_client(world, "admin")
    assert client.get("/api/v1/findings?rule=ESTABLISH&rule=JOINT").status_code == 200
    assert client.get("/api/v1/orgs?limit=2&limit=2").json()["limit"] == 2


# ---- finding every route's query parameters ------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def _reading_query_dicts() -> Iterator[None]:
    """request.GET records the parameters a view reads (as in the access matrix)."""
    def get(request: WSGIRequest) -> QueryDict:
        return ReadingQueryDict(get_bytes_from_wsgi(request.environ, "QUERY_STRING", ""), encoding=request._encoding)

    original = WSGIRequest.__dict__["GET"]
    prop = cached_property(get)
    prop.__set_name__(WSGIRequest, "GET")
    WSGIRequest.GET = prop  # type: ignore[method-assign,assignment]
    yield
    WSGIRequest.GET = original  # type: ignore[method-assign]


class PageParameters(HTMLParser):
    """The parameters a rendered page offers for its own address: the fields of its GET forms
    (with their options' and values' samples) and the query strings of links and htmx requests to it."""

    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.found: dict[str, set[str]] = {}
        self.forms: list[bool] = []  # whether each open form is a GET form to this page
        self.select: str | None = None

    def add(self, name: str, value: str | None) -> None:
        values = self.found.setdefault(name, set())
        if value:
            values.add(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            action = urlsplit(a.get("action") or self.path).path or self.path
            self.forms.append((a.get("method") or "get").lower() == "get" and action == self.path)
        in_get_form = bool(self.forms) and self.forms[-1]
        if in_get_form and tag in ("input", "select", "textarea") and a.get("name"):
            self.add(str(a["name"]), a.get("value"))
            self.select = str(a["name"]) if tag == "select" else None
        if in_get_form and tag == "option" and self.select:
            self.add(self.select, a.get("value"))
        for attr in ("href", "hx-get"):
            target = a.get(attr)
            if target and "?" in target:
                parts = urlsplit(target)
                if parts.path in ("", self.path):
                    for name, value in parse_qsl(parts.query, keep_blank_values=True):
                        self.add(name, value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.forms:
            self.forms.pop()
        if tag == "select":
            self.select = None


def spec_parameters(form_class: type[FilterForm]) -> dict[str, set[str]]:
    """A view's declared parameters, with valid values of each (choices, both flags)."""
    out: dict[str, set[str]] = {}
    for name, f in form_class.base_fields.items():
        if isinstance(f, (ChoiceQuery, ListQuery)):
            out[name] = set(f.choices)
        elif isinstance(f, FlagQuery):
            out[name] = {"0", "1"}
        else:
            assert isinstance(f, QueryField), f"{form_class.__name__}.{name} is not a QueryField"
            out[name] = set()
    return out


@functools.cache
def openapi() -> dict[str, Any]:
    from shuniu.api.api import api

    return api.get_openapi_schema()


def api_parameters(route: Route) -> dict[str, set[str]]:
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)
    operation = openapi()["paths"].get(path, {}).get("get", {})
    out: dict[str, set[str]] = {}
    for p in operation.get("parameters", []):
        if p["in"] == "query":
            schema = p.get("schema", {})
            enum = schema.get("enum") or [e for s in schema.get("anyOf", []) for e in s.get("enum", [])]
            out[p["name"]] = {str(v) for v in enum}
    return out


ADMIN_PARAMETERS = {name: set() for name in (
    admin_main.ALL_VAR, admin_main.ORDER_VAR, admin_main.PAGE_VAR, admin_main.SEARCH_VAR, admin_main.ERROR_FLAG,
    admin_main.IS_POPUP_VAR, admin_main.TO_FIELD_VAR, admin_main.IS_FACETS_VAR)}


@dataclass
class Target:
    persona: str
    url: str
    api: bool
    params: dict[str, set[str]] = field(default_factory=dict)
    #: the route's own query variants (tests/access/routes.py), which the fuzzed parameters join
    base: dict[str, str] = field(default_factory=dict)


def _path_fills(world: World, persona: str, route: Route, rule: Rule) -> list[dict[str, str]]:
    param = id_param(route, rule)
    out = []
    for fill in fills(world, persona, route, rule):
        if param is None:
            out.append(fill)
        elif rule.obj == "region_code":
            out.append({**fill, param: REGION_OF.get(persona) or ZHONGLOU})
        elif rule.obj is not None:
            obj = world.first_inside(persona, rule.obj) or next(iter(world.outside(persona, rule.obj)), None)
            if obj is not None:
                out.append({**fill, param: str(obj.pk)})
    return out


def targets(world: World, route: Route) -> list[Target]:
    """The route as each persona (with each value of its path parameters), with its parameters:
    found on the first value of the path's parameters (their other values are alike: a picker's
    or an export's kinds)."""
    rule = rule_for(route)
    assert rule is not None, f"{route.key} has no rule in tests/access/routes.py"
    out = []
    for persona in PERSONAS:
        paths = [build_url(route, fill) for fill in _path_fills(world, persona, route, rule)]
        if not paths:
            continue
        response = page_client(world, persona).get(paths[0], dict(rule.queries[0]))
        assert response.status_code < 500, f"{persona} GET {paths[0]}: {response.status_code}"
        params: dict[str, set[str]] = {}

        def merge(found: dict[str, set[str]], params: dict[str, set[str]] = params) -> None:
            for name, values in found.items():
                params.setdefault(name, set()).update(values)

        form_class = getattr(resolve(urlsplit(paths[0]).path).func, "query_form", None)
        if form_class is not None:
            merge(spec_parameters(form_class))
        if "html" in response.get("Content-Type", ""):
            parser = PageParameters(urlsplit(paths[0]).path)
            parser.feed(response.content.decode())
            merge(parser.found)
        read = getattr(response.wsgi_request.GET, "read", set())
        merge({name: set() for name in read if name != "*"})
        if rule.api:
            merge(api_parameters(route))
        elif rule.admin and "*" in read:
            merge(ADMIN_PARAMETERS)
        out.extend(Target(persona, path, rule.api, params, dict(base)) for path in paths for base in rule.queries)
    return out


# ---- the values ------------------------------------------------------------------------------------------

# Values of many shapes, by kind: each kind is drawn about as often as the others, so that every
# example is likely to carry an unusual one.
SHAPES: dict[str, list[str]] = {
    "empty": ["", " ", "\u3000", "\t", "\n"],
    "nul and invisible": ["\x00", "a\x00b", "\x00" * 3, "\x7f", "\u200b", "\ufeff", "\u202e"],
    "big and negative": ["9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
                         "-1", "0", "1" * 400, "1e3", "1.5", "+1", "0x1F", "NaN", "-0"],
    "digits that are not ASCII": ["１２", "٣", "²", "Ⅻ", "११"],
    "long": ["x" * 10240, "测" * 3000],
    "dates": ["2024-02-30", "2024-13-01", "0000-00-00", "9999-12-31", "0001-01-01", "1900-01-01", "2024-1-1"],
    "region codes": ["32", "3204", ZHONGLOU, HEHUACHI, "320404006001", "320404000000", JIANWAI, CHAOYANG, "000000", "99",
                     "3204040", "11010500100"],
    "syntax": ["abc", "null", "true", "[]", "{}", "'", '"', "%", "%00", "\\", "../", "<script>", "a,b", ",", "own,,",
               "-name", "name;DROP TABLE x", "__all__", "pk", "id"],
}


def value_strategy(samples: set[str]) -> st.SearchStrategy[str]:
    parts = [st.sampled_from(values) for values in SHAPES.values()]
    parts += [
        st.text(max_size=20),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.from_regex(r"[0-9]{1,24}", fullmatch=True),
    ]
    if samples:
        parts.append(st.sampled_from(sorted(samples)))
    return st.one_of(*parts)


def query_strategy(params: dict[str, set[str]]) -> st.SearchStrategy[dict[str, list[str]]]:
    names = [*sorted(params), "zz_unknown"]

    def pair(name: str) -> st.SearchStrategy[tuple[str, list[str]]]:
        one = value_strategy(params.get(name, set()))
        return st.tuples(st.just(name), st.one_of(one.map(lambda v: [v]), st.lists(one, min_size=2, max_size=3)))

    def as_query(pairs: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, values in pairs:
            out.setdefault(name, []).extend(values)
        return out

    return st.lists(st.sampled_from(names).flatmap(pair), min_size=1, max_size=4).map(as_query)


# ---- the fuzz -----------------------------------------------------------------------------------------------

class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@pytest.fixture(scope="module")
def exceptions() -> Iterator[list[str]]:
    """Exceptions raised by any view, and errors logged anywhere, while the fuzz runs."""
    found: list[str] = []
    handler = Errors()

    def on_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
        import sys

        found.append(f"{request.get_full_path()[:200] if request else ''}: {sys.exc_info()[1]!r}")

    got_request_exception.connect(on_exception, weak=False, dispatch_uid="query-fuzz")
    logging.getLogger().addHandler(handler)
    yield found
    logging.getLogger().removeHandler(handler)
    got_request_exception.disconnect(dispatch_uid="query-fuzz")
    found.extend(handler.records)


def check(target: Target, query: dict[str, list[str]], response: Any, language: str, raised: list[str]) -> None:
    what = f"{target.persona} ({language}) GET {target.url} {query!r}"[:600]
    assert response.status_code < 500, f"{what}: {response.status_code}"
    assert not raised, f"{what}: {raised}"
    if response.status_code not in (400, 422):
        return
    body = response.content.decode()
    if target.api:
        errors = json.loads(body)["errors"]
        assert errors and all(set(e) == {"field", "rule", "message"} and e["message"] for e in errors), what
    elif not target.url.startswith("/admin/"):
        # A page's 400 names the rule broken, in the user's language.
        assert ("（规则：" if language == "zh-hans" else "(rule: ") in body, f"{what}: {body[:2000]}"


ROUTES = [r for r in all_routes() if (rule := rule_for(r)) is not None and rule.method == "GET"]


# The admin's views are alike from one model to the next: one model's are fuzzed in depth, the
# others' lightly (their changelists a little more: each has its own filters).
ADMIN_MODEL = "registry_socialorg"


def _examples(route: Route, found: list[Target]) -> int:
    """Examples in proportion to what there is to find: a route that takes no parameter is only
    sent unknown ones."""
    rule = rule_for(route)
    assert rule is not None
    if not any(t.params for t in found):
        return 3
    view = re.match(r"admin:(\w+?)_(changelist|add|history|delete|change)$", route.key)
    if view and view[1] != ADMIN_MODEL:
        return 8 if view[2] == "changelist" else 3
    return 20 if rule.api or rule.admin else 25


# One value of each shape, on each parameter alone, as the administrator (who reaches the most
# code): what hypothesis could miss within its budget (one parameter of eight, one shape of twelve).
SWEEP: list[str | list[str]] = [
    "", " ", "0", "-1", "1.5", "abc", "２", "²", "9223372036854775808", "99999999999999999999999", "3204040",
    "2024-02-30", "a,b", "-name", "x" * 10240, "\x00", ["1", "2"]]


def _swept(route: Route, target: Target) -> list[str]:
    view = re.match(r"admin:(\w+?)_(changelist|add|history|delete|change)$", route.key)
    if view and view[1] != ADMIN_MODEL:
        return sorted(p for p in target.params if p not in ADMIN_PARAMETERS and not p.startswith("_"))
    return sorted(target.params)


@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_no_query_gives_a_server_error(world: World, exceptions: list[str], route: Route) -> None:
    found = targets(world, route)
    clients = {persona: page_client(world, persona) for persona in PERSONAS}
    swept = set()
    for target in found:
        if target.persona != "admin" or target.url in swept:
            continue
        swept.add(target.url)
        for name in _swept(route, target):
            for value in SWEEP:
                query = {name: value if isinstance(value, list) else [value]}
                before = len(exceptions)
                response = clients["admin"].get(target.url, {**target.base, **query})
                check(target, query, response, "zh-hans", exceptions[before:])

    @settings(max_examples=_examples(route, found), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(found), label="target")
        query = data.draw(query_strategy(target.params), label="query")
        language = data.draw(st.sampled_from(LANGUAGES), label="language")
        client = clients[target.persona]
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        before = len(exceptions)
        response = client.get(target.url, {**target.base, **query})
        check(target, query, response, language, exceptions[before:])

    if found:
        run()


def test_the_fuzz_finds_the_parameters_of_each_kind_of_page(world: World) -> None:
    """The three ways of finding parameters each work (so the fuzz reaches what a page takes)."""
    by_key = {r.key: r for r in ROUTES}
    orgs = {t.persona: t for t in targets(world, by_key["org_list"])}["admin"].params
    assert {"q", "region", "status", "hub", "by", "key", "page", "format"} <= set(orgs)  # the declared form
    assert {"own", "own,joint"} <= orgs["status"] and ZHONGLOU[:2] in orgs["region"]  # the form's options
    api = targets(world, by_key["api:list_members"])[0].params
    assert {"workplace", "region", "ordering", "limit", "offset"} <= set(api) and "-name" in api["ordering"]
    admin = targets(world, by_key["admin:registry_socialorg_changelist"])[0].params
    assert {"q", "o", "p", "_to_field"} <= set(admin) and any("__exact" in name for name in admin)
