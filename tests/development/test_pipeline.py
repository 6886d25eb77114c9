"""The pipeline through its services: the full run, and each step refused when out of order, too early,
too late or by the wrong actor, with its rule and source, changing nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.audit.models import AuditEntry
from shuniu.development.models import Applicant, DevStep, Stage
from shuniu.development.services import applicant_create, applicant_end, next_steps, step_record
from shuniu.party.models import PartyMember
from shuniu.party.terms import add_months
from shuniu.rulesettings.services import rule_setting_set
from tests.coverage.test_engine import assert_incremental_equals_rebuild
from tests.development.conftest import ACTIVIST, APPLIED, FULL_MEETING, MEETING, RUN, data_of, run
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory, make_id_number

pytestmark = pytest.mark.django_db
D = dt.date


def on_of(step: str) -> dt.date:
    return next(d for s, d, _data in RUN if s == step)


def state() -> tuple[Any, ...]:
    return (list(Applicant.objects.order_by("pk").values()), DevStep.objects.count(),
            list(PartyMember.objects.order_by("pk").values_list("pk", "status", "full_on", "ended_on")),
            AuditEntry.objects.count())


def refused(person: Applicant, step: str, on: dt.date, *, actor: Any = SYSTEM, **data: Any) -> str:
    """Record a step that must be refused; the messages, after checking nothing changed."""
    before = state()
    with pytest.raises(ValidationError) as exc:
        step_record(actor=actor, applicant=person, step=step, on=on, **data)
    assert state() == before
    return " ".join(str(m) for messages in exc.value.message_dict.values() for m in messages)


def test_a_full_run_on_valid_dates_ends_with_a_full_member_counted_in_coverage(person, full_members, dev_org):
    dev_org.refresh_from_db()
    assert dev_org.full_members == 0
    person = run(person, full_members)
    assert person.stage == Stage.FULL
    member = person.member
    assert member is not None and member.status == "full"
    assert member.admitted_on == MEETING  # the branch meeting (党章第七条)
    assert member.full_on == FULL_MEETING  # a year of probation from it
    assert member.relation_org_id == person.branch_id and member.workplace_id == dev_org.pk
    dev_org.refresh_from_db()
    assert dev_org.full_members == 1
    assert_incremental_equals_rebuild()
    codes = list(person.steps.values_list("code", flat=True))
    assert codes == ["apply"] + [step for step, _on, _d in RUN]
    assert AuditEntry.objects.filter(action="applicant.full_approval", target_id=str(person.pk)).exists()


def test_admission_makes_a_probationary_member_of_the_branch(person, full_members, dev_org):
    person = run(person, full_members, until="oath")
    assert person.stage == Stage.PROBATIONARY
    assert person.member.status == "probationary" and person.member.admitted_on == MEETING
    dev_org.refresh_from_db()
    assert dev_org.full_members == 0 and dev_org.members_on_staff == 1
    assert_incremental_equals_rebuild()


def test_an_applicant_under_18_is_refused_naming_the_field_and_rule(dev_org, dev_branch):
    born_2006 = "320404200609150012"  # a valid check digit is computed below
    from stdnum.cn import ric

    number = born_2006[:17] + ric.calc_check_digit(born_2006[:17] + "0")
    before = state()
    with pytest.raises(ValidationError) as exc:
        applicant_create(actor=SYSTEM, name="少年", gender="male", id_number=number, applied_on=D(2024, 3, 1),
                         workplace=dev_org, branch=dev_branch)
    message = " ".join(exc.value.message_dict["id_number"])
    assert "未满十八周岁" in message and "党章第一条" in message and "时年 17 岁" in message
    assert state() == before


def test_an_applicant_without_id_number_or_birth_date_is_refused(dev_org, dev_branch):
    with pytest.raises(ValidationError) as exc:
        applicant_create(actor=SYSTEM, name="无号", gender="male", applied_on=D(2024, 3, 1), workplace=dev_org,
                         branch=dev_branch)
    assert "id_number" in exc.value.message_dict


def test_the_same_person_cannot_be_entered_twice_nor_a_member(person, dev_org, dev_branch, full_members):
    with pytest.raises(ValidationError) as exc:
        applicant_create(actor=SYSTEM, name="石晓岚", gender="female", id_number=make_id_number(5001),
                         applied_on=APPLIED, workplace=dev_org, branch=dev_branch)
    assert "已在发展党员名单中" in exc.value.message_dict["id_number"][0]
    member_number = full_members[0].id_number
    with pytest.raises(ValidationError) as exc:
        applicant_create(actor=SYSTEM, name="某人", gender="female", id_number=member_number,
                         applied_on=APPLIED, workplace=dev_org, branch=dev_branch)
    assert "已登记为党员" in exc.value.message_dict["id_number"][0]


def test_talk_before_the_application_is_refused(person):
    assert "早于递交入党申请书日期" in refused(person, "talk", APPLIED - dt.timedelta(days=1))


def test_activist_before_the_talk_is_refused(person, full_members):
    message = refused(person, "activist", ACTIVIST, **data_of("activist", full_members))
    assert "尚未谈话" in message and "第七条" in message


def test_contacts_must_be_one_or_two_full_members_of_the_branch(person, full_members):
    run(person, full_members, until="activist")
    message = refused(person, "activist", ACTIVIST, recommended_by="members", contacts="路人甲")
    assert "路人甲" in message and "第十条" in message
    names = ",".join(m.name for m in full_members)
    assert "现为 3 名" in refused(person, "activist", ACTIVIST, recommended_by="members", contacts=names)
    assert "第八条" in refused(person, "activist", ACTIVIST, recommended_by="", contacts=full_members[0].name)


def test_a_probationary_member_is_not_a_contact(person, full_members, dev_branch):
    probationary = PartyMemberFactory(status="probationary", relation_org=dev_branch)
    run(person, full_members, until="activist")
    assert "不是培养党组织的正式党员" in refused(person, "activist", ACTIVIST, recommended_by="members",
                                                contacts=probationary.name)


def test_candidate_after_nine_months_of_training_is_refused_naming_article_13(person, full_members):
    run(person, full_members, until="candidate")
    on = add_months(ACTIVIST, 9)
    message = refused(person, "candidate", on)
    assert f"培养考察不足一年（自 {ACTIVIST} 列为积极分子，至 {on} 仅 9 个月）" in message
    assert "第十三条" in message


def test_candidate_without_any_review_is_refused(person, full_members):
    run(person, full_members, until="review")
    assert "尚未进行培养考察" in refused(person, "candidate", on_of("candidate"))


def test_introducers_must_be_two_full_members(person, full_members):
    run(person, full_members, until="introducers")
    message = refused(person, "introducers", on_of("introducers"), introducers=full_members[0].name)
    assert "现为 1 名" in message and "第十四条" in message


def test_political_review_needs_a_conclusion(person, full_members):
    run(person, full_members, until="political_review")
    assert "政治审查结论不能为空" in refused(person, "political_review", on_of("political_review"), conclusion="")


def test_training_shorter_than_three_days_or_24_hours_is_refused(person, full_members):
    run(person, full_members, until="training")
    message = refused(person, "training", on_of("training"), days=2, hours=16)
    assert "不足三天或二十四个学时" in message and "第十七条" in message
    step_record(actor=SYSTEM, applicant=person, step="training", on=on_of("training"), hours=24)


def test_notice_before_introducers_review_and_training_is_refused(person, full_members):
    run(person, full_members, until="introducers")
    message = refused(person, "notice", on_of("notice"))
    assert "尚未确定入党介绍人" in message and "尚未政治审查" in message and "尚未集中培训" in message


def test_the_notice_counts_official_working_days(person, full_members):
    """A notice from 28 September 2023: the National Day holiday (29 Sep - 6 Oct) does not count, the
    make-up Saturday and Sunday (7 and 8 Oct) do: it ends on 10 October."""
    done = D(2023, 9, 1)
    Applicant.objects.filter(pk=person.pk).update(stage="candidate", applied_on=D(2021, 3, 1), candidate_on=done,
                                                  introduced_on=done, political_review_on=done, trained_on=done)
    step_record(actor=SYSTEM, applicant=person, step="notice", on=D(2023, 9, 28))
    message = refused(person, "pre_review", D(2023, 10, 10))
    assert "公示期未满 5 个工作日（自 2023-09-28 起公示，至 2023-10-10 期满）" in message
    step_record(actor=SYSTEM, applicant=person, step="pre_review", on=D(2023, 10, 11))


def test_the_notice_length_is_a_local_setting(person, full_members):
    rule_setting_set(actor=SYSTEM, rule_id="DEVELOPMENT", region="3204", params={"notice_working_days": 20},
                     source="某地发展党员公示办法")
    run(person, full_members, until="pre_review")
    assert "公示期未满 20 个工作日" in refused(person, "pre_review", on_of("pre_review"))


def test_the_meeting_needs_the_pre_review_and_a_majority(person, full_members):
    run(person, full_members, until="pre_review")
    assert "尚未经上级党委预审" in refused(person, "meeting", MEETING, eligible=3, votes_for=3)
    step_record(actor=SYSTEM, applicant=person, step="pre_review", on=on_of("pre_review"))
    message = refused(person, "meeting", MEETING, eligible=4, votes_for=2)
    assert "未超过应到会有表决权的正式党员 4 人的半数" in message
    assert "多于" in refused(person, "meeting", MEETING, eligible=3, votes_for=4)


def test_the_approval_needs_the_meeting_and_comes_within_the_cap(person, full_members):
    run(person, full_members, until="meeting")
    assert "尚未经支部大会讨论接收" in refused(person, "approval", on_of("approval"))
    step_record(actor=SYSTEM, applicant=person, step="meeting", on=MEETING, eligible=3, votes_for=3)
    message = refused(person, "approval", add_months(MEETING, 6) + dt.timedelta(days=1))
    assert "已超过 6 个月" in message and "第二十五条" in message
    late = step_record(actor=SYSTEM, applicant=person, step="approval", on=add_months(MEETING, 4))
    assert late.data["late"] is True  # beyond three months: recorded, and shown as late


@pytest.mark.parametrize("step", ["pre_review", "approval", "full_approval"])
def test_the_superior_s_steps_are_refused_to_the_branch_and_done_by_the_committee(
        step, person, full_members, branch_secretary, committee_user):
    run(person, full_members, until=step)
    on = next(d for s, d, _data in RUN if s == step)
    before = state()
    with pytest.raises(PermissionDenied) as exc:
        step_record(actor=branch_secretary, applicant=person, step=step, on=on)
    assert "上级党委“钟楼区社会组织综合党委”" in str(exc.value)
    assert state() == before
    step_record(actor=committee_user, applicant=person, step=step, on=on)


def test_the_branch_s_steps_are_recorded_by_its_secretary(person, full_members, branch_secretary, committee_user):
    person = run(person, full_members, actor=branch_secretary, superior=committee_user)
    assert person.stage == Stage.FULL


def test_a_branch_without_a_recorded_superior_cannot_be_approved(dev_org, full_members):
    lone = PartyOrgFactory(kind="branch", region_code=HEHUACHI)
    from tests.conftest import _user

    officer = _user("zl", "district_officer", "320404")
    a = applicant_create(actor=SYSTEM, name="孤支部", gender="male", id_number=make_id_number(5002),
                         applied_on=D(2023, 1, 1), workplace=dev_org, branch=lone)
    Applicant.objects.filter(pk=a.pk).update(stage="candidate", notice_on=D(2023, 6, 5), introduced_on=D(2023, 6, 1),
                                             political_review_on=D(2023, 6, 1), trained_on=D(2023, 6, 1))
    with pytest.raises(PermissionDenied) as exc:
        step_record(actor=officer, applicant=a, step="pre_review", on=D(2023, 6, 20))
    assert "未登记" in str(exc.value)


def test_full_membership_before_a_year_of_probation_is_refused(person, full_members):
    run(person, full_members, until="full_meeting")
    on = add_months(MEETING, 11)
    message = refused(person, "full_meeting", on, eligible=3, votes_for=3)
    assert f"预备期未满（自 {MEETING} 起，至 {FULL_MEETING} 期满；{on} 仅 11 个月）" in message
    assert "党章第七条" in message


def test_full_meeting_needs_the_oath(person, full_members):
    run(person, full_members, until="oath")
    assert "尚未入党宣誓" in refused(person, "full_meeting", FULL_MEETING, eligible=3, votes_for=3)


def test_an_extension_is_six_to_twelve_months_once_and_moves_the_end(person, full_members):
    run(person, full_members, until="full_meeting")
    day = dt.timedelta(days=1)
    assert "尚未期满" in refused(person, "extension", FULL_MEETING - day, months=6)
    assert "延长预备期 5 个月" in refused(person, "extension", FULL_MEETING + day, months=5)
    assert "延长预备期 13 个月" in refused(person, "extension", FULL_MEETING + day, months=13)
    step_record(actor=SYSTEM, applicant=person, step="extension", on=FULL_MEETING + day, months=6)
    assert "不能再次延长" in refused(person, "extension", FULL_MEETING + 2 * day, months=6)
    extended = add_months(FULL_MEETING, 6)
    assert f"至 {extended} 期满" in refused(person, "full_meeting", FULL_MEETING + 2 * day, eligible=3, votes_for=3)
    step_record(actor=SYSTEM, applicant=person, step="full_meeting", on=extended, eligible=3, votes_for=3)
    step_record(actor=SYSTEM, applicant=person, step="full_approval", on=extended + 3 * day)
    person.refresh_from_db()
    assert person.full_on == extended and person.member.full_on == extended


def test_steps_out_of_stage_and_future_dates_are_refused(person, full_members):
    assert "不能办理“上级党委审批”" in refused(person, "approval", on_of("approval"))
    assert "不能晚于今天" in refused(person, "talk", dt.date.today() + dt.timedelta(days=3))
    assert "无效" in refused(person, "no_such_step", on_of("approval"))


def test_next_steps_follow_the_order(person, full_members):
    assert next_steps(person) == ["talk"]
    run(person, full_members, until="notice")
    assert next_steps(person) == ["review", "notice"]


def test_a_person_leaves_the_pipeline_and_nothing_more_is_recorded(person, full_members):
    end = APPLIED + dt.timedelta(days=9)
    applicant_end(actor=SYSTEM, applicant=person, on=end, reason="withdrawn")
    person.refresh_from_db()
    assert person.ended_on == end
    assert f"已于 {end} 终止培养" in refused(person, "talk", end + dt.timedelta(days=1))


def test_disqualifying_a_probationary_member_is_the_superior_s_and_ends_the_member(
        person, full_members, branch_secretary, committee_user):
    run(person, full_members, until="oath")
    with pytest.raises(ValidationError):
        applicant_end(actor=SYSTEM, applicant=person, on=MEETING + 90 * dt.timedelta(days=1), reason="withdrawn")
    end = MEETING + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied):
        applicant_end(actor=branch_secretary, applicant=person, on=end, reason="disqualified")
    applicant_end(actor=committee_user, applicant=person, on=end, reason="disqualified")
    person.refresh_from_db()
    assert person.member.ended_on == end
    assert_incremental_equals_rebuild()


def test_a_secretary_of_another_branch_cannot_record_or_create(person, full_members, dev_org):
    other_org = SocialOrgFactory(region_code=HEHUACHI)
    other = PartyOrgFactory(kind="branch", covers=[other_org])
    from tests.conftest import _user

    stranger = _user("stranger", "secretary", f"party:{other.pk}")
    before = state()
    with pytest.raises(PermissionDenied):
        step_record(actor=stranger, applicant=person, step="talk", on=on_of("talk"))
    with pytest.raises(PermissionDenied):
        applicant_create(actor=stranger, name="越权", gender="male", id_number=make_id_number(5003),
                         applied_on=APPLIED, workplace=dev_org, branch=person.branch)
    assert state() == before
