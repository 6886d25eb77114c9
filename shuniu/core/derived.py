"""Derived figures kept in step with the writes that change them, without the writing apps
importing the app that computes them.

The registry and party services change what the coverage statuses and rollups are computed from;
the coverage app, above them, computes those. A service opens ``track()`` around its writes and
names the rows it touches; the coverage app installs its engine here when Django starts
(``CoverageConfig.ready``), so that the lower apps depend on this protocol only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

# Sent by the tracker inside the writing transaction, after the statuses and member counts of the
# orgs named ``org_ids`` were recomputed: the processes that start from a change of an org (the
# establishment case at registration, the change report at deregistration) listen here, so that
# every way of writing (page, API, import, command) starts them.
orgs_refreshed = Signal()


class Tracker(Protocol):
    def touch(self, *, orgs: Iterable[int | None] = (), party_orgs: Iterable[int | None] = (),
              members: Iterable[int | None] = ()) -> None:
        """Name rows about to change."""

    def created(self, *, orgs: Iterable[int] = (), party_orgs: Iterable[int] = (),
                members: Iterable[int] = ()) -> None:
        """Name rows just created."""


_installed: list[Callable[[], AbstractContextManager[Tracker]]] = []


def install(factory: Callable[[], AbstractContextManager[Tracker]]) -> None:
    _installed[:] = [factory]


def track() -> AbstractContextManager[Tracker]:
    """Keep the derived figures in step with the writes made inside the block (one transaction)."""
    if not _installed:
        raise ImproperlyConfigured("no tracker of derived figures is installed: add shuniu.coverage to INSTALLED_APPS")
    return _installed[0]()
