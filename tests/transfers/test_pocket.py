"""The pocket-member list (口袋党员) against a fixture checked by hand, row by row."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.cases.services import case_act
from shuniu.transfers.selectors import pocket_members
from shuniu.transfers.services import letter_issue, outgoing_receipt, outgoing_record
from tests.conftest import _user
from tests.factories import CHAOYANG, HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db


def test_the_pocket_list_is_exactly_the_hand_checked_members(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 9, 0))
    org = SocialOrgFactory(name="钟楼区养老服务中心", region_code=HEHUACHI)
    branch = PartyOrgFactory(name="钟楼区养老服务中心党支部", covers=[org])
    far = PartyOrgFactory(name="北京朝阳某党支部", region_code=CHAOYANG)
    people = {name: PartyMemberFactory(name=name, workplace=org, relation_org=branch)
              for name in ("甲", "乙", "丙", "丁", "戊", "己", "庚")}
    nowhere = PartyMemberFactory(name="辛", workplace=org, relation_org=None, relation_elsewhere="")
    PartyMemberFactory(name="壬", workplace=org, relation_org=None, relation_elsewhere="北京某党支部")

    # 甲: out of the system on 03-01, validity 30 days, no receipt → on the list from 04-01 (not 03-31).
    outgoing_record(actor=SYSTEM, member=people["甲"], number="A1", to_elsewhere="上海某党支部", issued_on="2026-03-01")
    # 乙: out of the system, receipt back in time → never.
    receipted = outgoing_record(actor=SYSTEM, member=people["乙"], number="A2", to_elsewhere="上海某党支部",
                                issued_on="2026-03-01", valid_days=10)
    # 丙: inside the system, 10 days, never received → from 03-12.
    letter_issue(actor=SYSTEM, member=people["丙"], to_org=far, valid_days=10)
    # 丁: inside the system, received on 03-05 → never.
    received = letter_issue(actor=SYSTEM, member=people["丁"], to_org=far, valid_days=10)
    # 戊: inside, 10 days, extended by 20 on 03-08 → due 03-31, on the list from 04-01.
    extended = letter_issue(actor=SYSTEM, member=people["戊"], to_org=far, valid_days=10)
    # 己: inside, returned by the receiving side → not issued any more, not on the list.
    returned = letter_issue(actor=SYSTEM, member=people["己"], to_org=far, valid_days=10)
    # 庚: inside, withdrawn → never.
    withdrawn = letter_issue(actor=SYSTEM, member=people["庚"], to_org=far, valid_days=10)
    time_machine.move_to(dt.datetime(2026, 3, 5, 9, 0))
    case_act(actor=SYSTEM, case=received, action="confirm", data={"received_on": "2026-03-05"})
    outgoing_receipt(actor=SYSTEM, letter=receipted, received_on="2026-03-05")
    case_act(actor=SYSTEM, case=returned, action="return", comment="查无此人")
    case_act(actor=SYSTEM, case=withdrawn, action="withdraw")
    time_machine.move_to(dt.datetime(2026, 3, 8, 9, 0))
    case_act(actor=SYSTEM, case=extended, action="extend", data={"extend_days": 20})

    def listed(day: dt.date) -> list[tuple[str, str]]:
        return [(r.name, r.reason) for r in pocket_members(Scope.everything(), day)]

    # 辛 is on a roster with a relation nowhere, every day; 壬's relation is recorded elsewhere.
    assert listed(dt.date(2026, 3, 11)) == [("辛", "no_relation")]
    assert listed(dt.date(2026, 3, 12)) == [("丙", "internal_not_received"), ("辛", "no_relation")]
    assert listed(dt.date(2026, 3, 31)) == [("丙", "internal_not_received"), ("辛", "no_relation")]
    # Letters by the day they expired (甲 and 戊 both on 03-31, in the order issued), then the rest.
    assert listed(dt.date(2026, 4, 1)) == [("丙", "internal_not_received"), ("甲", "outgoing_no_receipt"),
                                           ("戊", "internal_not_received"), ("辛", "no_relation")]
    # The branch's secretary sees the letters of their own people (辛, whose relation is nowhere,
    # is no party org's: the district's officer sees them); the receiving side sees the letters
    # sent to it (丙, 戊), and nothing of the branch's roster.
    secretary = _user("pocket_secretary", "secretary", f"party:{branch.pk}")
    receiving = _user("pocket_far", "secretary", f"party:{far.pk}")
    day = dt.date(2026, 4, 1)
    assert [r.name for r in pocket_members(Scope.for_user(secretary), day)] == ["丙", "甲", "戊"]
    officer = _user("pocket_district", "district_officer", "320404")
    assert [r.name for r in pocket_members(Scope.for_user(officer), day)] == ["丙", "甲", "戊", "辛"]
    assert [r.name for r in pocket_members(Scope.for_user(receiving), day)] == ["丙", "戊"]
    assert nowhere.pk in {r.member_id for r in pocket_members(Scope.for_user(officer), day)}
