"""The current term of a party org (rule TERM): when it ends. The one definition, read by the
party-org page, the API, the rule TERM and the workflows."""

from __future__ import annotations

import datetime as dt

from shuniu.core.services import add_years
from shuniu.party.models import NO_TERM_KINDS, PartyOrg


def term_end(party_org: PartyOrg) -> dt.date | None:
    """The day the current term ends: its start (the establishment if none is recorded) plus its
    length; None for a party org without an elected term (a temporary branch, DOMAIN.md §6 D)."""
    if party_org.kind in NO_TERM_KINDS or party_org.term_years is None:
        return None
    return add_years(party_org.term_started_on or party_org.established_on, party_org.term_years)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier); a day the month lacks becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


# The alert windows of rule TERM (DOMAIN.md §6 D: 6 and 3 months before expiry [L]): the values
# come from the rule's settings (``notice_months``, ``urgent_days``).
OVERDUE, URGENT, NOTICE = "overdue", "urgent", "notice"


def term_alert(end: dt.date | None, today: dt.date, *, notice_months: int, urgent_days: int) -> str | None:
    """Which TERM window a term ending on ``end`` is in on ``today``: ``OVERDUE`` (ended),
    ``URGENT`` (within ``urgent_days``: start the election), ``NOTICE`` (within ``notice_months``:
    prepare it), or None (no term, or further off)."""
    if end is None:
        return None
    if end < today:
        return OVERDUE
    if end <= today + dt.timedelta(days=urgent_days):
        return URGENT
    if end <= add_months(today, notice_months):
        return NOTICE
    return None
