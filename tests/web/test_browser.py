"""Journeys in a real browser (Chromium through Playwright) against the live server.

A Zhonglou district officer logs in, reads the dashboard, drills down from a figure to the orgs
behind it and to one org, registers an org (first with a mistyped USCC: the error is shown under the
field, naming the rule, and nothing is saved), links it to a joint branch, and sees the district's
organization coverage change on the dashboard. Every page is saved as a screenshot in
``test-artifacts/``; any JavaScript error fails the test.

These tests need the live server and therefore ``transactional_db``: its teardown empties every
table, including the divisions that ``tests/conftest.py`` loads once per session and the industries
of a data migration. ``reference_data`` loads them again where they are missing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.factories import (
    HEHUACHI,
    SYSTEM,
    XILIN,
    ZHONGLOU,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_uscc,
)
from tests.web.browser import Browser, _ensure_reference_data

PASSWORD = "Zhonglou-2026-demo"

pytestmark = pytest.mark.slow


@pytest.fixture
def world(reference_data: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A small Zhonglou: an org with its own branch, an org that should have one (3 full members),
    small orgs, a joint branch with room for more, and coverage snapshots for the trend."""
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _ensure_reference_data()
    from shuniu.accounts.services import user_create
    from shuniu.coverage.services import snapshot_take

    officer, _pw = user_create(actor=SYSTEM, username="zhonglou", role="district_officer", scope=ZHONGLOU,
                               password=PASSWORD, full_name="钟楼区社会组织综合党委")
    own = SocialOrgFactory(name="荷花池社工服务中心", type="service_institution", region_code=HEHUACHI,
                           industry="social_services")
    PartyOrgFactory(name="荷花池社工服务中心党支部", kind="branch", covers=[own])
    due = SocialOrgFactory(name="西林律师协会", region_code=XILIN, industry="legal", full_time_staff=12)
    for _i in range(3):
        PartyMemberFactory(workplace=due)
    small = [SocialOrgFactory(name=f"荷花池{n}", region_code=HEHUACHI, industry="elderly_care")
             for n in ("养老服务社", "邻里互助会", "读书会")]
    joint = PartyOrgFactory(name="荷花池街道社会组织联合党支部", kind="joint_branch", region_code=HEHUACHI,
                            covers=small[:2])
    for day in (dt.date(2018, 12, 31), dt.date(2020, 12, 31), dt.date(2024, 12, 31)):
        snapshot_take(actor=SYSTEM, as_of=day)
    return {"officer": officer, "due": due, "joint": joint, "small": small}


def _log_in(b: Browser) -> None:
    b.go("/login/")
    b.shot("01-login")
    b.page.fill("input[name=username]", "zhonglou")
    b.page.fill("input[name=password]", PASSWORD)
    b.page.click("button[type=submit]")
    b.page.wait_for_url(b.base + "/")
    b.settle()


def _district_row() -> dict[str, Any]:
    from shuniu.accounts.scopes import Scope
    from shuniu.coverage.selectors import coverage_rows

    return coverage_rows(Scope.of_region(ZHONGLOU))[0]


def _pct(rate: float) -> str:
    from shuniu.core.output import percent_text

    return percent_text(rate)


def test_officer_reads_the_dashboard_and_drills_down_to_an_org(world: dict[str, Any], chrome: Browser) -> None:
    b = chrome
    _log_in(b)
    top = _district_row()
    page = b.page
    assert "钟楼区" in page.inner_text("h1")
    assert page.inner_text(".kpi-main .kpi-value") == _pct(top["org_coverage_rate"])
    assert page.inner_text("[data-figure=population]") == str(top["population"])
    # The charts were drawn (ECharts puts a canvas in each chart box).
    assert page.locator("[data-chart] canvas").count() >= 4
    assert "荷花池街道" in page.inner_text("table.coverage")
    b.shot("02-dashboard")

    # From the due-not-established figure to the orgs behind it...
    assert page.inner_text("[data-figure=due]") == str(top["due_not_established"]) == "1"
    page.click("[data-figure=due]")
    page.wait_for_url(re.compile(r"/orgs/\?.*due=1"))
    b.settle()
    assert "共 1 个社会组织" in page.inner_text(".results-head")
    assert "应建未建" in page.inner_text(".described")
    b.shot("03-org-list-due")

    # ... and to the org, whose page cites the rule it breaks.
    page.click("text=西林律师协会")
    page.wait_for_url(re.compile(rf"/orgs/{world['due'].pk}/$"))
    b.settle()
    assert page.inner_text("h1") == "西林律师协会"
    findings = page.inner_text(".findings")
    assert "ESTABLISH" in findings and "应建未建" in findings and "第八条" in findings
    b.shot("04-org-detail")

    # The list filters in place (htmx) and keeps the filter in the address.
    b.go("/orgs/")
    page.fill("input[name=q]", "荷花池")
    page.wait_for_url(re.compile(r"q=%E8%8D%B7"))
    b.settle()
    assert "共 4 个社会组织" in page.inner_text(".results-head")
    page.select_option("select[name=status]", "own,joint")
    page.wait_for_url(re.compile(r"status=own%2Cjoint"))
    b.settle()
    assert "共 3 个社会组织" in page.inner_text(".results-head")

    # The party-org tree opens a level on demand.
    b.go("/party/")
    assert "荷花池街道社会组织联合党支部" in page.inner_text(".tree")
    b.shot("05-party-tree")
    b.go(f"/party/{world['joint'].pk}/")
    assert "荷花池养老服务社" in page.inner_text("body")
    b.shot("06-party-detail")
    b.go("/members/")
    assert "*" in page.inner_text("table.list")  # masked ID numbers
    b.shot("07-members")
    b.go("/instructors/")
    b.shot("08-instructors")
    b.go(f"/regions/{HEHUACHI}/")
    assert "荷花池街道" in page.inner_text("h1")
    b.shot("09-region-street")


def test_officer_registers_an_org_links_it_to_a_joint_branch_and_coverage_rises(
        world: dict[str, Any], chrome: Browser) -> None:
    from shuniu.audit.models import AuditEntry
    from shuniu.registry.models import SocialOrg

    b = chrome
    page = b.page
    _log_in(b)
    before = _district_row()
    orgs_before, audit_before = SocialOrg.objects.count(), AuditEntry.objects.count()

    page.click(".mainnav >> text=社会组织")
    b.settle()
    page.click("a:has-text('登记社会组织')")
    page.wait_for_url(re.compile(r"/orgs/new/$"))
    b.settle()
    good = make_uscc(4242, ZHONGLOU)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.fill("#id_name", "荷花池街道志愿者协会")
    page.select_option("#id_type", "social_group")
    page.fill("#id_uscc", typo)
    b.pick("region", "荷花池", HEHUACHI)
    page.fill("#id_full_time_staff", "2")
    page.fill("#id_established_on", "2025-03-01")
    page.click("button[type=submit]")
    b.settle()

    # The service's message, under the USCC field, naming the rule; nothing was written.
    error = page.inner_text("[data-field=uscc] .field-errors")
    assert "GB 32100-2015" in error and "校验码" in error
    assert page.locator(".field-errors").count() == 1
    assert "尚未保存" in page.inner_text(".error-summary")
    assert page.input_value("#id_name") == "荷花池街道志愿者协会"  # what was typed is kept
    assert SocialOrg.objects.count() == orgs_before and AuditEntry.objects.count() == audit_before
    b.shot("10-org-form-error")

    page.fill("#id_uscc", good)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/orgs/\d+/$"))
    b.settle()
    org = SocialOrg.objects.get(uscc=good)
    assert "已登记" in page.inner_text(".messages")
    assert page.get_attribute("[data-status]", "data-status") == "none"
    b.shot("11-org-created")

    # Link it to the joint branch from its page.
    page.click("a:has-text('纳入党组织覆盖')")
    page.wait_for_url(re.compile(rf"/coverage/new/\?org={org.pk}$"))
    b.settle()
    assert "荷花池街道志愿者协会" in page.input_value("#id_org")
    b.pick("party_org", "联合党支部", world["joint"].pk)
    b.shot("12-coverage-form")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/orgs/{org.pk}/$"))
    b.settle()
    assert page.get_attribute("[data-status]", "data-status") == "joint"
    assert "荷花池街道社会组织联合党支部" in page.inner_text("ul.links")
    assert "纳入党组织覆盖" in page.inner_text("ol.history")
    b.shot("13-org-linked")

    # The dashboard counts it: one more org, one more covered.
    b.go("/")
    after = _district_row()
    assert after["population"] == before["population"] + 1
    assert after["joint"] == before["joint"] + 1
    assert after["org_coverage_rate"] > before["org_coverage_rate"]
    assert page.inner_text(".kpi-main .kpi-value") == _pct(after["org_coverage_rate"])
    assert page.inner_text("[data-figure=population]") == str(after["population"])
    b.shot("14-dashboard-after")
