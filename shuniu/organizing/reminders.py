"""The inbox's reminders from the party orgs' terms (rule TERM): a term ending within the notice
window (6 months by default: prepare the election), within the urgent window (90 days: start it),
or already ended. Read from the one ``term_end`` and ``term_alert`` of ``shuniu.party.terms``, with
the rule's settings of each party org's region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
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


def _window(today: dt.date) -> dt.date:
    """The latest term end any place's notice window reaches today (the superset to read)."""
    months = [current().value("TERM", "notice_months", "")]
    months += list(current().overrides("TERM", "notice_months").values())
    return add_months(today, max(int(m) for m in months))


def term_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    settings = current()
    if not any(settings.enabled("TERM", r) for r in ["", *settings.regions("TERM")]):
        return Reminders(0, [])
    last = _window(today)
    # A term ends by ``last`` when it started by ``last`` minus its length: one condition per length.
    ends_by = Q()
    for years in range(1, MAX_TERM_YEARS + 1):
        start_by = add_years(last, -years)
        ends_by |= Q(term_years=years) & (Q(term_started_on__lte=start_by)
                                          | Q(term_started_on__isnull=True, established_on__lte=start_by))
    qs = (scope.filter(PartyOrg.objects.filter(dissolved_on__isnull=True, term_years__isnull=False))
          .exclude(kind__in=NO_TERM_KINDS).filter(ends_by)
          .only("id", "name", "kind", "term_years", "term_started_on", "established_on", "region_id"))
    found: list[tuple[dt.date, str, Any]] = []
    params: dict[str, tuple[bool, int, int]] = {}
    for party_org in qs.iterator(chunk_size=2000):
        region = party_org.region_id
        if region not in params:
            values = settings.params("TERM", region)
            params[region] = (settings.enabled("TERM", region), int(values["notice_months"]), int(values["urgent_days"]))
        on, months, days = params[region]
        end = term_end(party_org)
        state = term_alert(end, today, notice_months=months, urgent_days=days) if on else None
        if state is not None and end is not None:
            found.append((end, state, party_org))
    found.sort(key=lambda f: (f[0], f[2].pk))
    items = [Reminder(rule_id="TERM", title=party_org.name, detail=_(_TITLES[state]) % {"end": end.isoformat()},
                      due_on=end, url=reverse("party_detail", args=[party_org.pk]), source=_("党章第三十一条；《关于基层党组织任期的意见》"))
             for end, state, party_org in found[:limit]]
    return Reminders(len(found), items)
