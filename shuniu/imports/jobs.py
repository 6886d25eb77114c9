"""Committing an uploaded import in the background, with its progress in the cache.

Two queues. Embedded (the default): one worker thread in the web process (imports are written one
at a time, which SQLite needs anyway). With ``REDIS_URL``: an RQ queue in Redis, whose jobs a
separate process runs (``shuniu worker``), so that a web worker's restart or timeout does not cut an
import short and imports do not take the web server's memory. Either way the progress is kept in
Django's cache, which is Redis too when ``REDIS_URL`` is set, so every web worker sees it. A commit
requested inside a transaction (a test, or ATOMIC_REQUESTS) runs at once instead: another thread
or process could not see the rows of that transaction.

A running commit refreshes a heartbeat in its progress entry. One whose heartbeat is older than
``SHUNIU_IMPORT_HEARTBEAT_TIMEOUT`` (its worker was killed, the machine restarted) is reported as
failed, and the batch may be committed again: nothing of it was written, since a commit is one
transaction. Redis calls have socket timeouts (``SHUNIU_REDIS_*``); when the queue or the cache
cannot be reached, these functions raise ``QueueUnavailable`` and the pages answer 503.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _

from shuniu.imports.models import BatchStatus, ImportBatch

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
PROGRESS_TTL = 3600
DEFAULT_QUEUE = "shuniu-imports"
# An RQ job is stopped (and its transaction rolled back) after this long; 100,000 rows take seconds.
JOB_TIMEOUT = 3600
FINAL = ("done", "failed")
# RQ job states in which a queued commit is still on its way.
_ALIVE = ("queued", "started", "deferred", "scheduled")


class QueueUnavailable(Exception):
    """Redis (the job queue or the cache holding the progress) cannot be reached."""


@contextmanager
def _redis_calls() -> Iterator[None]:
    """Redis errors (refused, timed out) as ``QueueUnavailable``; other caches raise none."""
    from redis.exceptions import RedisError

    try:
        yield
    except (RedisError, OSError) as exc:
        log.warning("job queue unavailable: %s", exc)
        raise QueueUnavailable(str(exc)) from exc


def _key(batch_id: int) -> str:
    return f"shuniu:import:{batch_id}:progress"


def progress_set(batch_id: int, stage: str, percent: int, message: str = "", **extra: Any) -> None:
    with _redis_calls():
        cache.set(_key(batch_id), {"stage": stage, "percent": percent, "message": message, "beat": time.time(),
                                   **extra}, PROGRESS_TTL)


def progress_get(batch_id: int) -> dict[str, Any] | None:
    with _redis_calls():
        return cache.get(_key(batch_id))


def heartbeat_timeout() -> float:
    return float(settings.SHUNIU_IMPORT_HEARTBEAT_TIMEOUT)


class _Heartbeat:
    """The progress of a running commit, written again every few seconds with a fresh ``beat``
    by a thread of its own, until ``stop``."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.state: tuple[str, int] = ("validating", 10)
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"shuniu-import-{batch_id}-heartbeat")

    def set(self, stage: str, percent: int) -> None:
        with self.lock:
            self.state = (stage, percent)
            self._write()

    def _write(self) -> None:
        # When Redis cannot be reached the next beat tries again; the commit itself goes on.
        with suppress(QueueUnavailable):
            progress_set(self.batch_id, *self.state)

    def _run(self) -> None:
        interval = max(0.2, heartbeat_timeout() / 4)
        while not self.stopped.wait(interval):
            with self.lock:
                if not self.stopped.is_set():
                    self._write()

    def __enter__(self) -> _Heartbeat:
        self.set(*self.state)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.stopped.set()
        self.thread.join()


def commit_batch(batch_id: int, actor: Any) -> None:
    """Validate the stored file again (the database may have changed since the preview) and commit."""
    from shuniu.imports.services import batch_commit_stored

    try:
        with _Heartbeat(batch_id) as beat:
            batch_commit_stored(actor=actor, batch=ImportBatch.objects.get(pk=batch_id), on_progress=beat.set)
        outcome = ("done", 100, "")
    except ValidationError as exc:
        committed = ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.COMMITTED).exists()
        # A second run of a batch another run has committed (after a stalled heartbeat) changes nothing.
        outcome = ("done", 100, "") if committed else ("failed", 100, "; ".join(exc.messages))
    except Exception as exc:  # reported on the page; the transaction has rolled back
        log.exception("import batch %s failed", batch_id)
        outcome = ("failed", 100, str(exc))
    try:
        progress_set(batch_id, *outcome)
    except QueueUnavailable:
        log.error("import batch %s: %s, but its progress could not be recorded", batch_id, outcome[0])


def submit_commit(batch: ImportBatch, actor: Any) -> None:
    """Commit the batch in the background (at once inside a transaction); ``QueueUnavailable``
    when Redis cannot be reached, before anything is queued."""
    if connection.in_atomic_block:
        commit_batch(batch.pk, actor)
        return
    if redis_url():
        # The job's id is in the progress before the job is in the queue: a worker may start it at once.
        job_id = f"shuniu-import-{batch.pk}-{uuid.uuid4().hex[:12]}"
        with _redis_calls():
            queue = job_queue()
            progress_set(batch.pk, "queued", 0, job=job_id)
            queue.enqueue_call(run_queued_commit, args=(batch.pk, _actor_ref(actor)), timeout=JOB_TIMEOUT,
                               description=f"import batch #{batch.pk}", result_ttl=PROGRESS_TTL,
                               failure_ttl=7 * 86400, job_id=job_id)
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

    # Bounded waits for the web process; ``shuniu worker`` raises the read timeout above its own
    # blocking wait for jobs (rq.Worker does).
    return Queue(queue_name(), connection=Redis.from_url(
        redis_url(), socket_connect_timeout=settings.SHUNIU_REDIS_CONNECT_TIMEOUT,
        socket_timeout=settings.SHUNIU_REDIS_TIMEOUT))


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


def progress_state(batch: ImportBatch) -> dict[str, Any] | None:
    """The batch's commit progress as the pages show it. A commit whose job is gone (its heartbeat
    stopped, or its queued job no longer in the queue) is reported, and recorded, as failed."""
    state = progress_get(batch.pk)
    if state is None or batch.status != BatchStatus.PREVIEW or state["stage"] in FINAL or not _stalled(state):
        return state
    # Read again: the commit may have ended while its job was looked up.
    state = progress_get(batch.pk)
    if state is None or state["stage"] in FINAL or not _stalled(state):
        return state
    log.warning("import batch %s: its commit stopped without a word (%s); reported as failed", batch.pk, state)
    message = _("导入进程已中断，未写入任何数据，可重新提交")
    progress_set(batch.pk, "failed", 100, message, interrupted=True)
    return {**state, "stage": "failed", "percent": 100, "message": message, "interrupted": True}


def _stalled(state: dict[str, Any]) -> bool:
    if state["stage"] == "queued":
        # Waiting in the queue beats nothing (the worker may be busy with another import): the job
        # itself tells whether it is still on its way. The embedded queue lives and dies with
        # this process, and its progress with it.
        return bool(state.get("job")) and _job_gone(state["job"])
    return time.time() - float(state.get("beat", 0)) > heartbeat_timeout()


def _job_gone(job_id: str) -> bool:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    with _redis_calls():
        try:
            status = Job.fetch(job_id, connection=job_queue().connection).get_status()
        except NoSuchJobError:
            return True
    return status is None or str(getattr(status, "value", status)) not in _ALIVE


def is_running(batch: ImportBatch, state: dict[str, Any] | None = None) -> bool:
    """A commit of the batch is queued or under way (``state``: its ``progress_state``, if read)."""
    if state is None:
        state = progress_state(batch)
    return batch.status == BatchStatus.PREVIEW and state is not None and state["stage"] not in FINAL


# ---- stale uploads ---------------------------------------------------------------------------------

_last_sweep = 0.0
SWEEP_EVERY = 60.0  # seconds; a sweep lists the folder and looks up the batches of old files


def uploads_sweep(*, force: bool = False) -> list[Path]:
    """Remove uploaded files older than SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS (previews never
    committed, files whose batch had errors, leftovers of an interrupted upload), except the file
    of a batch whose commit is under way. A younger file is never removed. Returns what was
    removed; runs at most once a minute per process unless ``force``."""
    global _last_sweep
    from shuniu.imports.services import upload_folder

    now = time.time()
    if not force and now - _last_sweep < SWEEP_EVERY:
        return []
    _last_sweep = now
    folder = upload_folder()
    if not folder.is_dir():
        return []
    cutoff = now - float(settings.SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS) * 3600
    removed = []
    queue_down = False
    for path in folder.iterdir():
        try:
            if not path.is_file() or path.stat().st_mtime > cutoff:
                continue
        except OSError:
            continue  # removed meanwhile
        previews = ImportBatch.objects.filter(stored_path=str(path), status=BatchStatus.PREVIEW)
        try:
            # When the queue cannot tell whether a preview's commit is under way, its file stays
            # until a later sweep (and the queue is not asked again: each try may cost a timeout).
            running = (queue_down and previews.exists()) or any(is_running(b) for b in previews)
        except QueueUnavailable:
            queue_down = running = True
        if not running:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.info("removed %s stale upload(s) from %s", len(removed), folder)
    return removed
