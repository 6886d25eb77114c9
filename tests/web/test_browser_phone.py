"""Every page of the web UI on a phone: 390 × 844 px, no page wider than the screen.

The pages are found by walking the URL resolver (``tests/access/routes.py``), not listed here: a page
added tomorrow is visited the day it is added. Each route's path parameters are filled from the access
matrix's world (``tests/access/world.py``) with the object its rule names, inside the persona's
jurisdiction; the matrix already fails for a route without a rule, so a new page brings its rule and
its world object with it. The API, the admin, POST-only routes, downloads (anything but a full HTML
page) and htmx fragments (shown inside the pages) are left out; so is logging out.

Each page is opened as a district officer of 钟楼区 and as the secretary of a party branch, at 390 px.
It fails when ``document.documentElement.scrollWidth > window.innerWidth``, naming the page, its width
and the element that reaches furthest right outside any scrolling box (the likely culprit), and when
text is squeezed to a character or two a line (three characters or more, on three lines, in a box
under 2.6 characters wide: a table column or a menu entry that should stay on one line). A web
route that neither persona reaches as a page and that is not a download, a fragment or POST-only
fails too, unless ``UNREACHED`` says why. Screenshots of the offending pages go to test-artifacts/.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.access.routes import Route, Rule, all_routes, build_url, rule_for
from tests.access.world import REGION_OF, World, build_world
from tests.factories import ZHONGLOU
from tests.web.browser import ARTIFACTS, Browser, _ensure_reference_data

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(name="browser_phone")]

PHONE = {"width": 390, "height": 844}
PERSONAS = ("zhonglou", "secretary")
#: Web routes no persona here opens as a page, and why (the world has no object they show).
UNREACHED: dict[str, str] = {
    "case_edit": "only an establishment application has an edit form; the world's cases are change reports",
    "transfer_receipt": "only a letter sent out of the system takes a receipt; the world's letter is internal",
    "mobile_outflow_end": "no member of the world is away",
    "mobile_inflow_end": "no member of the world is taken in",
    "mobile_removal": "no member of the world had their standing stopped",
    "report_edit": "the world's only report still open for editing is a Chaoyang draft; this test's personas are the 钟楼 officer and the branch secretary, whose report is submitted",
    "imports:errors_file": "a download, and the world's import batches have no stored file",
}

# The element reaching furthest right outside any box that scrolls or clips it: what widens the page.
WIDEST = """
() => {
  const limit = window.innerWidth + 0.5;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") { return true; }
    }
    return false;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) { return s + "#" + el.id; }
    const cls = [...el.classList].slice(0, 3).join(".");
    return cls ? s + "." + cls : s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 5; e = e.parentElement) {
      parts.unshift(name(e));
      if (e.id) { break; }
    }
    return parts.join(" > ");
  };
  let worst = null, right = limit;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= right || clipped(el)) { continue; }
    worst = el; right = r.right;
  }
  // Text squeezed to a character or two a line: three characters or more, on three lines or more, in a
  // text box under 2.6 characters wide.
  const squeezed = [];
  for (const el of document.body.querySelectorAll("td, th, a, label, button, span, li, dd, dt, p, h1, h2, h3")) {
    const nodes = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim());
    const text = nodes.map((n) => n.textContent).join("").trim();
    if ([...text].length < 3 || !el.checkVisibility()) { continue; }
    const size = parseFloat(getComputedStyle(el).fontSize), range = document.createRange();
    let left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    for (const n of nodes) {  // the box of the text itself, not of its cell
      range.selectNodeContents(n);
      for (const q of range.getClientRects()) {
        left = Math.min(left, q.left); right = Math.max(right, q.right);
        top = Math.min(top, q.top); bottom = Math.max(bottom, q.bottom);
      }
    }
    const width = right - left, height = bottom - top;
    if (width > 0 && width < 2.6 * size && height > 3 * size) { squeezed.push(path(el) + " «" + text.slice(0, 12) + "»"); }
  }
  return {
    squeezed: squeezed.slice(0, 3),
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    widest: worst ? path(worst) + " (right edge at " + Math.round(right) + " px, "
                    + Math.round(worst.getBoundingClientRect().width) + " px wide)" : null,
  };
}
"""


@dataclass(frozen=True)
class Page:
    key: str
    url: str


def web_routes() -> list[tuple[Route, Rule | None]]:
    """The routes of the web UI: not the API, the admin, the language switch or the favicon."""
    out = []
    for route in all_routes():
        if route.route.startswith(("api/", "admin/", "i18n/", "favicon.ico")) or route.key == "logout":
            continue
        out.append((route, rule_for(route)))
    return out


def urls_of(world: World, persona: str, route: Route, rule: Rule) -> list[str]:
    """The route's addresses for ``persona``: its parameters filled from the world (inside the
    jurisdiction), each query variant of its rule."""
    if rule.method != "GET":
        return []
    names = [p for p in route.params if p in rule.values]
    choices = []
    for name in names:
        values = rule.values[name]
        choices.append(list(values(world, persona) if callable(values) else values))
    id_param = next((p for p in route.params if p not in rule.values), None)
    out = []
    for combo in itertools.product(*choices):
        fill = dict(zip(names, combo, strict=True))
        if not rule.works(persona, fill):
            continue
        if id_param is not None:
            if rule.obj == "region_code":
                fill[id_param] = REGION_OF.get(persona) or ZHONGLOU
            else:
                obj = world.first_inside(persona, rule.obj or "")
                if obj is None:
                    continue
                fill[id_param] = str(obj.pk)
        url = build_url(route, fill)
        for query in rule.queries:
            out.append(url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""))
    return out


def is_page(client: Client, url: str) -> bool:
    """Whether ``url`` answers a whole HTML page (not a download, a fragment, a redirect or a refusal)."""
    response = client.get(url)
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return False
    if response.get("Content-Disposition", "").startswith("attachment") or response.streaming:
        return False
    return b"<html" in response.content[:600].lower()


def pages_for(world: World, persona: str, routes: list[tuple[Route, Rule | None]]) -> tuple[list[Page], list[str]]:
    client = Client()
    client.force_login(world.users[persona])
    pages, no_rule = [], []
    for route, rule in routes:
        if rule is None:
            no_rule.append(route.key)
            continue
        pages += [Page(route.key, url) for url in urls_of(world, persona, route, rule) if is_page(client, url)]
    return pages, no_rule


def sign_in(b: Browser, world: World, persona: str) -> None:
    client = Client()
    client.force_login(world.users[persona])
    context = b.page.context
    context.clear_cookies()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": b.base}])


def measure(b: Browser, url: str) -> dict[str, Any]:
    response = b.page.goto(b.base + url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    b.page.wait_for_load_state("networkidle")
    return dict(b.page.evaluate(WIDEST))


@pytest.fixture
def world(reference_data: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _ensure_reference_data()
    yield build_world()


def test_every_page_fits_a_390_px_phone(world: World, chrome: Browser) -> None:
    b = chrome
    b.page.set_viewport_size(PHONE)
    routes = web_routes()
    too_wide: list[str] = []
    visited: set[str] = set()
    for persona in PERSONAS:
        pages, no_rule = pages_for(world, persona, routes)
        assert not no_rule, f"web routes without a rule in tests/access/routes.py: {no_rule}"
        sign_in(b, world, persona)
        for page in pages:
            found = measure(b, page.url)
            visited.add(page.key)
            if found["scroll"] > found["inner"] or found["squeezed"]:
                too_wide.append(f"{persona} {page.url} ({page.key}): {found['scroll']} px wide; "
                                f"widest: {found['widest']}; one character a line: {found['squeezed'] or 'none'}")
                ARTIFACTS.mkdir(exist_ok=True)
                b.page.screenshot(path=str(ARTIFACTS / f"phone-too-wide-{persona}-{page.key.replace(':', '-')}.png"),
                                  full_page=True)
    b.assert_no_errors()
    assert not too_wide, "pages wider than a 390 px phone, or with text one character a line:\n" + "\n".join(too_wide)
    # Every web page was opened by one persona or the other, or is known not to be a page.
    client = Client()
    client.force_login(world.users["zhonglou"])
    missed = []
    for route, rule in routes:
        if route.key in visited or route.key in UNREACHED or rule is None or rule.method != "GET":
            continue
        urls = urls_of(world, "zhonglou", route, rule)
        if any(_answers_a_page_or_nothing(client, url) for url in urls):
            continue
        missed.append(f"{route.key} ({route.route})")
    assert not missed, ("web routes no persona opened as a page (give the world an object they show, or say "
                        "why in UNREACHED): " + ", ".join(missed))
    stale = set(UNREACHED) - {route.key for route, _rule in routes}
    assert not stale, f"UNREACHED names routes that no longer exist: {sorted(stale)}"
    assert {"home", "org_list", "org_detail", "party_detail", "member_list", "inbox"} <= visited


def _answers_a_page_or_nothing(client: Client, url: str) -> bool:
    """True for a download, an htmx fragment or a form that only takes a POST (nothing to lay out)."""
    response = client.get(url)
    if response.status_code == 405:
        return True
    if response.status_code != 200:
        return False
    return not is_page(client, url)


@pytest.fixture
def officer(reference_data: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _ensure_reference_data()
    from shuniu.accounts.services import user_create
    from tests.factories import SYSTEM

    user, _password = user_create(actor=SYSTEM, username="zhonglou", role="district_officer", scope=ZHONGLOU,
                                  full_name="钟楼区社会组织综合党委")
    return user


def test_on_a_phone_the_bar_is_one_menu_and_at_desk_width_the_entries(officer: Any, chrome: Browser) -> None:
    b, page = chrome, chrome.page
    client = Client()
    client.force_login(officer)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": b.base}])
    # At desk width: the entries and the user's links in the bar, no menu.
    b.go("/")
    assert page.is_visible(".mainnav a[href='/orgs/']") and page.is_visible(".usermenu")
    assert not page.is_visible(".phonemenu")
    # On a phone: one menu; its entries, the user's links and the language switch appear when it opens.
    page.set_viewport_size(PHONE)
    b.go("/")
    assert not page.is_visible(".mainnav") and not page.is_visible(".usermenu")
    assert page.is_visible(".phonemenu > summary") and not page.is_visible(".phonenav a[href='/orgs/']")
    page.click(".phonemenu > summary")
    assert page.is_visible(".phonenav a[href='/orgs/']") and page.is_visible(".phonemenu-user a[href='/password/']")
    assert page.is_visible(".phonemenu-user button[name=language]")
    assert page.inner_text(".phonenav a.on").strip() == "概况"
    # A click elsewhere closes it; Escape too.
    page.mouse.click(195, 800)  # below the open menu
    assert not page.is_visible(".phonenav a[href='/orgs/']")
    page.click(".phonemenu > summary")
    page.keyboard.press("Escape")
    assert not page.is_visible(".phonenav a[href='/orgs/']")
    # An entry opens its page, marked as the current one.
    page.click(".phonemenu > summary")
    page.click(".phonenav a[href='/orgs/']")
    b.settle()
    assert page.url.endswith("/orgs/")
    page.click(".phonemenu > summary")
    assert page.inner_text(".phonenav a.on").strip() == "社会组织"
    found = page.evaluate(WIDEST)
    assert found["scroll"] <= found["inner"], found
