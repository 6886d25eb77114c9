"""A member out of contact (失去联系党员): a case of the branch holding the relation (rule MOBILE;
EDU 2019 art. 24; Party Constitution art. 9).

The branch opens the case and records since when contact was lost and how it searched; the open
case is the record that the member is out of contact. Once ``lost_contact_months`` (6) have passed,
the branch may submit the decision to stop the member's Party standing (停止党籍) to its superior,
which approves it; only then does the system record it (``party.services.member_end`` with reason
``stopped``). Earlier, the submission is refused with the rule named. Removal (除名) is a later
decision the same way (``decision`` "removed"): for a member whose standing was stopped
``removal_years`` (2) or more before, still out of contact; on approval the reason is reclassified
(``party.services.member_end_reason_set``). Nothing is stopped or removed automatically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.cases.kinds import CaseKind, Transition, approval_flow, register
from shuniu.cases.models import Case
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors, add_years, as_date, not_in_future, require
from shuniu.mobile.rules import LOST_CITE, LOST_SOURCE, RULE, limit_reached, months
from shuniu.party.models import EndReason, PartyMember
from shuniu.party.services import member_end, member_end_reason_set
from shuniu.party.terms import add_months

CODE = "lost_contact"
STOPPED = EndReason.STOPPED.value
REMOVED = EndReason.REMOVED.value


def stop_from(case: Case) -> dt.date | None:
    """The first day the branch may ask to stop the member's standing: the day contact was lost
    plus ``lost_contact_months`` (the member's region's setting)."""
    lost = as_date(Errors(), "lost_since", case.data.get("lost_since"), "")
    if lost is None or case.member is None:
        return None
    return add_months(lost, months(str(case.member.region_id), name="lost_contact_months"))


def _decision(errors: Errors, content: Mapping[str, Any]) -> str:
    decision = content.get("decision") or STOPPED
    if decision not in (STOPPED, REMOVED):
        errors.add("decision", _("处置“%(v)s”无效（规则 MOBILE：stopped 停止党籍，或 removed 除名）") % {"v": decision},
                   "choice")
    return str(decision)


def _clean_member(errors: Errors, member: PartyMember, decision: str, action: str | None) -> None:
    if action not in (None, "submit", "approve"):
        return
    if decision == STOPPED and member.ended_on is not None:
        errors.add("member", _("该党员已于 %(d)s 减少，不能再办理失去联系的处置") % {"d": member.ended_on.isoformat()}, "state")
    if decision == REMOVED and (member.ended_on is None or member.end_reason != STOPPED):
        errors.add("decision", _("只有已停止党籍的党员才能除名（规则 MOBILE：%(src)s）") % {"src": LOST_CITE}, "state")


def _clean_removal(errors: Errors, member: PartyMember, action: str | None, data: Mapping[str, Any],
                   today: dt.date) -> None:
    """Removal: ``removal_years`` after the standing was stopped, at submission and at the decision."""
    if member.ended_on is None or member.end_reason != STOPPED:
        return
    years = months(str(member.region_id), name="removal_years")
    allowed = add_years(member.ended_on, years)
    decided = as_date(Errors(), "decided_on", data.get("decided_on"), "") if action == "approve" else None
    day = decided or today
    if action in ("submit", "approve") and day < allowed:
        errors.add("decided_on" if decided else "decision", _(
            "停止党籍（%(d)s）未满 %(n)s 年（%(from)s 起方可），不能除名（规则 MOBILE：%(src)s）")
            % {"d": member.ended_on.isoformat(), "n": years, "from": allowed.isoformat(), "src": LOST_CITE}, "MOBILE")


def clean_lost_contact(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors,
                       actor: Any) -> None:
    member = case.member
    assert member is not None
    content = {**case.data, **(data if action is None else {})}
    decision = _decision(errors, content)
    _clean_member(errors, member, decision, action)
    lost = as_date(errors, "lost_since", content.get("lost_since"), _("失去联系日期"))
    if lost is None and "lost_since" not in errors.by_field:
        require(errors, "lost_since", None, _("失去联系日期"))
    not_in_future(errors, "lost_since", lost, _("失去联系日期"))
    if lost is not None and member.admitted_on is not None and lost < member.admitted_on:
        errors.add("lost_since", _("失去联系日期不能早于入党日期 %(d)s") % {"d": member.admitted_on.isoformat()}, "date_order")
    text = str(content.get("efforts") or "")
    if len(text) > 1000:
        errors.add("efforts", _("寻找联系情况过长（规则：不超过 1000 个字符）"), "max_length")
    n = months(str(member.region_id), name="lost_contact_months")
    today = timezone.localdate()
    if decision == REMOVED:
        _clean_removal(errors, member, action, data, today)
    elif action == "submit" and lost is not None and not limit_reached(lost, today, n):
        errors.add("lost_since", _("自 %(lost)s 失去联系未满 %(n)s 个月（%(from)s 起方可），不能提出停止党籍（规则 MOBILE：%(src)s）")
                   % {"lost": lost.isoformat(), "n": n, "from": add_months(lost, n).isoformat(), "src": LOST_CITE},
                   "MOBILE")
    if action == "approve":
        require(errors, "decision_no", str(data.get("decision_no") or "").strip(), _("批复文号"))
        decided = as_date(errors, "decided_on", data.get("decided_on"), _("批复日期"))
        if decided is None and "decided_on" not in errors.by_field:
            require(errors, "decided_on", None, _("批复日期"))
        not_in_future(errors, "decided_on", decided, _("批复日期"))
        if decision == STOPPED and decided is not None and lost is not None and not limit_reached(lost, decided, n):
            errors.add("decided_on", _("批复日期 %(d)s 距失去联系（%(lost)s）未满 %(n)s 个月（规则 MOBILE：%(src)s）")
                       % {"d": decided.isoformat(), "lost": lost.isoformat(), "n": n, "src": LOST_CITE}, "MOBILE")


def apply_lost_contact(case: Case, transition: Transition, data: Mapping[str, Any],
                       actor: Any) -> dict[str, Any] | None:
    if transition.action != "approve":
        return None
    member = case.member
    assert member is not None
    decided = as_date(Errors(), "decided_on", data["decided_on"], "")
    assert decided is not None
    number = str(data["decision_no"]).strip()[:100]
    on_behalf = SystemActor(f"{actor_label(actor)}（事项 {case.pk} 批复）")
    if (case.data.get("decision") or STOPPED) == REMOVED:
        note = _("停止党籍后仍失去联系，%(d)s 批复除名 %(no)s") % {"d": decided.isoformat(), "no": number}
        member_end_reason_set(actor=on_behalf, member=member, reason=EndReason.REMOVED, note=note[:200])
        return {"decision_no": number, "decided_on": decided.isoformat(), "end_reason": REMOVED}
    note = _("失去联系自 %(lost)s；批复 %(no)s") % {"lost": case.data.get("lost_since"), "no": number}
    member_end(actor=on_behalf, member=member, on=decided, reason=EndReason.STOPPED, note=note[:200])
    return {"decision_no": number, "decided_on": decided.isoformat(), "end_reason": STOPPED}


LOST_CONTACT = register(CaseKind(
    code=CODE, label=gettext_lazy("失去联系党员的处置（停止党籍、除名）"), subject="member", rule_id=RULE,
    source=LOST_SOURCE, transitions=approval_flow(), deadline_days=30, clean=clean_lost_contact,
    apply=apply_lost_contact,
    fields={"lost_since": gettext_lazy("失去联系日期"), "efforts": gettext_lazy("寻找联系情况"),
            "decision": gettext_lazy("处置（stopped 停止党籍 / removed 除名）")},
    action_fields={"approve": {"decision_no": gettext_lazy("批复文号"), "decided_on": gettext_lazy("批复日期")}},
))
