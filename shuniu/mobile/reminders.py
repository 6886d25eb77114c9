"""The inbox's reminders of rule MOBILE: a member away at a relatively fixed place for 6 months or
more must transfer the relation (EDU 2019 art. 25). The branch holding the relation and its
superiors see them (the outflow's scope); due on the day the limit was reached."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.mobile.models import Outflow
from shuniu.mobile.rules import TRANSFER_SOURCE, months
from shuniu.mobile.selectors import over_limit_ids
from shuniu.party.terms import add_months
from shuniu.rulesettings.selectors import current


def over_limit_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    own = scope.filter(Outflow.objects.filter(ended_on__isnull=True, member__ended_on__isnull=True))
    found = over_limit_ids(own, today)
    if not found:
        return Reminders(0, [])
    settings = current()
    rows = (Outflow.objects.filter(pk__in=found).select_related("member")
            .order_by("since", "id")[:limit])
    items = []
    for o in rows:
        due = add_months(o.since, months(str(o.member.region_id), settings))
        items.append(Reminder(
            rule_id="MOBILE", title=o.member.name,
            detail=_("自 %(since)s 在“%(place)s”（地点相对固定）已满 %(n)s 个月，应转移组织关系") % {
                "since": o.since.isoformat(), "place": o.destination, "n": months(str(o.member.region_id), settings)},
            due_on=due, url=reverse("mobile_list") + "?finding=over_limit", source=TRANSFER_SOURCE))
    return Reminders(len(found), items)
