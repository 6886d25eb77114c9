"""The inbox's reminders from the party orgs' terms (rule TERM): a term ending within the notice
window (6 months by default: prepare the election), within the urgent window (90 days: start it),
or already ended. Read from the one ``term_end`` and ``term_alert`` of ``shuniu.party.terms``, with
the rule's settings of each party org's region."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.core.services import add_years
from shuniu.party.models import MAX_TERM_YEARS, NO_TERM_KINDS, PartyOrg
from shuniu.party.terms import OVERDUE, URGENT, add_months, term_alert
from shuniu.rulesettings.selectors import current

_TITLES = {OVERDUE: gettext_noop("任期已于 %(end)s 届满，应尽快换届"),
           URGENT: gettext_noop("任期将于 %(end)s 届满，应启动换届"),
           "notice": gettext_noop("任期将于 %(end)s 届满，请做好换届准备")}


def _ends_by(last: dt.date, years: int) -> Q:
    """Terms of ``years`` that end by ``last``: those that started by ``last`` minus their length."""
    start_by = add_years(last, -years)
    return Q(term_years=years) & (Q(term_started_on__lte=start_by)
                                  | Q(term_started_on__isnull=True, established_on__lte=start_by))


def term_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    """The party orgs in scope whose term is in a TERM window, soonest end first.

    One query however large the jurisdiction: the party orgs whose term ends by the furthest
    window any part of the country sets, read as plain values; each is then judged with the TERM
    settings of its region (usually the country's) by the one ``term_alert``."""
    settings = current()
    parts = [p for p in settings.partitions("TERM") if p.enabled]
    if not parts:
        return Reminders(0, [])
    # The furthest end any window reaches (an urgent window may be set longer than the notice one).
    last = max(max(add_months(today, int(p.params["notice_months"])),
                   today + dt.timedelta(days=int(p.params["urgent_days"]))) for p in parts)
    rows = (scope.filter(PartyOrg.objects.filter(dissolved_on__isnull=True, term_years__isnull=False))
            .exclude(kind__in=NO_TERM_KINDS)
            .filter(reduce(or_, (_ends_by(last, y) for y in range(1, MAX_TERM_YEARS + 1))))
            .values_list("pk", "name", "region_id", "term_years", "term_started_on", "established_on"))
    params: dict[str, tuple[bool, int, int]] = {}
    found: list[tuple[dt.date, int, str, str]] = []
    for pk, name, region, years, started, established in rows.iterator(chunk_size=2000):
        if region not in params:
            values = settings.params("TERM", region)
            params[region] = (settings.enabled("TERM", region), int(values["notice_months"]),
                              int(values["urgent_days"]))
        on, months, days = params[region]
        end = add_years(started or established, years or 0)  # term_years is not null here (filtered)
        state = term_alert(end, today, notice_months=months, urgent_days=days) if on else None
        if state is not None:
            found.append((end, pk, name, state))
    found.sort()
    items = [Reminder(rule_id="TERM", title=name, detail=_(_TITLES[state]) % {"end": end.isoformat()},
                      due_on=end, url=reverse("party_detail", args=[pk]),
                      source=_("党章第三十一条；《关于基层党组织任期的意见》"))
             for end, pk, name, state in found[:limit]]
    return Reminders(len(found), items)
