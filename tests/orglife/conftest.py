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


@dataclass
class World:
    a: Any  # a branch in 荷花池街道 (industry 社会服务), three members and a guest from Chaoyang
    joint: Any  # a joint branch in 西林街道 covering two orgs of two hubs
    committee: Any  # a committee at the district
    late: Any  # a branch in Chaoyang set up on 2026-02-10
    members: dict[Any, list[Any]]
    guest: Any
    hubs: list[Any]


@pytest.fixture
def world(db, frozen):  # type: ignore[no-untyped-def]
    from tests.factories import HEHUACHI, XILIN, ZHONGLOU, HubFactory

    h1 = HubFactory(name="荷花池街道社会组织联合会", region_code=HEHUACHI)
    h2 = HubFactory(name="西林街道社会组织服务中心", region_code=XILIN)
    org_a = SocialOrgFactory(name="荷花池社工服务中心", region_code=HEHUACHI, hub=h1)
    org_j1 = SocialOrgFactory(name="西林养老服务社", region_code=XILIN, hub=h1)
    org_j2 = SocialOrgFactory(name="西林书画协会", region_code=XILIN, hub=h2)
    org_c = SocialOrgFactory(name="钟楼区律师协会", region_code=ZHONGLOU)
    org_b = SocialOrgFactory(name="朝阳区某基金会", region_code=CHAOYANG)
    a = PartyOrgFactory(name="荷花池社工服务中心党支部", covers=[org_a], established_on=dt.date(2019, 7, 1))
    joint = PartyOrgFactory(name="西林街道联合党支部", kind="joint_branch", covers=[org_j1, org_j2],
                            established_on=dt.date(2024, 3, 1))
    committee = PartyOrgFactory(name="钟楼区律师行业党委", kind="committee", covers=[org_c],
                                established_on=dt.date(2020, 1, 1))
    late = PartyOrgFactory(name="朝阳区某基金会党支部", covers=[org_b], established_on=dt.date(2026, 2, 10))
    members = {
        a: [PartyMemberFactory(workplace=org_a, relation_org=a) for _ in range(3)],
        joint: [PartyMemberFactory(workplace=org_j1, relation_org=joint),
                PartyMemberFactory(workplace=org_j2, relation_org=joint)],
        committee: [PartyMemberFactory(workplace=org_c, relation_org=committee)],
        late: [PartyMemberFactory(workplace=org_b, relation_org=late) for _ in range(2)],
    }
    guest = members[late][0]
    participation_add(actor=SYSTEM, member=guest, party_org=a, started_on=dt.date(2026, 2, 15))
    return World(a, joint, committee, late, members, guest, [h1, h2])


def meet(party_org: Any, kinds: list[str], day: dt.date, present: list[Any], absent: dict[Any, str] | None = None):  # type: ignore[no-untyped-def]
    from shuniu.orglife.services import meeting_record

    return meeting_record(actor=SYSTEM, party_org=party_org, kinds=kinds, held_on=day, topic=f"{day} 学习",
                          attendees=present, absentees={m.pk: r for m, r in (absent or {}).items()})
def png_bytes(width: int = 120, height: int = 80, rgb: tuple[int, int, int] = (183, 28, 28)) -> bytes:
    """A small real PNG (a sign-in sheet's photo, as far as the type check goes)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ink = bytes((60, 60, 70))
    # A sheet: ruled lines every 24 px and a margin, as a sign-in sheet's photo looks from afar.
    rows = b"".join(b"\x00" + b"".join(ink if (y % 24 == 23 or x == 40) else bytes(rgb) for x in range(width))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files under the test's own directory."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    return tmp_path / "media"
