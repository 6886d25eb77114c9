"""The rules of DOMAIN.md §3 that concern an org or a party org, each citing its source.

A rule is a small unit: an id, its source (document and article), its message in zh-hans and in
English, whether it is *local* (varies by city: off unless configured), its default parameters
and their checks, and a function yielding findings. Each rule is declared to the local rule
settings (``shuniu.rulesettings``): a province, city, county or street sets its on/off and
parameters for itself (``shuniu rules --set RULE --region 3204 ...``), the most specific prefix of
a row's region winning, and ``evaluate`` applies to each row the settings of its region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from shuniu.coverage import integrity
from shuniu.coverage.due import Thresholds, due_q
from shuniu.party import bodies, terms
from shuniu.party.models import NESTING_SOURCE, NO_TERM_KINDS, PartyMember, PartyOrg, PartyOrgKind
from shuniu.registry.models import CoverageStatus, InspectionResult, SocialOrg
from shuniu.rulesettings.declarations import Check, declare
from shuniu.rulesettings.selectors import current


@dataclass(frozen=True)
class Finding:
    rule_id: str
    subject_type: str  # "org" | "party_org"
    subject_id: int
    subject_name: str
    region: str
    message: str
    source: str


@dataclass(frozen=True)
class Context:
    orgs: QuerySet[SocialOrg]  # already scoped, active
    party_orgs: QuerySet[PartyOrg]  # already scoped, not dissolved
    today: dt.date
    params: dict[str, Any]  # the rule's parameters where these rows are (one partition of its settings)
    due: Thresholds  # "due but not established" of every region (``coverage.due``)
    # Members to check beyond those reached through the orgs and party orgs (the members who have
    # neither a workplace nor a relation org); None for none.
    members: QuerySet[PartyMember] | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    message_zh: str
    message_en: str
    evaluate: Callable[[Context], Iterator[tuple[Any, dict[str, Any]]]]
    local: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)
    subject: str = "org"
    checks: dict[str, Check] = field(default_factory=dict)

    def message(self, **values: Any) -> str:
        lang = translation.get_language() or "zh-hans"
        template = self.message_en if lang.startswith("en") else self.message_zh
        return template.format(**values)


def _int_between(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return _("取值 %(value)s 超出范围（规则：须为 %(low)s 至 %(high)s 之间的整数）") % {
            "value": value, "low": low, "high": high}
    return check


def _establish(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    qs = ctx.orgs.filter(due_q(thresholds=ctx.due))
    for org in qs.order_by("county_code", "name").iterator(chunk_size=2000):
        yield org, {"n": org.full_members, "min": ctx.due.for_region(org.region_id)}


def _joint(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    # Below the threshold of its region: the complement of the due orgs that have members.
    qs = (ctx.orgs.filter(full_members__gte=1, full_members__lt=ctx.due.expression())
          .exclude(coverage_status__in=[CoverageStatus.OWN, CoverageStatus.JOINT]))
    for org in qs.order_by("street_code", "name").iterator(chunk_size=2000):
        yield org, {"n": org.full_members, "min": ctx.due.for_region(org.region_id)}


def _joint_too_large(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    qs = (ctx.party_orgs.filter(kind="joint_branch")
          .annotate(units=Count("coverages", filter=Q(coverages__ended_on__isnull=True)))
          .filter(units__gt=ctx.params["max_units"]))
    for party_org in qs.order_by("path"):
        yield party_org, {"n": party_org.units, "max": ctx.params["max_units"]}


def _work_coverage(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    for org in ctx.orgs.filter(coverage_status=CoverageStatus.NONE).order_by("street_code", "name").iterator(chunk_size=2000):
        yield org, {}


def _member_counts(ctx: Context) -> QuerySet[Any]:  # PartyOrg with n_all and n_full
    return ctx.party_orgs.annotate(
        n_all=Count("members", filter=Q(members__ended_on__isnull=True)),
        n_full=Count("members", filter=Q(members__ended_on__isnull=True, members__status="full")),
    )


def _branch_size(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    qs = _member_counts(ctx).filter(kind__in=["branch", "joint_branch"], n_all__gt=ctx.params["max_members"])
    for party_org in qs.order_by("path"):
        suggestion_zh, suggestion_en = (("党委", "a party committee") if party_org.n_all >= 100
                                        else ("党总支", "a general branch"))
        yield party_org, {"n": party_org.n_all, "max": ctx.params["max_members"], "zh": suggestion_zh,
                          "en": suggestion_en}


def _branch_committee(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    qs = _member_counts(ctx).filter(kind__in=["branch", "joint_branch"], n_full__gte=7)
    for party_org in qs.order_by("path"):
        yield party_org, {"n": party_org.n_full}


_TERM_STATES = {
    terms.OVERDUE: ("本届任期已到期（{end} 届满），应尽快换届", "the term is overdue (it ended on {end}): hold the election now"),
    terms.URGENT: ("本届任期将于 {end} 届满（不足 {days} 天），应启动换届",
                   "the term ends on {end} (within {days} days): start the election"),
    terms.NOTICE: ("本届任期将于 {end} 届满（{months} 个月内），请做好换届准备",
                   "the term ends on {end} (within {months} months): prepare the election"),
}


def _term(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    months, days = ctx.params["notice_months"], ctx.params["urgent_days"]
    qs = ctx.party_orgs.exclude(kind__in=NO_TERM_KINDS).filter(term_years__isnull=False)
    for party_org in qs.order_by("path").iterator(chunk_size=2000):
        end = terms.term_end(party_org)
        state = terms.term_alert(end, ctx.today, notice_months=months, urgent_days=days)
        if state is not None:
            zh, en = _TERM_STATES[state]
            values = {"end": end, "days": days, "months": months}
            yield party_org, {"state_zh": zh.format(**values), "state_en": en.format(**values), "window": state}


def _superior(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Rule SUPERIOR: (a) party orgs without a (live) superior, (b) orgs without a responsible body."""
    for party_org in ctx.party_orgs.select_related("superior").order_by("path").iterator(chunk_size=2000):
        # The superior is not named: it may lie outside the scope of whoever sees this party org.
        gone = party_org.superior.dissolved_on if party_org.superior is not None else None
        if gone is not None:
            yield party_org, {"zh": f"上级党组织已于 {gone} 撤销：应改隶现有的上级党组织",
                              "en": f"its superior was dissolved on {gone}: place it under a current superior"}
        elif party_org.superior_id is None and not _top_of_line(party_org):
            yield party_org, {"zh": "未记录上级党组织：每个党组织都应有明确的上级党组织（由上级党组织领导和管理）",
                              "en": "no superior recorded: every party organization has one, which leads and manages it"}
    batch: list[SocialOrg] = []
    orgs = ctx.orgs.select_related(None).only("id", "name", "region_id").order_by("county_code", "name")
    for org in orgs.iterator(chunk_size=2000):
        batch.append(org)
        if len(batch) == 900:
            yield from _unresolved(batch)
            batch = []
    yield from _unresolved(batch)


def _top_of_line(party_org: PartyOrg) -> bool:
    """The exemption of rule SUPERIOR. The comprehensive committee (综合党委) of a province or a
    city heads the line of social-org party building there: its superior is the province's or the
    city's party committee itself (through its organization or social work department), which is
    not a party org of this registry. Everything below it has its superior here: a county's or a
    street's comprehensive committee sits under the city's or the county's (NESTING lets a
    comprehensive committee sit under another), an industry committee under a comprehensive one,
    and every grassroots party org under one of these or under the party org of its supervisory
    unit. Industry committees are not exempt even at city level: they are set up by, and report
    to, a committee of the line (the city's comprehensive committee or a bureau's party committee)."""
    return party_org.kind == PartyOrgKind.COMPREHENSIVE_COMMITTEE and len(party_org.region_id) <= 4


def _unresolved(orgs: list[SocialOrg]) -> Iterator[tuple[Any, dict[str, Any]]]:
    if not orgs:
        return
    resolved = bodies.resolve_all([o.pk for o in orgs])
    for org in orgs:
        result = resolved.get(org.pk)
        if isinstance(result, bodies.Unresolved):
            # The reasons were written in the language in force, the one the message is chosen in.
            zh, en = "；".join(result.reasons), "; ".join(result.reasons)
            yield org, {"zh": f"未能确定党建工作责任主体：{zh}", "en": f"no responsible party body can be found: {en}"}


_GRADES = ["1A", "2A", "3A", "4A", "5A"]


def _evaluation_veto(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    # Due and not established (``due_q``, the one definition) with a current grade at or above the
    # bar: what ``passes.services.clean_evaluation`` refuses to record.
    grades = _GRADES[_GRADES.index(ctx.params["min_grade"]):]
    valid_from = ctx.today.year - ctx.params["valid_years"] + 1
    qs = (ctx.orgs.filter(evaluation_grade__in=grades, evaluation_year__gte=valid_from)
          .filter(due_q(thresholds=ctx.due)))
    for org in qs.order_by("name").iterator(chunk_size=2000):
        yield org, {"grade": org.evaluation_grade, "year": org.evaluation_year}


def _eval_eligibility(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    # Due and not established with an evaluation still valid today (``passes.EvaluationRecord``,
    # reached by its relation name: the coverage app does not import the passes app above it).
    qs = (ctx.orgs.filter(due_q(thresholds=ctx.due)).filter(evaluations__valid_until__gte=ctx.today)
          .annotate(valid_until=Max("evaluations__valid_until")))
    for org in qs.order_by("name").iterator(chunk_size=2000):
        yield org, {"grade": org.evaluation_grade or "—", "year": org.evaluation_year or "—",
                    "until": org.valid_until}


def _sync_registration(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    since = ctx.today - dt.timedelta(days=ctx.params["recent_days"])
    qs = ctx.orgs.filter(established_on__gte=since).filter(due_q(thresholds=ctx.due))
    for org in qs.order_by("-established_on").iterator(chunk_size=2000):
        yield org, {"date": org.established_on, "n": org.full_members}


def _change_dissolve(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    qs = ctx.party_orgs.filter(coverages__ended_on__isnull=True,
                               coverages__org__status="deregistered").distinct()
    for party_org in qs.order_by("path"):
        gone = party_org.coverages.filter(ended_on__isnull=True, org__status="deregistered").select_related("org")
        for link in gone:
            yield party_org, {"org": link.org.name, "date": link.org.deregistered_on}


# Rule INSPECTION's cap, best conclusion first (``registry.InspectionResult``), with the labels of
# its message in both languages.
CONCLUSIONS = {InspectionResult.PASS.value: ("合格", "pass"), InspectionResult.BASIC_PASS.value: ("基本合格", "basic pass"),
               InspectionResult.FAIL.value: ("不合格", "fail")}
_CONCLUSION_ORDER = list(InspectionResult.values)


def better_conclusions(cap: str) -> list[str]:
    """The conclusions better than ``cap`` (what rule INSPECTION refuses a due org)."""
    return _CONCLUSION_ORDER[:_CONCLUSION_ORDER.index(cap)]


def _inspection(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    # Last year's inspection concluded better than the cap while the org is due and not established:
    # what ``passes.services.clean_inspection`` refuses to record (reached by the relation name).
    year = ctx.today.year - 1
    cap = ctx.params["max_conclusion"]
    qs = (ctx.orgs.filter(inspections__year=year, inspections__conclusion__in=better_conclusions(cap))
          .filter(due_q(thresholds=ctx.due)).annotate(conclusion=Max("inspections__conclusion")))
    for org in qs.order_by("name").iterator(chunk_size=2000):
        (given_zh, given_en), (cap_zh, cap_en) = CONCLUSIONS[org.conclusion], CONCLUSIONS[cap]
        yield org, {"year": year, "given_zh": given_zh, "given_en": given_en, "cap_zh": cap_zh, "cap_en": cap_en}


def _conclusion_check(value: Any) -> str | None:
    if value in CONCLUSIONS:
        return None
    return _("年检结论“%(value)s”无效（规则：取值为 %(allowed)s 之一）") % {
        "value": value, "allowed": " / ".join(CONCLUSIONS)}


RULES: dict[str, Rule] = {r.id: r for r in [
    Rule("ESTABLISH", "《关于加强社会组织党的建设工作的意见（试行）》第八条；党章第三十条；《中国共产党支部工作条例（试行）》第四条",
         "专职人员中有正式党员 {n} 名（≥{min}），尚未单独建立党组织：应建未建",
         "{n} full members on staff (≥ {min}) and no party organization of its own: should establish one",
         _establish, defaults={"min_full_members": 3}, checks={"min_full_members": _int_between(1, 1000)}),
    Rule("JOINT", "《意见》第十条；《支部工作条例》第五条",
         "正式党员 {n} 名（不足 {min} 名），可按行业或区域与邻近组织联合建立党支部",
         "{n} full member(s) (fewer than {min}): candidate for a joint branch by industry or area",
         _joint),
    Rule("JOINT_SIZE", "《意见》第十条；《支部工作条例》第五条",
         "联合党支部覆盖 {n} 个单位，一般不超过 {max} 个",
         "joint branch covers {n} units; generally no more than {max}",
         _joint_too_large, defaults={"max_units": 5}, subject="party_org",
         checks={"max_units": _int_between(1, 1000)}),
    Rule("WORK_COVERAGE", "《意见》第十一条",
         "未建党组织、未选派党建工作指导员（联络员）、未建工会或共青团组织：党的工作尚未覆盖",
         "no party organization, instructor, trade union or youth league: party work does not reach it",
         _work_coverage),
    Rule("BRANCH_SIZE", "《支部工作条例》第四条",
         "党支部党员 {n} 名，超过 {max} 名，可设立{zh}（需经批准）",
         "branch has {n} members, more than {max}: may become {en} (with approval)",
         _branch_size, defaults={"max_members": 50}, subject="party_org",
         checks={"max_members": _int_between(1, 10_000)}),
    Rule("BRANCH_COMMITTEE", "《中国共产党支部工作条例（试行）》",
         "正式党员 {n} 名（≥7），应设立支部委员会（一般 3 至 5 人，不超过 7 人）",
         "{n} full members (≥ 7): elects a branch committee (3–5, at most 7)",
         _branch_committee, subject="party_org"),
    Rule("TERM", "《中国共产党党和国家机关基层组织工作条例》《关于基层党组织任期的意见》（2018）；党章第三十一条",
         "{state_zh}（延期或提前一般不超过 1 年，须经上级党组织批准）",
         "{state_en} (at most 1 year earlier or later, with the superior's approval)",
         _term, defaults={"notice_months": 6, "urgent_days": 90}, subject="party_org",
         checks={"notice_months": _int_between(0, 60), "urgent_days": _int_between(0, 3650)}),
    Rule("SUPERIOR", bodies.SOURCE,
         "{zh}", "{en}",
         _superior, subject="party_org"),
    Rule("EVALUATION_VETO", "常州市做法（种子 003）：3A 以上等级评估党建一票否决",
         "评估等级 {grade}（{year} 年）但应建未建：党建工作一票否决",
         "evaluation grade {grade} ({year}) while it should have a party organization: one-vote veto",
         _evaluation_veto, local=True, defaults={"min_grade": "3A", "valid_years": 5},
         checks={"min_grade": lambda v: None if v in _GRADES else _(
             "评估等级“%(value)s”无效（规则：取值为 %(allowed)s 之一）") % {"value": v, "allowed": " / ".join(_GRADES)},
                 "valid_years": _int_between(1, 20)}),
    Rule("SYNC_REGISTRATION", "《意见》第十一条（“三同步”）；种子 001、003",
         "新登记组织（{date}）已有正式党员 {n} 名，应同步建立党组织",
         "newly registered ({date}) with {n} full members: set up its party organization at registration",
         _sync_registration, defaults={"recent_days": 365}, checks={"recent_days": _int_between(1, 3650)}),
    Rule("CHANGE_DISSOLVE", "《意见》第八条",
         "所覆盖的“{org}”已于 {date} 注销：党组织应向上级报告，由上级党组织决定其调整或撤销，并转移党员组织关系",
         "covered org “{org}” deregistered on {date}: report to the superior, which decides on this party "
         "organization; transfer the members' relations",
         _change_dissolve, subject="party_org"),
    Rule("INSPECTION", "种子 001、003：年检同步检查党建（部分地区）",
         "{year} 年度年检结论为“{given_zh}”，但应建未建：年检结论最高为“{cap_zh}”",
         "concluded “{given_en}” in the {year} annual inspection while it should have a party organization: "
         "the conclusion is at best “{cap_en}”",
         _inspection, local=True, defaults={"max_conclusion": "basic_pass"},
         checks={"max_conclusion": _conclusion_check}),
    Rule("EVAL_ELIGIBILITY", "北京市做法（种子 001）：“对应建未建社会组织不允许参加评估”",
         "应建未建却有有效的评估等级 {grade}（{year} 年，有效期至 {until}）：应建未建的社会组织不得参加评估",
         "evaluated {grade} ({year}, valid until {until}) while it should have a party organization: "
         "such an org may not enter the evaluation",
         _eval_eligibility, local=True),
    # Data integrity (issue 11): the services refuse these states; these rules find them in the data.
    Rule("OWN_UNIQUE", "《意见》第八条（单独建立党组织）；DOMAIN §4（覆盖状态唯一）",
         "同时由 {n} 个单独组建的党组织覆盖（{names_zh}）：一个社会组织同一时间只能有一个单独组建的党组织，应撤销或结束多余的覆盖",
         "covered by {n} party organizations of its own at once ({names_en}): an org has at most one at a time; "
         "dissolve one or end its coverage",
         integrity.own_unique),
    Rule("NESTING", NESTING_SOURCE,
         "{kind}设在{sup_kind}“{sup}”之下：{kind}的上级应为{allowed_zh}",
         "a {kind} under the {sup_kind} \"{sup}\": a {kind} sits under {allowed_en}",
         integrity.nesting, subject="party_org"),
    Rule("NO_MEMBERS", "党章第三十条（有正式党员三人以上的，应成立党的基层组织）；《中国共产党支部工作条例（试行）》第二章",
         "成立已 {days} 天（宽限 {grace} 天），尚无组织关系在本组织（含下级）的党员：应转入党员组织关系或撤销",
         "established {days} days ago (grace period {grace} days) and no member's relation is held here or below: "
         "transfer the members' relations in, or dissolve it",
         integrity.no_members, defaults={"grace_days": 90}, subject="party_org"),
    Rule("NO_SECRETARY", "《中国共产党支部工作条例（试行）》（党支部设书记）；《意见》第十七条（党组织书记人选）",
         "成立已 {days} 天（宽限 {grace} 天），{state_zh}",
         "established {days} days ago (grace period {grace} days): {state_en}",
         integrity.no_secretary, defaults={"grace_days": 90}, subject="party_org"),
    Rule("NO_RELATION", "党章第八条（每个党员都必须编入党的一个支部、小组或其他特定组织）",
         "{n} 名党员既无组织关系所在党组织，也未登记组织关系在外：{names_zh}",
         "{n} member(s) with neither a relation org here nor a relation recorded elsewhere: {names_en}",
         integrity.no_relation),
    Rule("PROBATION", "党章第七条（预备期一年，延长不超过一年）",
         "预备党员{name}于 {date} 入党，预备期已超过 {years} 年：应讨论转正、延长预备期或取消预备党员资格",
         "probationary member {name}, admitted on {date}: probation has lasted more than {years} years; decide on "
         "full membership, an extension or cancellation",
         integrity.probation, defaults={"years": 1, "max_extension_years": 1}, subject="party_org"),
    Rule("MEMBER_DATES", "党章第一条（年满十八岁）、第七条（预备期一年，延长不超过一年）；1921 年 7 月建党",
         "党员{name}的日期不合规则：{zh}",
         "member {name}: dates break the rules: {en}",
         integrity.member_dates, subject="party_org"),
    Rule("FUTURE_DATE", "数据规则：已发生的事项日期不在未来",
         "日期在未来：{zh}", "dates in the future: {en}",
         integrity.future_dates),
    Rule("BOUNDS", "数据规则：数量须在合理范围内",
         "数值超出范围：{zh}", "values out of bounds: {en}",
         integrity.bounds),
    Rule("USCC_TYPE", "GB 32100-2015 附录 A（登记管理部门码、机构类别码）",
         "统一社会信用代码 {uscc} 前两位 {prefix} 表示{meaning}，与类型“{type}”不符（应为 {allowed}）",
         "USCC {uscc}: its first two characters {prefix} mean {meaning}, which does not fit the type \"{type}\" "
         "(expected {allowed})",
         integrity.uscc_type),
    Rule("DUPLICATE_NAME", "数据规则：同一县（区）内同名的组织多为重复登记，须核对",
         "同一县（区）内另有 {n} 个正常状态的组织与本组织同名：请核对是否重复登记",
         "{n} other active org(s) in the same county share this name: check for a duplicate registration",
         integrity.duplicate_name),
]}


def _declare_all() -> None:
    for rule in RULES.values():
        declare(rule.id, defaults=rule.defaults, enabled=not rule.local, source=rule.source, checks=rule.checks)


_declare_all()


_SUBJECT_TYPES = {SocialOrg: "org", PartyOrg: "party_org", PartyMember: "member"}


def evaluate(orgs: QuerySet[SocialOrg], party_orgs: QuerySet[PartyOrg], *, rule_ids: list[str] | None = None,
             today: dt.date | None = None, members: QuerySet[PartyMember] | None = None) -> Iterator[Finding]:
    """Findings of the enabled rules (or of ``rule_ids``, even if switched off) over the given rows,
    each row judged with the settings of its region.

    ``members`` adds the members that no org or party org reaches (no workplace, no relation org)."""
    from shuniu.coverage.engine import today as engine_today

    day = today or engine_today()
    settings = current()
    due = Thresholds(settings)
    active_orgs = orgs.filter(status="active")
    live_party = party_orgs.filter(dissolved_on__isnull=True)
    for rule in RULES.values():
        if rule_ids is not None and rule.id not in rule_ids:
            continue
        # One pass per part of the country with its own settings of this rule (usually one).
        for part in settings.partitions(rule.id):
            if rule_ids is None and not part.enabled:
                continue
            where = part.q()
            ctx = Context(orgs=active_orgs.filter(where), party_orgs=live_party.filter(where), today=day,
                          params=part.params, due=due, members=members.filter(where) if members is not None else None)
            for subject, values in rule.evaluate(ctx):
                region = subject.region_id
                yield Finding(rule.id, _SUBJECT_TYPES.get(type(subject), rule.subject), subject.pk, subject.name,
                              region, rule.message(**values), rule.source)
