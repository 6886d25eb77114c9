"""What an ID number tells, and to whom: no membership oracle, and an audit of every look at one.

A registration (or a change of ID number) is refused when the number already belongs to a member.
Told precisely, the refusal would answer, for anyone who may register members, whether a person
is a party member anywhere in the country. So:

- **who may learn the holder** (``may_learn_owner``, the one rule): a system actor, or a user who
  may see full ID numbers (``accounts.scopes.can_see_personal_data``) *and* has the member holding
  the number inside their scope. They read "公民身份号码…已登记为党员“…”"; everyone else reads only
  "无法登记该人员，请联系上级组织部门核实" (not whose, where, the masked number or the status).
- **every refusal is audited** (``member.id_refused``: the actor, the masked number and its keyed
  hash, the service or import that refused it; never the number).
- **refusals are limited per user**: after ``SHUNIU_ID_REFUSALS_LIMIT`` distinct numbers refused
  within ``SHUNIU_ID_REFUSALS_WINDOW_SECONDS``, no ID number of theirs is checked until the window
  ends (``RateLimited``: the API answers 429, pages and the import preview show its message). The
  check comes before the number is looked up: a 429 given only on a refusal would itself answer.

Reads of full ID numbers (``record_personal_read``) and look-ups by ID number (``record_lookup``)
are audited here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import is_system
from shuniu.accounts.scopes import Scope, can_see_personal_data
from shuniu.audit.services import record
from shuniu.core import crypto
from shuniu.core.ratelimit import Limit, RateLimited
from shuniu.party.models import PartyMember

REFUSED = gettext_lazy("无法登记该人员，请联系上级组织部门核实")
REFUSED_ACTION = "member.id_refused"
REFUSED_CODE = "id_refused"

T = TypeVar("T")
# Refusals noted while a guarded service runs, audited when it has returned or raised.
_pending: ContextVar[list[dict[str, Any]] | None] = ContextVar("shuniu_id_refusals", default=None)


def may_learn_owner(actor: Any, owner: PartyMember) -> bool:
    """Whether ``actor`` may be told that ``owner`` holds an ID number they tried to register."""
    if is_system(actor):
        return True
    return can_see_personal_data(actor) and Scope.for_user(actor).allows(owner)


def _limit() -> Limit:
    return Limit("id_refusals", settings.SHUNIU_ID_REFUSALS_LIMIT, settings.SHUNIU_ID_REFUSALS_WINDOW_SECONDS)


def _who(actor: Any) -> str | None:
    """The key a user's refusals are counted under; None for system actors, which are not limited."""
    return None if is_system(actor) or getattr(actor, "pk", None) is None else str(actor.pk)


def limited_message(retry_after: int) -> str:
    return _("查询过于频繁，请于 %(s)s 秒后再试（规则：%(w)s 秒内被拒绝登记的公民身份号码不超过 %(n)s 个）") % {
        "s": retry_after, "w": settings.SHUNIU_ID_REFUSALS_WINDOW_SECONDS, "n": settings.SHUNIU_ID_REFUSALS_LIMIT}


def retry_after(actor: Any) -> int:
    """Seconds until ``actor`` may have ID numbers checked again; 0 when they may now."""
    who = _who(actor)
    return _limit().retry_after(who) if who else 0


def check_allowed(actor: Any) -> None:
    """RateLimited when ``actor`` has been refused too many ID numbers in the current window."""
    wait = retry_after(actor)
    if wait:
        raise RateLimited(limited_message(wait), wait)


def refuse(actor: Any, number: str, owner_pk: int, *, via: str = "") -> str:
    """The message refusing ``number`` (held by the member ``owner_pk``) to ``actor``. The refusal
    is audited and counted against the actor's allowance."""
    owner = PartyMember.objects.filter(pk=owner_pk).first()
    masked = crypto.mask_id_number(number)
    if owner is not None and may_learn_owner(actor, owner):
        message = _("公民身份号码%(m)s已登记为党员“%(name)s”（规则：号码唯一）") % {"m": masked, "name": owner.name}
    else:
        message = str(REFUSED)
    digest = crypto.keyed_hash(number)
    entry = {"actor": actor, "action": REFUSED_ACTION, "target_type": PartyMember._meta.label_lower,
             "target_repr": masked, "changes": {"id_number_masked": masked, "id_number_hash": digest, "via": via}}
    pending = _pending.get()
    if pending is not None:
        pending.append(entry)
    else:
        record(**entry)
    who = _who(actor)
    if who:
        _limit().hit(who, distinct=digest)
    return message


def guarded(fn: Callable[..., T]) -> Callable[..., T]:
    """For a service that may refuse an ID number (``actor=`` and ``id_number=`` keywords): refuses
    a limited actor before anything is looked up, and audits the refusals after the call. Put it
    outside ``transaction.atomic``: a refusal raises a ValidationError, which rolls back the
    service's transaction and would take an audit entry written inside it along."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        if kwargs.get("id_number"):
            check_allowed(kwargs.get("actor"))
        pending: list[dict[str, Any]] = []
        token = _pending.set(pending)
        try:
            return fn(*args, **kwargs)
        finally:
            _pending.reset(token)
            for entry in pending:
                entry["changes"]["via"] = entry["changes"]["via"] or fn.__name__
                record(**entry)

    return wrapper


def record_personal_read(actor: Any, member: PartyMember, fields: list[str], *, via: str) -> None:
    """A full ID number (or phone number) was shown to ``actor``."""
    record(actor=actor, action="member.read_personal", target=member, changes={"fields": fields, "via": via})


def record_lookup(actor: Any, number: str, found: int | None, *, via: str) -> None:
    """``actor`` looked members up by an ID number (found: how many were in their scope; None when
    the look-up was refused)."""
    record(actor=actor, action="member.lookup_id", target_type=PartyMember._meta.label_lower,
           target_repr=crypto.mask_id_number(number),
           changes={"id_number_masked": crypto.mask_id_number(number), "id_number_hash": crypto.keyed_hash(number),
                    "found": found, "via": via})
