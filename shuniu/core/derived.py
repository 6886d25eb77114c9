"""Derived figures kept in step with the writes that change them, without the writing apps
importing the app that computes them.

The registry and party services change what the coverage statuses and rollups are computed from;
the coverage app, above them, computes those. A service opens ``track()`` around its writes and
names the rows it touches; the coverage app installs its engine here when Django starts
(``CoverageConfig.ready``), so that the lower apps depend on this protocol only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
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


# Each app that keeps derived figures installs one tracker factory under its name (coverage, then
# org life); installing again under the same name replaces it (a module reloaded in tests).
_installed: dict[str, Callable[[], AbstractContextManager[Tracker]]] = {}


def install(factory: Callable[[], AbstractContextManager[Tracker]], name: str = "coverage") -> None:
    _installed[name] = factory


class _Both:
    """The trackers of every installed app, told the same rows."""

    def __init__(self, trackers: list[Tracker]) -> None:
        self.trackers = trackers

    def touch(self, *, orgs: Iterable[int | None] = (), party_orgs: Iterable[int | None] = (),
              members: Iterable[int | None] = ()) -> None:
        orgs, party_orgs, members = list(orgs), list(party_orgs), list(members)
        for tracker in self.trackers:
            tracker.touch(orgs=orgs, party_orgs=party_orgs, members=members)

    def created(self, *, orgs: Iterable[int] = (), party_orgs: Iterable[int] = (),
                members: Iterable[int] = ()) -> None:
        orgs, party_orgs, members = list(orgs), list(party_orgs), list(members)
        for tracker in self.trackers:
            tracker.created(orgs=orgs, party_orgs=party_orgs, members=members)


@contextmanager
def _all() -> Iterator[Tracker]:
    # Entered in the order installed and left in reverse: org life's figures are recomputed before
    # coverage's, both inside the writing transaction.
    with ExitStack() as stack:
        yield _Both([stack.enter_context(factory()) for factory in _installed.values()])


def track() -> AbstractContextManager[Tracker]:
    """Keep the derived figures in step with the writes made inside the block (one transaction)."""
    if "coverage" not in _installed:
        raise ImproperlyConfigured("no tracker of derived figures is installed: add shuniu.coverage to INSTALLED_APPS")
    if len(_installed) == 1:
        return _installed["coverage"]()
    return _all()
