"""Cases in the demo scenarios, so that a new user finds the inbox at work: establishment
applications in every state short of approval (an approval would add a party org and move the
seed figures the scenarios reproduce), a few of them overdue; change reports, one decided; an
election request. Made through the case services, as a user would; only the dates of the overdue
ones are moved back afterwards, which a generator may do and a user cannot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from shuniu.cases.models import Case, CaseStep
from shuniu.cases.services import case_act, case_open
from shuniu.core.actors import SystemActor
from shuniu.coverage.due import due_q
from shuniu.party.bodies import responsible_bodies
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg

ACTOR = SystemActor("demo")
# Where each scenario's cases go: a district with a comprehensive committee.
DISTRICTS = {"beijing-2016": "110105", "zhonglou": "320404", "beijing-cpa": "110105"}
# The establishment applications: (state to reach, days since submission).
PLAN = [("draft", 0), ("submitted", 3), ("submitted", 12), ("submitted", 45), ("submitted", 52), ("returned", 20),
        ("returned", 8), ("rejected", 40), ("withdrawn", 30), ("submitted", 1)]


def _application(org: SocialOrg) -> dict[str, Any]:
    staff = list(PartyMember.objects.filter(workplace=org, ended_on__isnull=True).order_by("-status", "pk"))
    full = [m for m in staff if m.status == "full"]
    data: dict[str, Any] = {"party_kind": "branch", "name": f"{org.name}党支部",
                            "members": {str(m.pk): "relation" for m in staff}, "reason": "专职人员中正式党员 3 名以上"}
    if full:
        data["secretary"] = full[0].pk
    return data


def _backdate(case: Case, days: int) -> None:
    """Move a submitted case ``days`` back: its submission, its deadline and its steps."""
    if not days:
        return
    shift = dt.timedelta(days=days)
    if case.submitted_on:
        Case.objects.filter(pk=case.pk).update(submitted_on=case.submitted_on - shift,
                                               due_on=case.due_on - shift if case.due_on else None)
    for step in CaseStep.objects.filter(case=case):
        CaseStep.objects.filter(pk=step.pk).update(at=step.at - shift)


def _establishments(district: str) -> int:
    orgs = list(SocialOrg.objects.filter(due_q(), status="active", county_code=district)
                .exclude(cases__kind="establishment").order_by("pk")[:200])
    bodies = responsible_bodies(orgs)
    orgs = [o for o in orgs if o.pk in bodies][:len(PLAN)]
    for org, (state, days) in zip(orgs, PLAN, strict=False):
        case = case_open(actor=ACTOR, kind="establishment", org=org, data=_application(org), is_demo=True,
                         submit=state != "draft")
        if state == "returned":
            case = case_act(actor=ACTOR, case=case, action="return", comment="请补充成立党支部的会议纪要和书记人选的基本情况")
        elif state == "rejected":
            case = case_act(actor=ACTOR, case=case, action="reject",
                            comment="该组织已列入撤并计划，暂缓单独建立党组织，先派驻党建工作指导员")
        elif state == "withdrawn":
            case = case_act(actor=ACTOR, case=case, action="withdraw", comment="拟与邻近组织联合建立党支部")
        _backdate(case, days)
    return len(orgs)


def _party_cases(district: str) -> int:
    branches = list(PartyOrg.objects.filter(county_code=district, dissolved_on__isnull=True, superior__isnull=False,
                                            kind__in=["branch", "joint_branch"])
                    .filter(Q(members__status="full")).distinct().order_by("pk")[:3])
    today = dt.date.today()
    for i, branch in enumerate(branches):
        if i < 2:
            case = case_open(actor=ACTOR, kind="change_report", party_org=branch, is_demo=True, submit=True, data={
                "event": "rename", "event_on": str(today - dt.timedelta(days=20 + i)),
                "description": "所在社会组织经登记管理机关核准更名，党组织名称相应调整"})
            if i == 0:
                case_act(actor=ACTOR, case=case, action="approve", data={
                    "decision": "keep", "decision_no": f"社党发〔{today.year}〕{i + 7}号", "decided_on": today})
        else:
            full = list(branch.members.filter(status="full", ended_on__isnull=True).order_by("pk"))
            case_open(actor=ACTOR, kind="election_request", party_org=branch, is_demo=True, submit=True, data={
                "planned_on": str(today + dt.timedelta(days=30)), "seats": 0, "secretary": full[0].pk})
    return len(branches)


def seed_cases(scenario: str) -> dict[str, int]:
    district = DISTRICTS.get(scenario)
    if district is None:
        return {}
    return {"cases_establishment": _establishments(district), "cases_party": _party_cases(district)}
