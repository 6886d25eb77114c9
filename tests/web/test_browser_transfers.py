"""A relation transfer in a real browser, from 钟楼区 (320404) to 朝阳区 (110105): the secretary of a
Zhonglou joint branch issues a letter for a member from the branch's roster, picking the Beijing
joint branch from the national directory; the Beijing secretary finds it in the inbox and confirms
receipt. The member's relation, both rosters, both orgs' staff counts, the due lists and the
coverage tables change on the confirmation and not before: the Beijing org reaches 3 full members
(rule ESTABLISH) while the Zhonglou org drops to 2. A second letter, issued 40 days ago with 10
days' validity, is overdue in both sides' inboxes. Screenshots in ``test-artifacts/`` (copied to
docs/screenshots/transfers-*.png), at desk width and at 390 px."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    ZHONGLOU,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)
from tests.web.browser import Browser, _ensure_reference_data
from tests.web.test_browser_cases import PASSWORD, _act, _as

pytestmark = pytest.mark.slow


@pytest.fixture
def world(reference_data: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _ensure_reference_data()
    from shuniu.accounts.services import user_create
    from shuniu.transfers.services import letter_issue

    # 钟楼区: an org covered by a joint branch, with exactly 3 full members (due: 3 ≥ N, not its own
    # party org) and a probationary one.
    zl_org = SocialOrgFactory(name="钟楼区青枫社工服务中心", region_code=HEHUACHI)
    zl_branch = PartyOrgFactory(name="荷花池街道社会组织联合党支部", kind="joint_branch", covers=[zl_org])
    full = [PartyMemberFactory(name=name, gender=gender, workplace=zl_org, relation_org=zl_branch, status="full")
            for name, gender in (("李明华", "male"), ("陈静", "female"), ("赵国强", "male"))]
    probationary = PartyMemberFactory(name="孙小雨", gender="female", workplace=zl_org, relation_org=zl_branch,
                                      status="probationary", full_on=None)
    # 朝阳区: an org covered by a joint branch, 2 full members (not yet due).
    bj_org = SocialOrgFactory(name="北京朝阳社区公益发展中心", region_code=JIANWAI)
    bj_branch = PartyOrgFactory(name="建外街道社会组织联合党支部", kind="joint_branch", covers=[bj_org])
    for name in ("王建军", "刘芳"):
        PartyMemberFactory(name=name, workplace=bj_org, relation_org=bj_branch, status="full")
    users = {"zl_secretary": ("secretary", f"party:{zl_branch.pk}", "荷花池联合党支部书记"),
             "bj_secretary": ("secretary", f"party:{bj_branch.pk}", "建外联合党支部书记"),
             "zhonglou": ("district_officer", ZHONGLOU, "钟楼区社会组织工作人员"),
             "chaoyang": ("district_officer", CHAOYANG, "朝阳区社会组织工作人员")}
    for username, (role, scope, name) in users.items():
        user_create(actor=SYSTEM, username=username, role=role, scope=scope, password=PASSWORD, full_name=name)
    # A letter issued 40 days ago with 10 days' validity, never received: overdue for both sides.
    today = dt.date.today()
    with time_machine.travel(dt.datetime.combine(today - dt.timedelta(days=40), dt.time(10)), tick=False):
        late = letter_issue(actor=SYSTEM, member=probationary, to_org=bj_branch, reason="居住地变动", valid_days=10)
    return {"zl_org": zl_org, "zl_branch": zl_branch, "bj_org": bj_org, "bj_branch": bj_branch, "full": full,
            "late": late, "probationary": probationary}


def _rows() -> tuple[dict[str, Any], dict[str, Any]]:
    from shuniu.accounts.scopes import Scope
    from shuniu.coverage.selectors import coverage_rows

    return coverage_rows(Scope.of_region(ZHONGLOU))[0], coverage_rows(Scope.of_region(CHAOYANG))[0]


def _counts(world: dict[str, Any]) -> tuple[int, int, int, int]:
    from shuniu.registry.models import SocialOrg

    zl, bj = SocialOrg.objects.get(pk=world["zl_org"].pk), SocialOrg.objects.get(pk=world["bj_org"].pk)
    return zl.full_members, zl.members_on_staff, bj.full_members, bj.members_on_staff


def _due_lists(b: Browser) -> tuple[bool, bool]:
    """Whether each district officer's due list (/orgs/?due=1) shows its org."""
    _as(b, "zhonglou")
    b.go("/orgs/?due=1")
    zl = "钟楼区青枫社工服务中心" in b.page.inner_text("#results")
    _as(b, "chaoyang")
    b.go("/orgs/?due=1")
    bj = "北京朝阳社区公益发展中心" in b.page.inner_text("#results")
    return zl, bj


def _phone(b: Browser, name: str) -> None:
    b.page.set_viewport_size({"width": 390, "height": 844})
    b.shot(name)
    b.page.set_viewport_size({"width": 1366, "height": 900})


def test_a_letter_from_zhonglou_to_beijing_moves_the_relation_and_the_figures_on_receipt(
        world: dict[str, Any], chrome: Browser) -> None:
    from shuniu.party.models import PartyMember
    from shuniu.party.relations import relation_as_of, roster_as_of
    from shuniu.transfers.models import RelationLetter

    b, page = chrome, chrome.page
    member = world["full"][0]
    today = dt.date.today()
    assert _counts(world) == (3, 4, 2, 2)
    assert _due_lists(b) == (True, False)
    zl_before, bj_before = _rows()

    # The Zhonglou secretary issues the letter from the branch's roster.
    _as(b, "zl_secretary")
    b.go(f"/party/{world['zl_branch'].pk}/")
    page.click(f"a[href='/members/{member.pk}/transfer/']")
    b.settle()
    b.pick("to_org", "建外街道", world["bj_branch"].pk)
    b.pick("to_workplace", "朝阳社区公益", world["bj_org"].pk)
    page.fill("#id_reason", "工作调动至北京")
    page.fill("#id_dues_paid_to", f"{today:%Y-%m}")
    assert page.input_value("#id_valid_days") == "30"
    b.shot("transfers-01-new-letter")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/transfers/\d+/$"))
    b.settle()
    letter = RelationLetter.objects.get(member=member)
    assert letter.state == "issued" and letter.number in page.inner_text("h1")
    for text in ("存根", "回执", "建外街道社会组织联合党支部", "李明华"):
        assert text in page.inner_text(".letter-print"), text
    b.shot("transfers-02-letter")
    page.emulate_media(media="print")
    b.shot("transfers-02-letter-print")
    page.emulate_media(media="screen")
    _phone(b, "transfers-02-letter-phone")

    # In transit: nothing has moved yet.
    assert PartyMember.objects.get(pk=member.pk).relation_org_id == world["zl_branch"].pk
    assert _counts(world) == (3, 4, 2, 2)
    assert _rows() == (zl_before, bj_before)
    assert _due_lists(b) == (True, False)

    # The Beijing secretary finds both letters in the inbox (the old one overdue) and confirms the new one.
    _as(b, "bj_secretary")
    b.go("/todo/")
    inbox = page.inner_text("main")
    assert "李明华" in inbox and "孙小雨" in inbox and "已超期" in inbox
    b.shot("transfers-03-beijing-inbox")
    _phone(b, "transfers-03-beijing-inbox-phone")
    page.click("a:has-text('李明华')")
    b.settle()
    _act(b, "confirm", received_on=today.isoformat())
    letter.refresh_from_db()
    assert letter.state == "completed" and letter.received_on == today

    # On the confirmation: the relation, both rosters, both orgs' counts, the due lists and coverage.
    assert relation_as_of(member, today).party_org_id == world["bj_branch"].pk
    assert relation_as_of(member, today - dt.timedelta(days=1)).party_org_id == world["zl_branch"].pk
    assert member not in roster_as_of(world["zl_branch"], today)
    assert member in roster_as_of(world["bj_branch"], today)
    assert _counts(world) == (2, 3, 3, 3)
    zl_after, bj_after = _rows()
    assert zl_after["due_not_established"] == zl_before["due_not_established"] - 1
    assert bj_after["due_not_established"] == bj_before["due_not_established"] + 1
    assert _due_lists(b) == (False, True)

    # The Zhonglou side: the letter received, the other overdue in its inbox and its list.
    _as(b, "zl_secretary")
    b.go("/todo/")
    assert "孙小雨" in page.inner_text("main") and "过期" in page.inner_text("main")
    b.shot("transfers-04-zhonglou-inbox")
    b.go("/transfers/?direction=out")
    rows = page.inner_text("table.letters")
    assert "已接收" in rows or "已办结" in rows
    assert page.locator("table.letters tr.overdue").count() == 1
    b.shot("transfers-05-list")
    _phone(b, "transfers-05-list-phone")
    b.go(f"/members/{world['probationary'].pk}/edit/")
    assert "孙小雨" in page.inner_text("main")
    # The received member's history, seen by its new side.
    _as(b, "bj_secretary")
    b.go(f"/members/{member.pk}/edit/")
    history = page.inner_text("#transfers")
    assert "荷花池街道社会组织联合党支部" in history and "建外街道社会组织联合党支部" in history
    b.shot("transfers-06-member-history")
