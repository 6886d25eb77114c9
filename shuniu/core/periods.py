"""Periods and deadlines: calendar days, or Chinese working days from the official calendar.

A deadline "within N working days" (5 working days of public notice, a reply "within 1 month")
counts the days the State Council's annual holiday notice makes working days: weekdays that are
not public holidays, plus the make-up Saturdays and Sundays (调休). The notice is published each
November or December for the next year; ``chinese_calendar`` (PyPI ``chinesecalendar``) carries
them. For a year it does not cover yet, Monday to Friday count, and ``calendar_known`` says so,
so that a page can show the deadline as provisional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import chinese_calendar


@cache
def _is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the published calendar does not cover yet
        return day.weekday() < 5


def calendar_known(day: dt.date) -> bool:
    """Whether the official holiday calendar covers ``day``'s year (else weekdays are assumed)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    return _is_workday(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted); 0 gives ``start``."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if _is_workday(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += _is_workday(day)
    return count


@dataclass(frozen=True)
class Deadline:
    """A time limit as a rule states it: N calendar days or N working days."""

    days: int
    working: bool = False

    def due(self, start: dt.date) -> dt.date:
        return add_working_days(start, self.days) if self.working else start + dt.timedelta(days=self.days)

    def label(self) -> str:
        from django.utils.translation import gettext as _

        return (_("%(n)s 个工作日") if self.working else _("%(n)s 日")) % {"n": self.days}
