"""The case mechanism through the change report (a party org reports to its superior)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shuniu.accounts.scopes import Scope
from shuniu.audit.models import AuditEntry
from shuniu.cases.models import Attachment, Case, CaseStep
from shuniu.cases.selectors import waiting_on_me
from shuniu.cases.services import attachment_add, case_act, case_open, case_update
from shuniu.registry.services import org_deregister
from tests.conftest import _user
from tests.coverage.test_engine import assert_incremental_equals_rebuild
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
def committee(db):
    return PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")


@pytest.fixture
def committee_user(committee):
    return _user("zl_committee", "secretary", f"party:{committee.pk}")


@pytest.fixture
def reporting(committee):
    org = SocialOrgFactory(name="荷花池养老服务中心", region_code=HEHUACHI)
    branch = PartyOrgFactory(name="荷花池养老服务中心党支部", superior=committee, covers=[org])
    for _i in range(3):
        PartyMemberFactory(workplace=org, relation_org=branch)
    return branch


def _open(actor, branch, **kw):
    return case_open(actor=actor, kind="change_report", party_org=branch,
                     data={"event": "rename", "event_on": "2026-11-01", "description": "更名"}, **kw)


def test_a_report_goes_to_the_superior_and_back_and_is_approved_with_a_timeline(reporting, committee,
                                                                                  committee_user, secretary):
    sec = _user("sec2", "secretary", f"party:{reporting.pk}")
    case = _open(sec, reporting, submit=True)
    assert case.state == "submitted" and case.body == committee and case.waiting_on == "body"
    assert case.due_on == case.submitted_on + dt.timedelta(days=30)
    assert case in waiting_on_me(Scope.for_user(committee_user))
    assert case not in waiting_on_me(Scope.for_user(sec))
    case = case_act(actor=committee_user, case=case, action="return", comment="请补充说明")
    assert case.state == "returned" and case.waiting_on == "applicant" and case.due_on is None
    assert case in waiting_on_me(Scope.for_user(sec))
    case = case_update(actor=sec, case=case, data={"description": "协会更名为荷花池养老服务协会"})
    case = case_act(actor=sec, case=case, action="submit")
    case = case_act(actor=committee_user, case=case, action="approve",
                    data={"decision": "rename", "decision_no": "钟社党〔2026〕12号", "decided_on": dt.date.today(),
                          "new_name": "荷花池养老服务协会党支部"})
    reporting.refresh_from_db()
    assert case.state == "approved" and case.waiting_on == "" and case.closed_on == dt.date.today()
    assert reporting.name == "荷花池养老服务协会党支部"
    assert [s.action for s in case.steps.all()] == ["open", "submit", "return", "edit", "submit", "approve"]
    assert AuditEntry.objects.filter(action="case.approve", target_id=str(case.pk)).exists()


def test_wrong_transitions_self_approval_and_outside_actors_change_nothing(reporting, committee, committee_user,
                                                                            zhonglou_officer, chaoyang_officer):
    case = _open(zhonglou_officer, reporting, submit=True)
    steps = CaseStep.objects.count()
    # The district officer submitted it: they may not decide it themselves.
    with pytest.raises(ValidationError) as err:
        case_act(actor=zhonglou_officer, case=case, action="approve",
                 data={"decision": "keep", "decision_no": "1", "decided_on": dt.date.today()})
    assert "self_approval" in str(err.value.error_dict["action"][0].code)
    with pytest.raises(PermissionDenied):
        case_act(actor=chaoyang_officer, case=case, action="reject", comment="x")
    with pytest.raises(ValidationError) as err:
        case_act(actor=committee_user, case=case, action="return")  # no comment
    assert "comment" in err.value.error_dict
    case = case_act(actor=zhonglou_officer, case=case, action="withdraw")
    with pytest.raises(ValidationError) as err:
        case_act(actor=committee_user, case=case, action="approve",
                 data={"decision": "keep", "decision_no": "1", "decided_on": dt.date.today()})
    assert "已撤回" in str(err.value)
    case.refresh_from_db()
    assert case.state == "withdrawn" and CaseStep.objects.count() == steps + 1


def test_attachments_are_checked_by_content_and_size(reporting, committee_user, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    case = _open(SYSTEM, reporting, submit=True)
    with pytest.raises(ValidationError) as err:
        attachment_add(actor=committee_user, case=case, upload=SimpleUploadedFile("批复.pdf", EXE))
    assert "PDF / JPEG / PNG / DOCX" in str(err.value)
    settings.SHUNIU_ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError) as err:
        attachment_add(actor=committee_user, case=case, upload=big)
    assert "超过上限" in str(err.value)
    assert not Attachment.objects.exists()
    attachment = attachment_add(actor=committee_user, case=case, upload=SimpleUploadedFile("批复.pdf", PDF))
    assert attachment.content_type == "application/pdf" and attachment.file.read() == PDF


def test_dissolving_after_a_deregistration_ends_coverage_and_lists_the_members(reporting, committee, committee_user):
    org = reporting.coverages.get().org
    org_deregister(actor=SYSTEM, org=org, on=dt.date.today())
    case = Case.objects.get(kind="change_report", party_org=reporting)
    assert case.state == "draft" and case.waiting_on == "applicant"
    from shuniu.coverage.engine import refresh_orgs

    refresh_orgs([org.pk])  # refreshed again: the report opens once
    assert Case.objects.filter(kind="change_report", party_org=reporting).count() == 1
    case = case_act(actor=SYSTEM, case=case, action="submit")
    case = case_act(actor=committee_user, case=case, action="approve",
                    data={"decision": "dissolve", "decision_no": "钟社党〔2026〕13号", "decided_on": dt.date.today()})
    reporting.refresh_from_db()
    assert reporting.dissolved_on == dt.date.today()
    assert not reporting.coverages.filter(ended_on__isnull=True).exists()
    step = case.steps.get(action="approve")
    assert sorted(step.data["awaiting_transfer"]) == sorted(reporting.members.values_list("pk", flat=True))
    assert reporting.members.filter(ended_on__isnull=True).count() == 3
    assert_incremental_equals_rebuild()
