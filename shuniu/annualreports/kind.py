"""The case kind ``secretary_report``: a party org's secretary (or an officer in scope) writes the
year's report and submits it to the superior party org, which evaluates it (grade and comment:
closed) or returns it for revision (rule SECRETARY_REPORT; Opinions art. 20; REPORT 2015).

The application (``Case.data``): ``year``, ``mode`` (on_site / written), ``text``, ``problems``,
``rectification`` (a list of ``{"item", "due_on"}``) and the members' grades as counts
(``members_good`` … ``members_poor``). It is mirrored in ``SecretaryReport`` whenever it is saved
(``saved``); the members' counts become ``Rating`` rows on submission, the superior's grade on
evaluation. An overall grade of 一般 or 差 requires the interview date and the rectification asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import user_of
from shuniu.annualreports import grading
from shuniu.annualreports.models import Grade, Mode, Rating, SecretaryReport, Side
from shuniu.annualreports.rules import CITE, RULE, SOURCE
from shuniu.cases.kinds import (
    APPLICANT,
    BODY,
    DRAFT,
    RETURNED,
    STATE_LABELS,
    SUBMITTED,
    WITHDRAWN,
    CaseKind,
    Transition,
    register,
)
from shuniu.cases.models import Case
from shuniu.core.actors import actor_label
from shuniu.core.services import Errors, as_date
from shuniu.party.models import PartyOrg
from shuniu.rulesettings.selectors import params

CODE = "secretary_report"
EVALUATED = "evaluated"
MAX_TEXT = 20000
MAX_ITEMS = 50
MAX_VOTES = 100_000
FIRST_YEAR = 1921

STATES = {DRAFT: STATE_LABELS[DRAFT], SUBMITTED: gettext_lazy("待评议"), RETURNED: STATE_LABELS[RETURNED],
          EVALUATED: gettext_lazy("已评议"), WITHDRAWN: STATE_LABELS[WITHDRAWN]}
TRANSITIONS = (
    Transition("submit", frozenset({DRAFT, RETURNED}), SUBMITTED, APPLICANT),
    Transition("return", frozenset({SUBMITTED}), RETURNED, BODY, comment_required=True),
    Transition("evaluate", frozenset({SUBMITTED}), EVALUATED, BODY, label=gettext_lazy("评议")),
    Transition("withdraw", frozenset({DRAFT, RETURNED}), WITHDRAWN, APPLICANT),
)


def _rule(message: str) -> str:
    return _("%(message)s（规则 SECRETARY_REPORT：%(cite)s）") % {"message": message, "cite": CITE}


def _int(errors: Errors, field: str, value: Any, label: Any, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not (isinstance(value, int) or (text.isascii() and text.isdigit())):
        errors.add(field, _("%(label)s“%(value)s”不是整数") % {"label": label, "value": value}, "integer")
        return None
    n = int(text)
    if not low <= n <= high:
        errors.add(field, _("%(label)s须在 %(low)s 至 %(high)s 之间") % {"label": label, "low": low, "high": high}, "range")
        return None
    return n


def _clean_year(errors: Errors, case: Case, party_org: PartyOrg, year: int | None) -> None:
    if year is None:
        if "year" not in errors.by_field:
            errors.add("year", _("述职年度不能为空（规则：必填）"), "required")
        return
    today = timezone.localdate()
    if year > today.year:
        errors.add("year", _rule(_("述职年度 %(year)s 年尚未开始，不能述职") % {"year": year}), RULE)
    if party_org.established_on.year > year:
        errors.add("year", _rule(_("“%(org)s”成立于 %(d)s，%(year)s 年尚未成立，不能为该年度述职") % {
            "org": party_org.name, "d": party_org.established_on.isoformat(), "year": year}), RULE)
    taken = (SecretaryReport.objects.filter(party_org=party_org, year=year, withdrawn=False)
             .exclude(case_id=case.pk).first())
    if taken is not None:
        errors.add("year", _rule(_("“%(org)s”%(year)s 年度的述职已有记录（事项 %(case)s），每个党组织每年述职一次") % {
            "org": party_org.name, "year": year, "case": taken.case_id}), RULE)


def _clean_items(errors: Errors, value: Any) -> None:
    if value in (None, ""):
        return
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        errors.add("rectification", _("整改事项须为列表（每项含 item 与 due_on），至多 %(n)s 项") % {"n": MAX_ITEMS}, "rectification")
        return
    for i, entry in enumerate(value, start=1):
        if not isinstance(entry, Mapping) or not str(entry.get("item") or "").strip():
            errors.add("rectification", _("第 %(i)s 项整改事项须写明内容") % {"i": i}, "rectification")
            continue
        if len(str(entry["item"])) > 500:
            errors.add("rectification", _("第 %(i)s 项整改事项过长（不超过 500 个字符）") % {"i": i}, "max_length")
        due = as_date(errors, "rectification", entry.get("due_on"), _("第 %(i)s 项整改期限") % {"i": i})
        if due is None and "rectification" not in errors.by_field:
            errors.add("rectification", _("第 %(i)s 项整改事项须有完成期限") % {"i": i}, "required")


def clean_application(errors: Errors, case: Case, content: Mapping[str, Any], submitting: bool) -> None:
    party_org = case.party_org
    assert party_org is not None
    if party_org.dissolved_on is not None:
        errors.add("party_org", _rule(_("“%(org)s”已于 %(d)s 撤销，不能述职") % {
            "org": party_org.name, "d": party_org.dissolved_on.isoformat()}), RULE)
    year = _int(errors, "year", content.get("year"), _("述职年度"), FIRST_YEAR, 9999)
    _clean_year(errors, case, party_org, year)
    if content.get("mode", Mode.ON_SITE) not in Mode.values:
        errors.add("mode", _("述职方式“%(v)s”无效（on_site 现场 / written 书面）") % {"v": content.get("mode")}, "choice")
    for name, label in (("text", _("述职报告")), ("problems", _("存在问题"))):
        value = content.get(name)
        if value is not None and not isinstance(value, str):
            errors.add(name, _("%(label)s须为文字") % {"label": label}, "text")
        elif value and len(value) > MAX_TEXT:
            errors.add(name, _("%(label)s过长（不超过 %(n)s 个字符）") % {"label": label, "n": MAX_TEXT}, "max_length")
    if submitting and not str(content.get("text") or "").strip():
        errors.add("text", _rule(_("报送上级党组织的述职须有述职报告")), "required")
    _clean_items(errors, content.get("rectification"))
    for grade, key in grading.MEMBER_KEYS.items():
        _int(errors, key, content.get(key), _("党员评议“%(g)s”票数") % {"g": grade.label}, 0, MAX_VOTES)


def members_counts(data: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for grade, key in grading.MEMBER_KEYS.items():
        try:
            n = int(data.get(key) or 0)
        except (TypeError, ValueError):
            n = 0
        if n > 0:
            out[grade.value] = n
    return out


def _clean_evaluation(errors: Errors, case: Case, data: Mapping[str, Any]) -> None:
    grade = data.get("grade")
    if grade in (None, ""):
        errors.add("grade", _("评议等次不能为空（规则：必填）"), "required")
        return
    if grade not in Grade.values:
        errors.add("grade", _("评议等次“%(v)s”无效（good 好 / fairly_good 较好 / average 一般 / poor 差）") % {"v": grade},
                   "choice")
        return
    region = str(case.region_id)
    result = grading.overall(str(grade), members_counts(case.data), params(RULE, region))
    interview = as_date(errors, "interview_on", data.get("interview_on"), _("约谈日期"))
    if result in grading.FOLLOW_UP:
        shown = Grade(result).label
        if interview is None and "interview_on" not in errors.by_field:
            errors.add("interview_on", _rule(_("综合评议为“%(g)s”，须约谈书记：请填写约谈日期") % {"g": shown}), RULE)
        if not str(data.get("follow_up") or "").strip():
            errors.add("follow_up", _rule(_("综合评议为“%(g)s”，须提出整改要求") % {"g": shown}), RULE)
    if len(str(data.get("follow_up") or "")) > 2000:
        errors.add("follow_up", _("整改要求过长（不超过 2000 个字符）"), "max_length")


def clean_report(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    if action in (None, "submit"):
        content = {**case.data, **(data if action is None else {})}
        clean_application(errors, case, content, submitting=action == "submit")
    elif action == "evaluate":
        _clean_evaluation(errors, case, data)


def _items(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return []
    return [{"item": str(e.get("item") or "").strip(), "due_on": str(e.get("due_on") or "")}
            for e in value if isinstance(e, Mapping)]


def save_report(case: Case, actor: Any) -> None:
    """Mirror the application in the case's ``SecretaryReport`` (made when the case is opened)."""
    party_org = case.party_org
    assert party_org is not None
    data = case.data
    report = SecretaryReport.objects.filter(case=case).first() or SecretaryReport(case=case, party_org=party_org,
                                                                                    is_demo=case.is_demo)
    report.year = int(data["year"])
    report.mode = data.get("mode") or Mode.ON_SITE
    report.text = str(data.get("text") or "")
    report.problems = str(data.get("problems") or "")
    report.rectification = _items(data.get("rectification"))
    secretary = party_org.secretary
    report.secretary = secretary
    report.secretary_name = secretary.name if secretary is not None else ""
    report.save()


def apply_report(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    report = SecretaryReport.objects.select_for_update().get(case=case)
    today = timezone.localdate()
    if transition.action == "submit":
        report.submitted_on = report.submitted_on or today
        report.ratings.filter(side=Side.MEMBERS).delete()
        Rating.objects.bulk_create([Rating(report=report, side=Side.MEMBERS, grade=g, count=n,
                                           rater_label=_("党员大会（%(who)s 录入）") % {"who": actor_label(actor)})
                                    for g, n in members_counts(case.data).items()])
        report.save(update_fields=["submitted_on", "updated_at"])
        return None
    if transition.action == "withdraw":
        report.withdrawn = True
        report.save(update_fields=["withdrawn", "updated_at"])
        return None
    if transition.action != "evaluate":
        return None
    grade = str(data["grade"])
    Rating.objects.create(report=report, side=Side.SUPERIOR, grade=grade, rater=user_of(actor),
                          rater_label=actor_label(actor))
    report.superior_grade = grade
    report.grade = grading.overall(grade, members_counts(case.data), params(RULE, str(case.region_id)))
    report.evaluated_on = today
    report.interview_on = as_date(Errors(), "interview_on", data.get("interview_on"), "")
    report.follow_up = str(data.get("follow_up") or "").strip()
    report.save()
    return {"overall_grade": report.grade}


SECRETARY_REPORT = register(CaseKind(
    code=CODE, label=gettext_lazy("书记述职"), subject="party_org", rule_id=RULE, source=SOURCE,
    transitions=TRANSITIONS, states=STATES, deadline_days=30, clean=clean_report, apply=apply_report,
    saved=save_report,
    fields={"year": gettext_lazy("述职年度"), "mode": gettext_lazy("述职方式（on_site 现场 / written 书面）"),
            "text": gettext_lazy("述职报告"), "problems": gettext_lazy("存在问题"),
            "rectification": gettext_lazy("整改事项"),
            "members_good": gettext_lazy("党员评议：好"), "members_fairly_good": gettext_lazy("党员评议：较好"),
            "members_average": gettext_lazy("党员评议：一般"), "members_poor": gettext_lazy("党员评议：差")},
    action_fields={"evaluate": {"grade": gettext_lazy("评议等次"), "interview_on": gettext_lazy("约谈日期"),
                                "follow_up": gettext_lazy("整改要求")}},
))
