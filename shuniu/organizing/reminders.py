"""The inbox's reminders from the party orgs' terms (rule TERM): a term ending within the notice
window (6 months by default: prepare the election), within the urgent window (90 days: start it),
or already ended. Read from the one ``term_end`` and ``term_alert`` of ``shuniu.party.terms``, with
the rule's settings of each party org's region."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.core.services import add_years
from shuniu.party.models import MAX_TERM_YEARS, NO_TERM_KINDS, PartyOrg
from shuniu.party.terms import OVERDUE, URGENT, add_months, term_alert, term_end
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

    A few queries however many there are: for each part of the country with its own TERM settings
    (usually one), a count, and for each term length the first ``limit`` by start (for one length
    the end follows the start), merged here and cut to ``limit``."""
    base = (scope.filter(PartyOrg.objects.filter(dissolved_on__isnull=True, term_years__isnull=False))
            .exclude(kind__in=NO_TERM_KINDS))
    count = 0
    found: list[tuple[dt.date, str, Any]] = []
    for part in current().partitions("TERM"):
        if not part.enabled:
            continue
        months, days = int(part.params["notice_months"]), int(part.params["urgent_days"])
        # The furthest end any window reaches (the urgent window may be set longer than the notice).
        last = max(add_months(today, months), today + dt.timedelta(days=days))
        where = base.filter(part.q())
        count += where.filter(reduce(or_, (_ends_by(last, y) for y in range(1, MAX_TERM_YEARS + 1)))).count()
        if not limit:
            continue
        for years in range(1, MAX_TERM_YEARS + 1):
            rows = (where.filter(_ends_by(last, years))
                    .annotate(start=Coalesce("term_started_on", "established_on"))
                    .order_by("start", "pk")
                    .only("id", "name", "kind", "term_years", "term_started_on", "established_on")[:limit])
            for party_org in rows:
                end = term_end(party_org)
                state = term_alert(end, today, notice_months=months, urgent_days=days)
                if state is not None and end is not None:
                    found.append((end, state, party_org))
    found.sort(key=lambda f: (f[0], f[2].pk))
    items = [Reminder(rule_id="TERM", title=party_org.name, detail=_(_TITLES[state]) % {"end": end.isoformat()},
                      due_on=end, url=reverse("party_detail", args=[party_org.pk]),
                      source=_("党章第三十一条；《关于基层党组织任期的意见》"))
             for end, state, party_org in found[:limit]]
    return Reminders(count, items)
