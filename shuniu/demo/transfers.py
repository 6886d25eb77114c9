"""Relation transfers in the demo scenarios, in every state a user meets: letters inside the system
issued and waiting, one overdue, one returned, one extended, several received; letters out of the
system with and without a receipt (one past its validity: a pocket member); a paper letter received
from outside; the batch of a dissolved party org, partly received.

Made through the transfer services, as a user would; only the dates are moved back afterwards (the
letters' issue dates, the cases' steps), which a generator may do and a user cannot. The figures
the scenario tests pin do not move: the letters leave from ordinary branches (never a joint branch,
whose full members are counted), their secretaries stay, no workplace changes (so no org's staff
count or coverage status moves), the dissolved party org is a new one with members of its own and
no org covered (so the current party orgs and every status as of a past date stay the same).
Only the scenarios whose tests leave members and party orgs free get them (not ``beijing-cpa``,
whose member total and integrity findings are pinned).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric

from shuniu.cases.models import Case, CaseStep
from shuniu.cases.services import case_act
from shuniu.core import crypto
from shuniu.core.actors import SystemActor
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.party.services import member_create, party_org_create, party_org_dissolve
from shuniu.transfers.models import RelationLetter
from shuniu.transfers.services import batch_open, incoming_register, letter_issue, outgoing_receipt, outgoing_record

ACTOR = SystemActor("demo")
DISTRICTS = {"beijing-2016": "110105", "zhonglou": "320404"}
# Letters inside the system: (what happens, days since issue, validity, days since receipt).
INTERNAL = [("waiting", 5, 30, None), ("waiting", 2, 30, None), ("overdue", 40, 30, None), ("returned", 6, 30, None),
            ("extended", 25, 30, None), ("received", 30, 30, 25), ("received", 20, 30, 14), ("received", 15, 10, 10)]
# Letters out of the system: (days since issue, validity, days since the receipt came back).
OUTGOING = [(30, 30, 20), (10, 30, None), (60, 30, None)]
DESTINATIONS = ["中共上海市浦东新区社会组织综合委员会", "中共广州市天河区某街道工作委员会", "中共杭州市西湖区某社区委员会"]


def _ago(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days)


def _backdate(letter: RelationLetter, issued: dt.date) -> None:
    """A letter issued today, dated ``issued`` instead: its validity and its case's steps with it."""
    shift = dt.date.today() - issued
    assert letter.valid_days is not None
    letter.issued_on, letter.valid_until = issued, issued + dt.timedelta(days=letter.valid_days)
    letter.save(update_fields=["issued_on", "valid_until", "updated_at"])
    if letter.case_id is None:
        return
    case = Case.objects.get(pk=letter.case_id)
    Case.objects.filter(pk=case.pk).update(submitted_on=case.submitted_on - shift if case.submitted_on else None,
                                           due_on=letter.valid_until if case.waiting_on == "body" else case.due_on)
    for step in CaseStep.objects.filter(case=case):
        CaseStep.objects.filter(pk=step.pk).update(at=step.at - shift)


def _candidates(district: str) -> tuple[list[PartyMember], list[PartyOrg]]:
    """Current full members of ordinary branches with five or more of them (never their secretary),
    one or two a branch; and the branches that may receive them."""
    branches = list(PartyOrg.objects.filter(county_code=district, dissolved_on__isnull=True, kind="branch",
                                            superior__isnull=False).order_by("pk"))
    members: list[PartyMember] = []
    for branch in branches:
        full = list(PartyMember.objects.filter(relation_org=branch, status="full", ended_on__isnull=True)
                    .exclude(pk=branch.secretary_id or 0).select_related("relation_org").order_by("pk"))
        if len(full) >= 5:
            members += full[:2]
        if len(members) >= len(INTERNAL) + len(OUTGOING):
            break
    return members, branches


def _id_number(district: str, n: int) -> str:
    """A valid ID number of the district that no member holds yet."""
    while True:
        body = f"{district}1990{1 + n % 12:02d}{1 + n % 28:02d}{800 + n % 200:03d}"
        number = body + ric.calc_check_digit(body + "0")  # (a placeholder check digit in place)
        if not PartyMember.objects.filter(id_number_hash=crypto.keyed_hash(number)).exists():
            return number
        n += 7


def _internal(members: list[PartyMember], receivers: list[PartyOrg]) -> int:
    made = 0
    for (what, days, valid, received), member in zip(INTERNAL, members, strict=False):
        to_org = next(b for b in receivers if b.pk != member.relation_org_id)
        case = letter_issue(actor=ACTOR, member=member, to_org=to_org, reason="工作调动", valid_days=valid,
                            dues_paid_to=f"{_ago(days).year}-{_ago(days).month:02d}", is_demo=True)
        letter = RelationLetter.objects.get(case=case)
        _backdate(letter, _ago(days))
        if what == "returned":
            case_act(actor=ACTOR, case=case, action="return", comment="该同志未到本单位报到，请核实去向后重新开具")
        elif what == "extended":
            case_act(actor=ACTOR, case=case, action="extend", data={"extend_days": 30})
        elif received is not None:
            case_act(actor=ACTOR, case=case, action="confirm", data={"received_on": _ago(received).isoformat()})
        made += 1
    return made


def _outgoing(members: list[PartyMember]) -> int:
    for (days, valid, receipt), member, where in zip(OUTGOING, members, DESTINATIONS, strict=False):
        letter = outgoing_record(actor=ACTOR, member=member, number=f"演示转出-{member.pk}", to_elsewhere=where,
                                 issued_on=_ago(days), valid_days=valid, reason="随配偶迁居", is_demo=True)
        if receipt is not None:
            outgoing_receipt(actor=ACTOR, letter=letter, received_on=_ago(receipt), received_by="对方党委组织部")
    return min(len(OUTGOING), len(members))


def _person(district: str, n: int, name: str) -> dict[str, Any]:
    return {"name": name, "gender": "female" if n % 2 else "male", "status": "full", "id_number": _id_number(district, n),
            "admitted_on": dt.date(2012, 7, 1), "full_on": dt.date(2013, 7, 1), "is_demo": True}


def _batch(district: str, receivers: list[PartyOrg]) -> int:
    """A party org of a dissolved org, with its four members, dissolved 20 days ago; their letters
    opened in one batch, two of them received."""
    superior = receivers[0].superior
    dissolved = party_org_create(actor=ACTOR, name=f"演示：已注销社会组织党支部（{district}）", kind="branch",
                                 established_on=dt.date(2019, 7, 1), superior=superior, is_demo=True)
    for i, name in enumerate(("周建国", "吴晓燕", "郑海涛", "王丽娟")):
        member_create(actor=ACTOR, relation_org=dissolved, **_person(district, 40 + i, name))
    party_org_dissolve(actor=ACTOR, party_org=dissolved, on=_ago(20), reason="所在社会组织注销")
    batch = batch_open(actor=ACTOR, party_org=dissolved, to_org=receivers[0], reason="所在社会组织注销，党组织撤销",
                       is_demo=True)
    for i, letter in enumerate(batch.letters.order_by("pk")):
        _backdate(letter, _ago(19))
        if i < 2:
            assert letter.case is not None
            case_act(actor=ACTOR, case=letter.case, action="confirm", data={"received_on": _ago(12 - i).isoformat()})
    return batch.letters.count()


def seed_transfers(scenario: str) -> dict[str, int]:
    district = DISTRICTS.get(scenario)
    if district is None:
        return {}
    members, branches = _candidates(district)
    if len(branches) < 2 or len(members) < len(INTERNAL) + len(OUTGOING):
        return {}
    internal = _internal(members[:len(INTERNAL)], branches)
    outgoing = _outgoing(members[len(INTERNAL):])
    incoming_register(actor=ACTOR, to_org=branches[-1], number="演示转入-0001", from_elsewhere="中共南京市鼓楼区某街道工作委员会",
                      issued_on=_ago(12), received_on=_ago(7), person=_person(district, 7, "陈志远"),
                      reason="工作调动", dues_paid_to=f"{_ago(40).year}-{_ago(40).month:02d}", valid_days=30,
                      is_demo=True)
    return {"letters_internal": internal, "letters_outgoing": outgoing, "letters_incoming": 1,
            "letters_batch": _batch(district, branches)}
