"""Import kind "applicants" (发展党员): people in the development pipeline, one row a person with the
dates of their steps so far (application, talk, activist with the recommendation and the cultivation
contacts, the latest review, candidate).

Each row is checked by the pipeline's own functions: ``clean_applicant_fields`` (the person, age ≥ 18
on the application's date, the ID number held by no member and no one else in the pipeline) and,
date after date, ``clean_step`` on the person as the earlier dates left them, so that a row with an
out-of-order or too-early date (a candidate after nine months of training) is refused with its row,
column and rule, and nothing of the file is written. The import stops at the candidate stage:
admission is the superior's approval, which creates the member (record it on the person's page or
through the API); people admitted already are members, imported by the "members" kind.

Natural key: the ID number. A person already in the pipeline with the same ID number, name and
party org is unchanged (a re-import changes nothing); anyone else holding the number is an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import actor_label
from shuniu.core import crypto
from shuniu.core.services import Errors
from shuniu.core.validators import validate_id_number
from shuniu.development.models import Applicant, DevStep, StepCode
from shuniu.development.services import Lookups, clean_applicant_fields, clean_step
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.members import _in_chunks
from shuniu.imports.spec import Column, choice_column
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg

GENDER_OPTIONS = {"男": "male", "女": "female", "male": "male", "female": "female"}
RECOMMENDED_OPTIONS = {"党员推荐": "members", "群团组织推优": "mass_org", "推优": "mass_org", "members": "members",
                       "mass org": "mass_org"}

COLUMNS: list[Column] = [
    Column("name", "姓名", "Name", cells.text, required=True, example="示例：石晓岚", width=12),
    choice_column("gender", "性别", "Gender", GENDER_OPTIONS, ("男", "女"), required=True, example="女"),
    Column("id_number", "公民身份号码", "ID number", cells.code, aliases=("身份证号码", "身份证号"),
           example="320404199501010023", note="出生日期由号码得出；年满十八岁方可申请入党（党章第一条）", width=22),
    Column("birth_date", "出生日期", "Birth date", cells.date, example="1995-01-01", note="无公民身份号码时填写"),
    Column("phone", "电话", "Phone", cells.code, aliases=("联系电话", "手机"), example="13900000000"),
    Column("workplace", "工作单位统一社会信用代码", "Workplace USCC", cells.code, required=True,
           aliases=("工作单位信用代码",), example="52320404MJ0000001X", width=22),
    Column("branch", "培养党组织", "Party org developing", cells.text, required=True,
           aliases=("党组织", "接收申请的党组织"), example="钟楼区社工服务中心党支部", width=28),
    Column("applied_on", "递交入党申请书日期", "Applied on", cells.date, required=True, aliases=("申请日期",),
           example="2024-03-01"),
    Column("talked_on", "谈话日期", "Talked on", cells.date, example="2024-03-20", note="收到申请后一个月内（《细则》第七条）"),
    Column("activist_on", "列为入党积极分子日期", "Activist on", cells.date, example="2024-04-15"),
    choice_column("recommended_by", "推荐方式", "Recommended by", RECOMMENDED_OPTIONS, ("党员推荐", "群团组织推优"),
                  example="党员推荐", note="列为积极分子时必填（《细则》第八条）"),
    Column("contacts", "培养联系人", "Cultivation contacts", cells.text, example="柏文彬",
           note="一至两名本党组织正式党员的姓名，以“、”分隔（《细则》第十条）", width=20),
    Column("last_review_on", "最近一次考察日期", "Latest review on", cells.date, example="2024-10-15",
           note="每半年考察一次（《细则》第十一条）"),
    Column("candidate_on", "列为发展对象日期", "Candidate on", cells.date, example="",
           note="培养考察满一年（《细则》第十三条）"),
]
# The dated columns replayed as steps, in order, with what each step reads from the row.
_STEPS = [("talked_on", StepCode.TALK), ("activist_on", StepCode.ACTIVIST), ("last_review_on", StepCode.REVIEW),
          ("candidate_on", StepCode.CANDIDATE)]


def _digest(raw: Any) -> str | None:
    try:
        return crypto.keyed_hash(validate_id_number(str(raw or "").strip()))
    except ValidationError:
        return None


class ApplicantKind(Kind):
    name = "applicants"
    label = gettext_lazy("发展党员")
    model = Applicant
    columns = COLUMNS
    sheet_title = "发展党员"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:  # noqa: C901
        plan = Plan(kind=self.name)
        orgs = {o.uscc: o for o in _in_chunks(SocialOrg.objects.all(), "uscc", {p.data.get("workplace") for p in parsed})}
        by_name: dict[str, list[PartyOrg]] = {}
        for po in _in_chunks(PartyOrg.objects.filter(dissolved_on__isnull=True), "name",
                             {p.data.get("branch") for p in parsed}):
            by_name.setdefault(po.name, []).append(po)
        orgs_ok = ctx.allowed(SocialOrg, (o.pk for o in orgs.values()))
        party_ok = ctx.allowed(PartyOrg, (po.pk for pos in by_name.values() for po in pos))
        digests = {d for d in (_digest(p.data.get("id_number")) for p in parsed) if d}
        members = dict(_in_chunks(PartyMember.objects.values_list("id_number_hash", "pk"), "id_number_hash", digests))
        open_rows = {a.id_number_hash: a for a in _in_chunks(Applicant.objects.filter(ended_on__isnull=True),
                                                              "id_number_hash", digests)}
        lookups = Lookups()
        seen: dict[str, int] = {}
        for p in parsed:
            plan.rows += 1
            d = dict(p.data)
            errors = Errors()
            for name, (code, message) in p.bad.items():
                errors.by_field.setdefault(name, []).append(ValidationError(message, code=code))
            for col in self.columns:
                if col.required and col.field not in d and col.field not in p.bad:
                    errors.add(col.field, _("%(label)s不能为空（规则：必填）") % {"label": ctx.column(col.field)},
                               "required")
            org = orgs.get(d.get("workplace", ""))
            if "workplace" in d and org is None:
                errors.add("workplace", _("社会组织“%(v)s”不存在（规则：须为已登记组织的统一社会信用代码）")
                           % {"v": d["workplace"]}, "reference")
            elif org is not None and orgs_ok is not None and org.pk not in orgs_ok:
                ctx.refuse_outside(errors, "workplace", d["workplace"])
            found = by_name.get(d.get("branch", ""), [])
            if "branch" in d and len(found) != 1:
                errors.add("branch", (_("党组织“%(v)s”不存在或已撤销（规则：须为现有党组织）") if not found else
                                      _("党组织名称“%(v)s”重名（规则：名称须能确定唯一的党组织）")) % {"v": d["branch"]},
                           "reference")
            elif found and party_ok is not None and found[0].pk not in party_ok:
                ctx.refuse_outside(errors, "branch", d["branch"])
            digest = _digest(d.get("id_number"))
            stored = open_rows.get(digest or "")
            if stored is not None and not errors.by_field and found and stored.branch_id == found[0].pk \
                    and stored.name == d.get("name"):
                plan.unchanged += 1
                continue
            if digest and digest in seen:
                errors.add("id_number", _("与第 %(row)s 行相同（规则：同一文件中每人一行）") % {"row": seen[digest]},
                           "duplicate")
            if digest:
                seen.setdefault(digest, p.row)
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            values = clean_applicant_fields(errors, {**d, "workplace": org, "branch": found[0]}, actor=ctx.actor,
                                            holders=lambda h: (members.get(h), getattr(open_rows.get(h), "pk", None)))
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            a = Applicant(**values)
            assert org is not None
            a.region_id = org.region_id
            a.place_at(org.region_id)
            steps = self._replay(errors, a, d, lookups)
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            plan.creates.append(Change(p.row, None, (a, steps)))
        return plan

    def _replay(self, errors: Errors, a: Applicant, d: dict[str, Any], lookups: Lookups
                ) -> list[tuple[str, dt.date, dict[str, Any]]]:
        """The row's dates as steps on the person, in order; each error keyed by the date's column
        (or the contacts' and recommendation's)."""
        steps: list[tuple[str, dt.date, dict[str, Any]]] = [(StepCode.APPLY, a.applied_on, {})]
        for column, code in _STEPS:
            if column not in d:
                continue
            step_errors = Errors()
            data = {"recommended_by": d.get("recommended_by"), "contacts": d.get("contacts")}
            facts = clean_step(step_errors, a, code, d[column], data, lookups)
            for name, errs in step_errors.by_field.items():
                errors.by_field.setdefault(column if name in ("on", "step") else name, []).extend(errs)
            if step_errors.by_field:
                break
            steps.append((code, d[column], facts))
        return steps

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        now = timezone.now()
        people = [c.after[0] for c in plan.creates]
        for a in people:
            a.created_at = a.updated_at = now
        Applicant.objects.bulk_create(people, batch_size=500)
        label, user = actor_label(ctx.actor), ctx.actor if getattr(ctx.actor, "pk", None) else None
        steps = [DevStep(applicant=a, code=code, on=on, data=facts, actor_label=label, recorded_by=user,
                         documents=_("批量导入") if code == StepCode.APPLY else "", created_at=now, updated_at=now)
                 for c in plan.creates for a in [c.after[0]] for code, on, facts in c.after[1]]
        DevStep.objects.bulk_create(steps, batch_size=500)
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        for model, rows in ((Applicant, people), (DevStep, steps)):
            changes += [(model._meta.label_lower, first, n, "created", None, None)
                        for first, n in bulk.runs(sorted(r.pk for r in rows))]
        return changes

