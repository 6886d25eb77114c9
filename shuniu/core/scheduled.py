"""Jobs that ``shuniu scheduler`` runs on each of its rounds besides its own (the coverage snapshot),
registered by the apps that own them.

The scheduler lives in ``coverage``; the apps above it (organizational life...) may not be imported
from there (import-linter layers). Each registers its job here in its ``AppConfig.ready``, the same
way the trackers are installed in ``shuniu.core.derived``: ``register(name, fn)``, where ``fn()``
does what is due (nothing when nothing is) and returns a line to print, or None.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], str | None]
_jobs: dict[str, Job] = {}


def register(name: str, fn: Job) -> None:
    """Run ``fn`` on each round of the scheduler; registering a name again replaces its job."""
    _jobs[name] = fn


def jobs() -> list[tuple[str, Job]]:
    return sorted(_jobs.items())


def run_all() -> list[tuple[str, str]]:
    """Run every registered job once, in the order of their names; a job that fails is logged and
    reported, and the others still run. Returns (name, what it printed) for the jobs that did something."""
    out: list[tuple[str, str]] = []
    for name, fn in jobs():
        try:
            result = fn()
        except Exception as exc:  # one app's failure must not stop the others' jobs
            log.exception("scheduled job %s failed", name)
            out.append((name, f"failed: {exc}"))
            continue
        if result:
            out.append((name, result))
    return out
