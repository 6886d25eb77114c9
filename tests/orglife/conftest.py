"""A branch with three members of its own and one taking part from elsewhere, on a fixed day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from shuniu.party.services import participation_add
from tests.factories import CHAOYANG, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, 0), tick=False):
        yield TODAY


@dataclass
class Life:
    branch: Any
    org: Any
    own: list[Any]
    guest: Any
    other: Any
    stranger: Any


@pytest.fixture
def life(frozen, branch, branch_org):  # type: ignore[no-untyped-def]
    own = [PartyMemberFactory(workplace=branch_org, relation_org=branch) for _ in range(3)]
    other_org = SocialOrgFactory(name="朝阳某协会", region_code=CHAOYANG)
    other = PartyOrgFactory(name="朝阳某协会党支部", covers=[other_org])
    guest = PartyMemberFactory(workplace=other_org, relation_org=other)
    participation_add(actor=SYSTEM, member=guest, party_org=branch, started_on=dt.date(2026, 1, 1))
    stranger = PartyMemberFactory(workplace=other_org, relation_org=other)
    return Life(branch, branch_org, own, guest, other, stranger)
