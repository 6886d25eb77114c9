"""Secretaries' reports in the demo scenarios (rule SECRETARY_REPORT): in the scenario's district,
last year's reports of the party orgs expected to report: about nine in ten reported, most evaluated
好 or 较好, a few 一般 (with the interview and the rectification) and a few still waiting for the
superior; the rest not reported (reminded in the inbox). Written in bulk as the generator writes
(cases, their steps, the reports and ratings), since a district may hold thousands of party orgs;
the figures read them as they read reports written through the case mechanism."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shuniu.annualreports.grading import FOLLOW_UP, overall
from shuniu.annualreports.kind import CODE, EVALUATED, members_counts
from shuniu.annualreports.models import Grade, Rating, SecretaryReport, Side
from shuniu.annualreports.rules import RULE, deadline
from shuniu.annualreports.selectors import expected_q
from shuniu.cases.kinds import SUBMITTED
from shuniu.cases.models import Case, CaseStep
from shuniu.demo.cases import DISTRICTS
from shuniu.party.models import PartyOrg
from shuniu.regions.codes import PREFIX_FIELDS
from shuniu.rulesettings.selectors import params

LABEL = "演示数据"
TEXT = ("一年来，支部坚持“三会一课”制度，按时召开支部党员大会和支部委员会，开展主题党日活动；"
        "结合本单位业务开展党员志愿服务，发挥党员先锋模范作用。")
PROBLEMS = "党员教育形式较为单一，组织生活的吸引力有待提高。"


def _grade(pk: int) -> str:
    """Mostly 好 and 较好, a few 一般 (the pk decides: the same data every run)."""
    n = pk % 20
    return Grade.GOOD if n < 11 else Grade.FAIRLY_GOOD if n < 18 else Grade.AVERAGE


def seed_reports(scenario: str, today: dt.date | None = None) -> dict[str, int]:
    district = DISTRICTS.get(scenario)
    if district is None:
        return {}
    today = today or dt.date.today()
    year = today.year - 1
    orgs = list(PartyOrg.objects.filter(expected_q(year), county_code=district).select_related("secretary")
                .order_by("pk"))
    reported = [o for o in orgs if o.pk % 10 != 3]
    fields = ["region_id", *PREFIX_FIELDS.values()]
    cases, bodies = [], {}
    for o in reported:
        evaluated = o.pk % 9 != 4
        submitted = min(deadline(year, o.region_id) - dt.timedelta(days=20 + o.pk % 40), today)
        weak = _grade(o.pk) == Grade.AVERAGE
        data = {"year": year, "mode": "on_site" if o.pk % 3 else "written", "text": TEXT, "problems": PROBLEMS,
                "rectification": [{"item": "每季度开展一次主题党日", "due_on": f"{year + 1}-06-30"}],
                "members_good": 0 if weak else 4 + o.pk % 5, "members_fairly_good": 1 + o.pk % 3,
                "members_average": 4 if weak else 0}
        case = Case(kind=CODE, state=EVALUATED if evaluated else SUBMITTED, title=f"{year}年度书记述职：{o.name}",
                    party_org=o, body_id=o.superior_id, holder=o, waiting_on="" if evaluated else "body", data=data,
                    opened_by_label=LABEL, submitted_on=submitted, due_on=None if evaluated else submitted
                    + dt.timedelta(days=30), closed_on=min(submitted + dt.timedelta(days=15), today) if evaluated
                    else None, is_demo=True, **{f: getattr(o, f) for f in fields})
        cases.append(case)
        bodies[o.pk] = (o, evaluated, submitted)
    Case.objects.bulk_create(cases, batch_size=1000)
    steps, reports = [], []
    for case in cases:
        o, evaluated, submitted = bodies[case.party_org.pk]  # type: ignore[union-attr]
        steps += [CaseStep(case=case, action="open", from_state="", to_state="draft", actor_label=LABEL, data={}),
                  CaseStep(case=case, action="submit", from_state="draft", to_state=SUBMITTED, actor_label=LABEL,
                           body_id=o.superior_id, data={})]
        superior = _grade(o.pk) if evaluated else ""
        grade = overall(superior, members_counts(case.data), params(RULE, o.region_id)) if evaluated else ""
        if evaluated:
            steps.append(CaseStep(case=case, action="evaluate", from_state=SUBMITTED, to_state=EVALUATED,
                                  actor_label=LABEL, body_id=o.superior_id, comment="述职认真，整改措施具体。",
                                  data={"grade": superior, "overall_grade": grade}))
        follow = grade in FOLLOW_UP
        reports.append(SecretaryReport(
            case=case, party_org=o, year=year, secretary=o.secretary, secretary_name=o.secretary.name if o.secretary
            else "", mode=case.data["mode"], text=TEXT, problems=PROBLEMS, rectification=case.data["rectification"],
            submitted_on=submitted, superior_grade=superior, grade=grade, evaluated_on=case.closed_on,
            interview_on=case.closed_on if follow else None, follow_up="限期三个月完成整改并书面报告" if follow else "",
            is_demo=True))
    CaseStep.objects.bulk_create(steps, batch_size=2000)
    SecretaryReport.objects.bulk_create(reports, batch_size=1000)
    ratings: list[Any] = []
    for r in reports:
        ratings += [Rating(report=r, side=Side.MEMBERS, grade=g, count=n, rater_label="党员大会")
                    for g, n in members_counts(r.case.data).items()]
        if r.superior_grade:
            ratings.append(Rating(report=r, side=Side.SUPERIOR, grade=r.superior_grade, rater_label=LABEL))
    Rating.objects.bulk_create(ratings, batch_size=2000)
    return {"secretary_reports": len(reports), "secretary_reports_missing": len(orgs) - len(reports)}
