"""Committing an uploaded import in the background, with its progress in the cache.

The embedded queue is one worker thread in the web process (imports are written one at a time,
which SQLite needs anyway); the progress is kept in Django's cache, so with REDIS_URL every web
worker sees it. A commit requested inside a transaction (a test, or ATOMIC_REQUESTS) runs at once
instead: another thread could not see the rows of that transaction.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from shuniu.imports.models import BatchStatus, ImportBatch

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
PROGRESS_TTL = 3600


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


def is_running(batch: ImportBatch) -> bool:
    state = progress_get(batch.pk)
    return batch.status == BatchStatus.PREVIEW and state is not None and state["stage"] not in ("done", "failed")


def stored_file(batch: ImportBatch) -> Path:
    return Path(batch.stored_path)
