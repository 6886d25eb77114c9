"""Writes of relation transfers: a letter inside the system (a case: ``letters``), a letter sent to a
party org outside the system, one received from outside, the receipt of a letter sent out, and the
transfers of a dissolved party org's members opened in one action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.actors import Actor, user_of
from shuniu.accounts.scopes import check_write
from shuniu.audit.services import record
from shuniu.cases.models import Case
from shuniu.cases.services import case_open
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors, as_date, not_before, not_in_future, require
from shuniu.party.models import EndReason, MemberStatus, PartyMember, PartyOrg
from shuniu.party.services import member_create, member_end, relation_move
from shuniu.transfers.letters import KIND, MAX_VALID_DAYS, clean_letter, clean_terms, one_letter_at_a_time, open_letter
from shuniu.transfers.models import LetterKind, LetterState, RelationLetter, TransferBatch


def _text(errors: Errors, field: str, value: Any, label: str, *, required: bool = True, limit: int = 200) -> str:
    text = str(value or "").strip()
    if required:
        require(errors, field, text, label)
    if len(text) > limit:
        errors.add(field, _("%(label)s过长（规则：不超过 %(n)s 个字符）") % {"label": label, "n": limit}, "max_length")
    return text[:limit]


def _day(errors: Errors, field: str, value: Any, label: str) -> dt.date | None:
    day = as_date(errors, field, value, label)
    require(errors, field, day, label)
    not_in_future(errors, field, day, label)
    return day


@transaction.atomic
def letter_issue(*, actor: Actor, member: PartyMember, to_org: PartyOrg, reason: str = "", dues_paid_to: str = "",
                 valid_days: int | None = None, to_workplace: Any = None, batch: TransferBatch | None = None,
                 is_demo: bool = False) -> Case:
    """Issue a letter inside the system at once: a transfer case opened and submitted (its checks
    are the kind's: ``letters.clean``)."""
    data: dict[str, Any] = {"to_org": to_org.pk, "reason": reason, "dues_paid_to": dues_paid_to}
    if valid_days is not None:
        data["valid_days"] = valid_days
    if to_workplace is not None:
        data["to_workplace"] = getattr(to_workplace, "pk", to_workplace)
    case = case_open(actor=actor, kind=KIND, member=member, data=data, submit=True, is_demo=is_demo,
                     origin=f"batch:{batch.pk}:{member.pk}" if batch is not None else "")
    if batch is not None:
        RelationLetter.objects.filter(case=case).update(batch=batch)
    return case


@transaction.atomic
def outgoing_record(*, actor: Actor, member: PartyMember, number: str, to_elsewhere: str, issued_on: Any,
                    reason: str = "", dues_paid_to: str = "", valid_days: Any = None, is_demo: bool = False
                    ) -> RelationLetter:
    """Record a letter to a party org outside the system (another system, or a paper letter): the
    member leaves this roster on the issue date, marked as transferred out; the history keeps where
    the relation went. The receipt (回执) is recorded when it comes back (``outgoing_receipt``)."""
    check_write(actor, member, member.relation_org)
    errors = Errors()
    out = clean_letter(errors, member, {"reason": reason, "dues_paid_to": dues_paid_to, "valid_days": valid_days},
                       region=member.region_id)
    no = _text(errors, "number", number, _("介绍信编号"), limit=40)
    where = _text(errors, "to_elsewhere", to_elsewhere, _("去往党组织"))
    day = _day(errors, "issued_on", issued_on, _("开具日期"))
    one_letter_at_a_time(errors, member)
    errors.raise_if_any()
    assert day is not None
    letter = RelationLetter.objects.create(
        kind=LetterKind.OUTGOING, state=LetterState.ISSUED, member=member, number=no, from_org=member.relation_org,
        to_elsewhere=where, reason=out["reason"], dues_paid_to=out["dues_paid_to"], issued_on=day,
        valid_days=out["valid_days"], valid_until=day + dt.timedelta(days=out["valid_days"]), is_demo=is_demo)
    label = _("转出至系统外：%(to)s（介绍信 %(no)s）") % {"to": where, "no": no}
    # Checked above for the actor; once the relation is outside, the member is no longer held by the
    # party org, so the two writes are made on the actor's behalf.
    on_behalf = SystemActor(_("%(who)s（转出介绍信 %(no)s）") % {"who": actor_label(actor), "no": no})
    relation_move(actor=on_behalf, member=member, on=day, to_elsewhere=where, reason=label)
    member.refresh_from_db()
    member_end(actor=on_behalf, member=member, on=day, reason=EndReason.TRANSFERRED_OUT, note=label[:200])
    record(actor=actor, action="letter.outgoing", target=letter, changes={"number": [None, no], "to": [None, where]})
    return letter


@transaction.atomic
def outgoing_receipt(*, actor: Actor, letter: RelationLetter, received_on: Any, received_by: str = "") -> RelationLetter:
    """The receipt (回执) of a letter sent out of the system came back: the transfer is complete."""
    check_write(actor, letter.from_org)
    errors = Errors()
    if letter.kind != LetterKind.OUTGOING or letter.state != LetterState.ISSUED:
        errors.add("state", _("只有已开具、尚未回执的转出介绍信可以登记回执（当前：%(s)s）") % {"s": letter.get_state_display()},
                   "state")
    day = _day(errors, "received_on", received_on, _("回执日期"))
    if letter.issued_on is not None:
        not_before(errors, "received_on", day, letter.issued_on, _("回执日期"), _("介绍信开具日期"))
    who = _text(errors, "received_by", received_by, _("经办人"), required=False, limit=150)
    errors.raise_if_any()
    letter.received_on, letter.received_by, letter.state = day, who or actor_label(actor), LetterState.COMPLETED
    letter.save(update_fields=["received_on", "received_by", "state", "updated_at"])
    record(actor=actor, action="letter.receipt", target=letter, changes={"received_on": [None, str(day)]})
    return letter


@transaction.atomic
def incoming_register(*, actor: Actor, to_org: PartyOrg, number: str, from_elsewhere: str, issued_on: Any,
                      received_on: Any, member: PartyMember | None = None, person: dict[str, Any] | None = None,
                      reason: str = "", dues_paid_to: str = "", valid_days: Any = None, is_demo: bool = False
                      ) -> RelationLetter:
    """Register a paper letter received from a party org outside the system: the member joins the
    roster of ``to_org`` on the date received. ``member`` for someone already recorded here (their
    relation was elsewhere), else ``person``: the member's fields as ``member_create`` takes them."""
    check_write(actor, to_org, member)
    errors = Errors()
    no = _text(errors, "number", number, _("介绍信编号"), limit=40)
    origin = _text(errors, "from_elsewhere", from_elsewhere, _("开具介绍信的党组织"))
    issued = _day(errors, "issued_on", issued_on, _("开具日期"))
    day = _day(errors, "received_on", received_on, _("接收日期"))
    if issued is not None:
        not_before(errors, "received_on", day, issued, _("接收日期"), _("开具日期"))
    out = clean_terms(errors, {"reason": reason, "dues_paid_to": dues_paid_to, "valid_days": valid_days},
                      region=to_org.region_id)
    if member is not None:
        if member.ended_on is not None:
            errors.add("member", _("%(name)s已于 %(d)s 减少") % {"name": member.name, "d": member.ended_on.isoformat()},
                       "state")
        if member.relation_org_id is not None:
            errors.add("member", _("%(name)s的组织关系已在本系统的“%(o)s”，应由其开具系统内介绍信")
                       % {"name": member.name, "o": member.relation_org}, "relation")
    elif not person:
        errors.add("member", _("请选择党员，或填写转入党员的信息"), "required")
    if to_org.dissolved_on is not None:
        errors.add("to_org", _("接收党组织“%(o)s”已撤销") % {"o": to_org.name}, "state")
    days = out.get("valid_days")
    if issued is not None and day is not None and isinstance(days, int) and day > issued + dt.timedelta(days=days):
        errors.add("received_on", _("介绍信有效期 %(n)s 天，%(d)s 已过期（规则：逾期须由原党组织重新开具）")
                   % {"n": days, "d": day.isoformat()}, "expired")
    errors.raise_if_any()
    assert day is not None and issued is not None
    label = _("从系统外转入：%(f)s（介绍信 %(no)s）") % {"f": origin, "no": no}
    if member is None:
        assert person is not None
        member = member_create(actor=actor, **{**person, "relation_org": to_org,
                                               "status": person.get("status") or MemberStatus.FULL})
        # Recorded under ``to_org`` (which places them and puts them in the actor's scope); before
        # the date received the relation was with the issuing party org, which the move says.
        PartyMember.objects.filter(pk=member.pk).update(relation_org=None, relation_elsewhere=origin)
        member.refresh_from_db()
    # Checked above: the actor holds ``to_org`` (and the member, when recorded already).
    relation_move(actor=SystemActor(_("%(who)s（转入介绍信 %(no)s）") % {"who": actor_label(actor), "no": no}),
                  member=member, on=day, to_org=to_org, reason=label)
    letter = RelationLetter.objects.create(
        kind=LetterKind.INCOMING, state=LetterState.COMPLETED, member=member, number=no, from_elsewhere=origin,
        to_org=to_org, receiver=to_org, reason=str(out.get("reason") or "")[:200],
        dues_paid_to=str(out.get("dues_paid_to") or ""), issued_on=issued,
        valid_days=days if isinstance(days, int) else None, received_on=day, received_by=actor_label(actor),
        is_demo=is_demo)
    record(actor=actor, action="letter.incoming", target=letter, changes={"number": [None, no], "from": [None, origin]})
    return letter


@transaction.atomic
def batch_open(*, actor: Actor, party_org: PartyOrg, to_org: PartyOrg, reason: str, valid_days: Any = None,
               is_demo: bool = False, skip_under_way: bool = False) -> TransferBatch:
    """Open the transfers of every current member of ``party_org`` (dissolved, or being merged) in
    one action (by hand, or on the superior's decision to dissolve or merge it), each letter to ``to_org`` (《意见》第八条: 「党员组织关系及时转接」); a receiving side
    that is not the right one returns a letter, and the issuing side sends it on elsewhere. Nothing
    is issued unless every letter can be."""
    check_write(actor, party_org)
    errors = Errors()
    why = _text(errors, "reason", reason, _("原因"))
    members = list(PartyMember.objects.filter(relation_org=party_org, ended_on__isnull=True).order_by("name", "id"))
    if not members:
        errors.add("party_org", _("“%(o)s”没有组织关系在此的党员，无需转接") % {"o": party_org.name}, "empty")
    if to_org.pk == party_org.pk:
        errors.add("to_org", _("不能转往本党组织"), "relation")
    waiting = [m.name for m in members if open_letter(m) is not None]
    if skip_under_way:  # opened by a decision: a member whose letter is under way keeps it
        members = [m for m in members if open_letter(m) is None]
        waiting = []
    if waiting:
        errors.add("party_org", _("以下党员已有办理中的介绍信：%(names)s") % {"names": _("、").join(waiting[:20])}, "open_letter")
    if valid_days not in (None, "") and not (isinstance(valid_days, int) and 1 <= valid_days <= MAX_VALID_DAYS):
        errors.add("valid_days", _("有效期须为 1 至 %(max)s 天") % {"max": MAX_VALID_DAYS}, "range")
    errors.raise_if_any()
    batch = TransferBatch.objects.create(party_org=party_org, opened_on=dt.date.today(), reason=why,
                                         opened_by=user_of(actor), opened_by_label=actor_label(actor), is_demo=is_demo)
    failed = Errors()
    for member in members:
        try:
            letter_issue(actor=actor, member=member, to_org=to_org, reason=why, batch=batch, is_demo=is_demo,
                         valid_days=valid_days if valid_days not in (None, "") else None)
        except Exception as exc:  # one refusal refuses the batch, naming the member
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            for message in exc.messages:
                failed.add("members", f"{member.name}：{message}", "member")
    failed.raise_if_any()
    record(actor=actor, action="letter.batch", target=batch, changes={"members": [None, len(members)],
                                                                      "to_org": [None, to_org.pk]})
    return batch

