"""Terms and elections (换届选举): the rules that judge an election, and three kinds of case.

``judge`` decides whether a members' meeting was valid and who was elected, by the rules in force
on the election date (rule ELECTION, a rule setting so a place can correct it): the 2020 Working
Regulations on Elections from 2020-07-13, the 1990 provisional regulations before. The regimes are
data (``REGIMES``): from when, the quorum as an exact fraction, strict or not, and the base of the
majority ("entitled": those entitled to attend; "present": those present). Integers only.

The cases: ``election_request`` (召开党员大会请示: the slate, approved by the superior),
``election_result`` (选举结果报告: the meeting's numbers and votes, judged; on approval the new term
starts on the election date and the secretary is set, and the election is recorded) and
``term_postponement`` (延期或提前换届: at most 1 year from the term's end, ELEC art. 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.cases.kinds import CaseKind, Transition, approval_flow, register
from shuniu.cases.models import Case
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors, add_years, as_date, not_in_future, require
from shuniu.organizing.models import Candidate, Election, Post, Postponement
from shuniu.party.models import MemberStatus, PartyMember, PartyOrg, PartyOrgKind
from shuniu.party.services import party_org_update

RULE = "ELECTION"
ELEC_2020 = "《中国共产党基层组织选举工作条例》（2020年7月13日起施行）"
ELEC_1990 = "《中国共产党基层组织选举工作暂行条例》（1990年）"
SOURCE = f"{ELEC_2020}；{ELEC_1990}"
BWR = "《中国共产党支部工作条例（试行）》第六章"
TERM_SOURCE = "《中国共产党基层组织选举工作条例》第三条：延长或者提前期限一般不超过1年"
SLATE_SOURCE = "《中国共产党基层组织选举工作条例》第十二条：候选人数应多于应选人数的20%"
ELIGIBLE_SOURCE = "《中国共产党基层组织选举工作条例》第五条"
BRANCH_COMMITTEE_FROM = 7  # BWR: 正式党员7人以上的党支部，应当设立党支部委员会
BRANCH_COMMITTEE_MAX = 7  # BWR: 支部委员会由3至5人组成，一般不超过7人
BRANCH_KINDS = (PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH)
ENTITLED = "entitled"
PRESENT = "present"

# The regimes, oldest first; each applies from its date ("" for always) until the next one's.
REGIMES: list[dict[str, Any]] = [
    {"from": "", "quorum": [4, 5], "quorum_strict": True, "majority_base": PRESENT,
     "source": f"{ELEC_1990}：有选举权的到会人数超过应到会人数的五分之四，会议有效；"
               "被选举人获得的赞成票超过实到会有选举权人数的一半，始得当选"},
    {"from": "2020-07-13", "quorum": [4, 5], "quorum_strict": False, "majority_base": ENTITLED,
     "source": f"{ELEC_2020}：有选举权的到会人数不少于应到会人数的五分之四，会议有效；"
               "被选举人获得的赞成票超过应到会有选举权的党员人数的一半，始得当选"},
]


def _check_regimes(value: Any) -> str | None:
    problem = _("选举规定“%(value)s”无效（规则 ELECTION：须为列表，每项含 from（YYYY-MM-DD 或空）、quorum [分子, 分母]、"
                "quorum_strict（真/假）、majority_base（entitled 或 present）、source）") % {"value": value}
    if not isinstance(value, list) or not value:
        return problem
    for regime in value:
        if not isinstance(regime, dict) or set(regime) != {"from", "quorum", "quorum_strict", "majority_base", "source"}:
            return problem
        quorum = regime["quorum"]
        if not (isinstance(quorum, list) and len(quorum) == 2 and all(type(n) is int for n in quorum)
                and 0 < quorum[0] <= quorum[1]):
            return problem
        if type(regime["quorum_strict"]) is not bool or regime["majority_base"] not in (ENTITLED, PRESENT):
            return problem
        if not isinstance(regime["source"], str) or not regime["source"].strip():
            return problem
        if regime["from"] != "":
            try:
                dt.date.fromisoformat(str(regime["from"]))
            except ValueError:
                return problem
    return None


def _declare() -> None:
    from shuniu.rulesettings.declarations import declare

    declare(RULE, defaults={"regimes": REGIMES}, source=SOURCE, checks={"regimes": _check_regimes})


_declare()


# ---- the judgement ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    valid: bool
    quorum_text: str
    elected: list[Any]
    source: str
    majority_text: str = ""
    regime_from: str = ""
    # Those with a majority but outside the seats (a tie at the last seat leaves it to a new vote).
    tied: list[Any] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {"valid": self.valid, "quorum": self.quorum_text, "majority": self.majority_text,
                "elected": [str(c) for c in self.elected], "tied": [str(c) for c in self.tied],
                "source": self.source, "regime_from": self.regime_from}


def regime_on(day: dt.date, regimes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The regime in force on ``day``: the last whose start is on or before it."""
    chosen = None
    for regime in sorted(regimes or REGIMES, key=lambda r: r["from"]):
        if regime["from"] == "" or dt.date.fromisoformat(regime["from"]) <= day:
            chosen = regime
    if chosen is None:
        raise ValueError(f"no election regime in force on {day}")
    return chosen


def regimes_for(region: str) -> list[dict[str, Any]]:
    """The regimes as set for ``region`` (rule setting ELECTION), else as declared."""
    from shuniu.rulesettings.selectors import params

    return list(params(RULE, region)["regimes"])


def judge(election_date: dt.date, entitled: int, present: int, votes_for: Mapping[Any, int], *,
          seats: int | None = None, regimes: list[dict[str, Any]] | None = None) -> Verdict:
    """Whether the meeting was valid, and who was elected (in order of votes; at most ``seats``
    when given), by the regime in force on ``election_date``. Exact integer arithmetic."""
    regime = regime_on(election_date, regimes)
    num, den = regime["quorum"]
    strict = regime["quorum_strict"]
    valid = entitled > 0 and 0 <= present <= entitled and (
        present * den > entitled * num if strict else present * den >= entitled * num)
    quorum_text = (_("应到会 %(e)s 人，实到会 %(p)s 人，须%(cmp)s%(num)s/%(den)s（%(need)s）：%(ok)s") % {
        "e": entitled, "p": present, "cmp": _("超过") if strict else _("不少于"), "num": num, "den": den,
        "need": _("%(n)s 人以上") % {"n": _quorum_need(entitled, num, den, strict)},
        "ok": _("会议有效") if valid else _("会议无效")})
    base = entitled if regime["majority_base"] == ENTITLED else present
    majority_text = _("赞成票须超过%(base)s %(n)s 人的一半（至少 %(need)s 票）") % {
        "base": _("应到会有选举权的党员") if regime["majority_base"] == ENTITLED else _("实到会有选举权的党员"),
        "n": base, "need": base // 2 + 1}
    elected: list[Any] = []
    tied: list[Any] = []
    if valid:
        winners = sorted((c for c, v in votes_for.items() if v * 2 > base), key=lambda c: -votes_for[c])
        if seats is not None and len(winners) > seats:
            cut = votes_for[winners[seats - 1]] if seats > 0 else None
            elected = [c for c in winners if cut is not None and votes_for[c] > cut]
            at_cut = [c for c in winners if votes_for[c] == cut]
            if len(elected) + len(at_cut) <= seats:
                elected += at_cut
            else:
                tied = at_cut
        else:
            elected = winners
    return Verdict(valid, quorum_text, elected, regime["source"], majority_text, regime["from"], tied)


def _quorum_need(entitled: int, num: int, den: int, strict: bool) -> int:
    """The fewest present that make the meeting valid."""
    need = -(-entitled * num // den)  # ceiling
    if strict and need * den == entitled * num:
        need += 1
    return need


# ---- who may vote and stand ------------------------------------------------------------------------

def full_members(party_org: PartyOrg) -> list[PartyMember]:
    """The full members whose relation this party org holds (probationary members do not vote)."""
    return list(PartyMember.objects.filter(relation_org=party_org, ended_on__isnull=True,
                                           status=MemberStatus.FULL).order_by("name", "id"))


def entitled_voters(party_org: PartyOrg, excluded: int = 0) -> int:
    """Those entitled to vote (ELEC art. 5): the full members, less those under 留党察看 or
    suspended (no such status is recorded yet: the meeting reports how many, and why)."""
    return max(len(full_members(party_org)) - excluded, 0)


def term_end(party_org: PartyOrg) -> dt.date:
    """The end of the current term (rule TERM): its start (or establishment) plus its length."""
    return add_years(party_org.term_started_on or party_org.established_on, party_org.term_years)


def _ids(errors: Errors, name: str, value: Any, label: str) -> list[int]:
    items = [] if value in (None, "") else value if isinstance(value, list | tuple) else [value]
    out: list[int] = []
    for item in items:
        if isinstance(item, bool):
            item = None
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            errors.add(name, _("%(label)s“%(value)s”不是有效的党员编号") % {"label": label, "value": item}, "id")
    return out


def _count(errors: Errors, name: str, value: Any, label: str, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            require(errors, name, value, label)
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        errors.add(name, _("%(label)s“%(value)s”须为非负整数") % {"label": label, "value": value}, "number")
        return None
    return int(value)


def _no_temporary(errors: Errors, party_org: PartyOrg) -> None:
    if party_org.kind == PartyOrgKind.TEMPORARY_BRANCH:
        errors.add("party_org", _("临时党支部不进行换届选举：其书记、副书记由批准其成立的党组织指定，任务完成后即撤销"
                                  "（规则 TERM；《中国共产党支部工作条例（试行）》第六条）"), "temporary")


def _decision(errors: Errors, case: Case, data: Mapping[str, Any]) -> dt.date | None:
    require(errors, "decision_no", (str(data.get("decision_no") or "")).strip(), _("批复文号"))
    day = as_date(errors, "decided_on", data.get("decided_on"), _("批复日期"))
    require(errors, "decided_on", day, _("批复日期"))
    not_in_future(errors, "decided_on", day, _("批复日期"))
    if day and case.submitted_on and day < case.submitted_on:
        errors.add("decided_on", _("批复日期不能早于提交日期 %(d)s") % {"d": case.submitted_on}, "date_order")
    return day


def _on_behalf(case: Case, actor: Any) -> SystemActor:
    # The superior approves the party org's own records: the case has checked both sides.
    return SystemActor(f"{actor_label(actor)}（事项 {case.pk} 批复）")


# ---- the request to convene the members' meeting ---------------------------------------------------

def _clean_slate(errors: Errors, party_org: PartyOrg, content: Mapping[str, Any], final: bool) -> None:
    seats = _count(errors, "seats", content.get("seats", 0), _("委员名额"), required=False) or 0
    slate = {post: _ids(errors, post, content.get(post), label) for post, label in
             ((Post.COMMITTEE, _("委员候选人")), (Post.SECRETARY, _("书记候选人")), (Post.DEPUTY, _("副书记候选人")))}
    named = {i for ids in slate.values() for i in ids}
    members = {m.pk: m for m in PartyMember.objects.filter(pk__in=named)}
    for post, ids in slate.items():
        if len(set(ids)) != len(ids):
            errors.add(post, _("候选人重复"), "duplicate")
        for pk in ids:
            member = members.get(pk)
            if member is None or member.ended_on is not None or member.relation_org_id != party_org.pk:
                errors.add(post, _("党员编号 %(id)s 不是本党组织的党员（候选人须为组织关系在本党组织的正式党员）") % {"id": pk},
                           "candidate")
            elif member.status != MemberStatus.FULL:
                errors.add(post, _("“%(name)s”是预备党员，没有被选举权（%(src)s）") % {"name": member.name,
                                                                              "src": ELIGIBLE_SOURCE}, "candidate")
    full = len(full_members(party_org))
    if party_org.kind in BRANCH_KINDS and seats and full < BRANCH_COMMITTEE_FROM:
        errors.add("seats", _("正式党员 %(n)s 名，不足 7 名，不设支部委员会，只选举书记（必要时增设副书记）（规则 BRANCH_COMMITTEE，"
                              "%(src)s）") % {"n": full, "src": BWR}, "branch_committee")
    if party_org.kind in BRANCH_KINDS and seats > BRANCH_COMMITTEE_MAX:
        errors.add("seats", _("支部委员会一般由 3 至 5 人组成，最多不超过 7 人（规则 BRANCH_COMMITTEE，%(src)s）")
                   % {"src": BWR}, "branch_committee")
    if seats and slate[Post.COMMITTEE] and len(slate[Post.COMMITTEE]) * 5 < seats * 6:
        errors.add(Post.COMMITTEE, _("委员名额 %(s)s 名，候选人 %(c)s 名：实行差额选举，候选人须多于应选人数 20%%，即至少 %(need)s 名"
                                     "（%(src)s）") % {"s": seats, "c": len(slate[Post.COMMITTEE]),
                                                      "need": -(-seats * 6 // 5), "src": SLATE_SOURCE}, "slate")
    if seats:
        outside = [pk for post in (Post.SECRETARY, Post.DEPUTY) for pk in slate[post] if pk not in slate[Post.COMMITTEE]]
        if outside:
            errors.add(Post.SECRETARY, _("书记、副书记候选人须是委员候选人：由新一届委员会第一次全体会议选举（ELEC）"), "post")
    if final:
        require(errors, Post.SECRETARY, slate[Post.SECRETARY] or None, _("书记候选人"))
        if seats:
            require(errors, Post.COMMITTEE, slate[Post.COMMITTEE] or None, _("委员候选人"))


def clean_request(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    party_org = case.party_org
    assert party_org is not None
    _no_temporary(errors, party_org)
    content = {**case.data, **(data if action is None else {})}
    if action in (None, "submit", "approve"):
        day = as_date(errors, "planned_on", content.get("planned_on"), _("拟召开日期"))
        if action == "submit":
            require(errors, "planned_on", day, _("拟召开日期"))
        _clean_slate(errors, party_org, content, final=action in ("submit", "approve"))
    if action == "approve":
        _decision(errors, case, data)


def apply_request(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    if transition.action != "approve":
        return None
    return {"decision_no": str(data["decision_no"]).strip(), "decided_on": str(data["decided_on"])}


ELECTION_REQUEST = register(CaseKind(
    code="election_request", label=gettext_lazy("召开党员大会请示（换届选举）"), subject="party_org", rule_id=RULE,
    source=f"{SOURCE}；{SLATE_SOURCE}；{BWR}", transitions=approval_flow(), deadline_days=30,
    clean=clean_request, apply=apply_request,
    fields={"planned_on": gettext_lazy("拟召开日期"), "seats": gettext_lazy("委员名额（不设委员会为 0）"),
            "committee": gettext_lazy("委员候选人"), "secretary": gettext_lazy("书记候选人"), "deputy": gettext_lazy("副书记候选人")},
    action_fields={"approve": {"decision_no": gettext_lazy("批复文号"), "decided_on": gettext_lazy("批复日期")}},
))


# ---- the report of the result ----------------------------------------------------------------------

@dataclass
class Counted:
    """An election report read and judged: the meeting, then the secretary and deputy."""

    held_on: dt.date | None = None
    entitled: int = 0
    excluded: int = 0
    present: int = 0
    seats: int = 0
    votes: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)  # post → member → for/against/abstain
    meeting: Verdict | None = None
    leaders: dict[str, Verdict] = field(default_factory=dict)


def _votes(errors: Errors, party_org: PartyOrg, raw: Any, present: int) -> dict[str, dict[int, dict[str, int]]]:
    out: dict[str, dict[int, dict[str, int]]] = {p: {} for p in Post.values}
    if not isinstance(raw, list):
        errors.add("candidates", _("计票结果须为列表：每项含 member、post（committee / secretary / deputy）、for、against、abstain"),
                   "candidates")
        return out
    members = {m.pk: m for m in PartyMember.objects.filter(relation_org=party_org, ended_on__isnull=True)}
    for row in raw:
        post = row.get("post") if isinstance(row, Mapping) else None
        ids = _ids(errors, "candidates", row.get("member") if isinstance(row, Mapping) else row, _("候选人"))
        if post not in Post.values or len(ids) != 1:
            errors.add("candidates", _("计票结果“%(row)s”无效") % {"row": row}, "candidates")
            continue
        assert isinstance(row, Mapping)
        member = members.get(ids[0])
        if member is None or member.status != MemberStatus.FULL:
            errors.add("candidates", _("党员编号 %(id)s 不是本党组织的正式党员，没有被选举权（%(src)s）")
                       % {"id": ids[0], "src": ELIGIBLE_SOURCE}, "candidate")
            continue
        counts = {k: _count(errors, "candidates", row.get(k, 0), _("票数"), required=False) or 0
                  for k in ("for", "against", "abstain")}
        if sum(counts.values()) > present and post == Post.COMMITTEE:
            errors.add("candidates", _("“%(name)s”的票数合计 %(n)s 超过实到会人数 %(p)s")
                       % {"name": member.name, "n": sum(counts.values()), "p": present}, "votes")
        if ids[0] in out[post]:
            errors.add("candidates", _("“%(name)s”重复列出") % {"name": member.name}, "duplicate")
        out[post][ids[0]] = counts
    return out


def count(party_org: PartyOrg, content: Mapping[str, Any], errors: Errors,
          regimes: list[dict[str, Any]] | None = None) -> Counted:
    """Read the meeting's numbers and votes and judge them. The committee is elected by the meeting;
    the secretary and deputy by the new committee's first plenary (entitled: the elected members,
    present: ``plenary_present``), or by the meeting itself when there is no committee."""
    c = Counted()
    c.held_on = as_date(errors, "held_on", content.get("held_on"), _("选举日期"))
    require(errors, "held_on", c.held_on, _("选举日期"))
    not_in_future(errors, "held_on", c.held_on, _("选举日期"))
    c.excluded = _count(errors, "excluded", content.get("excluded", 0), _("不计入应到会人数的党员"), required=False) or 0
    if c.excluded and not str(content.get("excluded_reason") or "").strip():
        errors.add("excluded_reason", _("请说明不计入应到会人数的原因（受留党察看处分、被停止党籍等；%(src)s）")
                   % {"src": ELIGIBLE_SOURCE}, "required")
    given = _count(errors, "entitled", content.get("entitled"), _("应到会有选举权的党员"), required=False)
    c.entitled = given if given is not None else entitled_voters(party_org, c.excluded)
    c.present = _count(errors, "present", content.get("present"), _("实到会有选举权的党员")) or 0
    c.seats = _count(errors, "seats", content.get("seats", 0), _("委员名额"), required=False) or 0
    if c.present > c.entitled:
        errors.add("present", _("实到会 %(p)s 人多于应到会 %(e)s 人") % {"p": c.present, "e": c.entitled}, "present")
    c.votes = _votes(errors, party_org, content.get("candidates", []), c.present)
    if c.held_on is None or c.entitled == 0 or errors.by_field:
        return c
    c.meeting = judge(c.held_on, c.entitled, c.present, {m: v["for"] for m, v in c.votes[Post.COMMITTEE].items()},
                      seats=c.seats, regimes=regimes)
    if c.seats:
        plenary = len(c.meeting.elected)
        plenary_present = _count(errors, "plenary_present", content.get("plenary_present", plenary),
                                 _("全体会议到会委员"), required=False) or 0
        for post in (Post.SECRETARY, Post.DEPUTY):
            votes = {m: v["for"] for m, v in c.votes[post].items() if m in c.meeting.elected}
            c.leaders[post] = judge(c.held_on, plenary, min(plenary_present, plenary), votes, seats=1, regimes=regimes)
    else:
        for post in (Post.SECRETARY, Post.DEPUTY):
            votes = {m: v["for"] for m, v in c.votes[post].items()}
            c.leaders[post] = judge(c.held_on, c.entitled, c.present, votes, seats=1, regimes=regimes)
    return c


def clean_result(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    party_org = case.party_org
    assert party_org is not None
    _no_temporary(errors, party_org)
    content = {**case.data, **(data if action is None else {})}
    if action not in (None, "submit", "approve"):
        return
    c = count(party_org, content, errors, regimes_for(party_org.region_id))
    if action is None or errors.by_field or c.meeting is None:
        return
    if not c.meeting.valid:
        errors.add("present", _("选举无效，不能报告：%(q)s（规则 ELECTION，依据：%(src)s）")
                   % {"q": c.meeting.quorum_text, "src": c.meeting.source}, "quorum")
        return
    if c.meeting.tied:
        errors.add("candidates", _("最后名额票数相等，须就票数相等的候选人再次投票（规则 ELECTION，依据：%(src)s）")
                   % {"src": c.meeting.source}, "tie")
    secretary = c.leaders.get(Post.SECRETARY)
    if secretary is None or not secretary.elected:
        why = secretary.majority_text if secretary is not None else ""
        errors.add(Post.SECRETARY, _("没有书记当选（%(why)s），须另行选举后再报告（规则 ELECTION，依据：%(src)s）")
                   % {"why": why, "src": (secretary or c.meeting).source}, "secretary")
    if c.held_on and c.held_on < party_org.established_on:
        errors.add("held_on", _("选举日期不能早于党组织成立日期"), "date_order")
    if action == "approve":
        _decision(errors, case, data)


def apply_result(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    """On approval: the election is recorded with its verdict; the new term starts on the election
    date and the elected secretary is set (the superior approves secretary and deputy, Op. art. 6)."""
    if transition.action != "approve":
        return None
    party_org = case.party_org
    assert party_org is not None
    errors = Errors()
    c = count(party_org, case.data, errors, regimes_for(party_org.region_id))
    errors.raise_if_any()
    assert c.meeting is not None and c.held_on is not None
    elected = {Post.COMMITTEE.value: list(c.meeting.elected),
               **{post: list(v.elected) for post, v in c.leaders.items()}}
    election = Election.objects.create(
        party_org=party_org, case=case, held_on=c.held_on, entitled=c.entitled, excluded=c.excluded,
        excluded_reason=str(case.data.get("excluded_reason") or "").strip()[:200], present=c.present,
        seats=c.seats, valid=c.meeting.valid, regime_source=c.meeting.source[:300],
        verdict={"meeting": c.meeting.as_data(), **{post: v.as_data() for post, v in c.leaders.items()}})
    Candidate.objects.bulk_create([
        Candidate(election=election, member_id=member, post=post, votes_for=v["for"], votes_against=v["against"],
                  votes_abstain=v["abstain"], elected=member in elected.get(post, []))
        for post, by_member in c.votes.items() for member, v in by_member.items()])
    secretary = PartyMember.objects.get(pk=elected[Post.SECRETARY.value][0])
    party_org_update(actor=_on_behalf(case, actor), party_org=party_org, term_started_on=c.held_on,
                     secretary=secretary)
    return {"election": election.pk, "decision_no": str(data["decision_no"]).strip(),
            "decided_on": str(data["decided_on"]), "secretary": secretary.pk,
            "deputy": (elected.get(Post.DEPUTY.value) or [None])[0], "committee": elected[Post.COMMITTEE.value]}


ELECTION_RESULT = register(CaseKind(
    code="election_result", label=gettext_lazy("换届选举结果报告"), subject="party_org", rule_id=RULE,
    source=f"{SOURCE}；《关于加强社会组织党的建设工作的意见（试行）》第六条（上级党组织审批选出的书记、副书记）",
    transitions=approval_flow(), deadline_days=30, clean=clean_result, apply=apply_result,
    fields={"held_on": gettext_lazy("选举日期"), "entitled": gettext_lazy("应到会有选举权的党员（空：按名册计算）"),
            "excluded": gettext_lazy("不计入应到会人数的党员"), "excluded_reason": gettext_lazy("不计入的原因"),
            "present": gettext_lazy("实到会有选举权的党员"), "seats": gettext_lazy("委员名额（不设委员会为 0）"),
            "candidates": gettext_lazy("计票结果"), "plenary_present": gettext_lazy("委员会第一次全体会议到会委员")},
    action_fields={"approve": {"decision_no": gettext_lazy("批复文号"), "decided_on": gettext_lazy("批复日期")}},
))


# ---- postponing or advancing the election ----------------------------------------------------------

def clean_postponement(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    party_org = case.party_org
    assert party_org is not None
    _no_temporary(errors, party_org)
    content = {**case.data, **(data if action is None else {})}
    if action not in (None, "submit", "approve"):
        return
    day = as_date(errors, "new_due_on", content.get("new_due_on"), _("拟换届日期"))
    if action in ("submit", "approve"):
        require(errors, "new_due_on", day, _("拟换届日期"))
        require(errors, "reason", str(content.get("reason") or "").strip(), _("理由"))
    end = term_end(party_org)
    if day is not None and not add_years(end, -1) <= day <= add_years(end, 1):
        errors.add("new_due_on", _("本届任期 %(end)s 届满，延期或提前换届一般不超过 1 年（%(lo)s 至 %(hi)s）；拟换届日期 %(day)s "
                                   "超出（规则 TERM，依据：%(src)s）") % {"end": end, "lo": add_years(end, -1),
                                                                     "hi": add_years(end, 1), "day": day,
                                                                     "src": TERM_SOURCE}, "term")
    if action == "approve":
        _decision(errors, case, data)


def apply_postponement(case: Case, transition: Transition, data: Mapping[str, Any],
                       actor: Any) -> dict[str, Any] | None:
    if transition.action != "approve":
        return None
    party_org = case.party_org
    assert party_org is not None
    decided = as_date(Errors(), "decided_on", data["decided_on"], "")
    assert decided is not None
    new_due = as_date(Errors(), "new_due_on", case.data["new_due_on"], "")
    assert new_due is not None
    postponement = Postponement.objects.create(
        party_org=party_org, case=case, term_end=term_end(party_org), new_due_on=new_due,
        reason=str(case.data.get("reason") or "").strip()[:500], decision_no=str(data["decision_no"]).strip()[:100],
        decided_on=decided)
    return {"postponement": postponement.pk, "new_due_on": str(new_due), "decision_no": postponement.decision_no,
            "decided_on": str(decided)}


TERM_POSTPONEMENT = register(CaseKind(
    code="term_postponement", label=gettext_lazy("延期或提前换届请示"), subject="party_org", rule_id="TERM", source=TERM_SOURCE,
    transitions=approval_flow(), deadline_days=30, clean=clean_postponement, apply=apply_postponement,
    fields={"new_due_on": gettext_lazy("拟换届日期"), "reason": gettext_lazy("理由")},
    action_fields={"approve": {"decision_no": gettext_lazy("批复文号"), "decided_on": gettext_lazy("批复日期")}},
))
