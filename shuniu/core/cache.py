"""Django's cache asked so that a cache down or stalled (Redis) costs a request little.

Everything kept in the cache is an optimisation or a second line of defence (the API token cache,
the API rate per token, the limit on refused ID numbers); the database and the audit log are the
truth. So a cache error is logged and answered with a default, and for ``RETRY_SECONDS`` after an
error this process does not ask the cache at all: a stalled Redis then costs one request its socket
timeout (SHUNIU_REDIS_TIMEOUT), not every request, and not once for each of the cache operations a
request makes (the token, then the rate counter...). Deletions that must be tried (a revoked token's
entry) pass ``always``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 10.0
_down_until = 0.0


def cache_call(operation: Callable[..., T], *args: Any, default: Any = None, always: bool = False,
               what: str = "") -> T | Any:
    """``operation(*args)``, or ``default`` when the cache fails now or failed less than
    RETRY_SECONDS ago (any exception: each cache backend raises its own client's errors)."""
    global _down_until
    if not always and time.monotonic() < _down_until:
        return default
    try:
        return operation(*args)
    except Exception:
        _down_until = time.monotonic() + RETRY_SECONDS
        log.exception("%s unavailable: the cache is unavailable; going on without it",
                      what or getattr(operation, "__name__", operation))
        return default


def forget_failures() -> None:
    """Ask the cache again at once (another cache was configured: its health is unknown)."""
    global _down_until
    _down_until = 0.0
