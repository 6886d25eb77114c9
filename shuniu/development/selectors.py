"""Reads of the development pipeline, all through a ``Scope``: the people, one person with their
timeline, the board of a party org or a region (how many at each stage, who is overdue, how many
work in orgs with no or few full members: Opinions art. 15), and the inbox's reminders."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope, subtree_q
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.core.services import add_years
from shuniu.development import rules
from shuniu.development.models import Applicant, DevStep, Stage
from shuniu.party.models import PartyOrg
from shuniu.party.terms import add_months
from shuniu.rulesettings.selectors import current

# Opinions art. 15: 「注重在没有党员或只有个别党员的社会组织中发展党员」: orgs with 0 to this many full members.
FEW_MEMBERS = 2
FEW_SOURCE = "《关于加强社会组织党的建设工作的意见（试行）》第十五条"


def applicants(scope: Scope, *, party_org: PartyOrg | None = None, region: str = "", stage: str = "",
               q: str = "", active: bool = True) -> QuerySet[Applicant]:
    """The people in the pipeline in ``scope``: of a party org's subtree, of a region, at a stage."""
    qs = scope.filter(Applicant.objects.all())
    if party_org is not None:
        qs = qs.filter(subtree_q("branch__path", party_org.path))
    if region:
        qs = Scope.of_region(region).filter(qs)
    if active:
        qs = qs.filter(ended_on__isnull=True)
    if stage:
        qs = qs.filter(stage=stage)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.select_related("workplace", "branch").order_by("stage", "name", "id")


def applicant_get(scope: Scope, pk: int) -> Applicant | None:
    return scope.filter(Applicant.objects.filter(pk=pk)).select_related("workplace", "branch", "member").first()


def timeline(applicant: Applicant) -> list[DevStep]:
    return list(applicant.steps.select_related("recorded_by").order_by("on", "id"))


@dataclass(frozen=True)
class Alert:
    rule_id: str
    title: str
    due_on: dt.date
    source: str

    def overdue(self, today: dt.date) -> bool:
        return self.due_on < today


def alert_of(a: Applicant, today: dt.date, alert_days: int) -> Alert | None:
    """What is due next for ``a`` with a time limit (DOMAIN.md §6 E alerts), if anything: the talk
    within a month, the review every six months, the approval within three months, probation
    ending within the alert window."""
    if a.ended_on is not None:
        return None
    if a.stage == Stage.APPLICANT and a.talked_on is None:
        return Alert("DEV_TALK", _("入党申请人应在一个月内谈话"), add_months(a.applied_on, rules.TALK_WITHIN_MONTHS),
                     str(rules.TALK_SOURCE))
    if a.stage == Stage.ACTIVIST and a.activist_on is not None:
        return Alert("DEV_REVIEW", _("入党积极分子每半年考察一次"),
                     add_months(a.last_review_on or a.activist_on, rules.REVIEW_EVERY_MONTHS), str(rules.REVIEW_SOURCE))
    if a.stage == Stage.CANDIDATE and a.meeting_on is not None:
        return Alert("DEV_APPROVAL", _("接收预备党员的决议待上级党委审批（三个月内）"),
                     add_months(a.meeting_on, rules.APPROVAL_MONTHS), str(rules.APPROVAL_SOURCE))
    if a.stage == Stage.PROBATIONARY and a.meeting_on is not None:
        if a.full_meeting_on is not None:
            return Alert("DEV_APPROVAL", _("转正决议待上级党委审批（三个月内）"),
                         add_months(a.full_meeting_on, rules.APPROVAL_MONTHS), str(rules.APPROVAL_SOURCE))
        end = add_months(add_years(a.meeting_on, rules.PROBATION), a.extension_months)
        if end <= today + dt.timedelta(days=alert_days):
            return Alert("PROBATION", _("预备期将于 %(d)s 期满，应及时讨论转正") % {"d": end.isoformat()}, end,
                         str(rules.PROBATION_SOURCE))
    return None


def _alert_days(region: str) -> int:
    return int(current().value(rules.RULE_ID, "probation_alert_days", region))


@dataclass
class Board:
    """The pipeline of a party org or a region."""

    stages: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    awaiting_approval: int = 0
    overdue: list[tuple[Applicant, Alert]] = field(default_factory=list)
    overdue_reviews: int = 0
    in_small_orgs: int = 0
    in_small_orgs_by_stage: dict[str, int] = field(default_factory=dict)
    ended: int = 0
    # One row per party org developing people: its id and name, the count at each stage, overdue.
    by_branch: list[dict[str, Any]] = field(default_factory=list)
    few_members: int = FEW_MEMBERS
    few_source: str = FEW_SOURCE


def board(scope: Scope, *, party_org: PartyOrg | None = None, region: str = "",
          today: dt.date | None = None) -> Board:
    """Counts per stage, the awaiting approvals, who is overdue (a talk, a review, an approval) and
    how many people work in orgs with 0–2 full members (the stored ``SocialOrg.full_members``)."""
    today = today or dt.date.today()
    people = list(applicants(scope, party_org=party_org, region=region).order_by("name", "id"))
    out = Board()
    counts = Counter(a.stage for a in people)
    small = Counter(a.stage for a in people if a.workplace.full_members <= FEW_MEMBERS)
    out.stages = [{"stage": value, "label": label, "count": counts.get(value, 0), "small": small.get(value, 0)}
                  for value, label in Stage.choices]
    out.total = len(people)
    out.in_small_orgs = sum(small.values())
    out.in_small_orgs_by_stage = dict(small)
    out.awaiting_approval = sum(1 for a in people if a.stage == Stage.CANDIDATE and a.meeting_on is not None)
    days: dict[str, int] = {}
    for a in people:
        region_id = str(a.region_id)
        if region_id not in days:
            days[region_id] = _alert_days(region_id)
        alert = alert_of(a, today, days[region_id])
        if alert is not None and alert.overdue(today):
            out.overdue.append((a, alert))
    out.overdue.sort(key=lambda pair: pair[1].due_on)
    late = Counter(a.branch_id for a, _alert in out.overdue)
    rows: dict[int, dict[str, Any]] = {}
    for a in people:
        row = rows.setdefault(a.branch_id, {"id": a.branch_id, "name": a.branch.name, "total": 0,
                                            "overdue": late.get(a.branch_id, 0), **{v: 0 for v in Stage.values}})
        row[a.stage] += 1
        row["total"] += 1
    out.by_branch = sorted(rows.values(), key=lambda r: (-r["total"], r["name"]))
    out.overdue_reviews = sum(1 for _a, alert in out.overdue if alert.rule_id == "DEV_REVIEW")
    out.ended = applicants(scope, party_org=party_org, region=region, active=False).filter(
        ended_on__isnull=False).count()
    return out


def development_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    """The inbox's reminders: talks, reviews and approvals overdue or due, probation ending soon
    (one query for the people in scope, judged in memory)."""
    rows = scope.filter(Applicant.objects.filter(ended_on__isnull=True).exclude(stage=Stage.FULL))
    found: list[tuple[dt.date, str, Alert, int]] = []
    days: dict[str, int] = {}
    horizon = dt.timedelta(days=30)
    for a in rows.only("pk", "name", "stage", "region_id", "applied_on", "talked_on", "activist_on", "last_review_on",
                       "meeting_on", "full_meeting_on", "extension_months", "ended_on").iterator(chunk_size=2000):
        region_id = str(a.region_id)
        if region_id not in days:
            days[region_id] = _alert_days(region_id)
        alert = alert_of(a, today, days[region_id])
        if alert is not None and (alert.rule_id == "PROBATION" or alert.due_on <= today + horizon):
            found.append((alert.due_on, a.name, alert, a.pk))
    found.sort(key=lambda r: (r[0], r[1]))
    items = [Reminder(rule_id=alert.rule_id, title=name, detail=_("%(title)s（%(due)s）") % {"title": alert.title, "due": due.isoformat()}, due_on=due,
                      url=reverse("development_person", args=[pk]), source=alert.source)
             for due, name, alert, pk in found[:limit]]
    return Reminders(len(found), items)
