"""The to-do inbox (待办): what waits on a user, from every app, in one list.

Two kinds of entry: the cases waiting on the user (``selectors.waiting_on_me``), and reminders
that an app derives from its data (a term ending, a letter expiring), each with a due date and
the rule it comes from. An app adds reminders with ``register(name, source)``; a source returns
the number of its reminders in a jurisdiction and a page of them, most urgent first, so that the
inbox stays a few queries however large the jurisdiction is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from shuniu.accounts.scopes import Scope


@dataclass(frozen=True)
class Reminder:
    rule_id: str
    title: str
    detail: str
    due_on: dt.date | None
    url: str
    source: str

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class Reminders:
    count: int
    items: list[Reminder]


Source = Callable[[Scope, dt.date, int], Reminders]

_SOURCES: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _SOURCES[name] = source


def reminders(scope: Scope, today: dt.date, limit: int = 50) -> Reminders:
    """Every source's reminders in the jurisdiction, most urgent first, at most ``limit`` of them."""
    count = 0
    items: list[Reminder] = []
    for source in _SOURCES.values():
        got = source(scope, today, limit)
        count += got.count
        items.extend(got.items)
    items.sort(key=lambda r: (r.due_on or dt.date.max, r.title))
    return Reminders(count, items[:limit])
