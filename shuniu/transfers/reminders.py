"""The inbox's reminders from transfer letters: for the issuing side and the party orgs above it,
a letter inside the system expiring within 7 days or expired without receipt, and a letter sent
out of the system whose receipt has not come back within its validity. (The receiving side has
the letter itself in its inbox, as a case waiting on it, with the validity as its deadline.)"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.cases.selectors import held_q
from shuniu.transfers.models import LetterKind, LetterState, RelationLetter

EXPIRING_DAYS = 7  # DOMAIN.md §6 C, alerts: 「Letter expires within 7 days」
SOURCE = "《中国共产党党员教育管理工作条例》第二十五条"


def letter_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    issuing = held_q(scope, "from_org")
    if issuing is None:
        return Reminders(0, [])
    qs = (RelationLetter.objects.filter(issuing, state=LetterState.ISSUED,
                                        valid_until__lt=today + dt.timedelta(days=EXPIRING_DAYS + 1))
          .select_related("member", "to_org").order_by("valid_until", "id"))
    count = qs.count()
    items = []
    for letter in qs[:limit]:
        assert letter.valid_until is not None
        if letter.kind == LetterKind.OUTGOING:
            detail = _("转出介绍信 %(no)s 有效期至 %(d)s，尚未登记回执") % {"no": letter.number,
                                                                "d": letter.valid_until.isoformat()}
        elif letter.valid_until < today:
            detail = _("介绍信 %(no)s 已于 %(d)s 过期，“%(to)s”仍未接收：请联系接收方，或延期、撤回重开") % {
                "no": letter.number, "d": letter.valid_until.isoformat(), "to": letter.destination}
        else:
            detail = _("介绍信 %(no)s 将于 %(d)s 到期，“%(to)s”尚未接收") % {
                "no": letter.number, "d": letter.valid_until.isoformat(), "to": letter.destination}
        items.append(Reminder(rule_id="TRANSFER", title=_("组织关系转接：%(name)s") % {"name": letter.member.name},
                              detail=detail, due_on=letter.valid_until,
                              url=reverse("transfer_detail", args=[letter.pk]), source=SOURCE))
    return Reminders(count, items)
