"""Undoing a committed import batch, inside the caller's transaction.

* Refused when a later batch still committed changed the same rows (undo that one first), or when
  a row the batch changed has been changed again since (its values are no longer the ones written).
* Rows the batch changed get their old values back.
* Rows the batch created are removed, unless another row now refers to them (e.g. a party org
  covering a created org, a member working there): those are kept and counted as ``kept``.
* The coverage engine's statuses and rollups are kept true as for the import itself.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.coverage import engine
from shuniu.imports import bulk
from shuniu.imports.models import BatchStatus, ImportBatch, ImportChange
from shuniu.imports.rollup import OrgRollupDelta
from shuniu.orglife import compliance
from shuniu.registry.models import SocialOrg

# Created rows are removed in this order, so that a row's referrers created by the same batch go first.
# (A transfers batch: its letters, then their cases' steps and cases, then the relation changes; a
# meetings batch: the attendance rows, then the meetings.)
_DELETE_ORDER = ["orglife.attendance", "orglife.meeting", "development.devstep", "development.applicant", "transfers.relationletter", "cases.casestep",
                 "cases.case", "party.relationchange", "party.partyorgcoverage", "party.instructorassignment",
                 "party.partymember", "party.instructor",
                 "party.partyorg", "registry.socialorg", "registry.supervisoryunit"]
_ORG = SocialOrg._meta.label_lower


class RollbackRefused(ValidationError):
    pass


def _refuse(message: str) -> None:
    raise RollbackRefused(message, code="conflict")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def undo_batch(batch: ImportBatch, scope: Scope | None) -> dict[str, int]:  # noqa: C901
    created: dict[str, list[int]] = defaultdict(list)
    updated: dict[str, list[tuple[int, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for model, object_id, count, action, before, after in ImportChange.objects.filter(batch=batch).values_list(
            "model", "object_id", "count", "action", "before", "after").iterator(chunk_size=5000):
        if action == "created":
            created[model].extend(range(object_id, object_id + count))
        else:
            updated[model].append((object_id, before or {}, after or {}))

    # A later batch, still committed, that changed any of these rows must be undone first.
    ours = {model: {*created[model], *(u[0] for u in updated[model])} for model in set(created) | set(updated)}
    for later in (ImportBatch.objects.filter(pk__gt=batch.pk, status=BatchStatus.COMMITTED)
                  .order_by("pk").values_list("pk", flat=True)):
        for model, object_id, count in ImportChange.objects.filter(batch_id=later).values_list(
                "model", "object_id", "count").iterator(chunk_size=5000):
            mine = ours.get(model)
            if mine and any(pk in mine for pk in range(object_id, object_id + count)):
                _refuse(_("批次 #%(later)s 在此之后修改了同一批数据，请先撤销批次 #%(later)s") % {"later": later})

    for model, rows in updated.items():
        cls = apps.get_model(model)
        fields = sorted({f for _pk, _b, a in rows for f in a})
        current = {}
        for chunk in bulk.id_chunks([pk for pk, _b, _a in rows]):
            current.update({r["id"]: r for r in cls._base_manager.filter(pk__in=chunk).values("id", *fields)})
        for pk, _before, after in rows:
            now = current.get(pk)
            if now is None or any(_jsonable(now[f]) != v for f, v in after.items()):
                name = cls._base_manager.filter(pk=pk).first()
                _refuse(_("“%(obj)s”在导入之后又被修改过，不能撤销此批次") % {"obj": name or f"{model}#{pk}"})
            if scope is not None and not scope.allows(cls._base_manager.get(pk=pk)):
                _refuse(_("批次中有不在您管辖范围内的数据"))

    delta = OrgRollupDelta()
    org_touched = [*created.get(_ORG, []), *(u[0] for u in updated.get(_ORG, []))]
    delta.subtract(org_touched)
    # Rows of the other kinds change orgs' statuses and counts through the engine's tracker.
    tracker = engine.Tracker()
    for model in (set(created) | set(updated)) - {_ORG}:
        ids = [*created.get(model, []), *(u[0] for u in updated.get(model, []))]
        befores = [b for _pk, b, _a in updated.get(model, [])]
        tracker.touch(**_touched(model, ids, befores))

    # Org life's figures of the party orgs concerned: taken out now, put back for those that remain.
    life = compliance.LifeTracker()
    life.touch(party_orgs=_life_party_orgs(created, updated))
    compliance.forget(life.party_orgs)

    now_ts = timezone.now()
    restored = 0
    for model, rows in updated.items():
        cls = apps.get_model(model)
        groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
        for pk, before, _after in rows:
            names = tuple(before)
            values = [cls._meta.get_field(f).to_python(before[f]) for f in names]
            groups[names].append([*values, now_ts, pk])
        for names, values_rows in groups.items():
            bulk.update_rows(cls, [*names, "updated_at"], values_rows)
        restored += len(rows)

    # Meetings removed change the party orgs' org-life figures: named before they go.
    life_touched = _life_touched(created.get("orglife.meeting", []))
    removed = kept = 0
    kept_orgs: list[int] = []
    for model in sorted(created, key=lambda m: _DELETE_ORDER.index(m) if m in _DELETE_ORDER else -1):
        cls = apps.get_model(model)
        table = connection.ops.quote_name(cls._meta.db_table)
        remaining = set(created[model])
        # Rounds, for rows that refer to each other (a party org under one created by the same batch).
        while remaining:
            referenced = _referenced(cls, sorted(remaining))
            gone = sorted(remaining - referenced)
            if not gone:
                break
            with connection.cursor() as cur:
                for chunk in bulk.id_chunks(gone):
                    cur.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            removed += len(gone)
            remaining = referenced
        kept += len(remaining)
        if model == _ORG:
            kept_orgs = sorted(remaining)

    org_updated = [u[0] for u in updated.get(_ORG, [])]
    for chunk in bulk.id_chunks(org_updated):
        engine.refresh_orgs(chunk)
    delta.add([*org_updated, *kept_orgs])
    delta.apply()
    for model in (set(created) | set(updated)) - {_ORG}:
        # Rows restored may now point at other orgs (a member's old workplace): name those too.
        tracker.touch(**_touched(model, [u[0] for u in updated.get(model, [])], []))
    tracker.finish()
    life.finish()
    if life_touched:
        with compliance.track() as touched:
            touched.touch(party_orgs=[pk for pk, _year in life_touched], years={year for _pk, year in life_touched})
    return {"restored": restored, "removed": removed, "kept": kept}


def _life_party_orgs(created: dict[str, list[int]], updated: dict[str, list[Any]]) -> set[int]:
    """The party orgs whose org-life figures an undo may change: those created or restored, and those
    whose coverage links (hence hubs) it removes or restores."""
    from shuniu.party.models import PartyOrgCoverage

    ids = {*created.get("party.partyorg", []), *(u[0] for u in updated.get("party.partyorg", []))}
    links = [*created.get("party.partyorgcoverage", []), *(u[0] for u in updated.get("party.partyorgcoverage", []))]
    for chunk in bulk.id_chunks(links):
        ids.update(PartyOrgCoverage.objects.filter(pk__in=chunk).values_list("party_org_id", flat=True))
    return ids


def _life_touched(meeting_ids: list[int]) -> set[tuple[int, int]]:
    """(party org, year) of the meetings ``meeting_ids``: whose org-life figures their removal moves."""
    from shuniu.orglife.models import Meeting

    out: set[tuple[int, int]] = set()
    for chunk in bulk.id_chunks(meeting_ids):
        out.update((pk, day.year) for pk, day in Meeting.objects.filter(pk__in=chunk).values_list("party_org_id",
                                                                                                  "held_on"))
    return out


def _touched(model: str, ids: list[int], befores: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """What the coverage engine must recompute when rows of ``model`` change or go."""
    from shuniu.party.models import InstructorAssignment, PartyMember, PartyOrgCoverage

    out: dict[str, list[Any]] = {"orgs": [], "party_orgs": [], "members": []}
    for chunk in bulk.id_chunks(ids):
        if model == "party.partymember":
            out["members"] += chunk
            out["orgs"] += list(PartyMember.objects.filter(pk__in=chunk).values_list("workplace_id", flat=True))
        elif model == "party.partyorg":
            out["party_orgs"] += chunk
            out["orgs"] += list(PartyOrgCoverage.objects.filter(party_org_id__in=chunk, ended_on__isnull=True)
                                .values_list("org_id", flat=True))
        elif model == "party.partyorgcoverage":
            out["orgs"] += list(PartyOrgCoverage.objects.filter(pk__in=chunk).values_list("org_id", flat=True))
        elif model == "party.instructorassignment":
            out["orgs"] += list(InstructorAssignment.objects.filter(pk__in=chunk).values_list("org_id", flat=True))
    out["orgs"] += [b["workplace_id"] for b in befores if b.get("workplace_id")]
    return out


def _referenced(cls: type[models.Model], ids: list[int]) -> set[int]:
    """Those of ``ids`` that a row of another table (or of the same one) refers to."""
    out: set[int] = set()
    for rel in cls._meta.related_objects:
        if not isinstance(rel.field, models.ForeignKey):
            continue
        related = rel.related_model
        if getattr(related, "derived_figure", False):
            continue
        for chunk in bulk.id_chunks(ids):
            out.update(related._base_manager.filter(**{f"{rel.field.attname}__in": chunk})
                       .values_list(rel.field.attname, flat=True).distinct())
    return out
