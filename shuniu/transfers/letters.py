"""The transfer of a member's relation inside the system: a case of kind ``relation_transfer``.

The party org that holds the relation (its secretary, or an officer above it) fills in the letter
(介绍信) and issues it: the letter gets its number, its validity runs from the issue date, and the
receiving party org (the case's deciding side) sees it in its to-do inbox. The receiving side
confirms receipt on a date (回执): the relation moves on that date, not before, and the member's
workplace with it when the letter names one; or it returns the letter with a reason. The issuing
side may extend the validity once, or withdraw the letter. A letter not received within its
validity is overdue for both sides and the superior (``reminders``).

The rules (《中国共产党党员教育管理工作条例》第二十五条 on transfers; the letter's validity has no
central number: 「一般市内的为10天，市外的为30天，最长不超过3个月」, so the default is a local rule
setting, ``DEADLINE_RELATION_TRANSFER``, and 90 days the hard cap).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.cases.kinds import APPLICANT, BODY, CaseKind, Transition, register
from shuniu.cases.models import Case
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors, as_date, not_in_future, require
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.party.services import relation_move
from shuniu.registry.models import SocialOrg
from shuniu.rulesettings.selectors import params
from shuniu.transfers.models import LetterKind, LetterState, RelationLetter

KIND = "relation_transfer"
SOURCE = ("《中国共产党党员教育管理工作条例》第二十五条；介绍信有效期无统一规定，"
          "实践中「一般市内的为10天，市外的为30天，最长不超过3个月」")
MAX_VALID_DAYS = 90  # 「最长不超过3个月」: the hard cap of a letter's validity, extension included
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

ISSUED, COMPLETED = "issued", "completed"
STATES = {"draft": gettext_lazy("草稿"), ISSUED: gettext_lazy("已开具，待接收"), "returned": gettext_lazy("已退回"),
          COMPLETED: gettext_lazy("已接收"), "withdrawn": gettext_lazy("已撤回")}


def default_valid_days(region: str) -> int:
    return int(params(f"DEADLINE_{KIND.upper()}", region)["days"])


def _party_org(value: Any) -> PartyOrg | None:
    if isinstance(value, PartyOrg):
        return value
    try:
        return PartyOrg.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _org(value: Any) -> SocialOrg | None:
    try:
        return SocialOrg.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def open_letter(member: PartyMember, exclude_case: int | None = None) -> RelationLetter | Case | None:
    """The member's letter under way (issued, or returned for changes), or a draft transfer case."""
    letters = RelationLetter.objects.filter(member=member, state__in=[LetterState.ISSUED, LetterState.RETURNED])
    cases = Case.objects.filter(kind=KIND, member=member).exclude(waiting_on="")
    if exclude_case is not None:
        letters, cases = letters.exclude(case_id=exclude_case), cases.exclude(pk=exclude_case)
    return letters.first() or cases.first()


def one_letter_at_a_time(errors: Errors, member: PartyMember, exclude_case: int | None = None) -> None:
    """Refuse a second letter while one is under way for the member (rule: one letter at a time)."""
    if (other := open_letter(member, exclude_case=exclude_case)) is not None:
        errors.add("member", _("%(name)s已有一份办理中的组织关系介绍信（%(what)s），须办结或撤回后再开具（规则：一人一信）")
                   % {"name": member.name, "what": other}, "open_letter")


def clean_letter(errors: Errors, member: PartyMember, content: Mapping[str, Any], *, region: str) -> dict[str, Any]:
    """The checks of a letter's content (issued in the system, or to outside it): the member is on
    the roster and their relation is here; the receiving party org exists and is not dissolved; the
    validity and the dues month. Returns the values converted."""
    out: dict[str, Any] = {}
    if member.ended_on is not None:
        errors.add("member", _("%(name)s已于 %(d)s 减少（%(why)s），不能开具组织关系介绍信")
                   % {"name": member.name, "d": member.ended_on.isoformat(), "why": member.get_end_reason_display()},
                   "state")
    elif member.relation_org_id is None:
        errors.add("member", _("%(name)s的组织关系不在本系统的党组织，不能由本系统开具介绍信（规则：由组织关系所在党组织开具）")
                   % {"name": member.name}, "relation")
    to_org = _party_org(content.get("to_org")) if content.get("to_org") not in (None, "") else None
    if content.get("to_org") not in (None, "") and to_org is None:
        errors.add("to_org", _("接收党组织“%(v)s”不存在") % {"v": content.get("to_org")}, "reference")
    if to_org is not None:
        if to_org.dissolved_on is not None:
            errors.add("to_org", _("接收党组织“%(o)s”已于 %(d)s 撤销，不能接收组织关系（规则：介绍信须开往存续的党组织）")
                       % {"o": to_org.name, "d": to_org.dissolved_on.isoformat()}, "state")
        elif to_org.pk == member.relation_org_id:
            errors.add("to_org", _("组织关系已在“%(o)s”，无需转接") % {"o": to_org.name}, "relation")
    out["to_org"] = to_org
    workplace = content.get("to_workplace")
    out["to_workplace"] = _org(workplace) if workplace not in (None, "") else None
    if workplace not in (None, "") and out["to_workplace"] is None:
        errors.add("to_workplace", _("新工作单位“%(v)s”不存在") % {"v": workplace}, "reference")
    return {**out, **clean_terms(errors, content, region=region)}


def clean_terms(errors: Errors, content: Mapping[str, Any], *, region: str) -> dict[str, Any]:
    """A letter's validity (default: the local setting; at most 90 days), dues month and reason."""
    out: dict[str, Any] = {}
    days = content.get("valid_days")
    if days in (None, ""):
        out["valid_days"] = default_valid_days(region)
    else:
        try:
            out["valid_days"] = int(days)
        except (TypeError, ValueError):
            out["valid_days"] = None
            errors.add("valid_days", _("有效期“%(v)s”不是整数天数") % {"v": days}, "invalid")
        else:
            if not 1 <= out["valid_days"] <= MAX_VALID_DAYS:
                errors.add("valid_days", _("有效期 %(n)s 天无效（规则：1 至 %(max)s 天，「最长不超过3个月」）")
                           % {"n": out["valid_days"], "max": MAX_VALID_DAYS}, "range")
    dues = str(content.get("dues_paid_to") or "").strip()
    if dues and not _MONTH.match(dues):
        errors.add("dues_paid_to", _("党费交至“%(v)s”格式无效（规则：年-月，如 2026-11）") % {"v": dues}, "format")
    out["dues_paid_to"] = dues
    reason = str(content.get("reason") or "").strip()
    if len(reason) > 200:
        errors.add("reason", _("转接原因过长（规则：不超过 200 个字符）"), "max_length")
    out["reason"] = reason[:200]
    return out


def clean(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    member = case.member
    assert member is not None  # the kind's subject
    if action in (None, "submit"):
        content = {**case.data, **(data if action is None else {})}
        if action == "submit" or content.get("to_org") not in (None, ""):
            out = clean_letter(errors, member, content, region=case.region_id or member.region_id)
            if action == "submit":
                require(errors, "to_org", out["to_org"], _("接收党组织"))
        elif member.ended_on is not None:
            clean_letter(errors, member, content, region=member.region_id)
        one_letter_at_a_time(errors, member, exclude_case=case.pk)
    elif action == "confirm":
        _clean_receipt(errors, case, data)
    elif action == "extend":
        _clean_extension(errors, case, data)


def _letter(case: Case) -> RelationLetter:
    return RelationLetter.objects.select_related("to_org", "to_workplace").get(case=case)


def _clean_receipt(errors: Errors, case: Case, data: Mapping[str, Any]) -> None:
    letter = _letter(case)
    day = as_date(errors, "received_on", data.get("received_on") or dt.date.today().isoformat(), _("接收日期"))
    not_in_future(errors, "received_on", day, _("接收日期"))
    if day is None:
        return
    if letter.issued_on is not None and day < letter.issued_on:
        errors.add("received_on", _("接收日期 %(d)s 早于介绍信开具日期 %(i)s") % {"d": day.isoformat(),
                                                                       "i": letter.issued_on.isoformat()}, "order")
    if letter.valid_until is not None and day > letter.valid_until:
        errors.add("received_on", _("介绍信有效期至 %(v)s，%(d)s 已过期：请退回，由转出党组织延期或重新开具（规则：介绍信在有效期内办理）")
                   % {"v": letter.valid_until.isoformat(), "d": day.isoformat()}, "expired")
    member = case.member
    assert member is not None
    if member.ended_on is not None:
        errors.add("member", _("%(name)s已于 %(d)s 减少，不能接收其组织关系") % {"name": member.name,
                                                                   "d": member.ended_on.isoformat()}, "state")
    if letter.to_org is not None and letter.to_org.dissolved_on is not None:
        errors.add("to_org", _("接收党组织“%(o)s”已撤销") % {"o": letter.to_org.name}, "state")


def _clean_extension(errors: Errors, case: Case, data: Mapping[str, Any]) -> None:
    letter = _letter(case)
    if letter.extended:
        errors.add("extend_days", _("介绍信已延期过一次（规则：有效期只能延长一次，逾期须重新开具）"), "once")
        return
    try:
        days = int(data.get("extend_days") or 0)
    except (TypeError, ValueError):
        days = 0
    total = (letter.valid_days or 0) + days
    if days < 1 or total > MAX_VALID_DAYS:
        errors.add("extend_days", _("延长天数须为 1 至 %(n)s 天（规则：连同原有效期 %(v)s 天不超过 %(max)s 天，「最长不超过3个月」）")
                   % {"n": max(MAX_VALID_DAYS - (letter.valid_days or 0), 0), "v": letter.valid_days,
                      "max": MAX_VALID_DAYS}, "range")


def _body(case: Case) -> PartyOrg | None:
    return _party_org(case.data.get("to_org"))


def apply(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    member = case.member
    assert member is not None
    action = transition.action
    if action == "submit":
        return _issue(case, member)
    letter = _letter(case)
    if action == "confirm":
        day = as_date(Errors(), "received_on", data.get("received_on") or dt.date.today().isoformat(), "")
        assert day is not None  # checked by clean
        on_behalf = SystemActor(_("%(who)s（事项 %(pk)s 接收）") % {"who": actor_label(actor), "pk": case.pk})
        reason = _("组织关系介绍信 %(no)s") % {"no": letter.number}
        if letter.to_workplace is not None:
            relation_move(actor=on_behalf, member=member, on=day, to_org=letter.to_org, reason=reason,
                          workplace=letter.to_workplace)
        else:
            relation_move(actor=on_behalf, member=member, on=day, to_org=letter.to_org, reason=reason)
        letter.received_on, letter.received_by, letter.state = day, actor_label(actor), LetterState.COMPLETED
        letter.save(update_fields=["received_on", "received_by", "state", "updated_at"])
        return {"received_on": day.isoformat(), "number": letter.number}
    if action == "extend":
        days = int(data["extend_days"])
        letter.valid_days = (letter.valid_days or 0) + days
        assert letter.issued_on is not None
        letter.valid_until = letter.issued_on + dt.timedelta(days=letter.valid_days)
        letter.extended = True
        letter.save(update_fields=["valid_days", "valid_until", "extended", "updated_at"])
        case.due_on = letter.valid_until
        return {"valid_until": letter.valid_until.isoformat()}
    letter.state = {"return": LetterState.RETURNED, "withdraw": LetterState.WITHDRAWN}.get(action, letter.state)
    letter.save(update_fields=["state", "updated_at"])
    return None


def _issue(case: Case, member: PartyMember) -> dict[str, Any]:
    errors = Errors()
    out = clean_letter(errors, member, case.data, region=case.region_id)
    errors.raise_if_any()
    today = dt.date.today()
    letter = RelationLetter.objects.filter(case=case).first() or RelationLetter(case=case, kind=LetterKind.INTERNAL)
    letter.member = member
    letter.from_org = member.relation_org
    letter.to_org = letter.receiver = out["to_org"]
    letter.to_workplace = out["to_workplace"]
    letter.reason, letter.dues_paid_to, letter.valid_days = out["reason"], out["dues_paid_to"], out["valid_days"]
    letter.issued_on = today
    letter.valid_until = today + dt.timedelta(days=out["valid_days"])
    letter.state = LetterState.ISSUED
    letter.extended = False
    letter.is_demo = case.is_demo
    letter.save()
    if not letter.number:
        # Year and a number no other letter has: the row's own id, so two issues never collide.
        letter.number = f"{today.year}-{letter.pk:06d}"
        letter.save(update_fields=["number"])
    # The receiving side's clock is the letter's validity, not a deadline of its own.
    case.due_on = letter.valid_until
    return {"number": letter.number, "valid_until": letter.valid_until.isoformat()}


RELATION_TRANSFER = register(CaseKind(
    code=KIND, label=gettext_lazy("组织关系转接"), subject="member", rule_id="TRANSFER", source=SOURCE,
    states=STATES,
    transitions=(
        Transition("submit", frozenset({"draft", "returned"}), ISSUED, APPLICANT, label=gettext_lazy("开具介绍信")),
        Transition("confirm", frozenset({ISSUED}), COMPLETED, BODY, label=gettext_lazy("确认接收")),
        Transition("return", frozenset({ISSUED}), "returned", BODY, comment_required=True,
                   label=gettext_lazy("退回")),
        Transition("extend", frozenset({ISSUED}), ISSUED, APPLICANT, label=gettext_lazy("延长有效期")),
        Transition("withdraw", frozenset({"draft", ISSUED, "returned"}), "withdrawn", APPLICANT),
    ),
    deadline_days=30, clean=clean, apply=apply, body=_body,
    fields={"to_org": gettext_lazy("接收党组织"), "to_workplace": gettext_lazy("新工作单位"),
            "reason": gettext_lazy("转接原因"), "dues_paid_to": gettext_lazy("党费交至（年-月）"),
            "valid_days": gettext_lazy("有效期（天）")},
    action_fields={"confirm": {"received_on": gettext_lazy("接收日期")},
                   "extend": {"extend_days": gettext_lazy("延长天数")}},
))
