"""Import kinds "party_orgs" (党组织) and "instructors" (党建工作指导员 and their assignments).

Party orgs are identified by name under their superior (the issue's natural key); the superior is
named, and may be a party org created by an earlier row of the same file. The rules are
``party_org_create``'s (``clean_party_org``, and ``clean_coverage`` for the orgs it covers from its
establishment). An existing party org is updated only in its term (本届任期开始, 任期); a temporary branch has
none. 行业 and 所在业务主管单位 are the lines of the responsible party body (``clean_lines``).

Instructors are identified by name and region; a row may list the orgs (by USCC) the instructor is
assigned to (``assignment_start``'s rules), from 派驻日期.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core import crypto, derived
from shuniu.core.services import Errors, not_in_future
from shuniu.coverage import engine
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.members import _in_chunks
from shuniu.imports.spec import Column, choice_column
from shuniu.party.models import (
    Formation,
    Instructor,
    InstructorAssignment,
    InstructorKind,
    PartyOrg,
    PartyOrgCoverage,
    PartyOrgKind,
)
from shuniu.party.services import (
    OwnLink,
    clean_coverage,
    clean_instructor,
    clean_lines,
    clean_party_org,
    clean_term,
    default_term,
    own_links_of,
)
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.registry.models import OrgStatus, SocialOrg
from shuniu.registry.services import CachedOrgLookups

KIND_OPTIONS = {str(label): value for value, label in PartyOrgKind.choices} | {
    "支部": PartyOrgKind.BRANCH, "总支": PartyOrgKind.GENERAL_BRANCH, "联合支部": PartyOrgKind.JOINT_BRANCH}
FORMATION_OPTIONS = {str(label): value for value, label in Formation.choices} | {
    "单独": Formation.STANDALONE, "联合": Formation.JOINT, "行业": Formation.INDUSTRY, "区域": Formation.REGIONAL}
_SPLIT = re.compile(r"[、，,；;\s]+")


def _codes(value: Any) -> list[str]:
    """A list of codes in one cell, separated by 、 , ; or spaces."""
    return [c for c in (cells.code(part) for part in _SPLIT.split(cells.text(value))) if c]


PARTY_COLUMNS: list[Column] = [
    Column("name", "名称", "Name", cells.text, required=True, aliases=("党组织名称",), example="钟楼区律师行业党委",
           width=30),
    choice_column("kind", "类别", "Kind", KIND_OPTIONS, tuple(str(label) for _v, label in PartyOrgKind.choices),
                  required=True, aliases=("党组织类别", "组织类别"), example="党支部"),
    choice_column("formation", "组建方式", "Formation", FORMATION_OPTIONS,
                  tuple(str(label) for _v, label in Formation.choices), note="不填时：联合党支部为联合组建，其余为单独组建"),
    Column("superior", "上级党组织", "Superior", cells.text, aliases=("上级党组织名称", "上级"), width=30,
           note="现有党组织，或本文件中位于本行之前的党组织"),
    Column("region_code", "所在地区代码", "Region code", cells.code, aliases=("地区代码",),
           note="不填则取所覆盖的第一个组织或上级党组织的地区", example="320404006"),
    Column("established_on", "成立日期", "Established on", cells.date, required=True, aliases=("成立时间",),
           example=dt.date(2019, 7, 1)),
    Column("term_started_on", "本届任期开始", "Term started on", cells.date, aliases=("任期开始", "换届日期")),
    Column("term_years", "任期（年）", "Term years", cells.integer, aliases=("任期", "任期年限")),
    Column("covers", "覆盖组织统一社会信用代码", "Covered orgs (USCC)", _codes,
           aliases=("覆盖组织", "覆盖社会组织统一社会信用代码"), note="多个代码以顿号、逗号或空格分隔", width=40),
    Column("industry", "行业", "Industry", cells.text, aliases=("所属行业",),
           note="仅行业党委填写：行业代码或名称（确定党建工作责任主体）"),
    Column("supervisory_unit", "所在业务主管单位", "Supervisory unit", cells.text,
           aliases=("业务主管单位",), note="本党组织为某业务主管单位的党组织时填写该单位名称（须已在社会组织中登记）", width=24),
]


# ``clean_coverage`` names the fields of ``coverage_add``; a row of this file has them in these columns.
_COVER_COLUMNS = {"org": "covers", "started_on": "established_on", "party_org": "name"}


class PartyOrgKindSpec(Kind):
    name = "party_orgs"
    label = gettext_lazy("党组织")
    model = PartyOrg
    columns = PARTY_COLUMNS
    sheet_title = "党组织"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:  # noqa: C901
        plan = Plan(kind=self.name)
        names = {p.data[f] for p in parsed for f in ("name", "superior") if f in p.data}
        existing: dict[str, list[PartyOrg]] = {}
        for po in _in_chunks(PartyOrg.objects.filter(dissolved_on__isnull=True).select_related("region"), "name",
                             names):
            existing.setdefault(po.name, []).append(po)
        usccs = {c for p in parsed for c in p.data.get("covers", [])}
        orgs = {o.uscc: o for o in _in_chunks(SocialOrg.objects.select_related("region"), "uscc", usccs)}
        # Each covered org's party orgs of its own, with those this file adds (rule OWN_UNIQUE).
        own_links = own_links_of(o.pk for o in orgs.values())
        shorts = set()
        for p in parsed:
            if "region_code" in p.data:
                try:
                    shorts.add(parse(p.data["region_code"]).short)
                except InvalidRegionCode:
                    continue
        lookups = CachedOrgLookups().load(
            region_codes=shorts, unit_names=(p.data["supervisory_unit"] for p in parsed if "supervisory_unit" in p.data))
        # What ``party_org_create`` checks: the superior and the covered orgs (and an existing party
        # org the row would update) must lie in the actor's scope.
        party_ok = ctx.allowed(PartyOrg, (po.pk for pos in existing.values() for po in pos))
        orgs_ok = ctx.allowed(SocialOrg, (o.pk for o in orgs.values()))
        ids = iter(range(-1, -len(parsed) - 1, -1))  # placeholders until the commit reserves real ids
        in_file: dict[str, PartyOrg] = {}
        seen: dict[tuple[str, Any], int] = {}
        scope = ctx.scope
        for p in parsed:
            plan.rows += 1
            d = p.data
            errors = Errors()
            superior = None
            if "superior" in d:
                found = [in_file[d["superior"]]] if d["superior"] in in_file else existing.get(d["superior"], [])
                if len(found) != 1:
                    errors.add("superior", (_("上级党组织“%(v)s”不存在（规则：须为现有党组织或本文件中位于前面的党组织）")
                                            if not found else _("上级党组织“%(v)s”有重名，无法确定（规则：名称须唯一）"))
                               % {"v": d["superior"]}, "reference")
                else:
                    superior = found[0]
                    if party_ok is not None and superior.pk > 0 and superior.pk not in party_ok:
                        ctx.refuse_outside(errors, "superior", d["superior"])
            covers = []
            for code in d.get("covers", []):
                org = orgs.get(code)
                if org is None:
                    errors.add("covers", _("社会组织“%(v)s”不存在（规则：须为已登记组织的统一社会信用代码）") % {"v": code},
                               "reference")
                else:
                    if orgs_ok is not None and org.pk not in orgs_ok:
                        ctx.refuse_outside(errors, "covers", code)
                    covers.append(org)
            formation, est, region = clean_party_org(
                errors, name=d.get("name", ""), kind=d.get("kind", ""), formation=d.get("formation"),
                established_on=d.get("established_on"), superior=superior, region_code=d.get("region_code"),
                covers=covers, lookups=lookups)
            for field_name, (code, message) in p.bad.items():
                kept = [e for e in errors.by_field.pop(field_name, []) if e.code not in ("required", "choice")]
                errors.by_field[field_name] = [*kept, ValidationError(message, code=code)]
            term_start, term_years = clean_term(errors, d.get("term_started_on"), d.get("term_years"),
                                                established_on=est, kind=d.get("kind"))
            lines = clean_lines(errors, kind=d.get("kind", ""), industry=d.get("industry"),
                                supervisory_unit=d.get("supervisory_unit"), lookups=lookups)
            if lines["supervisory_unit"] is not None and lines["supervisory_unit"].pk is None:
                errors.add("supervisory_unit", _("业务主管单位“%(v)s”尚未登记（规则：须为已有社会组织登记的业务主管单位）")
                           % {"v": d["supervisory_unit"]}, "reference")
            key = (d.get("name", ""), superior.pk if superior else None)
            if key in seen:
                errors.add("name", _("与第 %(row)s 行的名称和上级党组织相同（规则：同一上级下名称不能重复）")
                           % {"row": seen[key]}, "duplicate")
            seen.setdefault(key, p.row)
            if scope is not None and scope.kind != "all" and region is not None \
                    and not scope.contains_region(region.code):
                errors.add("region_code", _("地区 %(code)s 不在您的管辖范围内（规则：只能导入本辖区的党组织）")
                           % {"code": region.code}, "scope")
            match = [po for po in existing.get(key[0], []) if po.superior_id == key[1] and po.pk > 0]
            if match and party_ok is not None and match[0].pk not in party_ok:
                errors.add("name", _("党组织“%(v)s”已存在且不在您的管辖范围内（规则：只能修改本辖区的党组织）")
                           % {"v": key[0]}, "scope")
            if not errors.by_field and match:
                old = match[0]
                after: dict[str, Any] = {}
                if term_start and term_start != old.term_started_on:
                    after["term_started_on"] = term_start
                if term_years and term_years != old.term_years:
                    after["term_years"] = term_years
                if after:
                    plan.updates.append(Change(p.row, old.pk, after, {k: getattr(old, k) for k in after}))
                else:
                    plan.unchanged += 1
                continue
            cover_errors = Errors()
            if covers and est is not None:
                candidate = PartyOrg(established_on=est, kind=d.get("kind", ""), formation=formation)
                for org in covers:
                    clean_coverage(cover_errors, candidate, org, est, already_open=False,
                                   own_links=own_links.get(org.pk, []))
            for name, errs in cover_errors.by_field.items():  # reported under this file's columns
                errors.by_field.setdefault(_COVER_COLUMNS.get(name, name), []).extend(errs)
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            assert est is not None and region is not None
            party_org = PartyOrg(id=next(ids), name=d["name"].strip(), kind=d["kind"], formation=formation,
                                 superior=superior, established_on=est,
                                 **default_term(d["kind"], term_start, term_years, est), **lines)
            party_org.set_region(region)
            in_file[party_org.name] = party_org
            if party_org.is_own:
                for org in covers:
                    own_links.setdefault(org.pk, []).append(OwnLink(None, party_org.name, est, None))
            plan.creates.append(Change(p.row, None, (party_org, covers)))
        return plan

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        now = timezone.now()
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        created = [c.after[0] for c in plan.creates]
        covers = [(c.after[0], org) for c in plan.creates for org in c.after[1]]
        with derived.track() as tracker:
            tracker.touch(orgs={org.pk for _po, org in covers}, party_orgs=[c.pk for c in plan.updates])
            for c in plan.updates:
                bulk.update_rows(PartyOrg, [*c.after, "updated_at"], [[*c.after.values(), now, c.pk]])
                changes.append((PartyOrg._meta.label_lower, c.pk, 1, "updated", c.before, c.after))  # type: ignore[arg-type]
            real = bulk.reserve_ids(PartyOrg, len(created))
            for po, pk in zip(created, real, strict=True):
                po.pk = pk  # rows are in file order: a superior in the file got its id before
            for po in created:
                superior = po.superior
                po.path = f"{superior.path if superior else '/'}{po.pk}/"
                # The superior's id was a placeholder if the same file creates it (this clears the
                # cached superior, hence read above).
                po.superior_id = superior.pk if superior else None
            PartyOrg.objects.bulk_create(created, batch_size=500)
            links = [PartyOrgCoverage(party_org=po, org=org, started_on=po.established_on) for po, org in covers]
            PartyOrgCoverage.objects.bulk_create(links, batch_size=500)
            tracker.created(party_orgs=real)
        changes += [(PartyOrg._meta.label_lower, first, n, "created", None, None) for first, n in bulk.runs(real)]
        changes += [(PartyOrgCoverage._meta.label_lower, first, n, "created", None, None)
                    for first, n in bulk.runs(link.pk for link in links)]
        return changes


INSTRUCTOR_COLUMNS: list[Column] = [
    Column("name", "姓名", "Name", cells.text, required=True, example="李四"),
    choice_column("kind", "类别", "Kind", {str(label): value for value, label in InstructorKind.choices} | {
        "指导员": InstructorKind.INSTRUCTOR, "联络员": InstructorKind.LIAISON},
        tuple(str(label) for _v, label in InstructorKind.choices), required=True, example="党建工作指导员"),
    Column("phone", "电话", "Phone", cells.code, aliases=("手机", "手机号", "联系电话"), example="13900000000"),
    Column("employer", "工作单位", "Employer", cells.text, example="钟楼区社会组织综合党委", width=24),
    Column("capacity", "可联系组织数", "Capacity", cells.integer, example=5),
    Column("region_code", "所在地区代码", "Region code", cells.code, required=True, aliases=("地区代码",),
           example="320404006"),
    Column("orgs", "派驻组织统一社会信用代码", "Assigned orgs (USCC)", _codes, aliases=("派驻组织",),
           note="多个代码以顿号、逗号或空格分隔", width=40),
    Column("started_on", "派驻日期", "Assigned on", cells.date, aliases=("派驻起始日期",), note="不填为今天"),
]


class InstructorKindSpec(Kind):
    name = "instructors"
    label = gettext_lazy("党建工作指导员")
    model = Instructor
    columns = INSTRUCTOR_COLUMNS
    sheet_title = "指导员"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:  # noqa: C901
        plan = Plan(kind=self.name)
        shorts = set()
        for p in parsed:
            try:
                shorts.add(parse(p.data.get("region_code", "")).short)
            except InvalidRegionCode:
                continue
        lookups = CachedOrgLookups().load(region_codes=shorts)
        existing = {(i.name, i.region_id): i for i in _in_chunks(Instructor.objects.filter(ended_on__isnull=True),
                                                                   "name", {p.data.get("name") for p in parsed})}
        usccs = {c for p in parsed for c in p.data.get("orgs", [])}
        orgs = {o.uscc: o for o in _in_chunks(SocialOrg.objects.all(), "uscc", usccs)}
        open_pairs = set(_in_chunks(InstructorAssignment.objects.filter(ended_on__isnull=True).values_list(
            "instructor_id", "org_id"), "org_id", {o.pk for o in orgs.values()}))
        # ``assignment_start`` checks the org it assigns to (the instructor is placed by the row's region).
        orgs_ok = ctx.allowed(SocialOrg, (o.pk for o in orgs.values()))
        today = timezone.localdate()
        seen: dict[tuple[str, str], int] = {}
        scope = ctx.scope
        for p in parsed:
            plan.rows += 1
            d = p.data
            errors = Errors()
            capacity = d.get("capacity", 5)
            region, values = clean_instructor(errors, name=d.get("name", ""), kind=d.get("kind", ""),
                                              region_code=d.get("region_code"), phone=d.get("phone", ""),
                                              capacity=capacity, lookups=lookups)
            for field_name, (code, message) in p.bad.items():
                kept = [e for e in errors.by_field.pop(field_name, []) if e.code not in ("required", "choice")]
                errors.by_field[field_name] = [*kept, ValidationError(message, code=code)]
            start = d.get("started_on") or today
            not_in_future(errors, "started_on", start, ctx.column("started_on"))
            targets = []
            for code in d.get("orgs", []):
                org = orgs.get(code)
                if org is None:
                    errors.add("orgs", _("社会组织“%(v)s”不存在（规则：须为已登记组织的统一社会信用代码）") % {"v": code},
                               "reference")
                elif orgs_ok is not None and org.pk not in orgs_ok:
                    ctx.refuse_outside(errors, "orgs", code)
                elif org.status != OrgStatus.ACTIVE:
                    errors.add("orgs", _("“%(o)s”已注销") % {"o": org}, "state")
                else:
                    targets.append(org)
            key = (d.get("name", "").strip(), region.code if region else "")
            if key in seen:
                errors.add("name", _("与第 %(row)s 行的姓名和地区相同（规则：同一地区姓名不能重复）") % {"row": seen[key]},
                           "duplicate")
            seen.setdefault(key, p.row)
            if scope is not None and scope.kind != "all" and region is not None \
                    and not scope.contains_region(region.code):
                errors.add("region_code", _("地区 %(code)s 不在您的管辖范围内（规则：只能导入本辖区的指导员）")
                           % {"code": region.code}, "scope")
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            assert region is not None
            old = existing.get(key)
            new_orgs = [o for o in targets if old is None or (old.pk, o.pk) not in open_pairs]
            if old is not None:
                after = {}
                if d.get("employer") is not None and d["employer"] != old.employer:
                    after["employer"] = d["employer"]
                if "capacity" in d and capacity != old.capacity:
                    after["capacity"] = capacity
                if values and crypto.decrypt(old.phone_encrypted) != crypto.decrypt(values["phone_encrypted"]):
                    after.update(values)
                if after or new_orgs:
                    plan.updates.append(Change(p.row, old.pk, (after, new_orgs, start),
                                               {k: getattr(old, k) for k in after}))
                else:
                    plan.unchanged += 1
                continue
            instructor = Instructor(name=key[0], kind=d["kind"], employer=d.get("employer", ""), capacity=capacity,
                                    **values)
            instructor.set_region(region)
            plan.creates.append(Change(p.row, None, (instructor, new_orgs, start)))
        return plan

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        now = timezone.now()
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        instructors = [c.after[0] for c in plan.creates]
        with engine.track() as tracker:
            assigned = [(c.after[0], org, c.after[2]) for c in plan.creates for org in c.after[1]]
            assigned += [(c.pk, org, c.after[2]) for c in plan.updates for org in c.after[1]]
            tracker.touch(orgs={org.pk for _i, org, _s in assigned})
            for c in plan.updates:
                after = c.after[0]
                if after:
                    bulk.update_rows(Instructor, [*after, "updated_at"], [[*after.values(), now, c.pk]])
                    changes.append((Instructor._meta.label_lower, c.pk, 1, "updated", c.before, after))  # type: ignore[arg-type]
            Instructor.objects.bulk_create(instructors, batch_size=500)
            links = [InstructorAssignment(instructor_id=i if isinstance(i, int) else i.pk, org=org, started_on=start)
                     for i, org, start in assigned]
            InstructorAssignment.objects.bulk_create(links, batch_size=500)
        changes += [(Instructor._meta.label_lower, first, n, "created", None, None)
                    for first, n in bulk.runs(i.pk for i in instructors)]
        changes += [(InstructorAssignment._meta.label_lower, first, n, "created", None, None)
                    for first, n in bulk.runs(link.pk for link in links)]
        return changes
