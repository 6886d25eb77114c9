"""The passes' services: the annual inspection with its party-building section and rule INSPECTION's
cap; the evaluation with rules EVALUATION_VETO and EVAL_ELIGIBILITY; the org's grade derived from
its records."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from shuniu.coverage.rules import evaluate
from shuniu.party.models import PartyOrg
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.passes.services import evaluation_record, inspection_record, rebuild_grades, stored_grades
from shuniu.registry.models import SocialOrg
from tests.factories import SYSTEM, SocialOrgFactory
from tests.passes.conftest import BEIJING_SOURCE, CHANGZHOU_SOURCE, state, switch_on

pytestmark = pytest.mark.django_db

LAST_YEAR = dt.date.today().year - 1


def _evaluate(org: SocialOrg, grade: str = "3A", year: int = LAST_YEAR, actor=SYSTEM) -> EvaluationRecord:  # type: ignore[no-untyped-def]
    return evaluation_record(actor=actor, org=org, year=year, grade=grade, decided_on=dt.date(year, 12, 1),
                             document_number="常民评〔2024〕3号")


# ---- EVALUATION_VETO ------------------------------------------------------------------------------

def test_3a_for_a_due_org_is_refused_naming_the_rule_and_its_source_when_the_veto_is_on(due_org, veto_in_changzhou):
    before = state(due_org)
    with pytest.raises(ValidationError) as info:
        _evaluate(due_org, "3A")
    [message] = info.value.message_dict["grade"]
    assert "EVALUATION_VETO" in message and "3A" in message
    assert "常州市做法（种子 003）" in message and CHANGZHOU_SOURCE in message
    assert info.value.error_dict["grade"][0].code == "EVALUATION_VETO"
    assert state(due_org) == before


def test_the_refusal_is_in_the_users_language(due_org, veto_in_changzhou):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        _evaluate(due_org, "4A")
    [message] = info.value.message_dict["grade"]
    assert "EVALUATION_VETO" in message and "3A or above" in message and CHANGZHOU_SOURCE in message


def test_below_the_bar_a_due_org_may_be_graded(due_org, veto_in_changzhou):
    _evaluate(due_org, "2A")
    due_org.refresh_from_db()
    assert (due_org.evaluation_grade, due_org.evaluation_year) == ("2A", LAST_YEAR)


def test_3a_for_a_due_org_is_accepted_where_the_veto_is_off(beijing_due_org, veto_in_changzhou):
    record = _evaluate(beijing_due_org, "4A")
    beijing_due_org.refresh_from_db()
    assert beijing_due_org.evaluation_grade == "4A"
    assert record.valid_until == dt.date(LAST_YEAR + 5, 11, 30)


def test_3a_for_a_covered_org_is_accepted_where_the_veto_is_on(covered_org, veto_in_changzhou):
    _evaluate(covered_org, "5A")
    covered_org.refresh_from_db()
    assert covered_org.evaluation_grade == "5A"


def test_the_bar_is_a_parameter_of_the_region(due_org):
    switch_on("EVALUATION_VETO", "320404", CHANGZHOU_SOURCE, min_grade="5A")
    _evaluate(due_org, "4A")
    with pytest.raises(ValidationError, match="5A"):
        _evaluate(due_org, "5A", year=LAST_YEAR - 1)


# ---- EVAL_ELIGIBILITY -----------------------------------------------------------------------------

@pytest.mark.parametrize("grade", ["1A", "2A", "3A", "4A", "5A"])
def test_a_due_org_cannot_be_evaluated_at_all_where_eligibility_is_on(beijing_due_org, eligibility_in_beijing, grade):
    before = state(beijing_due_org)
    with pytest.raises(ValidationError) as info:
        _evaluate(beijing_due_org, grade)
    [message] = info.value.message_dict["grade"]
    assert "EVAL_ELIGIBILITY" in message and "对应建未建社会组织不允许参加评估" in message and BEIJING_SOURCE in message
    assert state(beijing_due_org) == before


def test_eligibility_binds_only_where_it_is_on_and_only_due_orgs(due_org, covered_org, eligibility_in_beijing):
    _evaluate(due_org, "1A")  # Changzhou: not on
    _evaluate(covered_org, "1A")
    assert EvaluationRecord.objects.count() == 2


def test_the_findings_list_what_was_stored_before_the_rules_were_switched_on(beijing_due_org, due_org):
    _evaluate(beijing_due_org, "4A")
    _evaluate(due_org, "4A")
    switch_on("EVAL_ELIGIBILITY", "11", BEIJING_SOURCE)
    switch_on("EVALUATION_VETO", "3204", CHANGZHOU_SOURCE)
    found = {(f.rule_id, f.subject_id) for f in evaluate(SocialOrg.objects.all(), PartyOrg.objects.none(),
                                                         rule_ids=["EVAL_ELIGIBILITY", "EVALUATION_VETO"])
             if f.subject_id in (beijing_due_org.pk, due_org.pk)}
    # Each rule's finding where it is on (``evaluate`` with rule_ids runs a rule everywhere; the
    # partitions keep the regions' own parameters).
    assert ("EVAL_ELIGIBILITY", beijing_due_org.pk) in found and ("EVALUATION_VETO", due_org.pk) in found


# ---- the grade derived from the records ----------------------------------------------------------

def test_the_current_grade_is_the_latest_evaluation_and_equals_a_rebuild(due_org, covered_org):
    _evaluate(due_org, "2A", year=LAST_YEAR - 3)
    _evaluate(due_org, "3A", year=LAST_YEAR)
    _evaluate(due_org, "1A", year=LAST_YEAR - 1)  # an older year recorded later does not replace it
    _evaluate(covered_org, "4A")
    evaluation_record(actor=SYSTEM, org=covered_org, year=LAST_YEAR, grade="5A", decided_on=dt.date(LAST_YEAR, 12, 2))
    due_org.refresh_from_db()
    covered_org.refresh_from_db()
    assert (due_org.evaluation_grade, due_org.evaluation_year) == ("3A", LAST_YEAR)
    assert (covered_org.evaluation_grade, covered_org.evaluation_year) == ("5A", LAST_YEAR)  # corrected
    assert EvaluationRecord.objects.filter(org=covered_org).count() == 1
    assert rebuild_grades() == stored_grades()
    assert rebuild_grades()[due_org.pk] == ("3A", LAST_YEAR)


def test_evaluation_errors_are_reported_all_at_once_by_field(due_org):
    before = state(due_org)
    with pytest.raises(ValidationError) as info:
        evaluation_record(actor=SYSTEM, org=due_org, year=1800, grade="6A", decided_on="2024-02-30",
                          document_number="号" * 61)
    assert set(info.value.message_dict) == {"year", "grade", "decided_on", "document_number"}
    assert state(due_org) == before


def test_an_evaluation_outside_the_scope_is_refused(due_org, chaoyang_officer):
    before = state(due_org)
    with pytest.raises(PermissionDenied):
        _evaluate(due_org, "1A", actor=chaoyang_officer)
    assert state(due_org) == before


# ---- annual inspection ----------------------------------------------------------------------------

def test_an_inspection_records_the_party_building_section_with_a_snapshot(covered_org, zhonglou_officer):
    record = inspection_record(actor=zhonglou_officer, org=covered_org, year=LAST_YEAR, conclusion="pass",
                               life_held=True, life_note="每月主题党日", dues_paid=True, charter_clause=False)
    assert (record.coverage_status, record.has_party_org, record.was_due) == ("own", True, False)
    assert (record.full_members, record.probationary_members) == (3, 0)
    assert (record.life_held, record.dues_paid, record.charter_clause) == (True, True, False)
    assert record.recorded_by == zhonglou_officer and record.recorded_at is not None
    # Recording the same year again corrects it: one per org and year.
    inspection_record(actor=SYSTEM, org=covered_org, year=LAST_YEAR, conclusion="basic_pass")
    assert list(covered_org.inspections.values_list("year", "conclusion")) == [(LAST_YEAR, "basic_pass")]


def test_the_inspection_cap_refuses_a_better_conclusion_for_a_due_org(due_org):
    switch_on("INSPECTION", "320404", "钟楼区年检办法")
    before = state(due_org)
    with pytest.raises(ValidationError) as info:
        inspection_record(actor=SYSTEM, org=due_org, year=LAST_YEAR, conclusion="pass")
    [message] = info.value.message_dict["conclusion"]
    assert "INSPECTION" in message and "基本合格" in message and "钟楼区年检办法" in message
    assert state(due_org) == before
    record = inspection_record(actor=SYSTEM, org=due_org, year=LAST_YEAR, conclusion="basic_pass")
    assert (record.was_due, record.coverage_status) == (True, "none")


def test_the_cap_is_a_parameter_and_binds_only_due_orgs(due_org, covered_org):
    switch_on("INSPECTION", "3204", "常州市", max_conclusion="fail")
    with pytest.raises(ValidationError, match="INSPECTION"):
        inspection_record(actor=SYSTEM, org=due_org, year=LAST_YEAR, conclusion="basic_pass")
    inspection_record(actor=SYSTEM, org=covered_org, year=LAST_YEAR, conclusion="pass")
    assert InspectionRecord.objects.filter(org=due_org).count() == 0


def test_the_cap_is_off_by_default(due_org):
    assert inspection_record(actor=SYSTEM, org=due_org, year=LAST_YEAR, conclusion="pass").conclusion == "pass"


def test_inspection_errors_are_reported_all_at_once_by_field(due_org):
    before = state(due_org)
    with pytest.raises(ValidationError) as info:
        inspection_record(actor=SYSTEM, org=due_org, year=dt.date.today().year + 1, conclusion="excellent",
                          life_held="maybe", note="长" * 501)
    assert set(info.value.message_dict) == {"year", "conclusion", "life_held", "note"}
    assert state(due_org) == before


def test_the_inspection_finding_reports_a_stored_pass_above_the_cap(due_org):
    inspection_record(actor=SYSTEM, org=due_org, year=LAST_YEAR, conclusion="pass")
    switch_on("INSPECTION", "320404", "钟楼区年检办法")
    [finding] = [f for f in evaluate(SocialOrg.objects.filter(pk=due_org.pk), PartyOrg.objects.none())
                 if f.rule_id == "INSPECTION"]
    assert "合格" in finding.message and "基本合格" in finding.message


def test_a_new_org_without_a_grade_rebuilds_to_none():
    org = SocialOrgFactory()
    assert rebuild_grades([org.pk]) == stored_grades([org.pk]) == {}


def test_eligibility_is_switched_on_for_a_region_with_the_rules_command(beijing_due_org, due_org):
    from django.core.management import call_command

    call_command("rules", "--set", "EVAL_ELIGIBILITY", "--region", "110105", "--enable", "--source",
                 BEIJING_SOURCE, stdout=io.StringIO())
    with pytest.raises(ValidationError, match="EVAL_ELIGIBILITY"):
        _evaluate(beijing_due_org, "1A")
    _evaluate(due_org, "1A")  # Changzhou: not on
