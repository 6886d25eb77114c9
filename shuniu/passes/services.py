"""Writes of the three passes: an annual inspection with its party-building section, and a grade
evaluation, each with the local rules that bind it (DOMAIN.md §3 and §6 A):

* INSPECTION (local, some places): a due, not-established org's conclusion is capped at
  ``max_conclusion`` (基本合格 by default).
* EVALUATION_VETO (local, Changzhou): such an org cannot be given ``min_grade`` (3A) or above.
* EVAL_ELIGIBILITY (local, Beijing): such an org cannot be evaluated at all.

"Due, not established" is ``shuniu.coverage.due`` (the one definition), for the org as it stands
when the record is written. The checks are ``clean_inspection`` and ``clean_evaluation``, called
by the services and by the spreadsheet imports (``shuniu.imports.kinds.passes``) alike, with the
rule settings and thresholds read once (``PassRules``), so that an import asks nothing per row.
The coverage rules of the same ids report what is already stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.actors import Actor
from shuniu.accounts.scopes import check_write
from shuniu.audit.services import diff, record, snapshot
from shuniu.core.services import Errors, add_years, as_date, choice, not_in_future
from shuniu.coverage.due import Thresholds
from shuniu.coverage.rules import CONCLUSIONS, RULES, better_conclusions
from shuniu.passes.models import GRADES, EvaluationRecord, InspectionRecord
from shuniu.registry.models import Grade, InspectionResult, OrgStatus, SocialOrg
from shuniu.rulesettings.selectors import Settings, current

FIRST_YEAR = 1949
MAX_TEXT = 500


@dataclass
class PassRules:
    """The rule settings and due thresholds as they stand, read once for any number of orgs."""

    settings: Settings = field(default_factory=current)
    due: Thresholds | None = None

    def __post_init__(self) -> None:
        if self.due is None:
            self.due = Thresholds(self.settings)

    def is_due(self, org: SocialOrg) -> bool:
        assert self.due is not None
        return org.status == OrgStatus.ACTIVE and self.due.is_due(org.full_members, org.coverage_status,
                                                                    str(org.region_id))

    def on(self, rule_id: str, org: SocialOrg) -> bool:
        return self.settings.enabled(rule_id, str(org.region_id))

    def param(self, rule_id: str, name: str, org: SocialOrg) -> Any:
        return self.settings.value(rule_id, name, str(org.region_id))

    def source(self, rule_id: str, org: SocialOrg) -> str:
        """The rule's source, and the local document that switched it on where one is recorded."""
        local = self.settings.resolve(rule_id, "enabled", str(org.region_id)).source
        base = RULES[rule_id].source
        return f"{base}；{local}" if local and local != base else base


def _year(errors: Errors, name: str, year: Any, label: str) -> int | None:
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            year = int(str(year).strip())
        except (TypeError, ValueError):
            year = None
    if year is None or not FIRST_YEAR <= year <= dt.date.today().year:
        errors.add(name, _("%(label)s无效（规则：%(first)s 年至今年之间的年份）")
                   % {"label": label, "first": FIRST_YEAR}, "year")
        return None
    return int(year)


def _text(errors: Errors, name: str, value: Any, label: str, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        errors.add(name, _("%(label)s过长（规则：不超过 %(n)s 个字符）") % {"label": label, "n": limit}, "max_length")
    return text


def _flag(errors: Errors, name: str, value: Any, label: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    errors.add(name, _("%(label)s须为“是”或“否”（规则：是否）") % {"label": label}, "boolean")
    return None


# ---- annual inspection ----------------------------------------------------------------------------

def clean_inspection(errors: Errors, org: SocialOrg, data: dict[str, Any], rules: PassRules) -> dict[str, Any]:
    """Check an inspection of ``org`` (every problem at once, keyed by field) and return the
    record's values, the party-building snapshot included. ``data``: year, conclusion, life_held,
    life_note, dues_paid, charter_clause, note."""
    out: dict[str, Any] = {"year": _year(errors, "year", data.get("year"), _("年检年度"))}
    conclusion = data.get("conclusion")
    choice(errors, "conclusion", conclusion, InspectionResult, _("年检结论"))
    out["conclusion"] = conclusion
    for name, label in (("life_held", _("按规定开展组织生活")), ("dues_paid", _("按时交纳党费")),
                        ("charter_clause", _("章程写入党建工作内容"))):
        out[name] = _flag(errors, name, data.get(name), label)
    out["life_note"] = _text(errors, "life_note", data.get("life_note"), _("组织生活情况"))
    out["note"] = _text(errors, "note", data.get("note"), _("备注"))
    due = rules.is_due(org)
    # The party-building section's snapshot: what the inspection saw.
    out.update(coverage_status=org.coverage_status, was_due=due, full_members=org.full_members,
               probationary_members=max(org.members_on_staff - org.full_members, 0))
    if due and rules.on("INSPECTION", org) and conclusion in CONCLUSIONS:
        cap = rules.param("INSPECTION", "max_conclusion", org)
        if conclusion in better_conclusions(cap):
            errors.add("conclusion", _(
                "应建未建的社会组织年检结论最高为“%(cap)s”，不能为“%(given)s”（规则 INSPECTION：%(source)s）")
                % {"cap": InspectionResult(cap).label, "given": InspectionResult(conclusion).label,
                   "source": rules.source("INSPECTION", org)}, "INSPECTION")
    return out


@transaction.atomic
def inspection_record(*, actor: Actor, org: SocialOrg, year: Any, conclusion: Any, life_held: Any = None,
                      life_note: Any = "", dues_paid: Any = None, charter_clause: Any = None,
                      note: Any = "") -> InspectionRecord:
    """Record (or correct) ``org``'s annual inspection of ``year`` with its party-building section."""
    check_write(actor, org)
    org = SocialOrg.objects.select_for_update().get(pk=org.pk)
    errors = Errors()
    values = clean_inspection(errors, org, {
        "year": year, "conclusion": conclusion, "life_held": life_held, "life_note": life_note,
        "dues_paid": dues_paid, "charter_clause": charter_clause, "note": note}, PassRules())
    errors.raise_if_any()
    existing = InspectionRecord.objects.filter(org=org, year=values["year"]).first()
    before = snapshot(existing) if existing is not None else {}
    inspection = existing or InspectionRecord(org=org)
    for name, value in values.items():
        setattr(inspection, name, value)
    inspection.recorded_by = actor if getattr(actor, "pk", None) else None  # type: ignore[assignment]
    inspection.recorded_at = timezone.now()
    inspection.save()
    record(actor=actor, action="inspection.record", target=org,
           changes=diff(before, snapshot(inspection)))
    return inspection


# ---- grade evaluation ---------------------------------------------------------------------------

def valid_until(decided_on: dt.date) -> dt.date:
    """The last day a grade decided on ``decided_on`` is valid (``SHUNIU_EVALUATION_VALID_YEARS``)."""
    return add_years(decided_on, settings.SHUNIU_EVALUATION_VALID_YEARS) - dt.timedelta(days=1)


def clean_evaluation(errors: Errors, org: SocialOrg, data: dict[str, Any], rules: PassRules) -> dict[str, Any]:
    """Check an evaluation of ``org`` and return the record's values. ``data``: year, grade,
    decided_on, document_number, note. Rules EVAL_ELIGIBILITY and EVALUATION_VETO where they are
    on for the org's region."""
    year = _year(errors, "year", data.get("year"), _("评估年度"))
    grade = data.get("grade")
    choice(errors, "grade", grade, Grade, _("评估等级"))
    decided_on = as_date(errors, "decided_on", data.get("decided_on"), _("评估结论日期"))
    if decided_on is None and "decided_on" not in errors.by_field:
        errors.add("decided_on", _("评估结论日期不能为空（规则：必填，有效期自此起算）"), "required")
    not_in_future(errors, "decided_on", decided_on, _("评估结论日期"))
    if decided_on is not None and year is not None and decided_on.year < year:
        errors.add("decided_on", _("评估结论日期不能早于评估年度（规则：先有评估年度，后有结论）"), "date_order")
    out = {"year": year, "grade": grade, "decided_on": decided_on,
           "valid_until": valid_until(decided_on) if decided_on else None,
           "document_number": _text(errors, "document_number", data.get("document_number"), _("文号"), 60),
           "note": _text(errors, "note", data.get("note"), _("备注"))}
    if not rules.is_due(org):
        return out
    if rules.on("EVAL_ELIGIBILITY", org):
        errors.add("grade", _("应建未建的社会组织不得参加评估（规则 EVAL_ELIGIBILITY：%(source)s）")
                   % {"source": rules.source("EVAL_ELIGIBILITY", org)}, "EVAL_ELIGIBILITY")
    elif rules.on("EVALUATION_VETO", org) and grade in GRADES:
        bar = rules.param("EVALUATION_VETO", "min_grade", org)
        if GRADES.index(grade) >= GRADES.index(bar):
            errors.add("grade", _(
                "应建未建的社会组织不能评为 %(bar)s 及以上等级（党建一票否决；规则 EVALUATION_VETO：%(source)s）")
                % {"bar": bar, "source": rules.source("EVALUATION_VETO", org)}, "EVALUATION_VETO")
    return out


def current_grade(records: list[tuple[int, Any, int, str]]) -> tuple[str, int | None]:
    """The org's current grade and its year: those of its latest evaluation (by year, then decision
    date, then id), from (year, decided_on, id, grade) tuples; ("", None) without one. Whether it
    is still valid on a given day is read from the record's ``valid_until``."""
    if not records:
        return "", None
    year, _decided, _pk, grade = max(records, key=lambda r: (r[0], r[1] or dt.date.min, r[2]))
    return grade, year


def grade_of(org_id: int) -> tuple[str, int | None]:
    return current_grade(list(EvaluationRecord.objects.filter(org_id=org_id)
                              .values_list("year", "decided_on", "id", "grade")))


def rebuild_grades(org_ids: list[int] | None = None) -> dict[int, tuple[str, int | None]]:
    """Every org's (grade, year) as ``current_grade`` derives it from the records, for the orgs
    that have records or a stored grade (those are the ones that can differ)."""
    rows: dict[int, list[tuple[int, Any, int, str]]] = {}
    qs = EvaluationRecord.objects.all()
    orgs = SocialOrg.objects.filter(Q(evaluation_grade__gt="") | Q(evaluation_year__isnull=False))
    if org_ids is not None:
        qs, orgs = qs.filter(org_id__in=org_ids), orgs.filter(pk__in=org_ids)
    for org_id, year, decided, pk, grade in qs.values_list("org_id", "year", "decided_on", "id", "grade"):
        rows.setdefault(org_id, []).append((year, decided, pk, grade))
    out = {org_id: current_grade(records) for org_id, records in rows.items()}
    for org_id in orgs.values_list("pk", flat=True):
        out.setdefault(org_id, ("", None))
    return out


def stored_grades(org_ids: list[int] | None = None) -> dict[int, tuple[str, int | None]]:
    """The grade and year stored on the orgs, for the same orgs as ``rebuild_grades``."""
    ids = list(rebuild_grades(org_ids))
    return {pk: (grade, year) for pk, grade, year in
            SocialOrg.objects.filter(pk__in=ids).values_list("pk", "evaluation_grade", "evaluation_year")}


@transaction.atomic
def evaluation_record(*, actor: Actor, org: SocialOrg, year: Any, grade: Any, decided_on: Any,
                      document_number: Any = "", note: Any = "") -> EvaluationRecord:
    """Record (or correct) ``org``'s evaluation of ``year``; the org's current grade follows."""
    check_write(actor, org)
    org = SocialOrg.objects.select_for_update().get(pk=org.pk)
    errors = Errors()
    values = clean_evaluation(errors, org, {"year": year, "grade": grade, "decided_on": decided_on,
                                            "document_number": document_number, "note": note}, PassRules())
    errors.raise_if_any()
    existing = EvaluationRecord.objects.filter(org=org, year=values["year"]).first()
    before = snapshot(existing) if existing is not None else {}
    evaluation = existing or EvaluationRecord(org=org)
    for name, value in values.items():
        setattr(evaluation, name, value)
    evaluation.recorded_by = actor if getattr(actor, "pk", None) else None  # type: ignore[assignment]
    evaluation.recorded_at = timezone.now()
    evaluation.save()
    changes: dict[str, Any] = diff(before, snapshot(evaluation))
    # The org's current grade is derived from its records; no coverage figure depends on it, so
    # the coverage engine has nothing to track here.
    grade_now, year_now = grade_of(org.pk)
    if (org.evaluation_grade, org.evaluation_year) != (grade_now, year_now):
        changes["evaluation_grade"] = [org.evaluation_grade, grade_now]
        changes["evaluation_year"] = [org.evaluation_year, year_now]
        org.evaluation_grade, org.evaluation_year = grade_now, year_now
        org.save(update_fields=["evaluation_grade", "evaluation_year", "updated_at"])
    record(actor=actor, action="evaluation.record", target=org, changes=changes)
    return evaluation
