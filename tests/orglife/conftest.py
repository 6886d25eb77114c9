"""A branch with three members of its own and one taking part from elsewhere, on a fixed day.

The people have fixed names and ID numbers (``Life.ids``: the own members', in order), which the
meetings import names them by."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine

from shuniu.party.services import participation_add
from tests.factories import (
    CHAOYANG,
    SYSTEM,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
)

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
    ids: list[str] = field(default_factory=list)


@pytest.fixture
def life(frozen, branch, branch_org):  # type: ignore[no-untyped-def]
    ids = [make_id_number(7101 + i) for i in range(3)]
    own = [PartyMemberFactory(workplace=branch_org, relation_org=branch, name=name, id_number=number)
           for name, number in zip(("林晓一", "林晓二", "林晓三"), ids, strict=True)]
    other_org = SocialOrgFactory(name="朝阳某协会", region_code=CHAOYANG)
    other = PartyOrgFactory(name="朝阳某协会党支部", covers=[other_org])
    guest = PartyMemberFactory(workplace=other_org, relation_org=other, name="客晓参", id_number=make_id_number(7104))
    participation_add(actor=SYSTEM, member=guest, party_org=branch, started_on=dt.date(2026, 1, 1))
    stranger = PartyMemberFactory(workplace=other_org, relation_org=other, name="外晓人",
                                  id_number=make_id_number(7105))
    return Life(branch, branch_org, own, guest, other, stranger, ids)
