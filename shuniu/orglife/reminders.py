"""The inbox's reminders of rule LIFE: what is missing this year, with the article.

* For every jurisdiction: the party orgs in scope that did not hold every required meeting of this
  year so far (their stored tallies: ``held`` < ``counted``), most behind first, each with the kinds
  and counts missing. Due on the last day of the last ended month (already missed, so overdue).
* For a party scope (a secretary, a committee): also the meetings its own party org must still hold in
  the current periods, due on each period's last day.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import add

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.orglife import compliance
from shuniu.orglife.models import KINDS, LifeTally
from shuniu.orglife.rules import CITE, KIND_SOURCE, kind_label
from shuniu.orglife.selectors import periods
from shuniu.party.models import PartyOrg


def _total(prefix: str) -> F:
    return reduce(add, [F(f"{prefix}_{kind}") for kind in KINDS])  # type: ignore[no-any-return]


def missing_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    if scope.kind == "none":
        return Reminders(0, [])
    compliance.ensure_current()
    qs = (LifeTally.objects.filter(year=today.year, party_org__in=scope.filter(PartyOrg.objects.all()))
          .alias(n_exp=_total("exp"), n_held=_total("held")).filter(n_held__lt=F("n_exp")))
    count = qs.count()
    items: list[Reminder] = []
    month_start = dt.date(today.year, today.month, 1)
    due = month_start - dt.timedelta(days=1) if month_start.year == today.year else None
    own = scope.party_path
    for t in (qs.select_related("party_org").annotate(gap=F("n_exp") - F("n_held"))
              .order_by("-gap", "party_org__name", "party_org_id")[:limit]):
        missing = [_("%(kind)s %(n)s 次") % {"kind": kind_label(k), "n": getattr(t, f"exp_{k}") - getattr(t, f"held_{k}")}
                   for k in KINDS if getattr(t, f"exp_{k}") > getattr(t, f"held_{k}")]
        items.append(Reminder(
            rule_id="LIFE", title=t.party_org.name,
            detail=_("%(y)s年以来未按规定召开：%(what)s") % {"y": today.year, "what": "、".join(missing)},
            due_on=due, url=reverse("life_org", args=[t.party_org_id]), source=str(CITE)))
    if scope.kind == "party" and own:
        party_org = PartyOrg.objects.filter(path=own, dissolved_on__isnull=True).first()
        if party_org is not None:
            for d in periods(party_org, today):
                if d.is_done:
                    continue
                count += 1
                items.append(Reminder(
                    rule_id="LIFE", title=_("%(period)s%(kind)s") % {"period": d.slot.label(), "kind": d.label},
                    detail=_("%(org)s 本期尚未召开，截止 %(end)s") % {"org": party_org.name, "end": d.slot.end.isoformat()},
                    due_on=d.slot.end, url=reverse("meeting_new") + f"?party_org={party_org.pk}&kinds={d.kind}",
                    source=str(KIND_SOURCE[d.kind])))
    return Reminders(count, items[:limit])
