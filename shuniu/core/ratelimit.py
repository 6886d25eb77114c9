"""Counting what a user does in a time window, in Django's cache (Redis in production, shared by
every worker; the local-memory cache of one process otherwise), for the limits that need one.

A window opens at the first event counted and lasts ``window`` seconds; after ``limit`` events the
key is limited until the window ends. Because a window starts at an event, ``limit`` events late in
one window and ``limit`` early in the next are at least ``window`` seconds apart: within any span
shorter than the window at most ``2 * limit - 1`` events get through, whatever their timing (a
window fixed to the clock would let ``2 * limit`` through in one second across its boundary).

``distinct`` counts one value once per window: asking about the same ID number twice teaches
nothing new, and re-reading the same file (an import's preview, then its error file) must not use
up the allowance twice.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from shuniu.core.cache import cache_call


class RateLimited(PermissionDenied):
    """Too many events: the message says when to try again (the API answers 429, pages show it)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str  # what is counted, part of the cache key
    limit: int  # events allowed in one window
    window: int  # seconds

    def _key(self, who: str) -> str:
        return f"shuniu:ratelimit:{self.name}:{who}"

    def retry_after(self, who: str) -> int:
        """Seconds until ``who`` may act again: 0 when not limited."""
        key = self._key(who)
        found = cache_call(cache.get_many, [key, key + ":until"], default={}, what="rate limit")
        if int(found.get(key) or 0) < self.limit:
            return 0
        until = found.get(key + ":until")
        return max(1, math.ceil(until - time.time())) if until else self.window

    def hit(self, who: str, distinct: str = "") -> int:
        """Count one event of ``who`` (once per window for a ``distinct`` value); returns the count
        (0 when the cache is down: the limits are a second line behind the audit log, which records
        every event whatever the cache does)."""
        return int(cache_call(self._hit, who, distinct, default=0, what="rate limit"))

    def _hit(self, who: str, distinct: str) -> int:
        key = self._key(who)
        if distinct:
            mark = hashlib.sha256(distinct.encode()).hexdigest()[:32]
            if not cache.add(f"{key}:seen:{mark}", 1, self.window):
                return int(cache.get(key) or 0)
        for _attempt in range(3):
            if cache.add(key, 1, self.window):
                cache.set(key + ":until", time.time() + self.window, self.window)
                return 1
            try:
                return int(cache.incr(key))
            except ValueError:  # expired between add and incr: open a new window
                continue
        return int(cache.get(key) or 0)

    def reset(self, who: str) -> None:
        """Forget ``who``'s window (the ``distinct`` marks expire by themselves)."""
        cache_call(cache.delete_many, [self._key(who), self._key(who) + ":until"], always=True, what="rate limit")
