"""The report's flow on the case mechanism (rule SECRETARY_REPORT): written and submitted by the
secretary, evaluated or returned by the superior; the refusals name field and rule and save nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.annualreports.models import Rating, SecretaryReport
from shuniu.audit.models import AuditEntry
from shuniu.cases.models import Case
from shuniu.cases.services import case_act, case_update
from shuniu.party.models import PartyOrg
from tests.annualreports.conftest import TODAY, Y, evaluate, report
from tests.factories import PartyOrgFactory

pytestmark = pytest.mark.django_db


def test_the_secretary_submits_and_the_committee_evaluates_with_the_weighted_grade(
        branch, committee, secretary, committee_user):
    case = report(branch, secretary, submit=False, members_good=10, members_fairly_good=2)
    assert case.state == "draft" and case.holder_id == branch.pk
    row = SecretaryReport.objects.get(case=case)
    assert (row.year, row.submitted_on, row.party_org_id) == (Y, None, branch.pk)
    case = case_act(actor=secretary, case=case, action="submit")
    assert case.state == "submitted" and case.body_id == committee.pk and case.waiting_on == "body"
    row.refresh_from_db()
    assert row.submitted_on == TODAY
    assert sorted(Rating.objects.filter(report=row).values_list("side", "grade", "count")) == [
        ("members", "fairly_good", 2), ("members", "good", 10)]
    # The secretary cannot evaluate their own report.
    with pytest.raises(PermissionDenied):
        evaluate(case, "good", secretary)
    # superior 较好 (3) × 0.7 + members (10 × 4 + 2 × 3) / 12 × 0.3 = 2.1 + 1.15 = 3.25: 较好
    case = evaluate(case, "fairly_good", committee_user)
    assert case.state == "evaluated" and case.waiting_on == "" and case.closed_on == TODAY
    row.refresh_from_db()
    assert (row.superior_grade, row.grade, row.evaluated_on) == ("fairly_good", "fairly_good", TODAY)
    assert Rating.objects.get(report=row, side="superior").rater_id == committee_user.pk
    entry = AuditEntry.objects.filter(action="case.evaluate", target_id=str(case.pk)).get()
    assert entry.changes["state"] == ["submitted", "evaluated"]


def test_the_district_officer_evaluates_and_may_return_for_revision(branch, secretary, zhonglou_officer):
    case = report(branch, secretary)
    with pytest.raises(ValidationError) as exc:
        case_act(actor=zhonglou_officer, case=case, action="return")
    assert "comment" in exc.value.message_dict
    case = case_act(actor=zhonglou_officer, case=case, action="return", comment="请补充整改措施")
    assert case.state == "returned" and case.waiting_on == "applicant"
    case_update(actor=secretary, case=case, data={"problems": "补充：组织生活质量不高"})
    assert SecretaryReport.objects.get(case=case).problems == "补充：组织生活质量不高"
    case = case_act(actor=secretary, case=case, action="submit")
    case = evaluate(case, "good", zhonglou_officer)
    assert SecretaryReport.objects.get(case=case).grade == "good"


def test_another_districts_officer_can_neither_write_nor_evaluate(branch, secretary, chaoyang_officer):
    with pytest.raises(PermissionDenied):
        report(branch, chaoyang_officer)
    case = report(branch, secretary)
    with pytest.raises(PermissionDenied):
        evaluate(case, "good", chaoyang_officer)
    assert Case.objects.get(pk=case.pk).state == "submitted"
    assert SecretaryReport.objects.count() == 1


def test_a_grade_of_average_needs_the_interview_and_the_rectification(branch, secretary, committee_user):
    case = report(branch, secretary, members_poor=3)
    with pytest.raises(ValidationError) as exc:
        evaluate(case, "average", committee_user)
    errors = exc.value.message_dict
    assert set(errors) == {"interview_on", "follow_up"}
    assert "SECRETARY_REPORT" in errors["interview_on"][0] and "约谈" in errors["interview_on"][0]
    assert exc.value.error_dict["follow_up"][0].code == "SECRETARY_REPORT"
    assert Case.objects.get(pk=case.pk).state == "submitted" and not Rating.objects.filter(side="superior").exists()
    evaluate(case, "average", committee_user, interview_on=TODAY.isoformat(), follow_up="限期整改")
    row = SecretaryReport.objects.get(case=case)
    # 一般 (2) × 0.7 + 差 (1) × 0.3 = 1.7: 一般
    assert (row.grade, row.interview_on, row.follow_up) == ("average", TODAY, "限期整改")


def test_a_second_report_for_the_same_year_is_refused_naming_the_rule(branch, secretary):
    first = report(branch, secretary)
    with pytest.raises(ValidationError) as exc:
        report(branch, secretary)
    message = exc.value.message_dict["year"][0]
    assert "每年述职一次" in message and "SECRETARY_REPORT" in message and f"事项 {first.pk}" in message
    assert exc.value.error_dict["year"][0].code == "SECRETARY_REPORT"
    assert Case.objects.filter(kind="secretary_report").count() == 1
    # A withdrawn draft leaves the year free.
    draft = report(branch, secretary, year=Y - 1, submit=False)
    case_act(actor=secretary, case=draft, action="withdraw")
    assert report(branch, secretary, year=Y - 1).state == "submitted"


def test_a_future_year_a_dissolved_or_a_later_party_org_is_refused_and_nothing_is_saved(committee, branch, secretary):
    before = (Case.objects.count(), SecretaryReport.objects.count())
    with pytest.raises(ValidationError) as exc:
        report(branch, secretary, year=TODAY.year + 1)
    assert "尚未开始" in exc.value.message_dict["year"][0]
    young = PartyOrgFactory(name="新建党支部", superior=committee, established_on=dt.date(TODAY.year, 1, 1))
    with pytest.raises(ValidationError) as exc:
        report(young, year=TODAY.year - 1)
    assert "尚未成立" in exc.value.message_dict["year"][0] and "SECRETARY_REPORT" in exc.value.message_dict["year"][0]
    PartyOrg.objects.filter(pk=branch.pk).update(dissolved_on=dt.date(TODAY.year, 1, 1))
    branch.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        report(branch)
    assert "已于" in exc.value.message_dict["party_org"][0] and "撤销" in exc.value.message_dict["party_org"][0]
    assert (Case.objects.count(), SecretaryReport.objects.count()) == before


@pytest.mark.parametrize("data, field", [
    ({"year": "二〇二五"}, "year"), ({"mode": "video"}, "mode"), ({"text": ""}, "text"),
    ({"rectification": [{"item": "整改"}]}, "rectification"), ({"rectification": "整改"}, "rectification"),
    ({"members_good": -1}, "members_good"), ({"members_poor": "many"}, "members_poor"),
])
def test_bad_input_is_refused_keyed_by_field(branch, secretary, data, field):
    with pytest.raises(ValidationError) as exc:
        report(branch, secretary, **data)
    assert field in exc.value.message_dict
    assert not SecretaryReport.objects.exists() and not Case.objects.exists()


def test_a_bad_grade_is_refused(branch, secretary, committee_user):
    case = report(branch, secretary)
    with pytest.raises(ValidationError) as exc:
        evaluate(case, "excellent", committee_user)
    assert "grade" in exc.value.message_dict
