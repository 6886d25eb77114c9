"""Import kinds "inspections" (年检 / 年报 with the party-building section) and "evaluations"
(等级评估): one row per org and year, the org named by its USCC.

The rows are checked by the services' own functions (``passes.services.clean_inspection`` and
``clean_evaluation``) with the rule settings and due thresholds read once for the file
(``PassRules``): a row that rule INSPECTION, EVALUATION_VETO or EVAL_ELIGIBILITY refuses is
refused with its row, column and rule, and nothing of the file is written. Natural key: the org
and the year. A row equal to the stored record is unchanged; one that differs updates it (a blank
cell keeps the stored value). Importing evaluations keeps each org's current grade
(``SocialOrg.evaluation_grade`` / ``evaluation_year``) equal to what its records give, recorded as
changes of the org so that undoing the batch restores it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core.services import Errors
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.members import _in_chunks
from shuniu.imports.spec import Column, choice_column
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.passes.services import PassRules, clean_evaluation, clean_inspection, rebuild_grades
from shuniu.registry.models import SocialOrg

# The name first: the templates' example row is told by its first cell ("示例：…"), which a code
# cell would fold (the full-width colon) before it could be recognized.
_ORG_COLUMNS = [
    Column("org_name", "社会组织名称", "Org name", cells.text, aliases=("社会组织", "组织名称", "名称"),
           example="钟楼区社区服务协会", note="仅供核对：与代码对应的组织名称不一致时报错", width=30),
    Column("org", "统一社会信用代码", "Org USCC", cells.code, required=True,
           aliases=("社会组织统一社会信用代码", "信用代码", "USCC"), example="51320404MJ0000001W", width=22),
]
CONCLUSION_OPTIONS = {"合格": "pass", "基本合格": "basic_pass", "不合格": "fail", "pass": "pass",
                      "basic pass": "basic_pass", "fail": "fail"}
GRADE_OPTIONS = {**{f"{n}A": f"{n}A" for n in range(1, 6)}, **{"A" * n: f"{n}A" for n in range(1, 6)},
                 **{f"{n}A级": f"{n}A" for n in range(1, 6)}}
YES_NO = "填“是”或“否”，可空"

INSPECTION_COLUMNS: list[Column] = [
    *_ORG_COLUMNS,
    Column("year", "年检年度", "Year", cells.integer, required=True, aliases=("年度", "年报年度"), example=2024),
    choice_column("conclusion", "年检结论", "Conclusion", CONCLUSION_OPTIONS, ("合格", "基本合格", "不合格"),
                  required=True, aliases=("结论",), example="合格"),
    Column("life_held", "按规定开展组织生活", "Org life held", cells.boolean, aliases=("组织生活",), example="是",
           note=YES_NO),
    Column("life_note", "组织生活情况", "Org life note", cells.text, example="每月开展主题党日", width=30),
    Column("dues_paid", "按时交纳党费", "Dues paid", cells.boolean, aliases=("党费",), example="是", note=YES_NO),
    Column("charter_clause", "章程写入党建工作内容", "Charter clause", cells.boolean, aliases=("章程党建条款",),
           example="是", note="《意见》第二十二条；" + YES_NO),
    Column("note", "备注", "Note", cells.text, width=30),
]
EVALUATION_COLUMNS: list[Column] = [
    *_ORG_COLUMNS,
    Column("year", "评估年度", "Year", cells.integer, required=True, aliases=("年度",), example=2024),
    choice_column("grade", "评估等级", "Grade", GRADE_OPTIONS, ("1A", "2A", "3A", "4A", "5A"), required=True,
                  aliases=("等级",), example="3A"),
    Column("decided_on", "评估结论日期", "Decided on", cells.date, required=True, aliases=("结论日期", "评估日期"),
           example="2024-12-01", note="有效期自此日起算"),
    Column("document_number", "文号", "Document number", cells.text, aliases=("评估文号",), example="钟民评〔2024〕3号"),
    Column("note", "备注", "Note", cells.text, width=30),
]


@dataclass
class _Kind:
    model: type[InspectionRecord] | type[EvaluationRecord]
    # The fields a row gives (compared with the stored record to find unchanged rows).
    given: tuple[str, ...]


class _PassKind(Kind):
    spec: _Kind

    def clean(self, errors: Errors, org: SocialOrg, data: dict[str, Any], rules: PassRules) -> dict[str, Any]:
        raise NotImplementedError

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:
        plan = Plan(kind=self.name)
        orgs = {o.uscc: o for o in _in_chunks(SocialOrg.objects.all(), "uscc", {p.data.get("org") for p in parsed})}
        allowed = ctx.allowed(SocialOrg, (o.pk for o in orgs.values()))
        existing = {(r.org_id, r.year): r for r in _in_chunks(self.spec.model.objects.all(), "org_id",
                                                               {o.pk for o in orgs.values()})}
        rules = PassRules()
        seen: dict[tuple[int, int], int] = {}
        for p in parsed:
            plan.rows += 1
            d = p.data
            errors = Errors()
            for name, (code, message) in p.bad.items():
                errors.by_field.setdefault(name, []).append(ValidationError(message, code=code))
            for col in self.columns:
                if col.required and col.field not in d and col.field not in p.bad:
                    errors.add(col.field, _("%(label)s不能为空（规则：必填）") % {"label": ctx.column(col.field)},
                               "required")
            org = orgs.get(d.get("org", ""))
            if "org" in d and org is None:
                errors.add("org", _("社会组织“%(v)s”不存在（规则：须为已登记组织的统一社会信用代码）") % {"v": d["org"]},
                           "reference")
            if org is not None and allowed is not None and org.pk not in allowed:
                ctx.refuse_outside(errors, "org", d["org"])
            if org is not None and d.get("org_name") and d["org_name"] != org.name:
                errors.add("org_name", _("名称“%(v)s”与代码对应的组织“%(o)s”不一致（规则：名称与代码须对应）")
                           % {"v": d["org_name"], "o": org.name}, "mismatch")
            if errors.by_field or org is None:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            year = d.get("year")
            key = (org.pk, year if isinstance(year, int) else -1)
            if key in seen:
                errors.add("year", _("与第 %(row)s 行相同（规则：同一文件中每个组织每年一条）") % {"row": seen[key]},
                           "duplicate")
            seen.setdefault(key, p.row)
            stored = existing.get(key)
            # A blank cell keeps the stored value.
            data = {**({f: getattr(stored, f) for f in self.spec.given} if stored else {}),
                    **{k: v for k, v in d.items() if k in self.spec.given}}
            if stored is not None and not errors.by_field and all(
                    getattr(stored, f) == data.get(f) for f in self.spec.given):
                plan.unchanged += 1
                continue
            values = self.clean(errors, org, data, rules)
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            if stored is None:
                plan.creates.append(Change(p.row, None, self.spec.model(org=org, **values)))
            else:
                after = {f: v for f, v in values.items() if getattr(stored, f) != v}
                plan.updates.append(Change(p.row, stored.pk, after, {f: getattr(stored, f) for f in after}))
                plan.state = {*(plan.state or ()), org.pk}  # the orgs of updated records
        return plan

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        model = self.spec.model
        label = model._meta.label_lower
        now = timezone.now()
        recorded_by = ctx.actor.pk if getattr(ctx.actor, "pk", None) else None
        records = [c.after for c in plan.creates]
        for r in records:
            r.recorded_by_id, r.recorded_at = recorded_by, now
        model.objects.bulk_create(records, batch_size=500)
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        for c in plan.updates:
            # Who recorded it and when follow the import; the values changed are the batch's changes.
            _update(model, c.pk, {**c.after, "recorded_by_id": recorded_by, "recorded_at": now}, now)  # type: ignore[arg-type]
            changes.append((label, c.pk, 1, "updated", c.before, c.after))  # type: ignore[arg-type]
        changes += [(label, first, n, "created", None, None) for first, n in bulk.runs(sorted(r.pk for r in records))]
        touched = sorted({r.org_id for r in records} | set(plan.state or ()))
        return changes + self.after_commit(touched, now)

    def after_commit(self, org_ids: list[int], now: dt.datetime) -> list[tuple[str, int, int, str, Any, Any]]:
        return []


def _update(model: type[models.Model], pk: int, values: dict[str, Any], now: dt.datetime) -> None:
    bulk.update_rows(model, [*values, "updated_at"], [[*values.values(), now, pk]])


class InspectionKind(_PassKind):
    name = "inspections"
    label = gettext_lazy("年检（年报）")
    model = InspectionRecord
    columns = INSPECTION_COLUMNS
    sheet_title = "年检"
    spec = _Kind(InspectionRecord, ("year", "conclusion", "life_held", "life_note", "dues_paid", "charter_clause",
                                    "note"))

    def clean(self, errors: Errors, org: SocialOrg, data: dict[str, Any], rules: PassRules) -> dict[str, Any]:
        return clean_inspection(errors, org, data, rules)


class EvaluationKind(_PassKind):
    name = "evaluations"
    label = gettext_lazy("等级评估")
    model = EvaluationRecord
    columns = EVALUATION_COLUMNS
    sheet_title = "等级评估"
    spec = _Kind(EvaluationRecord, ("year", "grade", "decided_on", "document_number", "note"))

    def clean(self, errors: Errors, org: SocialOrg, data: dict[str, Any], rules: PassRules) -> dict[str, Any]:
        return clean_evaluation(errors, org, data, rules)

    def after_commit(self, org_ids: list[int], now: dt.datetime) -> list[tuple[str, int, int, str, Any, Any]]:
        """Each touched org's current grade from its records, recorded as a change of the org."""
        grades = rebuild_grades(org_ids)
        label = SocialOrg._meta.label_lower
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        for chunk in bulk.id_chunks(org_ids):
            for pk, grade, year in SocialOrg.objects.filter(pk__in=chunk).values_list(
                    "pk", "evaluation_grade", "evaluation_year"):
                new_grade, new_year = grades.get(pk, ("", None))
                if (grade, year) != (new_grade, new_year):
                    after = {"evaluation_grade": new_grade, "evaluation_year": new_year}
                    _update(SocialOrg, pk, after, now)
                    changes.append((label, pk, 1, "updated", {"evaluation_grade": grade, "evaluation_year": year},
                                    after))
        return changes

