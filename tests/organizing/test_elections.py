"""Terms and elections: the judging rules by date, and the request, result and postponement cases."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shuniu.cases.models import Case
from shuniu.cases.services import case_act, case_open
from shuniu.organizing.elections import REGIMES, judge, regimes_for
from shuniu.organizing.models import Candidate, Election, Postponement
from shuniu.party.models import PartyOrg
from shuniu.rulesettings.services import rule_setting_set
from tests.conftest import _user
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db

D2024 = dt.date(2024, 6, 1)
D2019 = dt.date(2019, 10, 1)


@pytest.fixture
def committee(db):
    return PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404")


@pytest.fixture
def committee_user(committee):
    return _user("zl_committee", "secretary", f"party:{committee.pk}")


def _branch(committee, full: int, probationary: int = 0, **kw):
    org = SocialOrgFactory(name="荷花池养老服务中心", region_code=HEHUACHI)
    branch = PartyOrgFactory(name="荷花池养老服务中心党支部", superior=committee, covers=[org], **kw)
    members = [PartyMemberFactory(workplace=org, relation_org=branch) for _i in range(full)]
    members += [PartyMemberFactory(workplace=org, relation_org=branch, status="probationary")
                for _i in range(probationary)]
    return branch, members


def _decision(no: str = "钟社党〔2026〕21号") -> dict:
    return {"decision_no": no, "decided_on": dt.date.today()}


# ---- the judging rules ------------------------------------------------------------------------------

def test_in_2024_eight_of_ten_present_is_a_valid_meeting_and_seven_is_not():
    valid, short = judge(D2024, 10, 8, {}), judge(D2024, 10, 7, {})
    assert valid.valid, valid.quorum_text
    assert not short.valid, short.quorum_text
    assert "不少于应到会人数的五分之四" in valid.source and "2020" in valid.source, valid.source


def test_in_2024_a_candidate_needs_more_than_half_of_those_entitled_not_of_those_present():
    verdict = judge(D2024, 10, 8, {"five": 5, "six": 6})
    assert verdict.elected == ["six"], verdict.source
    assert "超过应到会有选举权的党员人数的一半" in verdict.source, verdict.source


def test_in_2019_the_1990_rules_need_more_than_four_fifths_present_and_half_of_those_present():
    assert not judge(D2019, 10, 8, {}).valid, judge(D2019, 10, 8, {}).source
    nine = judge(D2019, 10, 9, {"five": 5, "four": 4})
    assert nine.valid and nine.elected == ["five"], nine.source
    assert "1990" in nine.source and "超过应到会人数的五分之四" in nine.source and "实到会" in nine.source, nine.source


def test_the_2020_rules_apply_from_the_day_they_came_into_force():
    assert judge(dt.date(2020, 7, 13), 10, 8, {}).valid
    assert not judge(dt.date(2020, 7, 12), 10, 8, {}).valid


def test_more_winners_than_seats_keeps_the_highest_and_a_tie_at_the_last_seat_is_left_to_a_new_vote():
    assert judge(D2024, 10, 10, {"a": 9, "b": 8, "c": 7}, seats=2).elected == ["a", "b"]
    tied = judge(D2024, 10, 10, {"a": 9, "b": 7, "c": 7}, seats=2)
    assert tied.elected == ["a"] and sorted(tied.tied) == ["b", "c"]


def test_a_place_can_correct_the_regimes_as_a_rule_setting_and_a_malformed_one_is_refused(db):
    corrected = copy.deepcopy(REGIMES)
    corrected[1]["from"] = "2020-08-01"
    rule_setting_set(actor=SYSTEM, rule_id="ELECTION", region="3204", params={"regimes": corrected},
                     source="测试：更正施行日期")
    assert not judge(dt.date(2020, 7, 20), 10, 8, {}, regimes=regimes_for("320404")).valid
    assert judge(dt.date(2020, 7, 20), 10, 8, {}, regimes=regimes_for("110105")).valid
    with pytest.raises(ValidationError) as err:
        rule_setting_set(actor=SYSTEM, rule_id="ELECTION", region="32", params={"regimes": [{"from": "x"}]},
                         source="测试")
    assert "ELECTION" in str(err.value)


# ---- the request to convene ---------------------------------------------------------------------------

def test_a_committee_slate_without_twenty_percent_more_candidates_is_refused(committee):
    branch, members = _branch(committee, full=9)
    data = {"planned_on": "2026-12-01", "seats": 5, "committee": [m.pk for m in members[:5]],
            "secretary": [members[0].pk]}
    with pytest.raises(ValidationError) as err:
        case_open(actor=SYSTEM, kind="election_request", party_org=branch, data=data, submit=True)
    assert "至少 6 名" in str(err.value) and "第十二条" in str(err.value), err.value
    assert not Case.objects.filter(kind="election_request").exists()
    data["committee"] = [m.pk for m in members[:6]]
    case = case_open(actor=SYSTEM, kind="election_request", party_org=branch, data=data, submit=True)
    assert case.state == "submitted" and case.body == committee


def test_a_branch_below_seven_full_members_elects_a_secretary_without_a_committee(committee, committee_user):
    branch, members = _branch(committee, full=6, probationary=2)
    with pytest.raises(ValidationError) as err:
        case_open(actor=SYSTEM, kind="election_request", party_org=branch, submit=True,
                  data={"planned_on": "2026-12-01", "seats": 3, "committee": [m.pk for m in members[:4]],
                        "secretary": [members[0].pk]})
    assert "BRANCH_COMMITTEE" in str(err.value) and "支部工作条例" in str(err.value), err.value
    with pytest.raises(ValidationError) as err:  # a probationary member cannot stand
        case_open(actor=SYSTEM, kind="election_request", party_org=branch, data={"secretary": [members[-1].pk]})
    assert "预备党员" in str(err.value)
    assert not Case.objects.exists()
    case = case_open(actor=SYSTEM, kind="election_request", party_org=branch, submit=True,
                     data={"planned_on": "2026-12-01", "seats": 0, "secretary": [members[0].pk],
                           "deputy": [members[1].pk]})
    case = case_act(actor=committee_user, case=case, action="approve", data=_decision())
    assert case.state == "approved" and case.steps.get(action="approve").data["decision_no"] == "钟社党〔2026〕21号"


def test_a_temporary_branch_has_no_election(committee):
    temporary = PartyOrgFactory(name="某项目临时党支部", kind="temporary_branch", superior=committee)
    member = PartyMemberFactory(relation_org=temporary)
    for kind in ("election_request", "election_result", "term_postponement"):
        with pytest.raises(ValidationError) as err:
            case_open(actor=SYSTEM, kind=kind, party_org=temporary, data={"secretary": [member.pk]})
        assert "临时党支部不进行换届选举" in str(err.value) and "TERM" in str(err.value), err.value
    assert not Case.objects.exists()


# ---- the result ---------------------------------------------------------------------------------------

def _result(members, present: int, **extra):
    committee = [{"member": m.pk, "post": "committee", "for": v, "against": present - v, "abstain": 0}
                 for m, v in zip(members[:4], (present, present - 1, present - 2, 3), strict=True)]
    leaders = [{"member": members[0].pk, "post": "secretary", "for": 3},
               {"member": members[1].pk, "post": "deputy", "for": 2}]
    return {"held_on": str(D2024), "present": present, "seats": 3, "candidates": committee + leaders, **extra}


def test_an_election_with_quorum_and_majority_once_approved_starts_the_term_and_sets_the_secretary(
        committee, committee_user):
    branch, members = _branch(committee, full=10, probationary=1)
    case = case_open(actor=SYSTEM, kind="election_result", party_org=branch, data=_result(members, 9), submit=True)
    assert case.state == "submitted" and case.body == committee
    case = case_act(actor=committee_user, case=case, action="approve", data=_decision())
    branch.refresh_from_db()
    assert case.state == "approved"
    assert branch.term_started_on == D2024 and branch.secretary == members[0]
    election = Election.objects.get(party_org=branch)
    # The roster gives those entitled: the 10 full members (the probationary one does not vote).
    assert (election.entitled, election.present, election.valid) == (10, 9, True)
    assert "2020" in election.regime_source, election.regime_source
    elected = set(Candidate.objects.filter(election=election, post="committee", elected=True)
                  .values_list("member", flat=True))
    assert elected == {members[0].pk, members[1].pk, members[2].pk}
    step = case.steps.get(action="approve")
    assert step.data["secretary"] == members[0].pk and step.data["deputy"] == members[1].pk


def test_an_election_without_quorum_cannot_be_reported_and_names_the_rule_and_its_source(committee):
    branch, members = _branch(committee, full=10)
    case = case_open(actor=SYSTEM, kind="election_result", party_org=branch, data=_result(members, 7))
    with pytest.raises(ValidationError) as err:
        case_act(actor=SYSTEM, case=case, action="submit")
    message = str(err.value)
    assert "选举无效" in message and "ELECTION" in message and "基层组织选举工作条例" in message, message
    case.refresh_from_db()
    branch.refresh_from_db()
    assert case.state == "draft" and branch.term_started_on == dt.date(2019, 7, 1) and branch.secretary is None
    assert not Election.objects.exists()


def test_an_election_in_2019_is_judged_by_the_1990_rules(committee):
    branch, members = _branch(committee, full=10)
    case = case_open(actor=SYSTEM, kind="election_result", party_org=branch,
                     data={**_result(members, 8), "held_on": str(dt.date(2019, 12, 1))})
    with pytest.raises(ValidationError) as err:  # 8 of 10 does not exceed 4/5
        case_act(actor=SYSTEM, case=case, action="submit")
    assert "1990" in str(err.value), err.value


# ---- postponement -------------------------------------------------------------------------------------

def test_postponing_the_election_more_than_a_year_after_the_term_ends_is_refused(committee, committee_user):
    branch, _members = _branch(committee, full=3)  # established 2019-07-01, a 3-year term: ends 2022-07-01
    with pytest.raises(ValidationError) as err:
        case_open(actor=SYSTEM, kind="term_postponement", party_org=branch,
                  data={"new_due_on": "2023-07-02", "reason": "会员大会延期"}, submit=True)
    assert "一般不超过 1 年" in str(err.value) and "第三条" in str(err.value), err.value
    assert not Case.objects.exists()
    case = case_open(actor=SYSTEM, kind="term_postponement", party_org=branch,
                     data={"new_due_on": "2023-07-01", "reason": "会员大会延期"}, submit=True)
    case = case_act(actor=committee_user, case=case, action="approve", data=_decision())
    postponement = Postponement.objects.get(party_org=branch)
    assert (postponement.term_end, postponement.new_due_on) == (dt.date(2022, 7, 1), dt.date(2023, 7, 1))
    assert PartyOrg.objects.get(pk=branch.pk).term_started_on == dt.date(2019, 7, 1)
