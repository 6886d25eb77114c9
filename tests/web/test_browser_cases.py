"""The establishment case in a real browser: a street officer applies from the due list with the
application PDF, the district committee returns it for a missing secretary, the officer completes
and resubmits it, the committee approves; the org's coverage status and the dashboard change at
once, and the timeline shows every step. Screenshots in ``test-artifacts/`` (copied to docs/)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import HEHUACHI, SYSTEM, ZHONGLOU, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory
from tests.web.browser import Browser, _ensure_reference_data

pytestmark = pytest.mark.slow
PASSWORD = "Zhonglou-2026-demo"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(reference_data: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch, settings: Any,
          tmp_path: Any) -> dict[str, Any]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    _ensure_reference_data()
    from shuniu.accounts.services import user_create

    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=ZHONGLOU)
    org = SocialOrgFactory(name="荷花池社区养老服务协会", region_code=HEHUACHI, industry="elderly_care")
    members = [PartyMemberFactory(name=name, workplace=org, relation_elsewhere="中共钟楼区人才服务中心支部")
               for name in ("周秀兰", "吴建国", "郑海燕", "王立新")]
    user_create(actor=SYSTEM, username="hehuachi", role="street_officer", scope=HEHUACHI,
                             password=PASSWORD, full_name="荷花池街道社会组织工作人员")
    user_create(actor=SYSTEM, username="zl_committee", role="secretary", scope=f"party:{committee.pk}",
                           password=PASSWORD, full_name="钟楼区社会组织综合党委")
    user_create(actor=SYSTEM, username="zhonglou", role="district_officer", scope=ZHONGLOU,
                              password=PASSWORD, full_name="钟楼区社会组织工作人员")
    return {"committee": committee, "org": org, "members": members}


def _as(b: Browser, username: str) -> None:
    b.page.context.clear_cookies()
    b.go("/login/")
    b.page.fill("input[name=username]", username)
    b.page.fill("input[name=password]", PASSWORD)
    b.page.click("button[type=submit]")
    b.page.wait_for_url(b.base + "/")
    b.settle()


def _act(b: Browser, action: str, comment: str = "", **fields: str) -> None:
    b.page.select_option("#id_action", action)
    if comment:
        b.page.fill("#id_comment", comment)
    for name, value in fields.items():
        b.page.fill(f"#id_{name}", value)
    b.page.click("form[action$='/act/'] button[type=submit]")
    b.settle()


def test_an_establishment_case_from_the_due_list_to_the_new_branch(world: dict[str, Any], chrome: Browser) -> None:
    from shuniu.cases.models import Case
    from shuniu.registry.models import SocialOrg
    from tests.web.test_browser import _district_row

    b, page = chrome, chrome.page
    before = _district_row()

    # The street officer finds the org on the due list and applies from its page.
    _as(b, "hehuachi")
    b.go("/orgs/?due=1")
    page.click("a:has-text('荷花池社区养老服务协会')")
    b.settle()
    page.click("a:has-text('成立党组织申请')")
    b.settle()
    assert page.input_value("#id_name") == "荷花池社区养老服务协会党支部"
    page.set_input_files("#id_attachment", files=[{"name": "成立党支部的申请.pdf", "mimeType": "application/pdf",
                                                   "buffer": PDF}])
    b.shot("cases-01-application")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    b.settle()
    case = Case.objects.get(org=world["org"], kind="establishment")
    assert case.state == "submitted" and case.body == world["committee"]
    assert "成立党支部的申请.pdf" in page.content()

    # The committee finds it in its inbox (the count in the navigation) and returns it.
    _as(b, "zl_committee")
    # The count: this case, the reminder that the committee's own term has ended, and the org-life
    # reminders of its own party org (rule LIFE: the meetings of this period still to hold).
    import datetime as dt

    from shuniu.accounts.models import User
    from shuniu.accounts.scopes import Scope
    from shuniu.orglife.reminders import missing_reminders

    life = missing_reminders(Scope.for_user(User.objects.get(username="zl_committee")), dt.date.today(), 50).count
    assert life > 0
    assert page.inner_text(".mainnav a[href='/todo/'] .badge").strip() == str(2 + life)
    b.go("/todo/")
    b.shot("cases-02-committee-inbox")
    page.click("a:has-text('荷花池社区养老服务协会')")
    b.settle()
    _act(b, "return", "请确定书记人选（《意见》第十七条）后再报")
    case.refresh_from_db()
    assert case.state == "returned"

    # The officer completes it and submits it again.
    _as(b, "hehuachi")
    b.go("/todo/")
    page.click("a:has-text('荷花池社区养老服务协会')")
    b.settle()
    page.click("a:has-text('修改申请')")
    b.settle()
    page.select_option("#id_secretary", str(world["members"][0].pk))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    b.settle()
    case.refresh_from_db()
    assert case.state == "submitted" and case.data["secretary"] == world["members"][0].pk

    # The committee approves with its document number; the branch exists, the org has its own.
    _as(b, "zl_committee")
    b.go(f"/cases/{case.pk}/")
    _act(b, "approve", decision_no="钟社党〔2026〕21号", decided_on=_today())
    case.refresh_from_db()
    assert case.state == "approved"
    timeline = page.inner_text(".timeline")
    for step in ("建立", "提交", "退回修改", "修改申请内容", "批准", "钟社党〔2026〕21号"):
        assert step in timeline, step
    b.shot("cases-03-approved-timeline")
    page.set_viewport_size({"width": 390, "height": 844})
    b.shot("cases-03-approved-timeline-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert SocialOrg.objects.get(pk=world["org"].pk).coverage_status == "own"

    _as(b, "zhonglou")
    after = _district_row()
    assert after["own"] == before["own"] + 1 and after["org_coverage_rate"] > before["org_coverage_rate"]
    b.go(f"/orgs/{world['org'].pk}/")
    assert page.get_attribute("[data-status]", "data-status") == "own"
    b.shot("cases-04-org-own")


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()
