"""Background commits through the Redis queue (RQ) and ``shuniu worker``.

With ``REDIS_URL`` a commit requested on the batch page is queued in Redis, the page shows it as
queued, and a worker process commits it, its progress in the cache. These tests use the Redis at
``SHUNIU_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``), each with a queue of its own;
they are skipped when it is unreachable, and fail then when CI is set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shuniu.imports import jobs
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.registry.models import SocialOrg
from tests.factories import SYSTEM, ZHONGLOU
from tests.imports.files import org_rows, write_csv, write_xlsx
from tests.imports.test_kill import REGIONS, ROOT, _committed_batch_1, _env, _shuniu
from tests.web.browser import _ensure_reference_data

REDIS_URL = os.environ.get("SHUNIU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> Any:
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc}): apt-get install redis-server, or set SHUNIU_TEST_REDIS_URL"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return client


@pytest.fixture
def officer(reference_data: None, transactional_db: None) -> Any:
    """A Zhonglou district officer, in a database whose rows the worker (another connection) sees.
    ``transactional_db`` empties the tables after each test; the divisions are loaded again."""
    from shuniu.accounts.services import user_create

    _ensure_reference_data()
    user, _pw = user_create(actor=SYSTEM, username="zhonglou", role="district_officer", scope=ZHONGLOU)
    return user


@pytest.fixture
def redis_queue(settings: Any) -> Any:
    """REDIS_URL set (queue and cache in Redis), with a queue and cache keys of this test's own.

    The tests run the worker in this process, and RQ's worker replaces the SIGINT and SIGTERM
    handlers with its own "warm shutdown" (which raises StopRequested wherever the process is) and
    never puts them back: they are restored here, or a Ctrl-C, or pytest-xdist's interrupt of a
    worker, would be swallowed for the rest of the session."""
    client = _redis_or_skip()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    name = f"shuniu-test-{uuid.uuid4().hex[:12]}"
    settings.REDIS_URL = REDIS_URL
    settings.SHUNIU_JOB_QUEUE = name
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                                   "KEY_PREFIX": name}}
    yield name
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)


def upload(client: Any, path: Path) -> Any:
    with open(path, "rb") as fh:
        return client.post("/imports/", {"kind": "orgs", "file": fh})


def test_a_commit_is_queued_in_redis_and_the_worker_commits_it(client, officer, redis_queue, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(officer)
    upload(client, write_csv(tmp_path / "orgs.csv", org_rows(12)))
    batch = ImportBatch.objects.get()
    assert client.post(f"/imports/{batch.pk}/commit/").status_code == 302

    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and SocialOrg.objects.count() == 0
    assert jobs.job_queue().count == 1 and jobs.progress_get(batch.pk)["stage"] == "queued"
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert f'hx-get="/imports/{batch.pk}/progress/"' in page and "排队中" in page
    # A second click while it waits queues nothing more.
    client.post(f"/imports/{batch.pk}/commit/")
    assert jobs.job_queue().count == 1

    call_command("worker", "--burst", "--no-fork", stdout=open(os.devnull, "w"))  # noqa: SIM115

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.created_by == officer
    assert SocialOrg.objects.count() == 12 and jobs.job_queue().count == 0
    assert jobs.progress_get(batch.pk)["stage"] == "done"
    progress = client.get(f"/imports/{batch.pk}/progress/")
    assert progress["HX-Refresh"] == "true"


def test_a_queued_commit_that_fails_validation_writes_nothing_and_says_why(client, officer, redis_queue, settings,
                                                                           tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(officer)
    upload(client, write_csv(tmp_path / "orgs.csv", org_rows(5)))
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/commit/")
    # The file changes between the preview and the worker's turn: the worker validates it again.
    rows = org_rows(5)
    rows[3][3] = "320499999"
    write_csv(Path(batch.stored_path), rows)

    call_command("worker", "--burst", "--no-fork", stdout=open(os.devnull, "w"))  # noqa: SIM115

    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and SocialOrg.objects.count() == 0
    assert batch.errors and batch.errors[0]["row"] == 5
    state = jobs.progress_get(batch.pk)
    assert state["stage"] == "failed" and "1" in state["message"]


def test_the_worker_needs_redis_url(settings):
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("worker", "--burst")


def test_shuniu_worker_as_its_own_process_commits_a_batch_queued_by_another(tmp_path):
    """The production arrangement: the web process queues, ``shuniu worker`` (forking a child per
    job) commits; the two share only the database and Redis (queue and progress)."""
    client = _redis_or_skip()
    queue = f"shuniu-test-{uuid.uuid4().hex[:12]}"
    # A queue and cache keys of its own: batch #1's progress key is the same in every such run.
    env = {**_env(tmp_path), "REDIS_URL": REDIS_URL, "SHUNIU_JOB_QUEUE": queue, "SHUNIU_CACHE_PREFIX": queue}
    try:
        assert _shuniu(env, "migrate", "-v0").returncode == 0
        loaded = _shuniu(env, "shell", "-c", "from shuniu.regions.services import load_divisions; "
                         f"load_divisions({REGIONS}, levels=['province', 'city', 'county', 'street'], source='test')")
        assert loaded.returncode == 0, loaded.stderr
        path = write_xlsx(tmp_path / "orgs.xlsx", org_rows(30))
        queued = _shuniu(env, "shell", "-c", (
            "from shuniu.accounts.actors import SystemActor; from shuniu.imports import jobs, services; "
            "web = SystemActor('web'); "
            f"b = services.batch_preview_upload(actor=web, kind='orgs', path=__import__('pathlib').Path('{path}'), "
            "filename='orgs.xlsx'); jobs.submit_commit(b, web); print(b.pk, jobs.job_queue().count)"))
        assert queued.returncode == 0, queued.stderr
        assert queued.stdout.splitlines()[-1].split() == ["1", "1"]  # (after the shell's "objects imported")

        worker = subprocess.run([sys.executable, "-m", "shuniu.cli", "worker", "--burst"], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        assert worker.returncode == 0, worker.stderr

        assert _committed_batch_1(tmp_path / "db.sqlite3") == (("committed",), (30,))
        progress = _shuniu(env, "shell", "-c", "from shuniu.imports import jobs; print(jobs.progress_get(1)['stage'])")
        assert progress.stdout.splitlines()[-1] == "done", progress.stderr
    finally:
        for key in client.scan_iter(f"*{queue}*"):  # the queue's and the cache's keys
            client.delete(key)
