"""The organizational-life pages: recording a meeting through the form (the roster checklist, the
reasons, a photo), bad input shown next to its field with nothing saved, the scope (another
district's officer gets a 404), the compliance table and its drill-down and exports, the party org's
page, correcting and deleting, the member review, and the secretary's workspace."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shuniu.audit.models import AuditEntry
from shuniu.orglife.models import Attendance, Meeting, MeetingFile, ReviewResult
from shuniu.orglife.services import meeting_record
from tests.factories import SYSTEM
from tests.orglife.conftest import png_bytes

pytestmark = pytest.mark.django_db


def _page(response: Any) -> str:
    return unescape(response.content.decode())


def _post_meeting(client: Any, life: Any, **over: Any) -> Any:
    own = life.own
    data: dict[str, Any] = {
        "party_org": life.branch.pk, "kinds": ["general_meeting", "theme_day"], "held_on": "2026-05-18",
        "topic": "学习党章", "place": "党员活动室", "host": "王书记", "recorder": "李委员", "invitees": "张三、李四",
        "minutes": "会议学习了党章。", "decisions": "每月开展主题党日。",
        "roster": [m.pk for m in [*own, life.guest]], "present": [own[0].pk, life.guest.pk],
        f"reason_{own[1].pk}": "leave", f"reason_{own[2].pk}": "mobile",
        "attachments": [SimpleUploadedFile("签到表.png", png_bytes(), content_type="image/png")],
    }
    data.update(over)
    return client.post("/meetings/new/", {k: v for k, v in data.items() if v is not None})


def test_the_form_lists_the_expected_roster_with_the_participant_and_preselects_the_branch(
        client, secretary, life):  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    page = _page(client.get("/meetings/new/?kinds=general_meeting"))
    for m in [*life.own, life.guest]:
        assert f'name="present" value="{m.pk}" checked' in page and m.name in page
    assert life.stranger.name not in page
    assert "参加组织生活" in page
    assert f'name="party_org" value="{life.branch.pk}"' in page
    assert re.search(r'value="general_meeting"[^>]*checked', page)
    # The roster loads again by htmx for another date or party org.
    roster = _page(client.get("/meetings/roster/", {"party_org": life.branch.pk, "held_on": "2026-01-05"}))
    assert life.own[0].name in roster and life.guest.name in roster


def test_the_secretary_records_a_meeting_with_absentees_their_reasons_and_a_photo(
        client, secretary, life, media):  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    response = _post_meeting(client, life)
    assert response.status_code == 302, _page(response)
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert (meeting.present_count, meeting.expected_count) == (2, 4)
    assert meeting.kind_list == ["general_meeting", "theme_day"]
    reasons = dict(Attendance.objects.filter(meeting=meeting, present=False).values_list("member_id", "reason"))
    assert reasons == {life.own[1].pk: "leave", life.own[2].pk: "mobile"}
    assert Attendance.objects.get(meeting=meeting, member=life.guest).participant
    photo = MeetingFile.objects.get(meeting=meeting)
    assert photo.content_type == "image/png"
    detail = _page(client.get(response["Location"]))
    for text in ("学习党章", "请假", "外出流动", life.guest.name, "签到表.png", "张三", "记录组织生活"):
        assert text in detail, text
    download = client.get(f"/meetings/files/{photo.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"held_on": "2026-05-21"}, "held_on", "召开日期不能晚于今天（规则：日期不在未来）"),
    ({"present": []}, "attendees", "出席人数为 0"),
    ({"present": None, "roster": None}, "attendees", "出席人数为 0"),
    ({"kinds": []}, "kinds", "请选择会议类型（规则 LIFE"),
    ({"topic": ""}, "topic", "主题"),
    ({"held_on": "2019-01-01"}, "held_on", "早于党组织成立日期"),
    ({"attachments": [SimpleUploadedFile("签到表.png", b"MZ\x90\x00not an image")]}, "attachments",
     "的内容不是 PDF / JPEG / PNG / DOCX 文件"),
])
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
        client, secretary, life, media, over, field, message):  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    response = _post_meeting(client, life, **over)
    assert response.status_code == 200
    page = _page(response)
    assert "尚未保存" in page
    block = re.search(rf'data-field="{field}">(.*?)(?:</fieldset>|<div class="field|$)', page, re.S)
    assert block is not None and message in block.group(1), page
    assert not Meeting.objects.exists() and not MeetingFile.objects.exists()
    assert not list(media.rglob("*.png")) if media.exists() else True


def test_a_member_of_another_party_org_posted_as_present_is_refused_and_named_by_id_only(
        client, secretary, life, media):  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    page = _page(_post_meeting(client, life, present=[life.own[0].pk, life.stranger.pk]))
    assert "不是本组织在会议当日的党员" in page and str(life.stranger.pk) in page
    assert life.stranger.name not in page
    assert not Meeting.objects.exists()
    # The checklist keeps what was ticked and the reasons chosen.
    assert f'name="present" value="{life.own[0].pk}" checked' in page
    assert f'name="present" value="{life.own[1].pk}">' in page
    assert re.search(rf'name="reason_{life.own[2].pk}".*?value="mobile" selected', page, re.S)


def test_another_districts_officer_gets_404_and_sees_nothing(
        client, chaoyang_officer, zhonglou_officer, life, media):  # type: ignore[no-untyped-def]
    meeting = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on="2026-05-10",
                             topic="钟楼学习会", attendees=[life.own[0]],
                             files=[SimpleUploadedFile("照片.png", png_bytes())])
    photo = meeting.files.get()
    client.force_login(chaoyang_officer)
    for url in (f"/life/org/{life.branch.pk}/", f"/life/org/{life.branch.pk}/review/", f"/meetings/{meeting.pk}/",
                f"/meetings/{meeting.pk}/correct/", f"/meetings/files/{photo.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/meetings/{meeting.pk}/delete/", {"reason": "越权"}).status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/correct/", {"reason": "越权", "topic": "改"}).status_code == 404
    assert "钟楼学习会" not in _page(client.get("/meetings/"))
    assert client.get("/life/", {"region": "320404"}).status_code == 404
    assert "荷花池" not in _page(client.get("/life/orgs/"))
    # Recording for it from outside: the picker refuses the party org, nothing is written.
    response = _post_meeting(client, life)
    assert response.status_code == 200 and Meeting.objects.count() == 1
    assert life.branch.name not in _page(response)
    client.force_login(zhonglou_officer)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert "钟楼学习会" in _page(client.get("/meetings/"))


def _figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page)
    assert found is not None, name
    return found.group(1)


def test_the_compliance_table_moves_at_once_and_drills_down_to_the_branch(
        client, zhonglou_officer, secretary, life, media):  # type: ignore[no-untyped-def]
    client.force_login(zhonglou_officer)
    before = _page(client.get("/life/"))
    assert "钟楼区" in before and "荷花池街道" in before
    client.force_login(secretary)
    assert _post_meeting(client, life, held_on="2026-04-10", attachments=None).status_code == 302
    client.force_login(zhonglou_officer)
    after = _page(client.get("/life/"))
    assert _figure(before, "life-rate") != _figure(after, "life-rate")
    # Every number links to the party orgs behind it.
    link = re.search(r'href="(/life/orgs/\?[^"]*figure=complete[^"]*)"', after)
    assert link is not None
    orgs = _page(client.get(unescape(link.group(1))))
    assert orgs.count("荷花池社工服务中心党支部") <= 1
    listing = _page(client.get("/life/orgs/", {"region": "320404", "figure": "orgs"}))
    assert "荷花池社工服务中心党支部" in listing and f"/life/org/{life.branch.pk}/" in listing
    # The dashboard's panel shows the same rate, with the link to the table.
    home = _page(client.get("/"))
    assert _figure(home, "life-rate") == _figure(after, "life-rate") and "/life/?region=320404" in home
    # As of a past date, and by kind of party org.
    assert client.get("/life/", {"as_of": "2026-03-31", "year": "2026"}).status_code == 200
    assert "党支部" in _page(client.get("/life/", {"by": "type"}))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_table_and_the_list_behind_it_export(client, zhonglou_officer, life, fmt):  # type: ignore[no-untyped-def]
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on="2026-04-10",
                   topic="学习", attendees=[life.own[0]])
    client.force_login(zhonglou_officer)
    for url, expected in (("/life/", "荷花池街道"), ("/life/orgs/", "荷花池社工服务中心党支部")):
        response = client.get(url, {"format": fmt})
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        data = b"".join(response.streaming_content)
        if fmt == "xlsx":
            book = load_workbook(io.BytesIO(data))
            text = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
        else:
            text = data.decode("utf-8-sig")
        assert expected in text and "组织生活开展率" in text
    assert AuditEntry.objects.filter(action="export", target_repr__in=[f"life_table.{fmt}", f"life_orgs.{fmt}"]).count() == 2


def test_the_party_orgs_page_shows_the_periods_the_rates_and_the_members(
        client, secretary, life):  # type: ignore[no-untyped-def]
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on="2026-04-10",
                   topic="四月党员大会", attendees=[life.own[0], life.guest], absentees={life.own[1].pk: "illness"})
    client.force_login(secretary)
    page = _page(client.get(f"/life/org/{life.branch.pk}/"))
    for text in ("支部党员大会", "主题党日", "已召开", "截止 2026-05-31", "四月党员大会", "第十一条",
                 life.own[0].name, life.guest.name, "1/1", "未评议", "记录组织生活", "记录民主评议"):
        assert text in page, text
    assert f"/meetings/new/?party_org={life.branch.pk}&amp;kinds=theme_day" in client.get(
        f"/life/org/{life.branch.pk}/").content.decode()
    assert f"/life/org/{life.branch.pk}/" in _page(client.get(f"/party/{life.branch.pk}/"))


def test_a_correction_needs_its_reason_and_is_kept_in_the_history(
        client, secretary, life):  # type: ignore[no-untyped-def]
    meeting = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on="2026-05-10",
                             topic="原主题", attendees=[life.own[0]])
    client.force_login(secretary)
    url = f"/meetings/{meeting.pk}/correct/"
    form = _page(client.get(url))
    assert "原主题" in form and f'name="present" value="{life.own[0].pk}" checked' in form
    base = {"kinds": ["general_meeting"], "held_on": "2026-05-10", "topic": "更正后的主题",
            "roster": [m.pk for m in [*life.own, life.guest]], "present": [life.own[0].pk, life.own[1].pk]}
    page = _page(client.post(url, base))
    assert "尚未保存" in page and "更正原因不能为空" in page
    meeting.refresh_from_db()
    assert meeting.topic == "原主题"
    assert client.post(url, {**base, "reason": "漏记一名出席党员"}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.topic, meeting.present_count, meeting.corrections) == ("更正后的主题", 2, 1)
    detail = _page(client.get(f"/meetings/{meeting.pk}/"))
    assert "更正记录" in detail and "漏记一名出席党员" in detail and "原主题" in detail


def test_a_meeting_is_deleted_only_while_its_quarter_is_open(client, secretary, life):  # type: ignore[no-untyped-def]
    old = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["general_meeting"], held_on="2026-03-20",
                         topic="上季度会议", attendees=[life.own[0]])
    new = meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["theme_day"], held_on="2026-05-10",
                         topic="误录的会议", attendees=[life.own[0]])
    client.force_login(secretary)
    assert "删除原因" not in _page(client.get(f"/meetings/{old.pk}/"))
    response = client.post(f"/meetings/{old.pk}/delete/", {"reason": "误录"}, follow=True)
    assert "只能更正" in _page(response) and Meeting.objects.filter(pk=old.pk).exists()
    assert client.get(f"/meetings/{new.pk}/delete/").status_code == 405
    response = client.post(f"/meetings/{new.pk}/delete/", {"reason": "误录"})
    assert response.status_code == 302 and not Meeting.objects.filter(pk=new.pk).exists()


def test_the_member_review_through_the_page(client, secretary, life):  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    url = f"/life/org/{life.branch.pk}/review/"
    page = _page(client.get(url))
    assert all(m.name in page for m in life.own) and life.guest.name not in page
    a, b, c = life.own
    data = {"year": "2026", "reviewed_on": "2026-05-19", f"grade_{a.pk}": "excellent", f"grade_{b.pk}": "qualified",
            f"grade_{c.pk}": "unqualified"}
    page = _page(client.post(url, data))
    assert "评为不合格须写明处置" in page and not ReviewResult.objects.exists()
    data.update({f"follow_up_{c.pk}": "education", f"improve_by_{c.pk}": "2026-11-30", f"note_{c.pk}": "长期不参加"})
    assert client.post(url, data).status_code == 302
    assert dict(ReviewResult.objects.values_list("member_id", "grade")) == {
        a.pk: "excellent", b.pk: "qualified", c.pk: "unqualified"}
    life_page = _page(client.get(f"/life/org/{life.branch.pk}/"))
    assert "优秀" in life_page and "不合格" in life_page


def test_the_secretary_lands_on_the_branch(client, secretary, life):  # type: ignore[no-untyped-def]
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["theme_day"], held_on=dt.date(2026, 5, 8),
                   topic="五月主题党日", attendees=[life.own[0], life.own[1]])
    client.force_login(secretary)
    page = _page(client.get("/"))
    for text in ("我的支部", life.branch.name, "记录组织生活", "本期应开展的组织生活", "五月主题党日", "支部党员大会",
                 "截止 2026-06-30", life.own[2].name, "党费：待上线", "组织关系转接", "发展党员", "待办"):
        assert text in page, text
    # The inbox shows what this period still needs (rule LIFE), linking to the prefilled form.
    assert f"/meetings/new/?party_org={life.branch.pk}&amp;kinds=general_meeting" in client.get("/").content.decode()
    # The compliance table is by region: the secretary is sent to the branch's page.
    assert client.get("/life/")["Location"] == f"/life/org/{life.branch.pk}/"


def test_the_meeting_list_filters(client, zhonglou_officer, life):  # type: ignore[no-untyped-def]
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["party_lecture"], held_on="2026-05-10",
                   topic="党课：初心", lecturer="王书记", attendees=[life.own[0]])
    meeting_record(actor=SYSTEM, party_org=life.branch, kinds=["theme_day"], held_on="2026-04-10",
                   topic="四月主题党日", attendees=[life.own[0]])
    client.force_login(zhonglou_officer)
    page = _page(client.get("/meetings/", {"kind": "party_lecture"}))
    assert "党课：初心" in page and "四月主题党日" not in page
    assert "四月主题党日" in _page(client.get("/meetings/", {"q": "四月", "year": "2026"}))
    assert client.get("/meetings/", {"kind": "dinner"}).status_code == 400
    assert client.get("/life/", {"year": "1999"}).status_code == 400
    assert client.get("/life/", {"year": "2025", "as_of": "2026-01-01"}).status_code == 400
