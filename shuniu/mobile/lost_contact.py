"""A member out of contact (失去联系党员): a case of the branch holding the relation (rule MOBILE;
EDU 2019 art. 24; Party Constitution art. 9).

The branch opens the case and records since when contact was lost and how it searched; the open
case is the record that the member is out of contact. Once ``lost_contact_months`` (6) have passed,
the branch may submit the decision to stop the member's Party standing (停止党籍) to its superior,
which approves it; only then does the system record it (``party.services.member_end`` with reason
``stopped``). Earlier, the submission is refused with the rule named. Nothing is stopped or removed
automatically; removal (除名) after two more years is a later decision, not taken here.
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
from shuniu.core.services import Errors, as_date, not_in_future, require
from shuniu.mobile.rules import LOST_CITE, LOST_SOURCE, RULE, limit_reached, months
from shuniu.party.models import EndReason
from shuniu.party.services import member_end
from shuniu.party.terms import add_months

CODE = "lost_contact"


def stop_from(case: Case) -> dt.date | None:
    """The first day the branch may ask to stop the member's standing: the day contact was lost
    plus ``lost_contact_months`` (the member's region's setting)."""
    lost = as_date(Errors(), "lost_since", case.data.get("lost_since"), "")
    if lost is None or case.member is None:
        return None
    return add_months(lost, months(str(case.member.region_id), name="lost_contact_months"))


def clean_lost_contact(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors,
                       actor: Any) -> None:
    member = case.member
    assert member is not None
    content = {**case.data, **(data if action is None else {})}
    if member.ended_on is not None and action in (None, "submit", "approve"):
        errors.add("member", _("该党员已于 %(d)s 减少，不能再办理失去联系的处置") % {"d": member.ended_on.isoformat()}, "state")
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
    if action == "submit" and lost is not None and not limit_reached(lost, today, n):
        errors.add("lost_since", _("自 %(lost)s 失去联系未满 %(n)s 个月（%(from)s 起方可），不能提出停止党籍（规则 MOBILE：%(src)s）")
                   % {"lost": lost.isoformat(), "n": n, "from": add_months(lost, n).isoformat(), "src": LOST_CITE},
                   "MOBILE")
    if action == "approve":
        require(errors, "decision_no", str(data.get("decision_no") or "").strip(), _("批复文号"))
        decided = as_date(errors, "decided_on", data.get("decided_on"), _("批复日期"))
        if decided is None and "decided_on" not in errors.by_field:
            require(errors, "decided_on", None, _("批复日期"))
        not_in_future(errors, "decided_on", decided, _("批复日期"))
        if decided is not None and lost is not None and not limit_reached(lost, decided, n):
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
    note = _("失去联系自 %(lost)s；批复 %(no)s") % {"lost": case.data.get("lost_since"), "no": number}
    member_end(actor=SystemActor(f"{actor_label(actor)}（事项 {case.pk} 批复）"), member=member, on=decided,
               reason=EndReason.STOPPED, note=note[:200])
    return {"decision_no": number, "decided_on": decided.isoformat(), "end_reason": EndReason.STOPPED}


LOST_CONTACT = register(CaseKind(
    code=CODE, label=gettext_lazy("失去联系党员停止党籍"), subject="member", rule_id=RULE, source=LOST_SOURCE,
    transitions=approval_flow(), deadline_days=30, clean=clean_lost_contact, apply=apply_lost_contact,
    fields={"lost_since": gettext_lazy("失去联系日期"), "efforts": gettext_lazy("寻找联系情况")},
    action_fields={"approve": {"decision_no": gettext_lazy("批复文号"), "decided_on": gettext_lazy("批复日期")}},
))
