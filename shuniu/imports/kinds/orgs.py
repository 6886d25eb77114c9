"""Import kind "orgs": social organizations (社会组织), upserted by USCC.

Rows are validated by ``clean_org_fields``, the rules ``org_create`` and ``org_update`` apply, with
lookups preloaded for the whole file; the status columns follow ``clean_deregistration`` as
``org_deregister`` does. Natural key: the USCC; a community org without one is identified by name
and region. On an update only the non-blank cells of the file are applied (a blank cell never
erases a value), and the registration authority region is kept, as ``org_update`` does. The
evaluation grade is not a column: it is derived from the evaluation records, which the
"evaluations" kind imports (``shuniu.imports.kinds.passes``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core.services import Errors
from shuniu.coverage import engine
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.rollup import GROUP, Groups, OrgRollupDelta
from shuniu.imports.spec import Column, choice_column
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.registry.models import Industry, OrgStatus, OrgType, SocialOrg, SupervisoryUnit
from shuniu.registry.services import CachedOrgLookups, clean_deregistration, clean_org_fields

TYPE_OPTIONS = {
    "社会团体": OrgType.SOCIAL_GROUP, "社团": OrgType.SOCIAL_GROUP, "social group": OrgType.SOCIAL_GROUP,
    "社会服务机构": OrgType.SERVICE_INSTITUTION, "民办非企业单位": OrgType.SERVICE_INSTITUTION,
    "民办非企业": OrgType.SERVICE_INSTITUTION, "民非": OrgType.SERVICE_INSTITUTION,
    "社会服务机构（民办非企业单位）": OrgType.SERVICE_INSTITUTION, "service institution": OrgType.SERVICE_INSTITUTION,
    "基金会": OrgType.FOUNDATION, "foundation": OrgType.FOUNDATION,
    "社区社会组织": OrgType.COMMUNITY_ORG, "社区社会组织（备案）": OrgType.COMMUNITY_ORG,
    "community org": OrgType.COMMUNITY_ORG,
    "社会中介组织": OrgType.SOCIAL_INTERMEDIARY, "社会中介类社会组织": OrgType.SOCIAL_INTERMEDIARY,
    "社会中介组织（律师、会计师、税务师事务所）": OrgType.SOCIAL_INTERMEDIARY, "律师事务所": OrgType.SOCIAL_INTERMEDIARY,
    "会计师事务所": OrgType.SOCIAL_INTERMEDIARY, "税务师事务所": OrgType.SOCIAL_INTERMEDIARY,
    "social intermediary": OrgType.SOCIAL_INTERMEDIARY,
}
LEVEL_OPTIONS = {
    "国家": "national", "国家级": "national", "全国": "national", "民政部": "national",
    "省": "province", "省级": "province", "省（自治区、直辖市）": "province",
    "市": "city", "市级": "city", "地级": "city", "地市": "city", "地市级": "city",
    "县": "county", "县级": "county", "区": "county", "区县": "county", "县区": "county", "县（区）": "county",
    "区级": "county", "县（市、区）": "county",
}
STATUS_OPTIONS = {"正常": OrgStatus.ACTIVE, "存续": OrgStatus.ACTIVE, "活跃": OrgStatus.ACTIVE,
                  "注销": OrgStatus.DEREGISTERED, "已注销": OrgStatus.DEREGISTERED}
YES_NO = ("是", "否")

COLUMNS: list[Column] = [
    Column("name", "名称", "Name", cells.text, required=True, aliases=("组织名称", "社会组织名称", "单位名称"),
           example="钟楼区社会工作者协会", note="登记证书上的全称", width=32),
    Column("uscc", "统一社会信用代码", "USCC", cells.code, aliases=("社会信用代码", "信用代码", "统一代码"),
           example="51320404MJ0000001W", note="18 位（GB 32100-2015）；社区社会组织可空", width=22),
    choice_column("type", "类型", "Type", TYPE_OPTIONS,
                  ("社会团体", "社会服务机构", "民办非企业单位", "基金会", "社区社会组织", "社会中介组织"),
                  required=True, aliases=("组织类型", "社会组织类型", "类别"), example="社会团体",
                  note="律师、会计师、税务师事务所为社会中介组织（代码 31 或 91 开头）"),
    Column("region_code", "所在地区代码", "Region code", cells.code, required=True,
           aliases=("地区代码", "区划代码", "行政区划代码", "所在地代码"),
           example="320404006", note="6 位（区县）、9 位（街道）或 12 位（社区）行政区划代码", width=16),
    choice_column("registration_level", "登记管理机关级别", "Registration level", LEVEL_OPTIONS,
                  ("国家", "省", "市", "县"), required=True, aliases=("登记机关级别", "登记级别", "登记管理机关"),
                  example="县", width=16),
    Column("supervisory_unit", "业务主管单位", "Supervisory unit", cells.text, aliases=("主管单位",),
           example="钟楼区民政局", width=20),
    Column("industry", "行业", "Industry", cells.text, aliases=("所属行业", "行业类别"), example="社会服务"),
    Column("full_time_staff", "专职人员数", "Full-time staff", cells.integer,
           aliases=("专职人员", "专职工作人员数", "专职人数"), example=5),
    Column("established_on", "成立日期", "Established on", cells.date, aliases=("成立时间", "登记日期"),
           example=dt.date(2016, 1, 2), note="如 2016-01-02、2016/1/2、2016年1月2日"),
    choice_column("status", "状态", "Status", STATUS_OPTIONS, ("正常", "注销"), aliases=("登记状态",), example="正常"),
    Column("deregistered_on", "注销日期", "Deregistered on", cells.date, aliases=("注销时间",), note="状态为注销时必填"),
    Column("has_trade_union", "建立工会", "Trade union", cells.boolean, aliases=("是否建立工会", "工会"),
           labels=YES_NO, example="否"),
    Column("has_youth_league", "建立团组织", "Youth league", cells.boolean, aliases=("是否建立团组织", "团组织"),
           labels=YES_NO, example="否"),
]

# Model attributes an import may write (besides the region prefixes, registration region and timestamps).
_WRITABLE = ["name", "uscc", "type", "registration_level", "supervisory_unit_id", "industry_id", "full_time_staff",
             "established_on", "status", "deregistered_on", "has_trade_union", "has_youth_league",
             "evaluation_grade", "evaluation_year", "region_id", "province_code", "city_code", "county_code",
             "street_code", "community_code"]
_EXISTING = ["id", "registration_region_id", *_WRITABLE]


class OrgKind(Kind):
    name = "orgs"
    label = gettext_lazy("社会组织")
    model = SocialOrg
    columns = COLUMNS
    sheet_title = "社会组织"

    def template_columns(self) -> list[Column]:
        names = tuple(Industry.objects.order_by("code").values_list("name", flat=True))
        return [replace(c, labels=names) if c.field == "industry" else c for c in self.columns]

    # ---- plan -----------------------------------------------------------------------------------
    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:
        plan = Plan(kind=self.name)
        checked = self._check(parsed, ctx, plan, self._prepare(parsed, plan))
        for _change in checked:
            pass
        return plan

    def _prepare(self, parsed: list[Parsed], plan: Plan) -> _Prepared:
        """Everything the rows are checked against, read with a few set-based queries."""
        lookups = CachedOrgLookups()
        plan.state = lookups
        industries = _industry_names()
        region_shorts: set[str] = set()
        usccs: set[str] = set()
        units: set[str] = set()
        community_names: set[str] = set()
        region_codes: set[str] = set()
        industry_seen: dict[str, str] = {}
        for p in parsed:
            d = p.data
            if "uscc" in d:
                usccs.add(d["uscc"])
            elif "name" in d:
                community_names.add(d["name"])
            if "region_code" in d:
                region_codes.add(d["region_code"])
            if "supervisory_unit" in d:
                units.add(d["supervisory_unit"])
            if "industry" in d:
                raw = d["industry"]
                found = industry_seen.get(raw)
                if found is None:
                    found = industry_seen[raw] = industries.get(cells.choice_key(raw), raw)
                d["industry"] = found
        for code in region_codes:
            with contextlib.suppress(InvalidRegionCode):
                region_shorts.add(parse(code).short)
        lookups.load(usccs=usccs, unit_names=units)
        community = _community_keys(community_names)
        existing = _existing_rows({*lookups.usccs.values(), *community.values()})
        lookups.load(region_codes=region_shorts | {r["region_id"] for r in existing.values()})
        return _Prepared(lookups, community, existing, units)

    def _check(self, parsed: list[Parsed], ctx: Context, plan: Plan, prepared: _Prepared) -> Iterator[Change]:  # noqa: C901
        """Check every row (no database access): errors, updates and unchanged rows go to ``plan``;
        each row to create is added to ``plan.creates`` and yielded, so that a caller may write it
        at once (``plan_and_commit``)."""
        lookups, community, existing = prepared.lookups, prepared.community, prepared.existing
        seen: dict[tuple[str, ...], int] = {}
        memo: dict[Any, Any] = {}
        authorities: dict[tuple[str, str], str] = {}
        scope = ctx.scope
        for p in parsed:
            plan.rows += 1
            d = p.data
            errors = Errors()
            # The natural key, and duplicates within the file.
            pk: int | None = None
            uscc = d.get("uscc")
            if uscc:
                key: tuple[str, ...] = ("uscc", uscc)
                pk = lookups.usccs.get(uscc)
            else:
                key = ("name", d.get("name", ""), _short(d.get("region_code")))
                pk = community.get(key[1:])
            first = seen.get(key)
            if first is not None and key[-1]:
                if uscc:
                    errors.add("uscc", _("与第 %(row)s 行的统一社会信用代码相同（规则：同一文件中代码不能重复）")
                               % {"row": first}, "duplicate")
                else:
                    errors.add("name", _("与第 %(row)s 行的名称和地区相同（规则：无代码的组织按名称与地区识别，不能重复）")
                               % {"row": first}, "duplicate")
            else:
                seen[key] = p.row
            old = existing.get(pk) if pk is not None else None
            status = d.pop("status", None)
            dereg_on = d.pop("deregistered_on", None)
            instance = SimpleNamespace(pk=pk, type=old["type"], uscc=old["uscc"],
                                       evaluation_year=old["evaluation_year"]) if old else None
            out = clean_org_fields(errors, d, instance, lookups, memo)
            established = out.get("established_on", old["established_on"] if old else None)
            was_deregistered = old is not None and old["status"] == OrgStatus.DEREGISTERED
            old_dereg_on = old["deregistered_on"] if old is not None else None
            if status == OrgStatus.DEREGISTERED:
                if not (was_deregistered and dereg_on in (None, old_dereg_on)):
                    day = clean_deregistration(errors, dereg_on, established_on=established, already=False)
                    out["status"], out["deregistered_on"] = OrgStatus.DEREGISTERED, day
            elif dereg_on is not None and not was_deregistered:
                errors.add("deregistered_on", _("填写注销日期时状态须为“注销”（规则：注销须有状态和日期）"), "state")
            elif status == OrgStatus.ACTIVE and was_deregistered:
                errors.add("status", _("已注销的组织不能通过导入恢复为正常（规则：注销不可撤回）"), "state")
            for field_name, (code, message) in p.bad.items():
                # A cell that could not be read is reported as such, not also as missing.
                kept = [e for e in errors.by_field.pop(field_name, []) if e.code != "required"]
                errors.by_field[field_name] = [*kept, ValidationError(message, code=code)]
            region = out.get("region")
            if scope is not None and scope.kind != "all":
                if region is not None and not scope.contains_region(region.code):
                    errors.add("region_code", _("地区 %(code)s 不在您的管辖范围内（规则：只能导入本辖区的组织）")
                               % {"code": region.code}, "scope")
                if old is not None and not scope.contains_region(old["region_id"]):
                    errors.add(_key_field(uscc), _("该组织不在您的管辖范围内（规则：只能修改本辖区的组织）"), "scope")
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            if old is None:
                assert region is not None
                level = out["registration_level"]
                reg_code = authorities.get((level, region.code))
                if reg_code is None:
                    reg = lookups.authority_region(level, region)
                    reg_code = authorities[(level, region.code)] = (reg or region).code
                change = Change(p.row, None, _create_row(out, reg_code))
                plan.creates.append(change)
                yield change
                continue
            values = _values(out)
            before, after = {}, {}
            for k, v in values.items():
                if k == "supervisory_unit":
                    if (v is not None and v.pk is None) or (v.pk if v else None) != old["supervisory_unit_id"]:
                        after[k], before["supervisory_unit_id"] = v, old["supervisory_unit_id"]
                elif old[k] != v:
                    after[k], before[k] = v, old[k]
            if after:
                plan.updates.append(Change(p.row, pk, after, before))
            else:
                plan.unchanged += 1

    # ---- commit ---------------------------------------------------------------------------------
    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        lookups: CachedOrgLookups = plan.state
        changes = _save_units(list(lookups.new_units.values()))
        now = timezone.now()
        ids = bulk.reserve_ids(SocialOrg, len(plan.creates))
        written = _Written(now)
        bulk.insert_rows(SocialOrg, _INSERT_COLUMNS, written.rows(zip(ids, plan.creates, strict=True)))
        return changes + _finish(plan, written)

    def plan_and_commit(self, parsed: list[Parsed], ctx: Context
                        ) -> tuple[Plan, list[tuple[str, int, int, str, Any, Any]]]:
        """Check the rows and write them in one pass, inside the caller's transaction: each new org
        is sent to the database as soon as its row passes, so that the database inserts and indexes
        while the next rows are checked (PostgreSQL works in its own process; the COPY streams).
        After the first error nothing more is written but every row is still checked; the caller
        must then roll back (``plan.errors``). The plan is the one ``plan`` gives; only the new
        supervisory units are saved before the rows are checked rather than after."""
        plan = Plan(kind=self.name)
        prepared = self._prepare(parsed, plan)
        changes = _save_units(_units_to_create(prepared))
        now = timezone.now()
        # Every row whose key is not in the database may be a new org: at most that many ids.
        ids = bulk.reserve_ids(SocialOrg, sum(1 for p in parsed if _is_new(p.data, prepared)))
        written = _Written(now, stop_on_errors=plan)
        checked = self._check(parsed, ctx, plan, prepared)
        bulk.insert_rows(SocialOrg, _INSERT_COLUMNS, written.rows(zip(ids, checked, strict=False)))
        for _change in checked:  # rows left when the ids ran out (there are as many ids as new keys)
            pass
        if plan.errors:
            return plan, []
        if len(written.ids) != len(plan.creates):
            raise RuntimeError(f"{len(plan.creates)} orgs to create but {len(written.ids)} written")
        for c in plan.creates:
            c.after = None  # written; the values are not needed any more
        return plan, changes + _finish(plan, written)


class _Prepared(NamedTuple):
    lookups: CachedOrgLookups
    community: dict[tuple[str, str], int]
    existing: dict[int, dict[str, Any]]
    unit_names: set[str]


def _is_new(data: dict[str, Any], prepared: _Prepared) -> bool:
    uscc = data.get("uscc")
    if uscc:
        return uscc not in prepared.lookups.usccs
    return (data.get("name", ""), _short(data.get("region_code"))) not in prepared.community


_UNIT_NAME_MAX = SupervisoryUnit._meta.get_field("name").max_length or 0


def _units_to_create(prepared: _Prepared) -> list[SupervisoryUnit]:
    """The supervisory units the file names that do not exist yet, registered with the lookups (a
    name too long for the column is left to the rules, which report it)."""
    lookups = prepared.lookups
    names = sorted({n.strip() for n in prepared.unit_names if n.strip()} - set(lookups.units))
    units = [SupervisoryUnit(name=n, region=None) for n in names if len(n) <= _UNIT_NAME_MAX]
    lookups.units.update((u.name, u) for u in units)
    return units


def _save_units(units: list[SupervisoryUnit]) -> list[tuple[str, int, int, str, Any, Any]]:
    if not units:
        return []
    created = SupervisoryUnit.objects.bulk_create(units)
    return [(SupervisoryUnit._meta.label_lower, first, n, "created", None, None)
            for first, n in bulk.runs(u.pk for u in created)]


class _Written:
    """Turns planned creations into rows for ``bulk.insert_rows``, noting the ids written and the
    new orgs whose stored status must be computed (those with a trade union or youth league)."""

    def __init__(self, now: dt.datetime, stop_on_errors: Plan | None = None) -> None:
        self.now = now
        self.ids: list[int] = []
        self.flagged: list[int] = []
        self.stop_on_errors = stop_on_errors
        # The rollup contribution of the other new orgs, grouped here rather than read back.
        self.groups: Groups = defaultdict(lambda: [0, 0, 0, 0])

    def rows(self, pairs: Iterable[tuple[int, Change]]) -> Iterator[list[Any]]:
        now, ids, flagged, plan, groups = self.now, self.ids, self.flagged, self.stop_on_errors, self.groups
        for pk, c in pairs:
            if plan is not None and plan.errors:
                continue  # the import will be rolled back: check on, write nothing more
            values = c.after
            unit = values[_UNIT_AT]
            if unit is not None:
                values[_UNIT_AT] = unit.id  # saved before
            if values[_TU_AT] or values[_YL_AT]:
                flagged.append(pk)  # its status is computed once written, its contribution read back
            elif values[_STATUS_AT] == OrgStatus.ACTIVE:
                # Stored as written: status "none", no full members, no members on staff.
                sums = groups[_group_key(values)]
                sums[0] += 1
                sums[1] += values[_STAFF_AT]
            ids.append(pk)
            yield [pk, now, now, *values]


def _finish(plan: Plan, written: _Written) -> list[tuple[str, int, int, str, Any, Any]]:
    """After the new orgs are written: the updates, the change records, statuses and rollups."""
    label = SocialOrg._meta.label_lower
    changes: list[tuple[str, int, int, str, Any, Any]] = []
    delta = OrgRollupDelta()
    updated_ids = [c.pk for c in plan.updates if c.pk is not None]
    delta.subtract(updated_ids)  # before the updates are written (the new orgs counted nothing yet)
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for c in plan.updates:
        after = _resolve_unit(c.after)
        groups.setdefault(tuple(after), []).append([*after.values(), written.now, c.pk])
        changes.append((label, c.pk, 1, "updated", c.before, after))  # type: ignore[arg-type]
    for names, group in groups.items():
        bulk.update_rows(SocialOrg, [*names, "updated_at"], group)
    changes += [(label, first, n, "created", None, None) for first, n in bulk.runs(written.ids)]
    # A new org has no party org, instructor or members yet: its stored status ("none") is
    # right unless it has a trade union or youth league; updated orgs are recomputed.
    for chunk in bulk.id_chunks([*updated_ids, *written.flagged]):
        engine.refresh_orgs(chunk)
    delta.add([*updated_ids, *written.flagged])
    delta.add_groups(written.groups)
    delta.apply()
    return changes


# A created org's values, in this order (``_create_row``); id and timestamps go in front.
_CREATE_COLUMNS = [*_WRITABLE, "registration_region_id", "hub_id", "trade_union_on", "youth_league_on", "is_demo",
                   "coverage_status", "full_members", "members_on_staff"]
_INSERT_COLUMNS = ["id", "created_at", "updated_at", *_CREATE_COLUMNS]
_UNIT_AT, _TU_AT, _YL_AT, _STATUS_AT, _STAFF_AT = (
    _CREATE_COLUMNS.index(c) for c in ("supervisory_unit_id", "has_trade_union", "has_youth_league", "status",
                                       "full_time_staff"))
_GROUP_AT = [_CREATE_COLUMNS.index(c) for c in GROUP]
_group_key = operator.itemgetter(*_GROUP_AT)  # a tuple (GROUP has several attributes)


def _create_row(out: dict[str, Any], registration_region_id: str) -> list[Any]:
    """``_CREATE_COLUMNS`` values of a new org from what ``clean_org_fields`` returned (the
    supervisory unit as an object, maybe unsaved yet). A new org has no party org, instructor or
    members: its stored coverage figures start at "none" and 0 (see ``commit``)."""
    g = out.get
    code = out["region"].code
    place = _PLACES.get(code)
    if place is None:
        p = _prefixes(code)
        place = _PLACES[code] = (code, p["province_code"], p["city_code"], p["county_code"], p["street_code"],
                                 p["community_code"])
    industry = g("industry")
    return [
        out["name"], g("uscc"), out["type"], out["registration_level"], g("supervisory_unit"),
        industry.code if industry is not None else None, g("full_time_staff") or 0, g("established_on"),
        g("status") or OrgStatus.ACTIVE, g("deregistered_on"), g("has_trade_union") or False,
        g("has_youth_league") or False, g("evaluation_grade") or "", g("evaluation_year"), *place,
        registration_region_id, None, g("trade_union_on"), g("youth_league_on"), g("is_demo") or False, "none", 0, 0,
    ]


# Region code → the region and prefix columns of a new org placed there, in ``_CREATE_COLUMNS`` order.
_PLACES: dict[str, tuple[str, ...]] = {}


def _industry_names() -> dict[str, str]:
    """Tolerant industry names: code, full name, or the name without its bracketed part."""
    out: dict[str, str] = {}
    for code, name in Industry.objects.values_list("code", "name"):
        out[cells.choice_key(code)] = code
        out[cells.choice_key(name)] = name
        short = name.split("（")[0]
        out.setdefault(cells.choice_key(short), name)
    return out


def _short(code: Any) -> str:
    try:
        return parse(str(code or "")).short
    except InvalidRegionCode:
        return str(code or "")


def _key_field(uscc: Any) -> str:
    return "uscc" if uscc else "name"


def _community_keys(names: set[str]) -> dict[tuple[str, str], int]:
    """(name, region) → id of the orgs without a USCC that carry one of ``names``."""
    out: dict[tuple[str, str], int] = {}
    listed = sorted(names)
    for start in range(0, len(listed), 500):
        rows = SocialOrg.objects.filter(uscc__isnull=True, name__in=listed[start:start + 500]).values_list(
            "name", "region_id", "pk")
        out.update(((n, r), pk) for n, r, pk in rows)
    return out


def _existing_rows(pks: set[int]) -> dict[int, dict[str, Any]]:
    table = connection.ops.quote_name(SocialOrg._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _EXISTING)
    rows = bulk.select_in(f"SELECT {cols} FROM {table} WHERE {{where}}", "id", sorted(pks))
    return {row[0]: dict(zip(_EXISTING, row, strict=True)) for row in rows}


_PREFIXES: dict[str, dict[str, str]] = {}


def _prefixes(code: str) -> dict[str, str]:
    found = _PREFIXES.get(code)
    if found is None:
        found = _PREFIXES[code] = parse(code).prefixes()
    return found
_PLAIN = ("name", "type", "registration_level", "uscc", "full_time_staff", "established_on", "status",
          "deregistered_on", "has_trade_union", "has_youth_league", "trade_union_on", "youth_league_on",
          "evaluation_grade", "evaluation_year", "is_demo", "supervisory_unit")


def _values(out: dict[str, Any]) -> dict[str, Any]:
    """Model attribute values from what ``clean_org_fields`` returned (plus the status columns)."""
    values = {k: out[k] for k in _PLAIN if k in out}
    region = out.get("region")
    if region is not None:
        values["region_id"] = region.code
        values.update(_prefixes(region.code))
    if "industry" in out:
        values["industry_id"] = out["industry"].pk if out["industry"] is not None else None
    return values


def _resolve_unit(values: dict[str, Any]) -> dict[str, Any]:
    """Replace the supervisory unit object (saved by now) by its id."""
    if "supervisory_unit" not in values:
        return values
    out = {k: v for k, v in values.items() if k != "supervisory_unit"}
    unit = values["supervisory_unit"]
    out["supervisory_unit_id"] = unit.pk if unit is not None else None
    return out
