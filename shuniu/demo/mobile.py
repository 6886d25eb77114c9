"""Mobile members in the demo scenarios (rule MOBILE). The generator marks a few members as mobile
(``is_mobile``); each gets its outflow here, so that the flag and the outflows agree. In the
scenario's district, through the services as a user would: a member away 8 months at a fixed place
(the finding "must transfer the relation"), one taken in for org life by another branch, and a
member out of contact for 7 months whose branch asks its superior to stop the Party standing (left
waiting: an approval would take the member off the roster and move the seed figures). None of this
changes a count: a mobile member is counted once, at the relation."""

from __future__ import annotations

import datetime as dt

from shuniu.cases.services import case_act, case_open
from shuniu.core.actors import SystemActor
from shuniu.demo.cases import DISTRICTS
from shuniu.mobile.models import Outflow
from shuniu.mobile.services import inflow_take_in, outflow_register
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.party.terms import add_months

ACTOR = SystemActor("demo")
PLACES = ["上海市浦东新区", "苏州市工业园区", "杭州市余杭区", "深圳市南山区", "南京市江宁区", "无锡市新吴区"]
REASONS = ["外出务工", "外出经商", "学习进修", "随迁照顾家人"]


def _flagged_outflows(today: dt.date) -> int:
    """An outflow for each generated member marked mobile that has none: away under 6 months."""
    members = (PartyMember.objects.filter(is_demo=True, is_mobile=True, ended_on__isnull=True)
               .exclude(pk__in=Outflow.objects.filter(ended_on__isnull=True).values("member_id"))
               .values_list("pk", "admitted_on"))
    rows = []
    for pk, admitted in members.order_by("pk").iterator(chunk_size=5000):
        since = max(today - dt.timedelta(days=20 + pk % 150), admitted or today)
        rows.append(Outflow(member_id=pk, destination=PLACES[pk % len(PLACES)], since=since,
                            reason=REASONS[pk % len(REASONS)], certificate_no=f"LD{pk:08d}", is_demo=True))
    Outflow.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _showcase(district: str, today: dt.date) -> int:
    branches = list(PartyOrg.objects.filter(county_code=district, dissolved_on__isnull=True, superior__isnull=False,
                                            kind__in=["branch", "joint_branch"], members__status="full",
                                            members__is_mobile=False, members__ended_on__isnull=True)
                    .distinct().order_by("pk")[:3])
    if len(branches) < 2:
        return 0
    made = 0
    used: set[int] = set()

    def member_of(branch: PartyOrg) -> PartyMember | None:
        found = (PartyMember.objects.filter(relation_org=branch, status="full", is_mobile=False,
                                            ended_on__isnull=True).exclude(pk__in=used).order_by("pk").first())
        if found is not None:
            used.add(found.pk)
        return found

    # Away 8 months at a fixed place: the branch should transfer the relation (a finding, in the inbox).
    if (m := member_of(branches[0])) is not None:
        outflow_register(actor=ACTOR, member=m, destination="上海市浦东新区张江镇", region="310115", fixed_place=True,
                         since=add_months(today, -8), reason="外出务工（长期驻场）", certificate_no=f"LD{m.pk:08d}",
                         is_demo=True)
        made += 1
    # Away 3 months, taken in for org life by another branch of the district.
    if (m := member_of(branches[0])) is not None:
        outflow = outflow_register(actor=ACTOR, member=m, destination=f"{branches[1].name}所在地",
                                   since=add_months(today, -3), reason="外出经商", certificate_no=f"LD{m.pk:08d}",
                                   is_demo=True)
        inflow_take_in(actor=ACTOR, outflow=outflow, host=branches[1], started_on=add_months(today, -2),
                       is_demo=True)
        made += 1
    # Out of contact 7 months: the branch asks its superior to stop the standing (waiting on it).
    branch = branches[-1]
    if (m := member_of(branch)) is not None:
        case = case_open(actor=ACTOR, kind="lost_contact", member=m, is_demo=True, data={
            "lost_since": str(add_months(today, -7)), "efforts": "电话、短信、走访原单位和家庭住址均未取得联系"})
        case_act(actor=ACTOR, case=case, action="submit")
        made += 1
    return made


def seed_mobile(scenario: str) -> dict[str, int]:
    today = dt.date.today()
    counts = {"mobile_outflows": _flagged_outflows(today)}
    district = DISTRICTS.get(scenario)
    if district is not None:
        counts["mobile_showcase"] = _showcase(district, today)
    return counts
