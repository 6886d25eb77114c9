"""The access matrix: every route (pages, imports, REST API, admin) as every persona.

For each persona × route it asserts that nothing outside the persona's jurisdiction can be read
or written: objects outside answer 403/404 (never 200, never 5xx); lists, searches, exports and
pickers never contain an outside object's name, USCC or numbers, whatever is searched for; writes
to outside objects, or reaching outside from inside ones, are refused and leave the database as it
was. It also asserts that the same route works inside the scope (200, and a search finds what it
should), so the matrix cannot pass by refusing everything. Full ID and phone numbers appear only in
details, and only for roles that may see them.

The world (tests/access/world.py) is built once for the module, in a transaction rolled back at
the end; each test runs in a savepoint of its own, so a write that wrongly succeeds is undone.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.handlers.wsgi import WSGIRequest, get_bytes_from_wsgi
from django.http import HttpResponseBase, QueryDict
from django.test import Client
from django.utils.functional import cached_property
from openpyxl import load_workbook

from shuniu.accounts.scopes import Scope, can_see_personal_data
from tests.access.routes import (
    Route,
    Rule,
    all_routes,
    build_url,
    missing_rules,
    rule_for,
)
from tests.access.world import PERSONAS, REGION_OF, World, rolled_back_world, snapshot
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, XILIN, ZHONGLOU

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
DENIED = {403, 404, 405}
# Region codes outside each region scope (for the region browser): the other district, and for a
# street officer its own district, whose figures include the other streets.
REGIONS_OUTSIDE = {
    "beijing_city": [ZHONGLOU, HEHUACHI, "32"], "chaoyang": [ZHONGLOU, HEHUACHI, "1101", "11"],
    "zhonglou": [CHAOYANG, JIANWAI, "32"], "hehuachi_street": [XILIN, ZHONGLOU],
    "secretary": [HEHUACHI, ZHONGLOU], "hub_staff": [HEHUACHI, ZHONGLOU], "instructor": [HEHUACHI, ZHONGLOU],
    "admin": [],
}


class ReadingQueryDict(QueryDict):
    """request.GET that remembers which parameters the view read ("*" when it read them all), so
    the probes go to the parameters a route actually takes: a filter added to a view tomorrow is
    probed without anyone listing it here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()
        self._recording = True

    def _mark(self, key: str) -> None:
        if getattr(self, "_recording", False):
            self.read.add(key)

    def __getitem__(self, key: str) -> Any:
        self._mark(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._mark(str(key))
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._mark(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> Any:
        self._mark(key)
        return super().getlist(key, default)

    def items(self) -> Any:
        self._mark("*")
        return super().items()

    def lists(self) -> Any:
        self._mark("*")
        return super().lists()

    def keys(self) -> Any:
        self._mark("*")
        return super().keys()

    def __iter__(self) -> Any:
        self._mark("*")
        return super().__iter__()

    def _quietly(self, fn: Callable[[], Any]) -> Any:
        # Copying the query (pagination links) or encoding it is not reading a filter.
        recording, self._recording = getattr(self, "_recording", False), False
        try:
            return fn()
        finally:
            self._recording = recording

    def copy(self) -> Any:
        return self._quietly(super().copy)

    def urlencode(self, safe: str | None = None) -> str:
        return self._quietly(lambda: QueryDict.urlencode(self, safe))


@pytest.fixture(scope="module", autouse=True)
def _reading_query_dicts() -> Iterator[None]:
    def get(request: WSGIRequest) -> QueryDict:
        return ReadingQueryDict(get_bytes_from_wsgi(request.environ, "QUERY_STRING", ""),
                                encoding=request._encoding)

    original = WSGIRequest.__dict__["GET"]
    prop = cached_property(get)
    prop.__set_name__(WSGIRequest, "GET")
    WSGIRequest.GET = prop  # type: ignore[method-assign,assignment]
    yield
    WSGIRequest.GET = original  # type: ignore[method-assign]


def params_read(response: HttpResponseBase) -> set[str]:
    query = response.wsgi_request.GET  # type: ignore[attr-defined]
    return getattr(query, "read", {"*"})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with rolled_back_world(django_db_blocker) as built:
        yield built


def client_for(world: World, persona: str, *, api: bool) -> Client:
    if api:
        return Client(headers={"Authorization": f"Bearer {world.tokens[persona]}"})
    client = Client()
    client.force_login(world.users[persona])
    return client


# ---- reading responses --------------------------------------------------------------------------

def text_of(response: HttpResponseBase) -> str:
    """Everything a response shows: body (HTML, JSON, CSV, every cell of an xlsx) and headers that
    carry names (Location, Content-Disposition)."""
    parts = [unquote(response.get("Location", "")), unquote(response.get("Content-Disposition", ""))]
    data = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    if data[:2] == b"PK":
        book = load_workbook(io.BytesIO(data), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                parts.extend(str(c) for c in row if c is not None)
        book.close()
        return "\n".join(parts)
    text = data.decode("utf-8-sig", errors="replace")
    parts.append(text)
    if "json" in response.get("Content-Type", "") and text:
        # JSON may escape Chinese as \uXXXX: read it back to compare text, not bytes.
        parts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return "\n".join(parts)


# Query parameters a page may echo back (a search box keeps what was typed). A probe that searches
# for an outside name may find that name echoed, as often as a search for a sentinel echoes it.
# Codes are echoed in more places than names (links keep ASCII readable), so each kind of value
# has its own sentinel.
ECHOED = {"q": ("哨兵无此名称", "ZZ9SENTINEL0000000"), "term": ("哨兵无此名称",), "id_number": ("110105199901019999",)}


def echo_count(client: Client, url: str, query: Mapping[str, str], param: str, ascii_value: bool) -> int:
    """How often the route shows back a value of ``param`` that matches nothing (its sentinel)."""
    sentinel = next((v for v in ECHOED[param] if v.isascii() == ascii_value), ECHOED[param][0])
    return text_of(client.get(url, {**query, param: sentinel})).count(sentinel)


def assert_clean(response: HttpResponseBase, forbidden: Mapping[str, str], what: str,
                 probe: Mapping[str, str] | None = None, echo: Callable[[str, bool], int] | None = None) -> str:
    """No forbidden text in the response; ``echo(param, ascii)`` (asked only if some is found)
    tells how often the route echoes a value of a probed parameter, which may account for it."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    text = text_of(response)
    found = {t: why for t, why in forbidden.items() if t in text}
    if found and probe and echo is not None:
        found = {t: why for t, why in found.items()
                 if text.count(t) > sum(echo(p, v.isascii()) * v.count(t)
                                        for p, v in probe.items() if p in ECHOED and t in v)}
    leaks = [f"{t!r} ({why})" for t, why in found.items()]
    assert not leaks, f"{what} answered {response.status_code} containing " + "; ".join(leaks)
    return text


def not_typed(forbidden: Mapping[str, str], payload: Mapping[str, Any]) -> dict[str, str]:
    """What a form may show back is what was typed into it (a mistyped code, say): only the rest counts."""
    typed = [str(v) for v in payload.values()]
    return {t: why for t, why in forbidden.items() if not any(t in v for v in typed)}


def denied(route: Route, response: HttpResponseBase, *, api: bool) -> bool:
    if response.status_code in DENIED or (api and response.status_code == 422):
        return True
    if response.status_code == 302 and response["Location"] == response.wsgi_request.path + "change/":
        return True  # the admin's /<id>/ is a plain redirect to /<id>/change/, which is checked on its own
    # The admin answers an object it cannot find (outside the scope) with a redirect to its index.
    return route.key.startswith("admin") and response.status_code == 302 and response["Location"] == "/admin/"


def assert_unchanged(before: dict[str, Any], what: str) -> None:
    after = snapshot()
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"{what} changed {changed}"


# ---- requests -----------------------------------------------------------------------------------

def send(client: Client, method: str, url: str, data: Mapping[str, Any] | None = None, *, api: bool) -> Any:
    data = dict(data or {})
    if method == "GET":
        return client.get(url, data)
    if api:
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    if method == "POST":
        return client.post(url, data)
    return client.generic(method, url, "")


def fills(world: World, persona: str, route: Route, rule: Rule) -> list[dict[str, str]]:
    """Values for the route's parameters other than the object id (their cartesian product)."""
    names = [p for p in route.params if p in rule.values]
    choices = []
    for name in names:
        values = rule.values[name]
        choices.append(list(values(world, persona) if callable(values) else values))
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


def id_param(route: Route, rule: Rule) -> str | None:
    return next((p for p in route.params if p not in rule.values), None)


def probes(world: World, persona: str) -> list[dict[str, str]]:
    """Query parameters that look for the nearest objects outside the scope: searches by name,
    USCC and ID number, filters by their ids and by a region outside."""
    out: list[dict[str, str]] = []
    targets = {k: world.target(persona, k) for k in ("org", "party_org", "member", "instructor", "hub")}
    org, party, member, hub = targets["org"], targets["party_org"], targets["member"], targets["hub"]
    if org is not None:  # first: the variants of a route are probed with these two only
        out += [{"q": org.markers[0]}, {"q": org.markers[1]}, {"term": org.markers[0]}]
    for obj in (party, member, targets["instructor"], hub):
        if obj is not None:
            out.append({"q": obj.markers[0]})
    if member is not None:
        out.append({"id_number": member.personal[0]})
    ids = {}
    if org is not None:
        ids.update(workplace=str(org.pk), org=str(org.pk))
    if party is not None:
        ids.update(party_org=str(party.pk), relation_org=str(party.pk))
        out.append({"superior": str(party.pk)})
    if hub is not None:
        ids["hub"] = str(hub.pk)
    if ids:
        out.append(ids)
    for code in REGIONS_OUTSIDE[persona][:2]:
        out.append({"region": code})
    return out


# ---- the matrix ---------------------------------------------------------------------------------

def check_list(world: World, persona: str, route: Route, rule: Rule, client: Client) -> None:
    forbidden = world.forbidden_text(persona, listing=True)
    for fill in fills(world, persona, route, rule):
        url = build_url(route, fill)
        should_work = rule.works(persona, fill)
        for n, query in enumerate(rule.queries):
            what = f"{persona} GET {url}?{query}"
            response = client.get(url, dict(query))
            assert_clean(response, forbidden, what)
            if response.status_code in DENIED:
                assert not should_work, f"{what} should work inside the scope: {response.status_code}"
                continue  # refused whatever the query
            if should_work:
                assert response.status_code == 200, f"{what} should work inside the scope: {response.status_code}"
            if not rule.api and not rule.admin and n == 0:
                # htmx asks for the results alone (another template): checked like the page.
                assert_clean(client.get(url, dict(query), headers={"HX-Request": "true"}), forbidden, f"{what} (htmx)")
            if n == 0 and rule.finds and response.status_code == 200:
                inside = world.first_inside(persona, rule.finds)
                if inside is not None:
                    found = assert_clean(client.get(url, {**query, "q": inside.markers[0]}), forbidden, what)
                    assert inside.markers[0] in found, f"{what}: a search for {inside.markers[0]} finds nothing"
            echo = functools.cache(functools.partial(echo_count, client, url, query))
            read = rule.probe_params or params_read(response)
            # Every probe on the route's main form; its variants (exports, other states) get the
            # searches by name and code, where a variant's own query could differ.
            for probe in probes(world, persona) if n == 0 else probes(world, persona)[:2]:
                if "*" not in read:
                    probe = {k: v for k, v in probe.items() if k in read}
                if probe:
                    assert_clean(client.get(url, {**query, **probe}), forbidden,
                                 f"{persona} GET {url}?{query}&{probe}", probe, echo)


def check_object(world: World, persona: str, route: Route, rule: Rule, client: Client) -> None:
    assert rule.obj is not None
    param = id_param(route, rule)
    assert param is not None, f"{route.key}: the rule names {rule.obj} but the route has no id parameter"
    detail = world.forbidden_text(persona, listing=False)
    if rule.obj == "region_code":
        inside_ids = [REGION_OF.get(persona) or ZHONGLOU]
        outside_ids = REGIONS_OUTSIDE[persona]
    else:
        inside = world.first_inside(persona, rule.obj)
        inside_ids = [str(inside.pk)] if inside is not None else []
        outside_ids = [str(o.pk) for o in world.nearest_outside(persona, rule.obj)]
    for fill in fills(world, persona, route, rule):
        should_work = rule.works(persona, fill)
        # Inside the scope: the route works.
        for pk in inside_ids if should_work else []:
            url = build_url(route, {**fill, param: pk})
            response = send(client, rule.method, url, {}, api=rule.api)
            assert_clean(response, detail, f"{persona} {rule.method} {url}")
            assert response.status_code == rule.ok_status, (
                f"{persona} {rule.method} {url} should work inside the scope: {response.status_code}")
        # Outside: refused for every method, and the database unchanged.
        methods = ["GET", "POST", "PATCH", "PUT", "DELETE"] if rule.api else ["GET", "POST"] if rule.writes else ["GET"]
        if rule.method not in methods:
            methods.append(rule.method)
        payloads = rule.payloads(world, persona) if rule.payloads else [{}]
        # One snapshot around all the attempts (each must leave everything as it was).
        before, attempts = snapshot() if methods != ["GET"] else None, []
        for pk in outside_ids:
            url = build_url(route, {**fill, param: pk})
            for method in methods:
                for payload in payloads if method != "GET" else [{}]:
                    what = f"{persona} {method} {url} {payload or ''} (outside the scope)"
                    attempts.append(what)
                    response = send(client, method, url, payload, api=rule.api)
                    assert_clean(response, detail, what)
                    assert denied(route, response, api=rule.api), (
                        f"{what}: {response.status_code} {response.get('Location', '')}, not 403/404")
        if before is not None:
            assert_unchanged(before, "; ".join(attempts))
        # Inside objects changed so as to reach outside (moved to another region, linked to an
        # outside hub, party org or member): refused or invalid, nothing written.
        if rule.reach and inside_ids:
            url = build_url(route, {**fill, param: inside_ids[0]})
            method = rule.method if rule.api else "POST"
            before = snapshot()
            for payload in rule.reach(world, persona):
                what = f"{persona} {method} {url} {payload} (reaching outside the scope)"
                response = send(client, method, url, payload, api=rule.api)
                assert_clean(response, not_typed(detail, payload), what)
                # A page's form answers 200 with its errors; the API must refuse.
                assert (response.status_code == 200 and not rule.api) or denied(route, response, api=rule.api), (
                    f"{what}: {response.status_code}")
            assert_unchanged(before, f"{persona} {method} {url} reaching outside the scope")


def check_create(world: World, persona: str, route: Route, rule: Rule, client: Client) -> None:
    detail = world.forbidden_text(persona, listing=False)
    url = build_url(route, {})
    if not rule.api:
        response = client.get(url)
        assert_clean(response, detail, f"{persona} GET {url}")
        if rule.works(persona, {}):
            assert response.status_code == 200, f"{persona} GET {url}: {response.status_code}"
        else:
            assert response.status_code in DENIED | {200}, f"{persona} GET {url}: {response.status_code}"
    before = snapshot()
    for payload in rule.payloads(world, persona) if rule.payloads else []:
        what = f"{persona} {rule.method if rule.api else 'POST'} {url} {payload} (reaching outside the scope)"
        response = send(client, rule.method if rule.api else "POST", url, payload, api=rule.api)
        assert_clean(response, not_typed(detail, payload), what)
        if rule.api:
            assert response.status_code in (403, 404, 422), f"{what}: {response.status_code}"
        else:
            # A form answers 200 with its errors; a redirect would mean it was saved.
            assert response.status_code in DENIED | {200}, f"{what}: {response.status_code}"
    assert_unchanged(before, f"{persona} writes through {url} reaching outside the scope")


def check_public(world: World, persona: str, route: Route, rule: Rule, client: Client) -> None:
    forbidden = world.forbidden_text(persona, listing=True)
    for fill in fills(world, persona, route, rule):
        for query in rule.queries:
            url = build_url(route, fill)
            assert_clean(client.get(url, dict(query)), forbidden, f"{persona} GET {url}?{query}")


CHECKS = {"list": check_list, "object": check_object, "create": check_create, "public": check_public}


def _group(route: Route) -> str:
    """The test a route is checked in: its own, except that the six admin routes of one model
    (changelist, add, change, history, delete, redirect) share one (named ``admin:<model>:*``), to
    spare ~600 tests' worth of set-up on routes the admin generates alike."""
    m = re.match(r"^admin/(\w+)/(\w+)/", route.route)
    return f"admin:{m[1]}_{m[2]}:*" if m else route.key


GROUPS: dict[str, list[Route]] = {}
for _route in ROUTES:
    GROUPS.setdefault(_group(_route), []).append(_route)


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("persona", list(PERSONAS))
def test_access_matrix(world: World, persona: str, group: str) -> None:
    for route in GROUPS[group]:
        problems = missing_rules(route)
        if problems:
            pytest.fail("\n".join(problems))
        rule = rule_for(route)
        assert rule is not None
        CHECKS[rule.shape](world, persona, route, rule, client_for(world, persona, api=rule.api))


# ---- the matrix's own guarantees --------------------------------------------------------------

def test_every_route_has_a_rule() -> None:
    problems = [p for route in ROUTES for p in missing_rules(route)]
    assert not problems, "\n".join(problems)


def test_a_new_route_or_parameter_without_a_rule_fails_with_a_clear_message() -> None:
    new = Route("widget_detail", "widgets/<int:pk>/", ("pk",), regex=False)
    assert missing_rules(new) == ["route 'widgets/<int:pk>/' (widget_detail) has no rule in the access matrix "
                                  "(first parameter: pk); add one to tests/access/routes.py"]
    grown = Route("org_detail", "orgs/<int:pk>/<slug:tab>/", ("pk", "tab"), regex=False)
    assert missing_rules(grown) == ["route 'orgs/<int:pk>/<slug:tab>/' (org_detail) has parameter 'tab' with no "
                                    "rule in the access matrix; add it to tests/access/routes.py"]
    model = Route("admin:registry_widget_change", "admin/registry/widget/<path:object_id>/change/",
                  ("object_id",), regex=False)
    assert "has no rule" in missing_rules(model)[0]


def test_the_matrix_covers_pages_imports_api_and_admin() -> None:
    keys = {r.key for r in ROUTES}
    for expected in ("org_list", "org_detail", "pick", "imports:export", "api:list_orgs", "api:update_org",
                     "admin:registry_socialorg_changelist", "admin:party_partymember_change"):
        assert expected in keys
    assert len(ROUTES) > 150


def test_world_matches_the_scope_layer(world: World) -> None:
    """The hand-written zones agree with ``Scope.allows`` (so each check above tests what it claims)."""
    disagree = []
    for persona in PERSONAS:
        scope = Scope.for_user(world.users[persona])
        for obj in world.objects.values():
            if obj.kind in ("org", "party_org", "member", "instructor", "hub", "applicant", "letter", "transfer_batch",
                            "meeting") and (
                    scope.allows(obj.instance) != world.sees(persona, obj)):
                    disagree.append(f"{persona} {obj.key}: scope {scope.allows(obj.instance)}")
    assert not disagree


# ---- the acceptance example: 钟楼区 (320404) and an org of 朝阳区 (110105) ---------------------------

def test_a_district_officer_of_320404_cannot_reach_an_org_of_110105(world: World) -> None:
    org = world["cy_org"]
    page = client_for(world, "zhonglou", api=False)
    bearer = client_for(world, "zhonglou", api=True)
    forbidden = {org.name: "name", org.uscc: "USCC"}
    before = snapshot()
    # Page: detail, edit form (read and write), deregistration.
    for url in (f"/orgs/{org.pk}/", f"/orgs/{org.pk}/edit/", f"/orgs/{org.pk}/deregister/"):
        assert page.get(url).status_code == 404
        assert page.post(url, {"name": "越权改名", "on": "2025-01-01"}).status_code == 404
    # API: GET and PATCH, with the token and with the session.
    assert bearer.get(f"/api/v1/orgs/{org.pk}").status_code == 404
    assert bearer.patch(f"/api/v1/orgs/{org.pk}", {"name": "越权改名"}, content_type="application/json").status_code == 404
    assert page.get(f"/api/v1/orgs/{org.pk}").status_code == 404
    assert page.patch(f"/api/v1/orgs/{org.pk}", {"name": "越权改名"}, content_type="application/json").status_code == 404
    # Export: the list's downloads and the export page, of the whole scope and of 朝阳区.
    for url, query in (("/orgs/", {"format": "csv"}), ("/orgs/", {"format": "xlsx"}),
                       ("/imports/exports/orgs.xlsx", {}), ("/imports/exports/orgs.csv", {})):
        response = page.get(url, query)
        assert response.status_code == 200
        assert_clean(response, forbidden, f"export {url}{query}")
        assert page.get(url, {**query, "region": CHAOYANG}).status_code in (403, 404)
    # Search: the page, the picker and the API, by name and by USCC.
    for q, other in ((org.name, org.uscc), (org.uscc, org.name)):
        # The search box shows what was typed; the results show nothing of the org.
        response = page.get("/orgs/", {"q": q})
        assert response.status_code == 200 and "共 0 个社会组织" in assert_clean(response, {other: "org"}, "search")
        picked = page.get("/pick/org/", {"q": q})
        assert_clean(picked, {other: "org"}, "picker")
        assert f'data-pick-value="{org.pk}"' not in picked.content.decode()
        assert bearer.get("/api/v1/orgs", {"q": q}).json()["count"] == 0
    assert page.get("/orgs/", {"region": CHAOYANG}).status_code == 404
    assert_unchanged(before, "the 320404 officer's attempts")
    org.refresh_from_db()
    assert org.name == "建外国际文旅交流促进会"


# ---- personal data ----------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", list(PERSONAS))
def test_full_numbers_only_in_a_detail_and_only_for_roles_with_the_right(world: World, persona: str) -> None:
    member = world.first_inside(persona, "member")
    instructor = world.first_inside(persona, "instructor")
    right = can_see_personal_data(world.users[persona])
    api = client_for(world, persona, api=True)
    if member is not None:
        body = api.get(f"/api/v1/members/{member.pk}").json()
        assert (body["id_number"], body["phone"]) == ((member.personal[0], member.personal[1]) if right else (None, None))
        assert body["id_number_masked"] != member.personal[0]
        # Looking someone up by ID number tells who holds it: only roles with the right may.
        found = api.get("/api/v1/members", {"id_number": member.personal[0]})
        assert found.status_code == (200 if right else 403)
    if instructor is not None:
        body = api.get(f"/api/v1/instructors/{instructor.pk}").json()
        assert body["phone"] == (instructor.personal[0] if right else None)
    # Lists and exports never carry the full numbers, whatever the role (the matrix checks every
    # route; these are the ones a person's numbers would be in).
    page = client_for(world, persona, api=False)
    numbers = {n: "full number" for o in world.objects.values() for n in o.personal}
    for url in ("/members/", "/instructors/", "/imports/exports/members.xlsx", "/imports/exports/members.csv",
                "/imports/exports/instructors.xlsx", "/admin/party/partymember/", "/api/v1/members"):
        assert_clean(page.get(url), numbers, f"{persona} {url}")
