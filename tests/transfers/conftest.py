"""The world of the transfer page and API tests (test_letters.py keeps its own copy): a Zhonglou
(荷花池) org with 3 full members and its branch under a comprehensive committee, a Beijing (朝阳)
org short of members with its branch, and the secretaries of both."""

from __future__ import annotations

import pytest

from tests.conftest import _user
from tests.factories import CHAOYANG, HEHUACHI, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """A Zhonglou (荷花池) org with 3 full members and its branch; a Beijing (朝阳) org, short of
    members, with a branch of its own; the secretaries of both."""
    here_org = SocialOrgFactory(name="钟楼区社工服务中心", region_code=HEHUACHI)
    committee = PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=HEHUACHI)
    here = PartyOrgFactory(name="钟楼区社工服务中心党支部", superior=committee, covers=[here_org])
    there_org = SocialOrgFactory(name="北京朝阳公益基金会", region_code=CHAOYANG)
    there = PartyOrgFactory(name="北京朝阳公益基金会党支部", kind="joint_branch", covers=[there_org])
    members = [PartyMemberFactory(workplace=here_org, relation_org=here) for _ in range(3)]
    there_members = [PartyMemberFactory(workplace=there_org, relation_org=there) for _ in range(2)]
    return {"here_org": here_org, "here": here, "committee": committee, "there_org": there_org, "there": there,
            "members": members, "there_members": there_members,
            "sender": _user("zl_secretary", "secretary", f"party:{here.pk}"),
            "receiver": _user("bj_secretary", "secretary", f"party:{there.pk}"),
            "committee_user": _user("zl_committee", "secretary", f"party:{committee.pk}")}
