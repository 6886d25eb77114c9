"""A hand-built 钟楼区 for last year's reports, every date relative to today, and the figures it must
give (stated by hand in the tests, not derived from the selectors).

Under 钟楼区两新组织综合党委 (no superior in the system: not expected to report):

| party org | street | for last year (Y) | expected? |
|---|---|---|---|
| ``branch`` (the secretary's) | 荷花池 | evaluated: 好 | yes |
| ``b`` | 荷花池 | evaluated: 较好 (superior 好, members 8 × 差) | yes |
| ``c`` | 西林 | evaluated: 一般 (superior 一般, members 5 × 一般, 1 × 好) | yes |
| ``d`` | 西林 | submitted, not evaluated (未评) | yes |
| ``e`` | 西林 | a draft only (not reported) | yes |
| ``h`` | 西林 | nothing; dissolved 1 April of Y+1, after the deadline | yes |
| ``f`` | 荷花池 | established 1 January of Y+1 | no |
| ``g`` | 荷花池 | dissolved 1 January of Y+1, before the deadline | no |

and in 朝阳区 a branch under its own committee that reported (seen by 朝阳区 only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shuniu.cases.services import case_act, case_open
from shuniu.party.models import PartyOrg
from tests.conftest import _user
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, SYSTEM, XILIN, ZHONGLOU, PartyOrgFactory

TODAY = dt.date.today()
Y = TODAY.year - 1


def report(party_org: Any, actor: Any = SYSTEM, *, year: int = Y, submit: bool = True, **data: Any) -> Any:
    content = {"year": year, "mode": "on_site", "text": "一年来抓班子带队伍、三会一课按时开展。", "problems": "党员教育形式单一",
               "rectification": [{"item": "每季度开展一次主题党日", "due_on": f"{Y + 1}-06-30"}], **data}
    return case_open(actor=actor, kind="secretary_report", party_org=party_org, data=content,
                     title=f"{year}年度书记述职：{party_org.name}", submit=submit)


def evaluate(case: Any, grade: str, actor: Any = SYSTEM, **data: Any) -> Any:
    return case_act(actor=actor, case=case, action="evaluate", data={"grade": grade, **data}, comment="评议意见")


@dataclass
class World:
    committee: Any
    branch: Any
    parties: dict[str, Any]
    cases: dict[str, Any]
    cy_committee: Any
    cy_branch: Any


@pytest.fixture
def committee(db):  # type: ignore[no-untyped-def]
    return PartyOrgFactory(name="钟楼区两新组织综合党委", kind="comprehensive_committee", region_code=ZHONGLOU)


@pytest.fixture
def branch(branch_org, committee):  # type: ignore[no-untyped-def]
    """The shared persona ``secretary``'s branch, here under the district's committee."""
    return PartyOrgFactory(name="荷花池社工服务中心党支部", kind="branch", covers=[branch_org], superior=committee)


@pytest.fixture
def committee_user(committee):  # type: ignore[no-untyped-def]
    return _user("zl_committee", "secretary", f"party:{committee.pk}")


@pytest.fixture
def world(committee, branch) -> World:  # type: ignore[no-untyped-def]
    p: dict[str, Any] = {}
    for key, street, extra in (("b", HEHUACHI, {}), ("c", XILIN, {}), ("d", XILIN, {}), ("e", XILIN, {}),
                               ("h", XILIN, {}), ("f", HEHUACHI, {"established_on": dt.date(Y + 1, 1, 1)}),
                               ("g", HEHUACHI, {})):
        p[key] = PartyOrgFactory(name=f"述职测试{key}党支部", superior=committee, region_code=street, **extra)
    # Dissolved directly (a hand-built fixture: the dates, not the dissolution process, matter here).
    PartyOrg.objects.filter(pk=p["g"].pk).update(dissolved_on=dt.date(Y + 1, 1, 1))
    PartyOrg.objects.filter(pk=p["h"].pk).update(dissolved_on=dt.date(Y + 1, 4, 1))
    cases = {"branch": evaluate(report(branch), "good"),
             "b": evaluate(report(p["b"], members_poor=8), "good"),
             "c": evaluate(report(p["c"], members_average=5, members_good=1), "average",
                           interview_on=TODAY.isoformat(), follow_up="三个月内完成整改"),
             "d": report(p["d"]),
             "e": report(p["e"], submit=False)}
    cy_committee = PartyOrgFactory(name="朝阳区社会组织综合党委", kind="comprehensive_committee", region_code=CHAOYANG)
    cy_branch = PartyOrgFactory(name="建外述职测试党支部", superior=cy_committee, region_code=JIANWAI)
    cases["cy"] = report(cy_branch)
    return World(committee, branch, p, cases, cy_committee, cy_branch)
