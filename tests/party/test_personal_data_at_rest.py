"""No plain ID or phone number anywhere in the database file."""

from __future__ import annotations

import pytest
from django.db import connection

from shuniu.party.models import PartyMember
from shuniu.party.services import member_update
from tests.factories import SYSTEM, PartyMemberFactory, SocialOrgFactory, make_id_number, make_phone


def _database_image() -> bytes:
    """The bytes of the SQLite database file as this connection sees it, uncommitted pages included.

    The test runs inside a transaction (and pytest-django's SQLite test database lives in memory), so
    neither reading the file from disk nor ``VACUUM INTO`` (refused inside a transaction) would see
    the rows; ``sqlite3.Connection.serialize`` returns exactly what would be written to disk.
    """
    connection.ensure_connection()
    return connection.connection.serialize()


@pytest.mark.django_db
def test_no_plain_id_or_phone_number_is_stored_in_the_database_file():
    if connection.vendor != "sqlite":
        pytest.skip("reads the raw SQLite database file; PostgreSQL keeps its pages elsewhere")
    org = SocialOrgFactory(name="明文检查协会")
    secrets = []
    for n in range(3):
        number, phone = make_id_number(7300 + n), make_phone(7300 + n)
        secrets += [number, phone]
        PartyMemberFactory(workplace=org, id_number=number, phone=phone, relation_elsewhere=f"canary-{n}-党支部")
    # An update re-encrypts; the old and the new values must both be absent.
    member = PartyMember.objects.filter(workplace=org).first()
    new_number, new_phone = make_id_number(7399), make_phone(7399)
    member_update(actor=SYSTEM, member=member, id_number=new_number, phone=new_phone)
    secrets += [new_number, new_phone]

    image = _database_image()
    # The scan can find what is there: the plain canary text and the masked numbers are present.
    assert b"canary-0-" in image
    assert member.id_number_masked.encode("ascii") in image
    for secret in secrets:
        assert secret.encode("ascii") not in image, "a plain ID or phone number reached the database"
        # nor without its check digit / last digit (a truncated copy would leak as much)
        assert secret[:-1].encode("ascii") not in image
