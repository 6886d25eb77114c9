"""Redis stopped or stalled: every Redis call gives up after its socket timeout
(SHUNIU_REDIS_CONNECT_TIMEOUT, SHUNIU_REDIS_TIMEOUT), the import pages that need the job queue say
so with a 503, and an API request whose token cache is in the stalled Redis completes within the
timeout (the token is then read from the database).

Each test starts a private ``redis-server`` on a free port (tests/redis_server.py), never the
machine's shared one, and freezes it with SIGSTOP (stalled: connections are accepted, nothing
answers) or stops it (refused). The bounds below are on a hang (timeout + 1 s), not on speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shuniu.accounts.services import token_create
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.registry.models import SocialOrg
from tests.factories import SYSTEM
from tests.imports.files import org_rows, write_csv
from tests.redis_server import private_redis

TIMEOUT = 2.0  # SHUNIU_REDIS_TIMEOUT in these tests
MARGIN = 1.0
QUEUE_DOWN = "后台任务队列暂不可用，请稍后再试"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis(tmp_path: Path) -> Any:
    with private_redis(tmp_path) as server:
        yield server


def _use(settings: Any, url: str) -> None:
    """The configuration settings.py derives from REDIS_URL: cache and queue in that Redis."""
    settings.SHUNIU_REDIS_CONNECT_TIMEOUT = 1.0
    settings.SHUNIU_REDIS_TIMEOUT = TIMEOUT
    settings.REDIS_URL = url
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": settings.SHUNIU_REDIS_CONNECT_TIMEOUT,
                    "socket_timeout": settings.SHUNIU_REDIS_TIMEOUT}}}


def _timed(call: Any) -> tuple[Any, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_the_settings_give_the_cache_and_the_queue_a_socket_timeout(redis, tmp_path):
    """settings.py with REDIS_URL, in a process of its own: against a stalled Redis, a cache read
    and a queue command each give up after SHUNIU_REDIS_TIMEOUT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHUNIU_", "PYTEST"))}
    env.update(DJANGO_SETTINGS_MODULE="shuniu.settings", SHUNIU_VAR_DIR=str(tmp_path / "var"), REDIS_URL=redis.url,
               SHUNIU_REDIS_TIMEOUT="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    probe = """
import json, time, django
django.setup()
from django.core.cache import cache
from shuniu.imports import jobs
out = {}
for name, call in [("cache", lambda: cache.get("x")), ("queue", lambda: jobs.job_queue().count)]:
    start = time.monotonic()
    try:
        call()
        out[name] = "answered"
    except Exception as exc:
        out[name] = [type(exc).__name__, time.monotonic() - start]
print(json.dumps(out))
"""
    with redis.stalled():
        done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("cache", "queue"):
        error, seconds = out[name]
        assert error == "TimeoutError" and seconds <= 1 + MARGIN, out


@pytest.fixture
def batch(client, zhonglou_officer, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A clean preview, uploaded while Redis was not involved (the upload page does not need it)."""
    settings.VAR_DIR = tmp_path / "var"
    client.force_login(zhonglou_officer)
    with open(write_csv(tmp_path / "orgs.csv", org_rows(3)), "rb") as fh:
        assert client.post("/imports/", {"kind": "orgs", "file": fh}).status_code == 302
    return ImportBatch.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["stopped", "stalled"])
def test_the_import_pages_that_need_the_queue_answer_503_while_redis_is_down(client, batch, redis, settings, fault):
    _use(settings, redis.url)
    if fault == "stopped":
        redis.stop()
    with redis.stalled() if fault == "stalled" else nullcontext():
        page, seconds = _timed(lambda: client.get(f"/imports/{batch.pk}/"))
        assert page.status_code == 503 and QUEUE_DOWN in page.content.decode()
        assert seconds <= TIMEOUT + MARGIN
        assert batch.filename in page.content.decode()  # the batch itself is still shown
        progress = client.get(f"/imports/{batch.pk}/progress/")
        assert progress.status_code == 503 and QUEUE_DOWN in progress.content.decode()
        commit = client.post(f"/imports/{batch.pk}/commit/")
        assert commit.status_code == 503 and QUEUE_DOWN in commit.content.decode()
        assert client.get("/imports/").status_code == 200  # uploading and previewing need no queue
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and not SocialOrg.objects.exists()
    if fault == "stalled":  # back again: the page answers as usual
        assert client.get(f"/imports/{batch.pk}/").status_code == 200


@pytest.mark.django_db
def test_an_api_request_with_its_token_cached_in_a_stalled_redis_completes_within_the_timeout(
        zhonglou_officer, redis, settings):
    _use(settings, redis.url)
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/orgs").status_code == 200  # the token's user is now cached in Redis
    with redis.stalled():
        response, seconds = _timed(lambda: api.get("/api/v1/orgs"))
        assert response.status_code == 200
        assert seconds <= TIMEOUT + MARGIN, seconds
        # The next requests do not wait on the stalled cache again.
        again, seconds = _timed(lambda: api.get("/api/v1/orgs"))
        assert again.status_code == 200 and seconds <= TIMEOUT + MARGIN


@pytest.mark.django_db
def test_an_api_request_while_redis_is_stopped_reads_the_token_from_the_database(zhonglou_officer, redis,
                                                                                 settings):
    _use(settings, redis.url)
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    redis.stop()
    response, seconds = _timed(lambda: Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/orgs"))
    assert response.status_code == 200 and seconds <= TIMEOUT + MARGIN
