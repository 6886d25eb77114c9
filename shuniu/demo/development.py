"""The member development pipeline in the demo scenarios: people at every stage in a district, some in
orgs with no party member (Opinions art. 15), a few overdue (a talk, a review, an approval), one whose
probation ends within the month, one full member, one who withdrew. Made through the pipeline's
services on dates that respect every duration, as a branch and its committee would record them.

People become members only at the approval of their admission, and only in orgs that have their own
party org with three full members or more, so that no coverage status and no due-not-established
figure moves; in "beijing-cpa", whose member total is a seed figure, nobody is admitted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from stdnum.cn import ric

from shuniu.accounts.scopes import Scope
from shuniu.core.actors import SystemActor
from shuniu.development.services import applicant_create, applicant_end, step_record
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg

ACTOR = SystemActor("demo")
# Where each scenario's pipeline is (a region prefix), and the county its people were born in.
PLACES = {"beijing-2016": ("110105", "110105"), "zhonglou": ("320404", "320404"), "beijing-cpa": ("11", "110105")}
NO_ADMISSION = {"beijing-cpa"}
NAMES = ["林晓彤", "周子涵", "陈思远", "王雨桐", "赵一鸣", "孙嘉怡", "刘浩然", "吴佳琪", "郑文博", "冯若溪"]

# (name index, where ("own": an org with its own branch; "small": an org with no full member),
#  steps as (step, days before today, data), end as days before today or None)
Step = tuple[str, int, dict[str, Any]]
_TO_CANDIDATE: list[Step] = [("talk", 790, {}), ("activist", 760, {"recommended_by": "members", "contacts": 1}),
                             ("review", 580, {"conclusion": "思想汇报按时，表现良好"}),
                             ("review", 400, {"conclusion": "积极参加组织活动"}), ("candidate", 380, {})]


def _admission(meeting: int) -> list[Step]:
    """From application to the branch meeting ``meeting`` days ago, every duration respected."""
    a = meeting + 520  # the application, long enough before
    return [("talk", a - 10, {}), ("activist", a - 30, {"recommended_by": "mass_org", "contacts": 2}),
            ("review", a - 200, {"conclusion": "表现良好"}), ("review", a - 380, {"conclusion": "表现良好"}),
            ("candidate", a - 400, {}), ("introducers", a - 405, {"introducers": 2}),
            ("political_review", a - 415, {"conclusion": "合格"}), ("training", a - 425, {"days": 3}),
            ("notice", a - 440, {}), ("pre_review", meeting + 20, {}),
            ("meeting", meeting, {"eligible": "all"})]


PEOPLE: list[tuple[str, str, int, list[Step], int | None]] = [
    ("applicant", "own", 10, [], None),
    ("applicant, talk overdue", "small", 45, [], None),
    ("activist", "small", 300, [("talk", 290, {}), ("activist", 270, {"recommended_by": "members", "contacts": 1}),
                                ("review", 90, {"conclusion": "表现良好"})], None),
    ("activist, review overdue", "own", 400, [("talk", 390, {}),
                                              ("activist", 380, {"recommended_by": "members", "contacts": 2})], None),
    ("candidate", "small", 800, _TO_CANDIDATE, None),
    ("candidate, approval overdue", "own", 640, _admission(120), None),
    ("probationary, ending soon", "own", 870, [*_admission(350), ("approval", 330, {}), ("oath", 325, {})], None),
    ("full", "own", 1020, [*_admission(500), ("approval", 480, {}), ("oath", 475, {}),
                           ("full_meeting", 130, {"eligible": "all"}), ("full_approval", 120, {})], None),
    ("withdrawn", "small", 200, [("talk", 190, {})], 100),
]


def _id_number(county: str, n: int) -> str:
    body = f"{county}{dt.date(1990, 1, 1) + dt.timedelta(days=137 * n):%Y%m%d}{900 + n:03d}"
    return body + ric.calc_check_digit(body + "0")


def _branches(place: Scope) -> list[PartyOrg]:
    """Branches of the place with a superior and three full members or more."""
    return list(place.filter(PartyOrg.objects.filter(kind="branch", dissolved_on__isnull=True,
                                                     superior__isnull=False, formation="standalone"))
                .annotate(full=Count("members", filter=Q(members__status="full", members__ended_on__isnull=True)))
                .filter(full__gte=3).order_by("pk")[:60])


def _data(data: dict[str, Any], members: list[int]) -> dict[str, Any]:
    out = dict(data)
    for key in ("contacts", "introducers"):
        if key in out:
            out[key] = members[: out[key]]
    if "eligible" in out:  # every full member of the branch present, and all for
        out["eligible"] = out["votes_for"] = len(members)
    return out


def seed_pipeline(scenario: str) -> dict[str, int]:
    if scenario not in PLACES:
        return {}
    prefix, county = PLACES[scenario]
    place = Scope.of_region(prefix)
    branches = [b for b in _branches(place) if b.coverages.filter(ended_on__isnull=True).exists()][:4]
    small = list(place.filter(SocialOrg.objects.filter(status="active", members_on_staff=0)).order_by("pk")[:len(PEOPLE)])
    if not branches or not small:
        return {}
    today = dt.date.today()
    made = 0
    for n, (_label, where, applied, steps, end) in enumerate(PEOPLE):
        if scenario in NO_ADMISSION and any(s in ("approval", "oath", "full_meeting", "full_approval")
                                            for s, _d, _x in steps):
            steps = [s for s in steps if s[0] not in ("approval", "oath", "full_meeting", "full_approval")]
        branch = branches[n % len(branches)]
        workplace = branch.coverages.filter(ended_on__isnull=True).first()
        org = workplace.org if where == "own" and workplace is not None else small[n % len(small)]
        members = list(PartyMember.objects.filter(relation_org=branch, status="full", ended_on__isnull=True)
                       .order_by("pk").values_list("pk", flat=True))
        person = applicant_create(actor=ACTOR, name=NAMES[n], gender="female" if n % 2 else "male",
                                  id_number=_id_number(county, n), applied_on=today - dt.timedelta(days=applied),
                                  workplace=org, branch=branch, documents="入党申请书", is_demo=True)
        for step, days, data in steps:
            step_record(actor=ACTOR, applicant=person, step=step, on=today - dt.timedelta(days=days),
                        **_data(data, members))
        if end is not None:
            applicant_end(actor=ACTOR, applicant=person, on=today - dt.timedelta(days=end), reason="withdrawn",
                          note="本人因工作调动撤回申请")
        made += 1
    return {"applicants": made}
