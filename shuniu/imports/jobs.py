"""Committing an uploaded import in the background, with its progress in the cache.

Two queues. Embedded (the default): one worker thread in the web process (imports are written one
at a time, which SQLite needs anyway). With ``REDIS_URL``: an RQ queue in Redis, whose jobs a
separate process runs (``shuniu worker``), so that a web worker's restart or timeout does not cut an
import short and imports do not take the web server's memory. Either way the progress is kept in
Django's cache, which is Redis too when ``REDIS_URL`` is set, so every web worker sees it. A commit
requested inside a transaction (a test, or ATOMIC_REQUESTS) runs at once instead: another thread
or process could not see the rows of that transaction.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import close_old_connections, connection

from shuniu.imports.models import BatchStatus, ImportBatch

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
PROGRESS_TTL = 3600
DEFAULT_QUEUE = "shuniu-imports"
# An RQ job is stopped (and its transaction rolled back) after this long; 100,000 rows take seconds.
JOB_TIMEOUT = 3600


def _key(batch_id: int) -> str:
    return f"shuniu:import:{batch_id}:progress"


def progress_set(batch_id: int, stage: str, percent: int, message: str = "") -> None:
    cache.set(_key(batch_id), {"stage": stage, "percent": percent, "message": message}, PROGRESS_TTL)


def progress_get(batch_id: int) -> dict[str, Any] | None:
    return cache.get(_key(batch_id))


def commit_batch(batch_id: int, actor: Any) -> None:
    """Validate the stored file again (the database may have changed since the preview) and commit."""
    from shuniu.imports.services import batch_commit_stored

    try:
        progress_set(batch_id, "validating", 10)
        batch_commit_stored(actor=actor, batch=ImportBatch.objects.get(pk=batch_id),
                            on_progress=lambda stage, pct: progress_set(batch_id, stage, pct))
        progress_set(batch_id, "done", 100)
    except ValidationError as exc:
        progress_set(batch_id, "failed", 100, "; ".join(exc.messages))
    except Exception as exc:  # reported on the page; the transaction has rolled back
        log.exception("import batch %s failed", batch_id)
        progress_set(batch_id, "failed", 100, str(exc))


def submit_commit(batch: ImportBatch, actor: Any) -> None:
    if connection.in_atomic_block:
        commit_batch(batch.pk, actor)
        return
    if redis_url():
        progress_set(batch.pk, "queued", 0)
        job_queue().enqueue_call(run_queued_commit, args=(batch.pk, _actor_ref(actor)), timeout=JOB_TIMEOUT,
                                 description=f"import batch #{batch.pk}", result_ttl=PROGRESS_TTL,
                                 failure_ttl=7 * 86400)
        return
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shuniu-import")
    progress_set(batch.pk, "queued", 0)
    _executor.submit(_run_in_thread, batch.pk, actor)


def _run_in_thread(batch_id: int, actor: Any) -> None:
    close_old_connections()
    try:
        commit_batch(batch_id, actor)
    finally:
        connection.close()


# ---- the Redis queue (RQ) -------------------------------------------------------------------------

def redis_url() -> str:
    return getattr(settings, "REDIS_URL", "") or ""


def queue_name() -> str:
    """The RQ queue: ``SHUNIU_JOB_QUEUE`` (a setting or the environment; instances sharing one
    Redis need different names), else "shuniu-imports"."""
    return getattr(settings, "SHUNIU_JOB_QUEUE", "") or os.environ.get("SHUNIU_JOB_QUEUE", "") or DEFAULT_QUEUE


def job_queue() -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(queue_name(), connection=Redis.from_url(redis_url()))


def _actor_ref(actor: Any) -> int | str:
    """What a queued job carries of its actor: a user's id, or a system actor's label."""
    from shuniu.accounts.actors import SystemActor, require_actor

    actor = require_actor(actor)
    if isinstance(actor, SystemActor):
        return actor.label
    return int(actor.pk)


def run_queued_commit(batch_id: int, actor_ref: int | str) -> None:
    """An RQ job (run by ``shuniu worker``): commit one previewed batch."""
    from django.contrib.auth import get_user_model

    from shuniu.accounts.actors import SystemActor

    close_old_connections()
    try:
        actor: Any = SystemActor(str(actor_ref))
        if isinstance(actor_ref, int):
            actor = get_user_model().objects.get(pk=actor_ref)
        commit_batch(batch_id, actor)
    finally:
        connection.close()


def worker_run(*, burst: bool = False, fork: bool = True, with_scheduler: bool = False) -> bool:
    """Run an RQ worker on the import queue: until stopped, or with ``burst`` until the queue is
    empty. By default each job runs in a forked child (an import's memory is returned when it
    ends, and a crash cannot take the worker down); ``fork=False`` runs jobs in this process."""
    from rq import SimpleWorker, Worker

    if not redis_url():
        raise ImproperlyConfigured("REDIS_URL is not set: imports run in the web process, no worker is needed")
    # The worker's parent process must not keep a database connection a forked job would inherit.
    close_old_connections()
    connection.close()
    queue = job_queue()
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class([queue], connection=queue.connection)
    return bool(worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO"))


def is_running(batch: ImportBatch) -> bool:
    state = progress_get(batch.pk)
    return batch.status == BatchStatus.PREVIEW and state is not None and state["stage"] not in ("done", "failed")


def stored_file(batch: ImportBatch) -> Path:
    return Path(batch.stored_path)
