"""The API's rate limit per token (``SHUNIU_API_RATE``): 429 with a clear message past it, each
token counted on its own, the session's user as one client, the next period open again."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import time_machine
from django.test import Client

from shuniu.accounts.services import token_create
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db

# The start of a minute, so that the requests of a test all fall in one window of the limit; a
# minute of its own for each run, as the counters outlive a test in a shared cache (Redis).
START = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=secrets.randbelow(10**7))


@pytest.fixture(autouse=True)
def _rate(settings):  # type: ignore[no-untyped-def]
    settings.SHUNIU_API_RATE = "5/m"


def bearer(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})


def test_past_the_rate_a_token_gets_429_with_a_clear_message(zhonglou_officer):
    client = bearer(zhonglou_officer)
    with time_machine.travel(START, tick=False):
        assert [client.get("/api/v1/regions").status_code for _ in range(5)] == [200] * 5
        refused = client.get("/api/v1/orgs")
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["rule"] == "rate_limit"
    assert error["message"] == "请求过于频繁，请稍后再试（规则：每个令牌每分钟最多 5 次请求）"
    assert refused["Retry-After"] == "60"


def test_each_token_is_counted_on_its_own(zhonglou_officer, chaoyang_officer):
    first, second, third = bearer(zhonglou_officer), bearer(zhonglou_officer), bearer(chaoyang_officer)
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            first.get("/api/v1/regions")
        assert first.get("/api/v1/regions").status_code == 429
        assert second.get("/api/v1/regions").status_code == 200  # another token of the same user
        assert third.get("/api/v1/regions").status_code == 200


def test_the_next_period_is_open_again(zhonglou_officer):
    client = bearer(zhonglou_officer)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            client.get("/api/v1/regions")
        assert client.get("/api/v1/regions").status_code == 429
        clock.shift(dt.timedelta(seconds=60))
        assert client.get("/api/v1/regions").status_code == 200


def test_a_session_user_is_limited_too_and_the_liveness_probe_never(zhonglou_officer):
    client = Client()
    with time_machine.travel(START, tick=False):
        client.force_login(zhonglou_officer)
        assert [client.get("/api/v1/regions").status_code for _ in range(6)] == [200] * 5 + [429]
        assert all(Client().get("/api/v1/ping").status_code == 200 for _ in range(10))


def test_the_message_is_translated(zhonglou_officer):
    client = bearer(zhonglou_officer)
    client.cookies["django_language"] = "en"
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            client.get("/api/v1/regions")
        message = client.get("/api/v1/regions").json()["errors"][0]["message"]
    assert message == "Too many requests, try again later (rule: at most 5 requests per minute per token)"
