"""A small hand-built world of mobile members, every date relative to today, and what each list
must show (stated by hand in the tests, not derived from the selectors)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shuniu.mobile.services import inflow_take_in, outflow_end, outflow_register
from shuniu.party.services import member_end
from shuniu.party.terms import add_months
from tests.conftest import _user
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)

TODAY = dt.date.today()
SIX = add_months(TODAY, -6)  # away exactly 6 months today
SIX_LESS_A_DAY = SIX + dt.timedelta(days=1)


@dataclass
class Mobile:
    committee: Any
    a: Any
    b: Any
    x: Any
    org_a: Any
    org_b: Any
    m: dict[str, Any]
    out: dict[str, Any]


def away(member: Any, since: dt.date, fixed: bool, **kw: Any) -> Any:
    return outflow_register(actor=SYSTEM, member=member, destination=kw.pop("destination", "上海市浦东新区"),
                            since=since, reason="外出务工", fixed_place=fixed, **kw)


@pytest.fixture
def mobile(db) -> Mobile:  # type: ignore[no-untyped-def]
    committee = PartyOrgFactory(name="钟楼区两新组织综合党委", kind="comprehensive_committee", region_code="320404")
    org_a = SocialOrgFactory(name="荷花池养老服务中心", region_code=HEHUACHI)
    org_b = SocialOrgFactory(name="西林书画研究会", region_code=XILIN)
    org_x = SocialOrgFactory(name="建外文旅协会", region_code=JIANWAI)
    a = PartyOrgFactory(name="荷花池养老服务中心党支部", superior=committee, covers=[org_a])
    b = PartyOrgFactory(name="西林书画研究会党支部", superior=committee, covers=[org_b])
    x = PartyOrgFactory(name="建外文旅协会党支部", covers=[org_x])
    m = {}
    for key, org, party in (("a1", org_a, a), ("a2", org_a, a), ("a3", org_a, a), ("a4", org_a, a), ("a5", org_a, a),
                            ("a6", org_a, a), ("b1", org_b, b), ("x1", org_x, x)):
        m[key] = PartyMemberFactory(name=f"党员{key}", workplace=org, relation_org=party)
    out = {
        # a1: away 8 months with no fixed place: mobile, no finding.
        "a1": away(m["a1"], add_months(TODAY, -8), False),
        # a2: exactly 6 months at a fixed place: must transfer.
        "a2": away(m["a2"], SIX, True, region=CHAOYANG, destination="北京市朝阳区"),
        # a3: a day less than 6 months at a fixed place: mobile, no finding yet.
        "a3": away(m["a3"], SIX_LESS_A_DAY, True),
        # b1: two years at a fixed place, taken in by branch a.
        "b1": away(m["b1"], add_months(TODAY, -24), True),
        # x1 (朝阳区): away 2 months, taken in by branch b.
        "x1": away(m["x1"], add_months(TODAY, -2), False),
        # a5: away, then returned (not mobile any more); a6: away, then left the roster.
        "a5": away(m["a5"], add_months(TODAY, -10), True),
        "a6": away(m["a6"], add_months(TODAY, -10), True),
    }
    outflow_end(actor=SYSTEM, outflow=out["a5"], ended_on=TODAY, reason="returned")
    member_end(actor=SYSTEM, member=m["a6"], on=TODAY, reason="died")
    inflow_take_in(actor=SYSTEM, outflow=out["b1"], host=a, started_on=add_months(TODAY, -23))
    inflow_take_in(actor=SYSTEM, outflow=out["x1"], host=b, started_on=add_months(TODAY, -1))
    for key in m:
        m[key].refresh_from_db()
    return Mobile(committee, a, b, x, org_a, org_b, m, out)


@pytest.fixture
def sec_a(mobile):  # type: ignore[no-untyped-def]
    return _user("sec_a", "secretary", f"party:{mobile.a.pk}")


@pytest.fixture
def sec_b(mobile):  # type: ignore[no-untyped-def]
    return _user("sec_b", "secretary", f"party:{mobile.b.pk}")


@pytest.fixture
def committee_user(mobile):  # type: ignore[no-untyped-def]
    return _user("zl_committee", "secretary", f"party:{mobile.committee.pk}")


@pytest.fixture
def chaoyang(mobile):  # type: ignore[no-untyped-def]
    return _user("chaoyang", "district_officer", CHAOYANG)


@pytest.fixture
def zhonglou(mobile):  # type: ignore[no-untyped-def]
    return _user("zhonglou", "district_officer", "320404")
