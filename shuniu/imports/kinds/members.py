"""Import kind "members": party members (党员), upserted by the keyed hash of the ID number.

Rows are validated by ``clean_member_fields`` (the rules of ``member_create`` / ``member_update``:
GB 11643 ID numbers, phone numbers, dates, one relation) and placed as ``place_member`` places
them. The ID number is required here: it is how a second import recognizes a member, and it is
encrypted at rest and never written back in full (errors show it masked). The workplace is given
by its USCC, the relation-holding party org by its name (it must be unambiguous).
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core import crypto
from shuniu.core.services import Errors
from shuniu.core.validators import normalize_code
from shuniu.coverage import engine
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.orgs import YES_NO
from shuniu.imports.spec import Column, choice_column
from shuniu.party import privacy
from shuniu.party.models import EndReason, Gender, MemberStatus, Participation, PartyMember, PartyOrg, RelationChange
from shuniu.party.services import clean_member_end, clean_member_fields, place_member
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.registry.models import SocialOrg
from shuniu.registry.services import CachedOrgLookups

END_REASON_OPTIONS = {str(label): value for value, label in EndReason.choices} | {
    "组织关系转出": EndReason.TRANSFERRED_OUT, "转出本系统": EndReason.TRANSFERRED_OUT, "去世": EndReason.DIED,
    "病故": EndReason.DIED, "逝世": EndReason.DIED, "开除党籍": EndReason.LEFT_PARTY, "退党": EndReason.LEFT_PARTY,
    "停止": EndReason.STOPPED}
_ENDING = ("ended_on", "end_reason", "end_note")

COLUMNS: list[Column] = [
    Column("name", "姓名", "Name", cells.text, required=True, aliases=("党员姓名",), example="张三"),
    choice_column("gender", "性别", "Gender", {"男": Gender.MALE, "女": Gender.FEMALE, "男性": Gender.MALE,
                                               "女性": Gender.FEMALE}, ("男", "女"), required=True, example="女"),
    Column("id_number", "公民身份号码", "ID number", cells.code, required=True,
           aliases=("身份证号", "身份证号码", "身份证", "证件号码"), example="32040419850101001X",
           note="18 位（GB 11643-1999）；用于识别党员，重复导入不会重复登记", width=22),
    Column("phone", "电话", "Phone", cells.code, aliases=("手机", "手机号", "手机号码", "联系电话"), example="13900000000"),
    choice_column("status", "党员状态", "Status", {"正式党员": MemberStatus.FULL, "正式": MemberStatus.FULL,
                                                  "预备党员": MemberStatus.PROBATIONARY,
                                                  "预备": MemberStatus.PROBATIONARY},
                  ("正式党员", "预备党员"), required=True, aliases=("党员类别", "人员类别"), example="正式党员"),
    Column("admitted_on", "入党日期", "Admitted on", cells.date, aliases=("入党时间",), example="2015-06-01"),
    Column("full_on", "转正日期", "Full member on", cells.date, aliases=("转正时间",), example="2016-06-01"),
    Column("workplace", "工作单位统一社会信用代码", "Workplace USCC", cells.code,
           aliases=("工作单位代码", "工作单位信用代码"), example="51320404MJ0000001W", width=22),
    Column("relation_org", "组织关系所在党组织", "Relation party org", cells.text,
           aliases=("所在党组织", "所在党支部", "党组织"), width=24),
    Column("relation_elsewhere", "组织关系在外", "Relation elsewhere", cells.text, note="组织关系不在本系统党组织时填写其名称"),
    Column("is_mobile", "流动党员", "Mobile", cells.boolean, aliases=("是否流动党员",), labels=YES_NO, example="否"),
    Column("region_code", "所在地区代码", "Region code", cells.code, aliases=("地区代码",),
           note="不填则取工作单位或党组织所在地区"),
    # A member leaving the roster (党员减少): the reason is a category of the statistics.
    Column("ended_on", "减少日期", "Left on", cells.date, aliases=("减少时间",), note="党员减少时填写，并填写减少原因"),
    choice_column("end_reason", "减少原因", "Reason for leaving", END_REASON_OPTIONS,
                  tuple(str(label) for _v, label in EndReason.choices), aliases=("减少类别",),
                  note="转出、死亡、出党、停止党籍、除名、其他"),
    Column("end_note", "减少原因说明", "Note on the reason", cells.text, note="减少原因为“其他”时必填", width=24),
]

_COMPARED = ["name", "gender", "status", "admitted_on", "full_on", "birth_date", "workplace_id", "relation_org_id",
             "ended_on", "end_reason", "end_note",
             "relation_elsewhere", "is_mobile", "region_id", "province_code", "city_code", "county_code",
             "street_code", "community_code"]


class MemberKind(Kind):
    name = "members"
    label = gettext_lazy("党员")
    model = PartyMember
    columns = COLUMNS
    sheet_title = "党员"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:  # noqa: C901
        plan = Plan(kind=self.name)
        if self._limited(plan, ctx):
            return plan
        digests: dict[int, str] = {}
        numbers: dict[int, str] = {}
        usccs, party_names, region_shorts = set(), set(), set()
        for p in parsed:
            d = p.data
            if "id_number" in d:
                numbers[p.row] = number = normalize_code(d["id_number"])
                digests[p.row] = crypto.keyed_hash(number)
            if "workplace" in d:
                usccs.add(d["workplace"])
            if "relation_org" in d:
                party_names.add(d["relation_org"])
            if "region_code" in d:
                with contextlib.suppress(InvalidRegionCode):
                    region_shorts.add(parse(d["region_code"]).short)
        owners = dict(bulk.select_in("SELECT id_number_hash, id FROM party_partymember WHERE {where}",
                                     "id_number_hash", sorted(set(digests.values()))))
        orgs = {o.uscc: o for o in _in_chunks(SocialOrg.objects.select_related("region"), "uscc", usccs)}
        by_name: dict[str, list[PartyOrg]] = {}
        for po in _in_chunks(PartyOrg.objects.filter(dissolved_on__isnull=True).select_related("region"), "name",
                             party_names):
            by_name.setdefault(po.name, []).append(po)
        existing = {m["id"]: m for m in _in_chunks(PartyMember.objects.values("id", "phone_encrypted", *_COMPARED),
                                                  "id", set(owners.values()))}
        lookups = CachedOrgLookups().load(region_codes=region_shorts)
        # Members with org life elsewhere: member_end ends those records too, so they leave through it.
        open_parts = set(_in_chunks(Participation.objects.filter(ended_on__isnull=True).values_list(
            "member_id", flat=True), "member_id", set(owners.values())))
        relation_orgs = {po.pk: po for pos in by_name.values() for po in pos}
        # What the actor may write, as ``member_create`` and ``member_update`` check it: the members
        # to update, the workplaces and relation orgs named, and those the members would leave.
        members_ok = ctx.allowed(PartyMember, existing)
        orgs_ok = ctx.allowed(SocialOrg, [*(o.pk for o in orgs.values()),
                                          *(m["workplace_id"] for m in existing.values())])
        party_ok = ctx.allowed(PartyOrg, [*relation_orgs, *(m["relation_org_id"] for m in existing.values())])
        seen: dict[str, int] = {}
        scope = ctx.scope
        for p in parsed:
            plan.rows += 1
            d = dict(p.data)
            errors = Errors()
            digest = digests.get(p.row)
            pk = owners.get(digest) if digest else None
            if digest:
                first = seen.get(digest)
                if first is not None:
                    errors.add("id_number", _("与第 %(row)s 行的公民身份号码相同（规则：同一文件中号码不能重复）")
                               % {"row": first}, "duplicate")
                else:
                    seen[digest] = p.row
            region_code = d.pop("region_code", None)
            ending = {k: d.pop(k) for k in _ENDING if k in d}
            if "workplace" in d:
                org = orgs.get(d["workplace"])
                if org is None:
                    errors.add("workplace", _("工作单位“%(v)s”不存在（规则：须为已登记组织的统一社会信用代码）")
                               % {"v": d["workplace"]}, "reference")
                elif orgs_ok is not None and org.pk not in orgs_ok:
                    ctx.refuse_outside(errors, "workplace", d["workplace"])
                d["workplace"] = org
            if "relation_org" in d:
                found = by_name.get(d["relation_org"], [])
                if len(found) != 1:
                    errors.add("relation_org", (_("党组织“%(v)s”不存在或已撤销（规则：须为现有党组织）") if not found else
                                                _("党组织“%(v)s”有重名，无法确定（规则：名称须唯一）"))
                               % {"v": d["relation_org"]}, "reference")
                elif party_ok is not None and found[0].pk not in party_ok:
                    ctx.refuse_outside(errors, "relation_org", d["relation_org"])
                d["relation_org"] = found[0] if len(found) == 1 else None
            old = existing.get(pk) if pk is not None else None
            refused = old is not None and members_ok is not None and pk not in members_ok
            if old is not None and refused:
                # Held by a member outside the scope: the row is checked as a new member and refused
                # without a word on whom, where or what status (shuniu.party.privacy).
                errors.add("id_number", privacy.refuse(ctx.actor, numbers[p.row], old["id"], via="import"),
                           privacy.REFUSED_CODE)
                old = pk = None
            instance = None
            if old is not None:
                d.pop("id_number", None)  # the key itself: unchanged, and re-encrypting it would look like a change
                instance = SimpleNamespace(pk=pk, status=old["status"], full_on=old["full_on"],
                                           admitted_on=old["admitted_on"], birth_date=old["birth_date"],
                                           relation_elsewhere=old["relation_elsewhere"],
                                           relation_org=relation_orgs.get(old["relation_org_id"]) or (
                                               PartyOrg.objects.filter(pk=old["relation_org_id"]).first()
                                               if old["relation_org_id"] else None))
            out = clean_member_fields(errors, d, instance, _no_owner if refused else owners.get, actor=ctx.actor)
            if ending or any(k in p.bad for k in _ENDING):
                self._ending(errors, ending, old, out, open_parts)
            for field_name, (code, message) in p.bad.items():
                kept = [e for e in errors.by_field.pop(field_name, []) if e.code != "required"]
                errors.by_field[field_name] = [*kept, ValidationError(message, code=code)]
            member = PartyMember(**{k: v for k, v in out.items() if k not in ("workplace", "relation_org")})
            member.workplace = out.get("workplace") if "workplace" in out else None
            member.relation_org = out.get("relation_org") if "relation_org" in out else None
            if old is not None:
                member.workplace_id = out["workplace"].pk if out.get("workplace") else (
                    None if "workplace" in out else old["workplace_id"])
                member.relation_org_id = out["relation_org"].pk if out.get("relation_org") else (
                    None if "relation_org" in out else old["relation_org_id"])
            unresolved = "workplace" in errors.by_field or "relation_org" in errors.by_field
            if (old is None or region_code or "workplace" in out or "relation_org" in out) and not unresolved:
                if member.workplace_id and member.workplace is None:
                    member.workplace = SocialOrg.objects.select_related("region").get(pk=member.workplace_id)
                if member.relation_org_id and member.relation_org is None:
                    member.relation_org = PartyOrg.objects.select_related("region").get(pk=member.relation_org_id)
                place_member(member, errors, region_code, lookups)
            if scope is not None and scope.kind != "all":
                if member.region_id and not scope.contains_region(member.region_id):
                    errors.add("region_code", _("地区 %(code)s 不在您的管辖范围内（规则：只能导入本辖区的党员）")
                               % {"code": member.region_id}, "scope")
                for field_name, ok in (("workplace", orgs_ok), ("relation_org", party_ok)):
                    left = old[f"{field_name}_id"] if old is not None and field_name in out else None
                    if ok is not None and left is not None and left != getattr(member, f"{field_name}_id") \
                            and left not in ok:
                        errors.add(field_name, _("%(label)s：该党员原来的单位或党组织不在您的管辖范围内（规则：只能从管辖范围内调出）")
                                   % {"label": ctx.column(field_name)}, "scope")
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                if refused and self._limited(plan, ctx):
                    return plan
                continue
            if old is None:
                plan.creates.append(Change(p.row, None, member))
                continue
            before, after = {}, {}
            placed = old is None or region_code or "workplace" in out or "relation_org" in out
            for k in _COMPARED:
                if k in ("region_id", "province_code", "city_code", "county_code", "street_code", "community_code"):
                    if not placed:
                        continue
                elif k in ("workplace_id", "relation_org_id"):
                    if k.removesuffix("_id") not in out:
                        continue
                elif k not in out:
                    continue
                new = getattr(member, k)
                if new != old[k]:
                    before[k], after[k] = old[k], new
            if "phone_encrypted" in out:
                old_phone = crypto.decrypt(old["phone_encrypted"])
                if old_phone != crypto.decrypt(out["phone_encrypted"]):
                    before.update(phone_encrypted=old["phone_encrypted"])
                    after.update(phone_encrypted=out["phone_encrypted"], phone_masked=out["phone_masked"])
            if after:
                plan.updates.append(Change(p.row, pk, after, before))
            else:
                plan.unchanged += 1
        return plan

    @staticmethod
    def _limited(plan: Plan, ctx: Context) -> bool:
        """Whether the actor has been refused too many ID numbers: then the preview stops here, with
        the message above the file's rows, before another number is looked up."""
        wait = privacy.retry_after(ctx.actor)
        if wait:
            plan.add_error(ctx, ctx.header.row + 1, "", "rate_limit", privacy.limited_message(wait))
        return bool(wait)

    @staticmethod
    def _ending(errors: Errors, ending: dict[str, Any], old: dict[str, Any] | None, out: dict[str, Any],
                open_parts: set[int]) -> None:
        """A member leaving the roster in this row: ``member_end``'s rules; the values go to ``out``."""
        if old is None:
            errors.add("ended_on", _("减少只能登记已有的党员（规则：先登记，后减少）"), "state")
            return
        same = all(ending.get(k, old[k]) == old[k] for k in _ENDING)
        if old["ended_on"] is not None and same:
            return  # recorded as it is: unchanged
        day, category, text = clean_member_end(errors, ending.get("ended_on"), ending.get("end_reason"),
                                               ending.get("end_note", ""), already_ended=old["ended_on"] is not None)
        if old["id"] in open_parts:
            errors.add("ended_on", _("该党员尚有参加组织生活的记录，请在页面或接口上登记减少，以便同时结束这些记录"), "state")
        out.update(ended_on=day, end_reason=category, end_note=text)

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        label = PartyMember._meta.label_lower
        changes: list[tuple[str, int, int, str, Any, Any]] = []
        now = timezone.now()
        tracker = engine.Tracker()
        updated = [c.pk for c in plan.updates if c.pk is not None]
        tracker.touch(orgs=[*_workplaces(updated), *(c.after.get("workplace_id") for c in plan.updates)],
                      members=updated)
        tracker.touch(orgs={c.after.workplace_id for c in plan.creates})
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for c in plan.updates:
            groups.setdefault(tuple(c.after), []).append([*c.after.values(), now, c.pk])
            changes.append((label, c.pk, 1, "updated", c.before, c.after))  # type: ignore[arg-type]
        for names, group in groups.items():
            bulk.update_rows(PartyMember, [*names, "updated_at"], group)
        # A relation changed by the file is a correction of the record, dated today in the history
        # (``shuniu.party.relations``); undoing the batch deletes these rows with the rest.
        moves = [RelationChange(member_id=int(c.pk or 0), on=timezone.localdate(), from_org_id=c.before.get("relation_org_id"),
                                from_elsewhere=c.before.get("relation_elsewhere") or "",
                                to_org_id=c.after.get("relation_org_id"), to_elsewhere=c.after.get("relation_elsewhere") or "",
                                reason=_("导入更正"))
                 for c in plan.updates if c.pk is not None and {"relation_org_id", "relation_elsewhere"} & set(c.after)]
        RelationChange.objects.bulk_create(moves, batch_size=500)
        changes += [(RelationChange._meta.label_lower, first, n, "created", None, None)
                    for first, n in bulk.runs([m.pk for m in moves])]
        members = [c.after for c in plan.creates]
        PartyMember.objects.bulk_create(members, batch_size=500)
        ids = [m.pk for m in members]
        tracker.created(members=ids)
        tracker.finish()
        changes += [(label, first, n, "created", None, None) for first, n in bulk.runs(ids)]
        return changes


def _no_owner(digest: str) -> None:
    return None


def _in_chunks(qs: Any, field: str, values: set[Any], size: int = 900) -> list[Any]:
    listed = sorted(v for v in values if v not in (None, ""))
    out: list[Any] = []
    for start in range(0, len(listed), size):
        out.extend(qs.filter(Q(**{f"{field}__in": listed[start:start + size]})))
    return out


def _workplaces(ids: list[int]) -> list[int | None]:
    return [m for m in _in_chunks(PartyMember.objects.values_list("workplace_id", flat=True), "id", set(ids))]
