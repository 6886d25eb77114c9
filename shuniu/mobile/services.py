"""Writes of mobile members (rule MOBILE): register an outflow, end it, take a member in for org
life at a host party org, end that. Each checks the actor's jurisdiction over every object it
touches, reports every problem at once (keyed by field, naming the rule and its source), writes in
one transaction and is audited. The relation never moves here: the member is counted once, at the
relation org (a transfer is ``party.services.relation_move``, through the transfers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.actors import Actor
from shuniu.accounts.scopes import check_write
from shuniu.audit.services import diff, record, snapshot
from shuniu.core import crypto
from shuniu.core.services import Errors, as_date, choice, not_in_future, require
from shuniu.core.validators import validate_phone
from shuniu.mobile.models import Inflow, Outflow, OutflowEnd
from shuniu.mobile.rules import OUTFLOW_CITE
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.party.services import member_update, participation_add, participation_end
from shuniu.regions.models import Region

_TEXT = 200
_CERT = 40


def _text(errors: Errors, field: str, value: Any, label: Any, limit: int = _TEXT, *, required: bool = False) -> str:
    text = str(value or "").strip() if value is not None else ""
    if required:
        require(errors, field, text, label)
    if len(text) > limit:
        errors.add(field, _("%(label)s过长（规则：不超过 %(n)s 个字符）") % {"label": label, "n": limit}, "max_length")
    return text


def _region(errors: Errors, value: Any) -> Region | None:
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(code=str(value).strip(), retired_on__isnull=True).first()
    if region is None:
        errors.add("region", _("流入地区“%(v)s”不是现行行政区划代码（规则：GB/T 2260 行政区划代码）") % {"v": value}, "region")
    return region


def _flag(errors: Errors, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return False
    errors.add("fixed_place", _("地点相对固定须为“是”或“否”（规则：是否）"), "boolean")
    return False


def clean_outflow(errors: Errors, member: PartyMember, data: dict[str, Any]) -> dict[str, Any]:
    """The rules of an outflow (rule MOBILE): the member on the roster, with the relation here and
    no open outflow; the place, the reason, the dates (since not in the future, the expected return
    not before it); the certificate number and phone as given."""
    out: dict[str, Any] = {
        "destination": _text(errors, "destination", data.get("destination"), _("外出地点"), required=True),
        "reason": _text(errors, "reason", data.get("reason"), _("外出原因"), required=True),
        "certificate_no": _text(errors, "certificate_no", data.get("certificate_no"), _("流动党员活动证编号"), _CERT),
        "fixed_place": _flag(errors, data.get("fixed_place")),
        "region": _region(errors, data.get("region")),
    }
    since = as_date(errors, "since", data.get("since"), _("外出日期"))
    require(errors, "since", since, _("外出日期"))
    not_in_future(errors, "since", since, _("外出日期"))
    expected = as_date(errors, "expected_return", data.get("expected_return"), _("预计返回日期"))
    if since is not None and expected is not None and expected < since:
        errors.add("expected_return", _("预计返回日期不能早于外出日期（规则：先外出，后返回）"), "date_order")
    out.update(since=since, expected_return=expected)
    phone = str(data.get("phone") or "").strip()
    if phone:
        try:
            p = validate_phone(phone)
            out.update(crypto.phone_fields(p))
        except ValidationError as exc:
            errors.merge(exc)
    if member.ended_on is not None:
        errors.add("member", _("该党员已于 %(d)s 减少（%(r)s），不能登记外出（规则 MOBILE：流出登记的须为本组织在册党员）")
                   % {"d": member.ended_on.isoformat(), "r": member.get_end_reason_display()}, "state")
    elif member.relation_org_id is None:
        errors.add("member", _("该党员的组织关系不在本系统的党组织，流出登记由组织关系所在党组织办理（规则 MOBILE：%(src)s）")
                   % {"src": OUTFLOW_CITE}, "relation")
    if Outflow.objects.filter(member=member, ended_on__isnull=True).exists():
        errors.add("member", _("该党员已有未结束的流出登记，须先登记返回或结束，才能再次登记（规则 MOBILE：一名党员同时只有一条流出登记）"),
                   "unique")
    if since is not None and member.admitted_on is not None and since < member.admitted_on:
        errors.add("since", _("外出日期不能早于入党日期 %(d)s（规则：流动党员须为党员）") % {"d": member.admitted_on.isoformat()},
                   "date_order")
    return out


@transaction.atomic
def outflow_register(*, actor: Actor, member: PartyMember, destination: str, since: Any, reason: str,
                     fixed_place: Any = False, region: Region | str | None = None, certificate_no: str = "",
                     expected_return: Any = None, phone: str = "", is_demo: bool = False) -> Outflow:
    """Register ``member`` as flowing out (流出登记, rule MOBILE): the member becomes mobile
    (``is_mobile``); the relation stays where it is."""
    check_write(actor, member)
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    errors = Errors()
    values = clean_outflow(errors, member, {
        "destination": destination, "since": since, "reason": reason, "fixed_place": fixed_place, "region": region,
        "certificate_no": certificate_no, "expected_return": expected_return, "phone": phone})
    errors.raise_if_any()
    outflow = Outflow.objects.create(member=member, is_demo=is_demo, **values)
    if not member.is_mobile:
        member_update(actor=actor, member=member, is_mobile=True)
    record(actor=actor, action="mobile.outflow_register", target=member, changes=diff({}, snapshot(outflow)))
    return outflow


def _end_date(errors: Errors, value: Any, start: dt.date, label_start: Any) -> dt.date | None:
    end = as_date(errors, "ended_on", value, _("结束日期"))
    require(errors, "ended_on", end, _("结束日期"))
    not_in_future(errors, "ended_on", end, _("结束日期"))
    if end is not None and end < start:
        errors.add("ended_on", _("结束日期不能早于%(label)s %(d)s") % {"label": label_start, "d": start.isoformat()},
                   "date_order")
    return end


@transaction.atomic
def outflow_end(*, actor: Actor, outflow: Outflow, ended_on: Any, reason: str = OutflowEnd.RETURNED,
                note: str = "") -> Outflow:
    """End an outflow: the member returned, transferred the relation, or another reason (with a
    note). An open inflow ends the same day, and the member is no longer mobile."""
    open_inflows = list(Inflow.objects.filter(outflow=outflow, ended_on__isnull=True).select_related("host"))
    check_write(actor, outflow.member, *(i.host for i in open_inflows))
    outflow = Outflow.objects.select_for_update().get(pk=outflow.pk)
    errors = Errors()
    if outflow.ended_on is not None:
        errors.add("ended_on", _("该流出登记已于 %(d)s 结束") % {"d": outflow.ended_on.isoformat()}, "state")
    end = _end_date(errors, ended_on, outflow.since, _("外出日期"))
    choice(errors, "end_reason", reason, OutflowEnd, _("结束原因"))
    text = _text(errors, "end_note", note, _("结束说明"))
    if reason == OutflowEnd.OTHER and not text:
        errors.add("end_note", _("结束原因为“其他”时须说明（规则：结束原因须可查）"), "required")
    for inflow in open_inflows:
        if end is not None and end < inflow.started_on:
            errors.add("ended_on", _("结束日期不能早于“%(host)s”接收的日期 %(d)s") % {
                "host": inflow.host.name, "d": inflow.started_on.isoformat()}, "date_order")
    errors.raise_if_any()
    before = snapshot(outflow)
    for inflow in open_inflows:
        _inflow_close(actor, inflow, end, text or str(OutflowEnd(reason).label))
    outflow.ended_on, outflow.end_reason, outflow.end_note = end, reason, text
    outflow.save(update_fields=["ended_on", "end_reason", "end_note", "updated_at"])
    member = outflow.member
    if member.is_mobile and not Outflow.objects.filter(member=member, ended_on__isnull=True).exists():
        member_update(actor=actor, member=member, is_mobile=False)
    record(actor=actor, action="mobile.outflow_end", target=member, changes=diff(before, snapshot(outflow)))
    return outflow


def clean_take_in(errors: Errors, outflow: Outflow, host: PartyOrg, start: dt.date | None) -> None:
    """The rules of taking a mobile member in: an open outflow, no open inflow, a host that exists
    and does not hold the relation, a date within the outflow."""
    member = outflow.member
    if outflow.ended_on is not None:
        errors.add("outflow", _("该流出登记已于 %(d)s 结束，不能再接收（规则 MOBILE：接收的须为在外的流动党员）")
                   % {"d": outflow.ended_on.isoformat()}, "state")
    if member.ended_on is not None:
        errors.add("member", _("该党员已于 %(d)s 减少，不能接收") % {"d": member.ended_on.isoformat()}, "state")
    if host.pk == member.relation_org_id:
        errors.add("host", _("“%(o)s”就是该党员组织关系所在的党组织，无需作为流入党组织接收（规则 MOBILE：一方隶属、"
                             "参加多重组织生活；%(src)s）") % {"o": host.name, "src": OUTFLOW_CITE}, "relation")
    if host.dissolved_on is not None:
        errors.add("host", _("“%(o)s”已撤销，不能接收流动党员") % {"o": host.name}, "state")
    if Inflow.objects.filter(outflow=outflow, ended_on__isnull=True).exists():
        errors.add("host", _("该党员已由其他党组织接收参加组织生活，须先结束（规则 MOBILE：同一次外出在一个流入党组织参加组织生活）"),
                   "unique")
    if start is not None and start < outflow.since:
        errors.add("started_on", _("接收日期不能早于外出日期 %(d)s") % {"d": outflow.since.isoformat()}, "date_order")
    if start is not None and start < host.established_on:
        errors.add("started_on", _("接收日期不能早于“%(o)s”的成立日期 %(d)s") % {
            "o": host.name, "d": host.established_on.isoformat()}, "date_order")


@transaction.atomic
def inflow_take_in(*, actor: Actor, outflow: Outflow, host: PartyOrg, started_on: Any,
                   is_demo: bool = False) -> Inflow:
    """A party org where the member is takes them in for org life (流入登记): an inflow and a
    participation (``party.services.participation_add``), which counts for attendance only."""
    check_write(actor, outflow.member, host)
    outflow = Outflow.objects.select_for_update().select_related("member").get(pk=outflow.pk)
    errors = Errors()
    start = as_date(errors, "started_on", started_on, _("接收日期"))
    require(errors, "started_on", start, _("接收日期"))
    not_in_future(errors, "started_on", start, _("接收日期"))
    clean_take_in(errors, outflow, host, start)
    errors.raise_if_any()
    assert start is not None  # required above
    participation = participation_add(actor=actor, member=outflow.member, party_org=host, started_on=start)
    inflow = Inflow.objects.create(outflow=outflow, member=outflow.member, host=host, participation=participation,
                                   started_on=start, is_demo=is_demo)
    record(actor=actor, action="mobile.inflow_take_in", target=outflow.member, changes=diff({}, snapshot(inflow)))
    return inflow


def _inflow_close(actor: Actor, inflow: Inflow, end: dt.date | None, note: str) -> None:
    participation_end(actor=actor, participation=inflow.participation, ended_on=end)
    inflow.ended_on, inflow.end_note = end, note[:_TEXT]
    inflow.save(update_fields=["ended_on", "end_note", "updated_at"])


@transaction.atomic
def inflow_end(*, actor: Actor, inflow: Inflow, ended_on: Any, note: str = "") -> Inflow:
    """The host ends a mobile member's org life with it (they moved on); the outflow stays open."""
    check_write(actor, inflow.host)
    inflow = Inflow.objects.select_for_update().get(pk=inflow.pk)
    errors = Errors()
    if inflow.ended_on is not None:
        errors.add("ended_on", _("该流入登记已于 %(d)s 结束") % {"d": inflow.ended_on.isoformat()}, "state")
    end = _end_date(errors, ended_on, inflow.started_on, _("接收日期"))
    text = _text(errors, "end_note", note, _("结束说明"))
    errors.raise_if_any()
    before = snapshot(inflow)
    _inflow_close(actor, inflow, end, text)
    record(actor=actor, action="mobile.inflow_end", target=inflow.member, changes=diff(before, snapshot(inflow)))
    return inflow
