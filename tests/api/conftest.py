"""API clients for the shared personas: each gets a bearer token made by the accounts service."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import SYSTEM


@pytest.fixture
def api(db) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    """``api(user)``: a test client that sends ``Authorization: Bearer <a new token of user>``."""
    from shuniu.accounts.services import token_create

    def client_for(user) -> Client:  # type: ignore[no-untyped-def]
        token = token_create(actor=SYSTEM, user=user)
        return Client(headers={"Authorization": f"Bearer {token}"})

    return client_for
