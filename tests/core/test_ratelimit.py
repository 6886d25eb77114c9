"""The shared counter of shuniu.core.ratelimit, on the local-memory cache and on Redis.

On Redis the count must survive as an integer with its expiry (INCR keeps the TTL), and a Redis
that is down must not stop the work the limit guards: it logs and lets it through (the audit log
still records every event). The Redis tests use the machine's Redis, database 15, with keys of
their own (skipped when it is unreachable); "down" is a port where nothing listens.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shuniu.accounts.services import user_create
from shuniu.core.ratelimit import Limit
from shuniu.party.privacy import REFUSED
from shuniu.party.services import member_create
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, SocialOrgFactory, make_id_number
from tests.imports.test_jobs import REDIS_URL, _redis_or_skip


@pytest.fixture
def locmem(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"ratelimit-{uuid.uuid4().hex}"}}


def test_a_key_is_limited_after_its_allowance_for_the_rest_of_the_window(locmem: None, monkeypatch: Any) -> None:
    limit = Limit("test", 3, 60)
    assert [limit.hit("u1") for _ in range(3)] == [1, 2, 3]
    wait = limit.retry_after("u1")
    assert 0 < wait <= 60
    assert limit.retry_after("u2") == 0  # per key
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert limit.retry_after("u1") == 0
    assert limit.hit("u1") == 1  # a new window


def test_a_distinct_value_counts_once_per_window(locmem: None) -> None:
    limit = Limit("test", 3, 60)
    assert [limit.hit("u", distinct="a") for _ in range(5)] == [1, 1, 1, 1, 1]
    assert limit.hit("u", distinct="b") == 2
    limit.reset("u")
    assert limit.retry_after("u") == 0


@pytest.fixture
def redis_cache(settings: Any) -> Any:
    client = _redis_or_skip()
    prefix = f"shuniu-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                                   "KEY_PREFIX": prefix}}
    yield client
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_on_redis_the_count_keeps_its_expiry(redis_cache: Any) -> None:
    limit = Limit("test", 2, 60)
    assert [limit.hit("u") for _ in range(3)] == [1, 2, 3]
    assert 0 < limit.retry_after("u") <= 60
    keys = [k for k in redis_cache.scan_iter("*ratelimit:test:u") if not k.endswith(b":until")]
    assert len(keys) == 1 and 0 < redis_cache.ttl(keys[0]) <= 60


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_redis_that_is_down_limits_nothing_and_says_so(settings: Any, caplog: Any, db: Any) -> None:
    org = SocialOrgFactory()
    taken = PartyMemberFactory(workplace=org, id_number=make_id_number(5150)).id_number
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_closed_port()}/15"}}
    limit = Limit("test", 1, 60)
    with caplog.at_level(logging.ERROR, logger="shuniu.core.cache"):
        assert limit.hit("u") == 0 and limit.retry_after("u") == 0
    assert "cache is unavailable" in caplog.text
    # A refusal is still a refusal (and audited), not a server error.
    street, _pw = user_create(actor=SYSTEM, username="street", role="street_officer", scope=HEHUACHI)
    with pytest.raises(ValidationError) as info:
        member_create(actor=street, name="试探", gender="male", status="full", id_number=taken, workplace=org)
    assert info.value.message_dict["id_number"] == [str(REFUSED)]
