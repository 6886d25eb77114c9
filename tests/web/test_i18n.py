"""Every message is ours, in Chinese and in English.

- In Chinese, invalid, empty, too long and out-of-scope values posted to every form of the pages
  (and bad values given to the filter forms) are answered with our messages, naming the field and
  the rule: none of Django's default messages ("这个字段是必填项。", "确保该变量包含不超过 200
  字符。"…, taken from Django's own catalog for every field and validator it has) appears.
- In English, every page the personas reach, and the same invalid forms, show no Chinese and no
  full-width punctuation outside the data: the names of orgs, people, regions… stored in the
  database, which stay as they were entered.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core import validators
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.models import constraints
from django.db.models.fields import files, related
from django.db.models.fields import json as json_fields
from django.forms import fields as form_fields
from django.forms import models as form_models
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy

from tests.access.routes import Route, all_routes, build_url, rule_for
from tests.access.world import World, rolled_back_world
from tests.factories import HEHUACHI, JIANWAI

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "zhonglou", "secretary")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with rolled_back_world(django_db_blocker) as built:
        yield built


def client_for(world: World, persona: str, language: str) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(world.users[persona])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


# ---- Django's default messages ------------------------------------------------------------------------

class _Any(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> int:
        return 7


def django_default_messages() -> list[str]:
    """The fixed parts (four Chinese characters or more) of every message Django's form fields,
    model fields, validators and constraints give, in Django's zh-hans translation."""
    messages: list[Any] = []
    for module in (form_fields, form_models, models.fields, files, related, json_fields):
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, (form_fields.Field, models.Field)):
                for klass in cls.__mro__:
                    messages += vars(klass).get("default_error_messages", {}).values()
    for cls in vars(validators).values():
        if isinstance(cls, type):
            if "message" in vars(cls) and not isinstance(vars(cls)["message"], property):
                messages.append(cls.message)
            if isinstance(vars(cls).get("messages"), dict):
                messages += cls.messages.values()
    messages.append(gettext_lazy("%(model_name)s with this %(field_labels)s already exists."))
    messages.append(constraints.BaseConstraint.default_violation_error_message)
    found: set[str] = set()
    with translation.override("zh-hans"):
        for message in messages:
            try:
                text = str(message % _Any())
            except (TypeError, ValueError, KeyError):
                text = str(message)
            found.update(run for run in re.findall(r"[\u3400-\u9fff]+", text) if len(run) >= 4)
    return sorted(found)


def test_the_list_of_django_messages_is_complete_enough():
    found = django_default_messages()
    for expected in ("这个字段是必填项", "确保该变量包含不超过", "选择一个有效的选项", "输入一个有效的日期", "输入整数",
                     "不允许是用空字符串", "确保该值小于或等于"):
        assert expected in found


# ---- the invalid forms ------------------------------------------------------------------------------

LONG = "长" * 300


def _pk(world: World, persona: str, kind: str, inside: bool = True) -> Any:
    obj = world.first_inside(persona, kind) if inside else world.target(persona, kind)
    return obj.pk if obj is not None else 1


def invalid_posts(world: World, persona: str) -> list[tuple[str, dict[str, Any]]]:
    """(url, data) of every form of the pages, each with values that fail: nothing, too long, of
    the wrong shape, beyond the bounds, outside the jurisdiction."""
    org = _pk(world, persona, "org")
    party = _pk(world, persona, "party_org")
    member = _pk(world, persona, "member")
    coverage = _pk(world, persona, "coverage")
    assignment = _pk(world, persona, "assignment")
    out_org, out_party = _pk(world, persona, "org", False), _pk(world, persona, "party_org", False)
    out_instructor = _pk(world, persona, "instructor", False)
    bad_org = {"name": LONG, "type": "club", "uscc": LONG, "region": JIANWAI, "registration_level": "planet",
               "industry": "999999", "hub": "abc", "supervisory_unit": LONG, "full_time_staff": "1.5",
               "established_on": "2024-02-30", "trade_union_on": "yesterday", "evaluation_grade": "6A",
               "evaluation_year": "x"}
    big_org = {"name": "  ", "type": "social_group", "region": HEHUACHI, "registration_level": "county",
               "full_time_staff": "99999999999999999999", "evaluation_year": "-3"}
    bad_party = {"name": LONG, "kind": "club", "formation": "x", "established_on": "2024-13-01",
                 "superior": out_party, "covers": out_org, "region": JIANWAI, "term_years": "9"}
    bad_member = {"name": LONG, "gender": "x", "status": "x", "id_number": LONG, "phone": LONG,
                  "admitted_on": "0000-00-00", "full_on": "x", "workplace": out_org, "relation_org": out_party,
                  "relation_elsewhere": LONG}
    dated = [{}, {"on": "2024-02-30", "reason": LONG}]
    posts: list[tuple[str, dict[str, Any]]] = []
    for data in ({}, bad_org, big_org):
        posts += [("/orgs/new/", data), (f"/orgs/{org}/edit/", data)]
    for data in ({}, bad_party, {"term_years": "0", "name": "\x00"}):
        posts += [("/party/new/", data)]
    for data in ({}, {**bad_party, "secretary": "abc", "term_started_on": "x"}, {"term_years": "-1"}):
        posts += [(f"/party/{party}/edit/", data)]
    for data in ({}, bad_member):
        posts += [("/members/new/", data), (f"/members/{member}/edit/", data)]
    posts += [(f"/members/{member}/end/", d) for d in ({}, {"on": "x", "reason": "x", "note": LONG})]
    posts += [("/coverage/new/", d) for d in ({}, {"org": out_org, "party_org": "abc", "started_on": "x"})]
    posts += [("/assignments/new/", d) for d in ({}, {"instructor": out_instructor, "org": "-1", "started_on": "x"})]
    for url in (f"/orgs/{org}/deregister/", f"/party/{party}/dissolve/", f"/coverage/{coverage}/end/",
                f"/assignments/{assignment}/end/"):
        posts += [(url, d) for d in dated]
    posts += [(f"/orgs/{org}/inspections/new/", d) for d in (
        {}, {"year": "x", "conclusion": "excellent", "life_held": "maybe", "note": "x" * 501}, {"year": "1800"})]
    posts += [(f"/orgs/{org}/evaluations/new/", d) for d in (
        {}, {"year": "1800", "grade": "6A", "decided_on": "2024-02-30", "document_number": LONG})]
    bad_letter = {"to_org": out_party, "to_workplace": "abc", "reason": LONG, "dues_paid_to": "2026/13",
                  "valid_days": "x"}
    posts += [(f"/members/{member}/transfer/", d) for d in ({}, bad_letter, {"to_org": party, "valid_days": "120"})]
    posts += [(f"/members/{member}/transfer-out/", d) for d in (
        {}, {"number": LONG, "to_elsewhere": LONG, "issued_on": "2024-02-30", "valid_days": "0"})]
    posts += [(f"/party/{party}/transfer-in/", d) for d in (
        {}, {"number": "X", "from_elsewhere": "Y", "issued_on": "x", "received_on": "2000-01-01", "member": "abc",
             "gender": "x", "status": "x", "workplace": out_org})]
    posts += [(f"/party/{party}/transfer-all/", d) for d in ({}, {"to_org": "abc", "reason": LONG})]
    bad_meeting = {"party_org": out_party, "kinds": "dinner", "held_on": "2024-02-30", "topic": LONG, "place": LONG,
                   "present": "abc", "roster": "x"}
    posts += [("/meetings/new/", d) for d in ({}, bad_meeting, {"party_org": party, "held_on": "2999-01-01"})]
    posts += [(f"/life/org/{party}/review/", d) for d in ({}, {"year": "1800", "reviewed_on": "x"})]
    posts += [("/account/tokens/", {"label": LONG})]
    posts += [("/imports/", d) for d in (
        {}, {"kind": "x", "mapping_from": "abc", "file": SimpleUploadedFile("a.csv", b"")})]
    return posts


FILTERS = ["/transfers/?direction=x&kind=y&state=z&overdue=2", "/pick/party_org_directory/?q=" + "x" * 101,
           "/orgs/?page=-1&q=" + "x" * 101, "/orgs/?type=club&hub=abc", "/members/?status=x&region=0",
           "/party/?kind=x&dissolved=2", "/instructors/?overloaded=x&kind=y", "/pick/org/?q=" + "x" * 101,
           "/coverage/new/?org=abc", "/imports/exports/orgs.csv?region=3x", "/life/?year=1800&by=x&as_of=2024-02-30",
           "/life/orgs/?figure=x&key=" + "x" * 41, "/meetings/?kind=dinner&year=y", "/meetings/new/?party_org=x&kinds=y",
           "/meetings/roster/?held_on=x"]


def _send(client: Client, url: str, data: dict[str, Any] | None) -> Any:
    if data is None:
        return client.get(url)
    for value in data.values():
        if hasattr(value, "seek"):
            value.seek(0)
    return client.post(url, data)


@pytest.mark.parametrize("persona", ["zhonglou", "admin"])
def test_in_chinese_no_form_gives_a_django_default_message(world, persona):
    defaults = django_default_messages()
    client = client_for(world, persona, "zh-hans")
    requests = [*invalid_posts(world, persona), *((url, None) for url in FILTERS)]
    found = []
    for url, data in requests:
        with transaction.atomic():
            response = _send(client, url, data)
            transaction.set_rollback(True)
        assert response.status_code < 500, url
        page = html.unescape(response.content.decode())
        found += [f"{url} {sorted(data or {})}: {m}" for m in defaults if m in page]
    assert not found, "\n".join(found)


def test_a_too_long_name_names_the_field_and_the_rule(world):
    page = html.unescape(client_for(world, "zhonglou", "zh-hans").post("/orgs/new/", {"name": "名" * 201})
                         .content.decode())
    assert "名称过长（规则：不超过 200 个字符）" in page
    assert "名称不能为空（规则：必填）" not in page and "类型不能为空（规则：必填）" in page


def test_a_pick_outside_the_jurisdiction_says_so(world):
    out = world.target("zhonglou", "org")
    page = html.unescape(client_for(world, "zhonglou", "zh-hans").post(
        "/coverage/new/", {"org": out.pk, "party_org": "", "started_on": "2024-1-1"}).content.decode())
    assert "社会组织所选的对象不存在或不在您的管辖范围内（规则：须为管辖范围内的现有对象）" in page
    assert "党组织不能为空（规则：必填）" in page


# ---- English: no Chinese outside the data ---------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff（），。：；、！？【】《》]+")


def data_text() -> str:
    """Every text stored in the database (names, notes, audit changes…), one long string to find
    a piece of a page in."""
    parts: list[str] = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if not names:
            continue
        for row in model._default_manager.values_list(*names):
            for value in row:
                if isinstance(value, str):
                    parts.append(value)
                elif value is not None:
                    parts.append(json.dumps(value, ensure_ascii=False))
    return "\x00".join(parts)


# An element marked as Chinese on purpose: the switch back to Chinese, the citation of a rule's
# source (the title and article of a Chinese document).
MARKED = re.compile(r'<(\w+)[^>]* lang="zh-hans"[^>]*>.*?</\1>', re.S)


def chinese_left(page: str, data: str) -> list[str]:
    """The runs of Chinese text or full-width punctuation of ``page`` that are no stored text."""
    text = html.unescape(MARKED.sub("", page))
    return sorted({run for run in CJK.findall(text) if run not in data})


def english_routes() -> list[Route]:
    out = []
    for route in all_routes():
        rule = rule_for(route)
        if rule is None or rule.method != "GET" or rule.api or rule.admin or route.key in ("logout", "set_language"):
            continue
        out.append(route)
    return out


def test_every_page_in_english_has_no_chinese_outside_the_data(world):
    from tests.web.test_query_fuzz import _path_fills

    data = data_text()
    found: dict[str, list[str]] = {}
    for persona in PERSONAS:
        client = client_for(world, persona, "en")
        for route in english_routes():
            rule = rule_for(route)
            assert rule is not None
            for fill in _path_fills(world, persona, route, rule):
                for query in rule.queries:
                    url = build_url(route, fill)
                    response = client.get(url, dict(query))
                    if "html" not in response.get("Content-Type", ""):
                        continue
                    left = chinese_left(response.content.decode(), data)
                    if left:
                        found.setdefault(f"{persona} GET {url} {dict(query)}", left)
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_every_invalid_form_in_english_has_no_chinese_outside_the_data(world):
    data = data_text()
    client = client_for(world, "zhonglou", "en")
    found: dict[str, list[str]] = {}
    for url, form in [*invalid_posts(world, "zhonglou"), *((url, None) for url in FILTERS)]:
        with transaction.atomic():
            response = _send(client, url, form)
            transaction.set_rollback(True)
        left = chinese_left(response.content.decode(), data + "\x00" + LONG)
        if left:
            found.setdefault(f"{url} {sorted(form or {})}", left)
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
