"""Cases through the pages and the API: the list, the timeline, the one form for the next action,
attachments readable only inside the scope, the inbox and its count."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuniu.accounts.services import token_create
from shuniu.cases.models import Attachment, Case
from shuniu.cases.services import attachment_add, case_open
from tests.conftest import _user
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")
    org = SocialOrgFactory(name="荷花池养老服务中心", region_code=HEHUACHI)
    branch = PartyOrgFactory(name="荷花池养老服务中心党支部", superior=committee, covers=[org])
    for _i in range(3):
        PartyMemberFactory(workplace=org, relation_org=branch)
    case = case_open(actor=SYSTEM, kind="change_report", party_org=branch, title="荷花池养老服务中心更名报告",
                     data={"event": "rename", "event_on": "2026-11-01"})
    attachment = attachment_add(actor=SYSTEM, case=case, upload=SimpleUploadedFile("会议纪要.pdf", PDF))
    return {"committee": committee, "branch": branch, "case": case, "attachment": attachment,
            "secretary": _user("branch_sec", "secretary", f"party:{branch.pk}"),
            "body": _user("body_user", "secretary", f"party:{committee.pk}"),
            "street": _user("street", "street_officer", HEHUACHI),
            "other": _user("chaoyang_x", "district_officer", "110105")}


def test_the_secretary_submits_on_the_page_and_the_committee_decides_from_its_inbox(client, world):
    case = world["case"]
    client.force_login(world["secretary"])
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and "荷花池养老服务中心更名报告" in page.content.decode()
    assert "会议纪要.pdf" in page.content.decode()
    response = client.post(f"/cases/{case.pk}/act/", {"action": "submit", "comment": "请审批"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "submitted" and case.body == world["committee"]
    client.force_login(world["body"])
    inbox = client.get("/todo/").content.decode()
    assert "荷花池养老服务中心更名报告" in inbox
    # The count: this case, and the reminders of the terms ended in the committee's subtree.
    from shuniu.accounts.scopes import Scope
    from shuniu.cases.inbox import reminders

    expected = 1 + reminders(Scope.for_user(world["body"]), dt.date.today()).count
    assert re.search(rf">\s*{expected}\s*<", client.get("/todo/count/").content.decode())
    # The body's form offers its actions; a decision without its number is refused and changes nothing.
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="approve"' in detail and 'value="return"' in detail and 'value="withdraw"' not in detail
    client.post(f"/cases/{case.pk}/act/", {"action": "approve", "decision": "keep"})
    case.refresh_from_db()
    assert case.state == "submitted"
    client.post(f"/cases/{case.pk}/act/", {"action": "approve", "decision": "keep", "decision_no": "钟社党〔2026〕3号",
                                          "decided_on": dt.date.today().isoformat(),
                                          "attachment": SimpleUploadedFile("批复.pdf", PDF)})
    case.refresh_from_db()
    assert case.state == "approved"
    assert Attachment.objects.filter(case=case, step__action="approve", name="批复.pdf").exists()
    timeline = client.get(f"/cases/{case.pk}/").content.decode()
    assert "钟社党〔2026〕3号" in timeline and "批复.pdf" in timeline


def test_outside_the_scope_the_case_and_its_attachment_are_not_found(client, world):
    client.force_login(world["other"])
    assert client.get(f"/cases/{world['case'].pk}/").status_code == 404
    assert client.get(f"/cases/attachments/{world['attachment'].pk}/").status_code == 404
    assert client.post(f"/cases/{world['case'].pk}/act/", {"action": "withdraw"}).status_code == 404
    assert "荷花池养老服务中心更名报告" not in client.get("/cases/").content.decode()
    client.force_login(world["street"])
    download = client.get(f"/cases/attachments/{world['attachment'].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"


def test_the_api_opens_acts_and_lists_the_todo(client, world):
    token = token_create(actor=SYSTEM, user=world["secretary"], label="t")
    body_token = token_create(actor=SYSTEM, user=world["body"], label="b")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    opened = client.post("/api/v1/cases", {"kind": "change_report", "party_org": world["branch"].pk, "submit": True,
                                           "data": {"event": "other", "event_on": "2026-10-01"}},
                         content_type="application/json", **auth)
    assert opened.status_code == 201, opened.content
    case_id = opened.json()["id"]
    assert opened.json()["state"] == "submitted" and opened.json()["body_id"] == world["committee"].pk
    todo = client.get("/api/v1/todo", HTTP_AUTHORIZATION=f"Bearer {body_token}").json()
    assert case_id in [i["case_id"] for i in todo["items"]] and todo["cases"] == 1
    wrong = client.post(f"/api/v1/cases/{case_id}/act", {"action": "approve", "data": {}},
                        content_type="application/json", **auth)
    assert wrong.status_code in (403, 422)
    upload = client.post(f"/api/v1/cases/{case_id}/attachments",
                         {"file": SimpleUploadedFile("x.pdf", b"MZ" + b"\0" * 100)}, **auth)
    assert upload.status_code == 422 and "PDF / JPEG / PNG / DOCX" in upload.content.decode()
    back = client.post(f"/api/v1/cases/{case_id}/act", {"action": "return", "comment": "补充材料"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {body_token}")
    assert back.status_code == 200 and back.json()["state"] == "returned"
    assert [s["action"] for s in back.json()["steps"]] == ["open", "submit", "return"]
    assert Case.objects.get(pk=case_id).waiting_on == "applicant"


def test_a_secretary_reports_a_change_and_requests_an_election_from_the_party_page(client, world):
    client.force_login(world["secretary"])
    branch = world["branch"]
    assert client.get(f"/party/{branch.pk}/cases/no_such_kind/new/").status_code == 404
    page = client.get(f"/party/{branch.pk}/cases/election_request/new/").content.decode()
    for member in branch.members.all():
        assert member.name in page  # the candidates offered are the branch's full members
    response = client.post(f"/party/{branch.pk}/cases/change_report/new/",
                           {"event": "merge", "event_on": "2026-10-08", "description": "与西林养老协会合并",
                            "submit_now": "on", "attachment": SimpleUploadedFile("合并协议.pdf", PDF)})
    assert response.status_code == 302
    case = Case.objects.filter(kind="change_report", party_org=branch, state="submitted").get()
    assert case.data["event"] == "merge" and case.attachments.get().name == "合并协议.pdf"
    # A date in the future is refused on the page with the rule, and nothing is opened.
    before = Case.objects.count()
    refused = client.post(f"/party/{branch.pk}/cases/change_report/new/",
                          {"event": "other", "event_on": "2099-01-01", "submit_now": "on"})
    assert refused.status_code == 200 and "不能晚于今天" in refused.content.decode()
    assert Case.objects.count() == before


def test_the_establishment_page_opens_the_case_with_its_attachment(client, world):
    org = SocialOrgFactory(name="荷花池社区养老服务协会", region_code=HEHUACHI)
    members = [PartyMemberFactory(workplace=org, relation_elsewhere="某支部") for _i in range(3)]
    client.force_login(world["street"])
    form = client.get(f"/orgs/{org.pk}/establish/").content.decode()
    assert all(m.name in form for m in members)
    response = client.post(f"/orgs/{org.pk}/establish/", {
        "party_kind": "branch", "name": "荷花池社区养老服务协会党支部", "secretary": members[0].pk,
        **{f"m_{m.pk}": "relation" for m in members}, "submit_now": "on",
        "attachment": SimpleUploadedFile("申请.pdf", PDF)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    case = Case.objects.get(org=org, kind="establishment")
    assert case.state == "submitted" and case.body == world["committee"]
    assert case.attachments.get().name == "申请.pdf"


def test_a_street_officer_s_home_page_leads_with_the_inbox(client, world):
    client.force_login(world["street"])
    home = client.get("/").content.decode()
    assert home.index("我的待办") < home.index("组织覆盖率") and 'hx-get="/todo/"' in home
    client.force_login(world["other"])
    assert 'hx-get="/todo/"' not in client.get("/").content.decode()


def test_a_30_mb_attachment_and_an_exe_renamed_pdf_are_refused_through_the_api(client, world):
    token = token_create(actor=SYSTEM, user=world["secretary"], label="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    case = world["case"]
    before = Attachment.objects.count()
    big = SimpleUploadedFile("扫描件.pdf", PDF + b"\0" * (30 * 1024 * 1024))
    response = client.post(f"/api/v1/cases/{case.pk}/attachments", {"file": big}, **auth)
    assert response.status_code == 422 and "超过上限 20 MB" in response.content.decode()
    exe = SimpleUploadedFile("批复.pdf", b"MZ\x90\x00" + b"\0" * 4096, content_type="application/pdf")
    response = client.post(f"/api/v1/cases/{case.pk}/attachments", {"file": exe}, **auth)
    assert response.status_code == 422 and "按文件内容识别" in response.content.decode()
    assert Attachment.objects.count() == before
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    response = client.post(f"/api/v1/cases/{case.pk}/attachments",
                           {"file": SimpleUploadedFile("会议纪要.docx", docx.getvalue())}, **auth)
    assert response.status_code == 201 and response.json()["content_type"].endswith("wordprocessingml.document")


def test_a_submission_the_rules_refuse_on_the_page_leaves_no_draft_behind(client, world):
    org = SocialOrgFactory(name="荷花池小微协会", region_code=HEHUACHI)
    members = [PartyMemberFactory(workplace=org, relation_elsewhere="某支部") for _i in range(2)]
    client.force_login(world["street"])
    response = client.post(f"/orgs/{org.pk}/establish/", {
        "party_kind": "branch", "name": "荷花池小微协会党支部", "secretary": members[0].pk,
        **{f"m_{m.pk}": "relation" for m in members}, "submit_now": "on",
        "attachment": SimpleUploadedFile("申请.pdf", PDF)})
    page = response.content.decode()
    assert response.status_code == 200 and "ESTABLISH" in page and "尚未保存" in page
    assert not Case.objects.filter(org=org).exists() and not Attachment.objects.filter(name="申请.pdf").exists()
