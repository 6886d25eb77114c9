"""Audit entries: every service write records one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from shuniu.audit.models import AuditEntry
from shuniu.core.actors import actor_label, require_actor

# Entries that record a look at data or a refused attempt, not a change: exports, reads of full
# personal data, look-ups and refused registrations by ID number (shuniu.party.privacy).
NON_WRITE_ACTIONS = frozenset({"export", "member.read_personal", "member.lookup_id", "member.id_refused"})

# Fields that hold personal data in encrypted or derived form: the audit log says that they
# changed, never what they were.
_REDACTED = {"id_number_encrypted", "id_number_hash", "phone_encrypted", "password"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values of ``obj`` by attname (foreign keys as ids)."""
    return {f.attname: _jsonable(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, new in after.items():
        if key in ("created_at", "updated_at"):
            continue
        old = before.get(key)
        if old != new:
            out[key] = ["***", "***"] if key in _REDACTED else [old, new]
    return out


def record(
    *, actor: Any, action: str, target: models.Model | None = None, changes: dict[str, Any] | None = None,
    target_type: str = "", target_repr: str = "",
) -> AuditEntry:
    require_actor(actor)
    user = actor if getattr(actor, "pk", None) else None
    label = actor_label(actor)
    return AuditEntry.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        target_type=target._meta.label_lower if target is not None else target_type,
        target_id=str(target.pk) if target is not None else "",
        target_repr=(str(target) if target is not None else target_repr)[:200],
        changes=changes or {},
    )


def scope_label(scope: Any) -> str:
    """A ``Scope`` as the audit log keeps it: "all", "region:110105", "hub:3", "party:/1/4/"..."""
    if scope.kind == "region" and scope.region is not None:
        return f"region:{scope.region.short}"
    detail = {"hub": scope.hub_id, "party": scope.party_path, "instructor": scope.instructor_id}.get(scope.kind)
    return f"{scope.kind}:{detail}" if detail else str(scope.kind)


def record_export(*, actor: Any, kind: str, fmt: str, scope: Any, rows: int, region: str | None = None,
                  via: str = "") -> AuditEntry:
    """An export left the system: what, in which format, under which scope, how many rows."""
    return record(actor=actor, action="export", target_type="export", target_repr=f"{kind}.{fmt}",
                  changes={"kind": kind, "format": fmt, "scope": scope_label(scope), "region": region or "",
                           "rows": rows, "via": via})
