"""The change or dissolution report (变更/撤销报告): a case of kind ``change_report``.

When an org a party org covers changes its name, merges or deregisters, the party org reports to
its superior (《意见》第八条: 「社会组织变更、撤并或注销，党组织应及时向上级党组织报告…上级党组织应及时
…作出决定」), listing the members whose relations must move. The superior decides: keep it as it is,
rename it, merge it into another party org, or dissolve it. Dissolving ends its coverage links on
the date decided; the members keep their relation here, awaiting a transfer that the member
workflows complete. Nothing about people is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.cases.kinds import CaseKind, Transition, approval_flow, register
from shuniu.cases.models import Case
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors, as_date, choice, not_in_future, require
from shuniu.party.models import PartyMember, PartyOrg, PartyOrgCoverage
from shuniu.party.services import coverage_add, party_org_dissolve, party_org_update

SOURCE = "《关于加强社会组织党的建设工作的意见（试行）》第八条"
EVENTS = {"rename": gettext_lazy("更名"), "merge": gettext_lazy("合并"), "deregister": gettext_lazy("注销"), "other": gettext_lazy("其他变更")}
DECISIONS = {"keep": gettext_lazy("保留"), "rename": gettext_lazy("更名"), "merge": gettext_lazy("并入其他党组织"),
             "dissolve": gettext_lazy("撤销")}


# Sent when a decision closes a party org whose members' relations must move: ``party_org`` (now
# dissolved), ``to_org`` (the party org merged into, or the one the decision names to receive the
# members; None when the decision names none), ``actor`` and ``reason``. The transfers app opens
# the letters of every member in one batch (《意见》第八条: 「党员组织关系及时转接」).
members_released = Signal()


class Values:
    """A set of codes as ``core.services.choice`` reads them (``.values``), for choices kept as dicts."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = list(values)


_EVENT_CHOICES = Values(EVENTS)
_DECISION_CHOICES = Values(DECISIONS)


def members_to_move(party_org: PartyOrg) -> list[PartyMember]:
    """The current members whose relation this party org holds: each needs a transfer if it goes."""
    return list(PartyMember.objects.filter(relation_org=party_org, ended_on__isnull=True).order_by("name", "id"))


def clean(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    content = {**case.data, **(data if action is None else {})}
    if action in (None, "submit"):
        choice(errors, "event", content.get("event"), _EVENT_CHOICES, _("变更事项"))
        day = as_date(errors, "event_on", content.get("event_on"), _("变更日期"))
        not_in_future(errors, "event_on", day, _("变更日期"))
        if action == "submit":
            require(errors, "event_on", day, _("变更日期"))
    if action == "approve":
        _clean_decision(errors, case, data, actor)


def _clean_decision(errors: Errors, case: Case, data: Mapping[str, Any], actor: Any) -> None:
    decision = choice(errors, "decision", data.get("decision"), _DECISION_CHOICES, _("上级党组织决定"))
    require(errors, "decision_no", (data.get("decision_no") or "").strip(), _("决定文号"))
    day = as_date(errors, "decided_on", data.get("decided_on"), _("决定日期"))
    require(errors, "decided_on", day, _("决定日期"))
    not_in_future(errors, "decided_on", day, _("决定日期"))
    party_org = case.party_org
    assert party_org is not None
    if decision == "rename":
        require(errors, "new_name", (data.get("new_name") or "").strip(), _("新名称"))
    if decision == "dissolve" and data.get("transfer_to") not in (None, ""):
        receiving = _target(errors, data.get("transfer_to"), "transfer_to")
        if receiving is not None and (receiving.pk == party_org.pk or receiving.dissolved_on is not None):
            errors.add("transfer_to", _("党员组织关系须转往另一个存续的党组织"), "transfer_to")
    if decision == "merge":
        target = _target(errors, data.get("merge_into"))
        if target is not None and (target.pk == party_org.pk or target.path.startswith(party_org.path)):
            errors.add("merge_into", _("不能并入本党组织或其下级"), "merge")
        if target is not None and target.dissolved_on is not None:
            errors.add("merge_into", _("“%(t)s”已撤销") % {"t": target.name}, "merge")
        if target is not None:
            from shuniu.cases.services import acts_for

            # The party org merged into must be one the deciding side holds as well.
            if not acts_for(actor, target):
                errors.add("merge_into", _("“%(t)s”不在您的管辖范围内") % {"t": target.name}, "scope")


def _target(errors: Errors, value: Any, field: str = "merge_into") -> PartyOrg | None:
    try:
        target = PartyOrg.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        target = None
    if target is None:
        errors.add(field, _("请选择并入的党组织") if field == "merge_into" else _("请选择接收党员组织关系的党组织"),
                   "required")
    return target


def apply(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    if transition.action != "approve":
        return None
    party_org = case.party_org
    assert party_org is not None
    on_behalf = SystemActor(f"{actor_label(actor)}（事项 {case.pk} 决定）")
    decided = as_date(Errors(), "decided_on", data["decided_on"], "") or dt.date.today()
    decision = str(data["decision"])
    waiting = [m.pk for m in members_to_move(party_org)]
    reason = _("上级党组织决定（%(no)s）") % {"no": str(data["decision_no"]).strip()}
    if decision == "rename":
        party_org_update(actor=on_behalf, party_org=party_org, name=str(data["new_name"]).strip())
    elif decision == "merge":
        target = PartyOrg.objects.get(pk=int(data["merge_into"]))
        # The orgs it still covers (not deregistered) are covered by the party org it merges into.
        links = PartyOrgCoverage.objects.filter(party_org=party_org, ended_on__isnull=True,
                                                org__status="active").select_related("org")
        orgs = [link.org for link in links]
        party_org_dissolve(actor=on_behalf, party_org=party_org, on=decided, reason=reason)
        for org in orgs:
            coverage_add(actor=on_behalf, party_org=target, org=org, started_on=decided)
    elif decision == "dissolve":
        party_org_dissolve(actor=on_behalf, party_org=party_org, on=decided, reason=reason)
    if decision in ("merge", "dissolve") and waiting:
        receiving = data.get("merge_into") if decision == "merge" else data.get("transfer_to")
        members_released.send(sender="change_report", party_org=party_org, actor=on_behalf, reason=reason,
                              to_org=PartyOrg.objects.get(pk=int(receiving)) if receiving not in (None, "") else None)
    return {"decision": decision, "decision_no": str(data["decision_no"]).strip(), "decided_on": str(decided),
            "awaiting_transfer": waiting if decision in ("merge", "dissolve") else []}


CHANGE_REPORT = register(CaseKind(
    code="change_report", label=gettext_lazy("变更/撤销报告"), subject="party_org", rule_id="CHANGE_DISSOLVE", source=SOURCE,
    transitions=approval_flow(), deadline_days=30, clean=clean, apply=apply,
    fields={"event": gettext_lazy("变更事项"), "event_on": gettext_lazy("变更日期"), "org": gettext_lazy("相关社会组织"),
            "description": gettext_lazy("情况说明")},
    action_fields={"approve": {"decision": gettext_lazy("上级党组织决定"), "decision_no": gettext_lazy("决定文号"),
                               "decided_on": gettext_lazy("决定日期"), "new_name": gettext_lazy("新名称"),
                               "merge_into": gettext_lazy("并入的党组织"),
                               "transfer_to": gettext_lazy("党员组织关系转往（撤销时）")}},
))
