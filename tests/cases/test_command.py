"""``shuniu cases``: the cases of a region, the overdue ones among them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from shuniu.cases.models import Case
from shuniu.cases.services import case_open
from tests.factories import HEHUACHI, SYSTEM, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db


def test_the_command_lists_the_overdue_cases_of_a_region() -> None:
    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")
    org = SocialOrgFactory(region_code=HEHUACHI)
    branch = PartyOrgFactory(superior=committee, covers=[org])
    late = case_open(actor=SYSTEM, kind="change_report", party_org=branch, title="逾期的报告", submit=True,
                     data={"event": "rename", "event_on": "2024-01-01"})
    case_open(actor=SYSTEM, kind="change_report", party_org=branch, title="按期的报告", submit=True,
              data={"event": "rename", "event_on": "2024-01-01"})
    Case.objects.filter(pk=late.pk).update(due_on=dt.date.today() - dt.timedelta(days=1))
    out = io.StringIO()
    call_command("cases", "--region", "320404", "--overdue", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [r["title"] for r in rows] == ["逾期的报告"] and rows[0]["overdue"] == "是"
    out = io.StringIO()
    call_command("cases", "--region", "110105", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_the_digest_is_off_by_default_and_mails_each_user_their_inbox_when_on(settings):
    from django.core import mail

    from shuniu.accounts.models import User
    from tests.conftest import _user

    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")
    branch = PartyOrgFactory(superior=committee, covers=[SocialOrgFactory(region_code=HEHUACHI)])
    case_open(actor=SYSTEM, kind="change_report", party_org=branch, title="待审批的报告", submit=True,
              data={"event": "rename", "event_on": "2024-01-01"})
    body = _user("body_user", "secretary", f"party:{committee.pk}")
    User.objects.filter(pk=body.pk).update(email="body@example.org")
    _user("nobody", "district_officer", "110105")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("digest", stdout=out)
    assert "未启用" in out.getvalue() and not mail.outbox
    settings.SHUNIU_DIGEST = True
    call_command("digest", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["body@example.org"]]
    assert "待审批的报告" in mail.outbox[0].body and "待办摘要" in mail.outbox[0].subject
