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
