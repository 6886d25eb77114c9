"""The Content Security Policy: what the server sends, templates with nothing inline for it to block,
and every page used in a real browser with the policy enforced and not one violation.

A violation shows in Chromium as a ``securitypolicyviolation`` event and a console error; the
browser test collects both (the listener is installed by Playwright before any page script runs,
outside the page's policy) and every console message of level warning or error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

# The browser journey's data and reference-data fixtures, shared with the other browser tests.
from tests.web.browser import CHROMIUM, _chromium_or_skip
from tests.web.test_browser import PASSWORD, world  # noqa: F401  (world is a fixture)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "shuniu").glob("*/templates/**/*.html"))


def test_pages_carry_a_policy_without_inline_script_or_style(client: Client) -> None:
    response = client.get("/login/")
    directives = (d.strip().partition(" ") for d in response["Content-Security-Policy"].split(";"))
    policy = {name: value for name, _sep, value in directives if name}
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "shuniu")))
def test_no_template_has_an_inline_script_handler_or_style(template: Path) -> None:
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert not re.search(r"<style\b", text), "a <style> element"
    assert not re.search(r"\son[a-z]+\s*=", text), "an inline event handler (onclick=...)"
    assert not re.search(r"\sstyle\s*=", text), "a style attribute (give the value as data-* for shuniu.js)"


# ---- in the browser --------------------------------------------------------------------------------

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watched:
    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.messages: list[str] = []
        self.policies: set[str] = set()
        page.on("console", lambda m: self.messages.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.messages.append(f"pageerror: {e}"))
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.messages.append(f"HTTP {response.status}: {response.url}")
        policy = response.headers.get("content-security-policy")
        if policy and response.request.resource_type == "document":
            self.policies.add(policy)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert "content-security-policy" in response.headers, f"{path} has no CSP header"
        self.settle(path)

    def settle(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        violations = self.page.evaluate("window.__violations || []")
        assert not violations, f"{where}: CSP violations:\n" + "\n".join(violations)
        assert not self.messages, f"{where}: console:\n" + "\n".join(self.messages)


@pytest.fixture
def watched(live_server: Any) -> Iterator[Watched]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 1366, "height": 900}, bypass_csp=False)
        context.set_default_timeout(15_000)
        context.add_init_script(WATCH)
        w = Watched(context.new_page(), live_server.url)
        try:
            yield w
        finally:
            context.close()
            chromium.close()
            from django.db import connections

            connections.close_all()


@pytest.mark.slow
def test_every_page_works_under_the_policy_without_a_violation(world: dict[str, Any], watched: Watched) -> None:  # noqa: F811
    from shuniu.accounts.services import token_create
    from shuniu.party.services import assignment_start
    from tests.factories import SYSTEM, InstructorFactory, PartyOrgFactory

    # What the journey's world lacks: a token to revoke, a tree with a level to open, an instructor's load.
    token_create(actor=SYSTEM, user=world["officer"], label="CSP 测试")
    committee = PartyOrgFactory(name="荷花池街道社会组织综合党委", kind="comprehensive_committee")
    PartyOrgFactory(name="荷花池社区社会组织党支部", kind="branch", superior=committee)
    instructor = InstructorFactory(name="荷花池指导员", capacity=4)
    assignment_start(actor=SYSTEM, instructor=instructor, org=world["small"][2], started_on="2025-01-01")
    w, page = watched, watched.page

    w.go("/login/")
    page.fill("input[name=username]", "zhonglou")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(w.base + "/")
    w.settle("dashboard")
    assert page.locator("[data-chart] canvas").count() >= 4
    # The sizes the templates give as data-* were applied (the CSP forbids style="" attributes).
    assert page.locator(".legend i").first.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator("[data-bars]").first.evaluate("e => e.style.getPropertyValue('--bars')") != ""
    # A chart's tooltip shows when the pointer rests on the trend (drawn on the canvas: an HTML one
    # would be markup with style attributes).
    trend = page.locator("[data-chart]").first
    trend.evaluate("e => echarts.getInstanceByDom(e).on('showTip', () => { window.__tip = true; })")
    trend.hover()
    page.wait_for_function("window.__tip === true")
    w.settle("dashboard tooltip")

    w.go("/orgs/")
    page.fill("input[name=q]", "荷花池")
    page.wait_for_url(re.compile(r"q=%E8%8D%B7"))
    w.settle("org list search")
    assert "共 4 个社会组织" in page.inner_text(".results-head")

    w.go(f"/orgs/{world['due'].pk}/")
    w.go("/party/")
    page.locator("details[hx-get] summary").first.click()
    page.wait_for_selector("text=荷花池社区社会组织党支部")
    w.settle("party tree opened")
    w.go(f"/party/{world['joint'].pk}/")
    w.go("/members/")
    w.go("/instructors/")
    assert page.locator(".meter > span").first.evaluate("e => e.style.width") == "25%"
    w.go("/imports/")
    w.go("/account/tokens/")
    # The revoke button asks first (data-confirm, no inline handler); dismissing it keeps the token.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form[data-confirm] button")
    w.settle("token revoke dismissed")
    assert page.locator("form[data-confirm]").count() == 1

    # The admin site ("数据管理"), which officers use too.
    w.go("/admin/")
    w.go("/admin/registry/socialorg/")
    w.go(f"/admin/registry/socialorg/{world['due'].pk}/change/")

    w.go("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    w.settle("API docs")
    assert len(w.policies) == 1, w.policies
