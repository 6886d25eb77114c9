"""Organizational life in a real browser, on a 390×844 phone: the secretary of a 钟楼区 branch logs in,
lands on the branch's workspace, records a general meeting (支部党员大会) with two members absent, each
with a reason, and a photo of the sign-in sheet taken on the spot; the meeting's page shows who came
and why the others did not, with the photo. At once the branch's quarterly compliance on the
workspace and the 钟楼区 officer's rate on /life/ change (compared before and after). Screenshots in
``test-artifacts/`` (copied to docs/screenshots/orglife-*.png), on the phone and at desk width; no
page is wider than the phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.factories import HEHUACHI, SYSTEM, ZHONGLOU, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory
from tests.orglife.conftest import png_bytes
from tests.web.browser import Browser, _ensure_reference_data
from tests.web.test_browser_cases import PASSWORD, _as

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
NAMES = ("李明华", "陈静", "赵国强", "王丽娟", "刘洋")


@pytest.fixture
def world(reference_data: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch, settings: Any,
          tmp_path: Any) -> dict[str, Any]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    _ensure_reference_data()
    from shuniu.accounts.services import user_create
    from shuniu.orglife.services import meeting_record

    org = SocialOrgFactory(name="钟楼区青枫社工服务中心", region_code=HEHUACHI)
    branch = PartyOrgFactory(name="钟楼区青枫社工服务中心党支部", kind="branch", covers=[org],
                             established_on=dt.date(2019, 7, 1))
    members = [PartyMemberFactory(name=name, workplace=org, relation_org=branch, status="full") for name in NAMES]
    users = {"qf_secretary": ("secretary", f"party:{branch.pk}", "青枫党支部书记"),
             "zhonglou": ("district_officer", ZHONGLOU, "钟楼区社会组织工作人员")}
    for username, (role, scope, name) in users.items():
        user_create(actor=SYSTEM, username=username, role=role, scope=scope, password=PASSWORD, full_name=name)
    # Last month's theme day, so the branch has a record and a rate before today's meeting.
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=12)
    meeting_record(actor=SYSTEM, party_org=branch, kinds=["theme_day"], held_on=last_month,
                   topic="主题党日：重温入党誓词", place="党员活动室", attendees=members[:4],
                   absentees={members[4].pk: "leave"})
    return {"org": org, "branch": branch, "members": members}


def _figure(b: Browser, name: str) -> str:
    return b.page.inner_text(f"[data-figure='{name}']").strip()


def _no_overflow(b: Browser, where: str) -> None:
    width = b.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where}: the page is {width} px wide on a {PHONE['width']} px phone"


def _shot_both(b: Browser, name: str) -> None:
    """The page on the phone (checked for overflow) and at desk width, then back to the phone."""
    b.page.set_viewport_size(PHONE)
    b.settle()
    _no_overflow(b, name)
    b.shot(f"{name}-phone")
    b.page.set_viewport_size(DESK)
    b.shot(f"{name}-desk")
    b.page.set_viewport_size(PHONE)


def test_a_secretary_records_a_general_meeting_on_a_phone_and_the_rates_move_at_once(
        world: dict[str, Any], chrome: Browser) -> None:
    from shuniu.orglife.models import Attendance, Meeting

    b, page = chrome, chrome.page
    members = world["members"]
    branch = world["branch"]

    # The district officer's rate for 钟楼区 before.
    _as(b, "zhonglou")
    b.go("/life/")
    district_before = _figure(b, "life-rate")
    assert "钟楼区" in page.inner_text("h1")

    # The secretary, on a phone, lands on the branch.
    page.set_viewport_size(PHONE)
    _as(b, "qf_secretary")
    assert page.url == b.base + "/"
    main = page.inner_text("main")
    assert "钟楼区青枫社工服务中心党支部" in main and "本期应开展的组织生活" in main and "党费：待上线" in main
    assert "支部党员大会" in main
    quarter_before, year_before = _figure(b, "quarter-rate"), _figure(b, "year-rate")
    _shot_both(b, "orglife-01-workspace")

    # The big button opens the form, the branch chosen and its roster listed, all present by default.
    page.click("a.big-action")
    b.settle()
    assert page.input_value("input[type=hidden][name=party_org]") == str(branch.pk)
    assert page.locator("input[name=present]:checked").count() == len(members)
    page.check("input[name=kinds][value=general_meeting]")
    assert page.input_value("#id_held_on") == dt.date.today().isoformat()
    page.fill("#id_topic", "学习贯彻党的二十届四中全会精神")
    page.fill("#id_place", "青枫社工服务中心三楼党员活动室")
    page.fill("#id_host", "李明华")
    page.fill("#id_recorder", "陈静")
    page.fill("#id_invitees", "周伟（入党积极分子）")
    page.fill("#id_minutes", "传达学习全会精神；讨论下季度志愿服务安排。")
    # Two absent, each with a reason: the reason appears when the box is cleared.
    away = {members[3]: "illness", members[4]: "mobile"}
    for member, reason in away.items():
        page.uncheck(f"input[name=present][value='{member.pk}']")
        select = page.locator(f"select[name=reason_{member.pk}]")
        assert select.is_visible()
        select.select_option(reason)
    assert not page.locator(f"select[name=reason_{members[0].pk}]").is_visible()
    page.set_input_files("#id_attachments", files=[{"name": "签到表.png", "mimeType": "image/png",
                                              "buffer": png_bytes(360, 480, (236, 230, 220))}])
    _no_overflow(b, "the meeting form")
    b.shot("orglife-02-form-phone")
    page.set_viewport_size(DESK)
    b.shot("orglife-02-form-desk")
    page.set_viewport_size(PHONE)
    page.click("form.meeting-form button[type=submit]")
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    b.settle()

    meeting = Meeting.objects.get(kinds=1)
    assert (meeting.present_count, meeting.expected_count) == (3, 5)
    assert dict(Attendance.objects.filter(meeting=meeting, present=False).values_list("member_id", "reason")) == {
        members[3].pk: "illness", members[4].pk: "mobile"}
    assert meeting.files.count() == 1
    detail = page.inner_text("main")
    for text in ("学习贯彻党的二十届四中全会精神", "生病", "外出流动", "王丽娟", "刘洋", "签到表.png", "周伟"):
        assert text in detail, text
    assert page.locator("ul.files img").evaluate("img => img.naturalWidth") == 360
    _shot_both(b, "orglife-03-meeting")

    # At once: the branch's quarterly compliance on the workspace.
    b.go("/")
    quarter_after = _figure(b, "quarter-rate")
    assert quarter_after != quarter_before, (quarter_before, quarter_after)
    assert _figure(b, "year-rate") != year_before
    assert "已召开" in page.inner_text("ul.dues")
    _shot_both(b, "orglife-04-workspace-after")
    b.go(f"/life/org/{branch.pk}/")
    assert _figure(b, "quarter-rate") == quarter_after
    _shot_both(b, "orglife-05-branch-life")

    # And the district's rate on the officer's table.
    page.set_viewport_size(DESK)
    _as(b, "zhonglou")
    b.go("/life/")
    district_after = _figure(b, "life-rate")
    assert district_after != district_before, (district_before, district_after)
    assert "荷花池街道" in page.inner_text("table.life")
    _shot_both(b, "orglife-06-life-table")
    b.go("/")
    assert _figure(b, "life-rate") == district_after
