"""Writes to the registry. Each validates, writes in one transaction and records an audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.actors import Actor
from shuniu.accounts.scopes import check_write, placed_code
from shuniu.audit.services import diff, record, snapshot
from shuniu.core.derived import track
from shuniu.core.services import Errors, as_date, choice, not_in_future, require
from shuniu.core.sql import select_in
from shuniu.core.validators import validate_uscc
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.regions.models import Region
from shuniu.registry.models import (
    MAX_FULL_TIME_STAFF,
    USCC_CATEGORY_LABELS,
    USCC_PREFIXES_BY_TYPE,
    Grade,
    Hub,
    HubLevel,
    HubLink,
    Industry,
    OrgStatus,
    OrgType,
    RegistrationLevel,
    SocialOrg,
    SupervisoryUnit,
)

# Registration authority level → the region level at which that authority sits.
_AUTHORITY_REGION_LEVEL = {"province": "province", "city": "city", "county": "county"}
# The Ministry of Civil Affairs (national registration) is recorded at Beijing.
_NATIONAL_AUTHORITY_REGION = "11"


class OrgLookups:
    """Where the org rules look things up: regions, industries, who holds a USCC, supervisory units.

    This default asks the database as it goes, one org at a time, as the services need.
    ``CachedOrgLookups`` answers the same questions from dictionaries loaded once for a whole
    spreadsheet, so that the importer applies exactly these rules without a query per row.
    """

    def region(self, short: str) -> Region | None:
        """The current (not retired) division with this short code."""
        return Region.objects.filter(code=short, retired_on__isnull=True).first()

    def any_region(self, short: str) -> Region | None:
        return Region.objects.filter(code=short).first()

    def industry(self, value: str) -> Industry | None:
        """The industry whose code, else whose name, is ``value``."""
        return Industry.objects.filter(code=value).first() or Industry.objects.filter(name=value).first()

    def uscc_owner(self, code: str) -> int | None:
        """The id of the org holding this (normalized) USCC, if any."""
        return SocialOrg.objects.filter(uscc=code).values_list("pk", flat=True).first()

    def supervisory_unit(self, name: str) -> SupervisoryUnit:
        return supervisory_unit_get_or_create(name)

    def authority_region(self, level: str, region: Region) -> Region | None:
        """The region of the registration authority of an org at ``level`` placed in ``region``."""
        target = _AUTHORITY_REGION_LEVEL.get(level)
        if target is None:
            return self.any_region(_NATIONAL_AUTHORITY_REGION)
        short = getattr(region, f"{target}_code")
        return self.any_region(short) if short else None


class CachedOrgLookups(OrgLookups):
    """``OrgLookups`` answered from memory: call ``load`` once with every value a file mentions.

    Supervisory units named but not yet known are returned unsaved and listed in ``new_units``; the
    caller saves them in its transaction (the services' ``get_or_create`` would write while validating).
    """

    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.industries: dict[str, Industry] = {}
        self.usccs: dict[str, int] = {}
        self.units: dict[str, SupervisoryUnit] = {}
        self.new_units: dict[str, SupervisoryUnit] = {}

    def load(self, *, region_codes: Iterable[str] = (), usccs: Iterable[str] = (), unit_names: Iterable[str] = (),
             chunk: int = 900) -> CachedOrgLookups:
        """Load the divisions for ``region_codes`` (short codes; with their province, city and county,
        where registration authorities sit), all industries, the owners of ``usccs`` and the
        supervisory units (without a region) named ``unit_names``."""
        shorts = {c for c in region_codes if c}
        wanted = set(shorts) | {_NATIONAL_AUTHORITY_REGION}
        for code in shorts:
            wanted.update(code[:n] for n in (2, 4, 6) if len(code) > n)
        wanted -= set(self.regions)
        for part in _chunks(sorted(wanted), chunk):
            self.regions.update((r.code, r) for r in Region.objects.filter(code__in=part))
        if not self.industries:
            for ind in Industry.objects.all():
                self.industries[ind.code] = ind
                self.industries.setdefault(ind.name, ind)
        todo = sorted({u for u in usccs if u} - set(self.usccs))
        if todo:
            # Plain SQL: the ORM's preparation of 100,000 lookup values costs more than the queries.
            table = connection.ops.quote_name(SocialOrg._meta.db_table)
            self.usccs.update(select_in(f"SELECT uscc, id FROM {table} WHERE {{where}}", "uscc", todo))
        names = sorted({n.strip() for n in unit_names if n and n.strip()} - set(self.units))
        for part in _chunks(names, chunk):
            self.units.update((u.name, u) for u in SupervisoryUnit.objects.filter(name__in=part, region__isnull=True))
        return self

    def region(self, short: str) -> Region | None:
        found = self.regions.get(short)
        return found if found is not None and found.retired_on is None else None

    def any_region(self, short: str) -> Region | None:
        return self.regions.get(short)

    def industry(self, value: str) -> Industry | None:
        return self.industries.get(value)

    def uscc_owner(self, code: str) -> int | None:
        return self.usccs.get(code)

    def supervisory_unit(self, name: str) -> SupervisoryUnit:
        name = name.strip()
        unit = self.units.get(name)
        if unit is None:
            unit = self.units[name] = self.new_units[name] = SupervisoryUnit(name=name, region=None)
        return unit


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


_DB_LOOKUPS = OrgLookups()


def region_get(errors: Errors, field: str, code: Any, lookups: OrgLookups = _DB_LOOKUPS) -> Region | None:
    """The active region for ``code`` (2/4/6/9/12-digit), or an error naming the field."""
    if code in (None, ""):
        errors.add(field, _("地区代码不能为空（规则：必填）"), "required")
        return None
    try:
        short = parse(str(code)).short
    except InvalidRegionCode:
        errors.add(field, _("地区代码“%(code)s”格式不正确（规则：2、4、6、9 或 12 位数字）") % {"code": code}, "region")
        return None
    region = lookups.region(short)
    if region is None:
        errors.add(field, _("地区代码“%(code)s”不存在或已撤销（规则：须为现行行政区划）") % {"code": code}, "region")
    return region


def supervisory_unit_get_or_create(name: str, region: Region | None = None) -> SupervisoryUnit:
    unit, _created = SupervisoryUnit.objects.get_or_create(name=name.strip(), region=region)
    return unit


# Labels are lazy so that the rules format them (in the user's language) only when reporting an error.
_LABELS = {
    "name": gettext_lazy("名称"), "type": gettext_lazy("类型"), "uscc": gettext_lazy("统一社会信用代码"),
    "region_code": gettext_lazy("所在地区代码"), "registration_level": gettext_lazy("登记管理机关级别"),
    "established_on": gettext_lazy("成立日期"), "trade_union_on": gettext_lazy("工会成立日期"),
    "youth_league_on": gettext_lazy("团组织成立日期"), "evaluation_grade": gettext_lazy("评估等级"),
    "deregistered_on": gettext_lazy("注销日期"),
}
_REQUIRED_ON_CREATE = ("name", "type", "region_code", "registration_level")
# The columns' own limits (both are declared with a max_length).
_NAME_MAX: int = SocialOrg._meta.get_field("name").max_length or 0
_UNIT_MAX: int = SupervisoryUnit._meta.get_field("name").max_length or 0


def clean_org_fields(errors: Errors, data: dict[str, Any], instance: SocialOrg | Any | None,  # noqa: C901
                     lookups: OrgLookups = _DB_LOOKUPS, memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """Validate and convert the public fields of an org; returns model attribute values.

    The one set of org rules: ``org_create`` / ``org_update`` and the spreadsheet importer call it.
    ``instance`` is the org being changed (anything with ``pk``, ``type`` and ``evaluation_year``),
    None for a new one, in which case the required fields are checked too. ``lookups`` says where
    regions, industries, USCC owners and supervisory units are found. With ``memo`` (a dict kept
    across calls) the rules that depend on a field's value alone run once per distinct value: a
    spreadsheet repeats the same region, type or date on thousands of rows.
    """
    out: dict[str, Any] = {}
    creating = instance is None
    if creating:
        for field in _REQUIRED_ON_CREATE:
            if data.get(field) in (None, ""):
                require(errors, field, None, _LABELS[field])
    # One dict of results per field (``memo`` maps the field to it): no key tuple to build and hash
    # for each of the ten cells of each of 100,000 rows.
    for field, value in data.items():
        attr = _VALUE_RULES.get(field)
        if attr is None:
            continue
        if creating and field in _REQUIRED_ON_CREATE and value in (None, ""):
            continue  # reported as required above
        if field == "name" and value.__class__ is str and 0 < len(value.strip()) <= _NAME_MAX:
            out["name"] = value.strip()  # the common case, without the general path's bookkeeping
            continue
        if memo is None or field == "name":  # names hardly repeat
            result, errs = _clean_org_value(field, value, lookups)
        else:
            known = memo.get(field)
            if known is None:
                known = memo[field] = {}
            try:
                result, errs = known[value]
            except KeyError:
                result, errs = known[value] = _clean_org_value(field, value, lookups)
            except TypeError:  # an unhashable value: nothing to share
                result, errs = _clean_org_value(field, value, lookups)
        if errs:
            errors.by_field.setdefault(field, []).extend(errs)
        out[attr] = result
    org_type = out.get("type", instance.type if instance else "")
    if "uscc" in data:
        raw = (data["uscc"] or "").strip()
        if not raw:
            if org_type != OrgType.COMMUNITY_ORG:
                errors.add("uscc", _("统一社会信用代码不能为空（规则：仅社区社会组织可无代码）"), "required")
            out["uscc"] = None
        else:
            try:
                out["uscc"] = validate_uscc(raw)
            except ValidationError as exc:  # with the field and rule
                errors.merge(exc)
            else:
                owner = lookups.uscc_owner(out["uscc"])
                if owner is not None and (instance is None or owner != instance.pk):
                    errors.add("uscc", _("统一社会信用代码“%(v)s”已被其他组织使用（规则：代码唯一）") % {"v": raw}, "unique")
    elif instance is None and org_type and org_type != OrgType.COMMUNITY_ORG:
        errors.add("uscc", _("统一社会信用代码不能为空（规则：仅社区社会组织可无代码）"), "required")
    code = out["uscc"] if "uscc" in out else getattr(instance, "uscc", None)
    if ("uscc" in data or "type" in data) and code and "uscc" not in errors.by_field \
            and "type" not in errors.by_field and org_type:
        clean_uscc_type(errors, code, org_type)
    if out.get("evaluation_grade") and not out.get("evaluation_year", getattr(instance, "evaluation_year", None)):
        errors.add("evaluation_year", _("填写评估等级时须填写评估年度（规则：等级有效期 5 年，自评估年度起算）"), "required")
    if not _ORG_FIELDS.issuperset(data):
        for field in sorted(set(data) - _ORG_FIELDS):
            errors.add(field, _("未知字段“%(f)s”") % {"f": field}, "unknown")
    return out


def clean_uscc_type(errors: Errors, code: str, org_type: str) -> None:
    """Rule USCC_TYPE: the USCC's registration-authority and institution-type codes (its first two
    characters, GB 32100-2015 appendix A) must fit the org's type: 51 social group, 52 private
    non-enterprise unit, 53 foundation (civil affairs); a social intermediary is a law firm (31,
    justice) or a firm registered by market regulation (91)."""
    allowed = USCC_PREFIXES_BY_TYPE.get(org_type)
    if allowed is None or code[:2] in allowed:
        return
    label = OrgType(org_type).label if org_type in OrgType.values else org_type
    meaning = USCC_CATEGORY_LABELS.get(code[:2])
    errors.add("uscc", _("统一社会信用代码“%(v)s”的前两位 %(p)s 表示%(m)s，与类型“%(t)s”不符（规则 USCC_TYPE：%(t)s的代码"
                         "应以 %(a)s 开头；GB 32100-2015 附录 A 登记管理部门码和机构类别码）")
               % {"v": code, "p": code[:2], "m": meaning if meaning is not None else _("其他登记管理部门的机构"),
                  "t": label, "a": " / ".join(allowed)}, "uscc_type")


def org_warnings(org: SocialOrg) -> list[str]:
    """What is allowed but worth a second look after saving an org (rule DUPLICATE_NAME): another
    active org of the same name in the same county. Only the count is told: the other org may lie
    outside the actor's scope."""
    if org.status != OrgStatus.ACTIVE:
        return []
    same = (SocialOrg.objects.filter(status=OrgStatus.ACTIVE, name=org.name, province_code=org.province_code,
                                     city_code=org.city_code, county_code=org.county_code).exclude(pk=org.pk).count())
    if not same:
        return []
    return [_("同一县（区）内已有 %(n)s 个同名的组织“%(name)s”：请核对是否重复登记（规则 DUPLICATE_NAME，仅提示，已保存）")
            % {"n": same, "name": org.name}]


# Fields whose rules depend on their own value only → the attribute ``clean_org_fields`` returns.
_VALUE_RULES = {
    "name": "name", "type": "type", "region_code": "region", "registration_level": "registration_level",
    "supervisory_unit": "supervisory_unit", "industry": "industry", "full_time_staff": "full_time_staff",
    "established_on": "established_on", "trade_union_on": "trade_union_on", "youth_league_on": "youth_league_on",
    "has_trade_union": "has_trade_union", "has_youth_league": "has_youth_league", "is_demo": "is_demo",
    "evaluation_grade": "evaluation_grade", "evaluation_year": "evaluation_year",
}


def _clean_org_value(field: str, value: Any, lookups: OrgLookups) -> tuple[Any, list[ValidationError]]:  # noqa: C901
    """One field's value: converted, and the errors it alone causes."""
    errors = Errors()
    result: Any = value
    if field == "name":
        result = (value or "").strip()
        if not result:
            require(errors, "name", result, _LABELS["name"])
        elif len(result) > _NAME_MAX:
            errors.add("name", _("名称过长（规则：不超过 %(n)s 个字符）") % {"n": _NAME_MAX}, "max_length")
    elif field == "type":
        result = choice(errors, "type", value, OrgType, _LABELS["type"])
    elif field == "region_code":
        result = region_get(errors, "region_code", value, lookups)
    elif field == "registration_level":
        result = choice(errors, "registration_level", value, RegistrationLevel, _LABELS["registration_level"])
    elif field == "supervisory_unit":
        if isinstance(value, str) and value.strip():
            if len(value.strip()) > _UNIT_MAX:
                errors.add("supervisory_unit", _("业务主管单位名称过长（规则：不超过 %(n)s 个字符）") % {"n": _UNIT_MAX},
                           "max_length")
                result = None
            else:
                result = lookups.supervisory_unit(value)
        else:
            result = value or None
    elif field == "industry":
        if isinstance(value, str) and value:
            result = lookups.industry(value)
            if result is None:
                errors.add("industry", _("行业“%(v)s”不存在（规则：须为已登记的行业）") % {"v": value}, "industry")
        else:
            result = value or None
    elif field == "full_time_staff":
        try:
            result = int(value or 0)
            if result < 0 or (result != value and isinstance(value, float)) or result > MAX_FULL_TIME_STAFF:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            result = None
            errors.add("full_time_staff", _("专职人员数“%(v)s”无效（规则：0 至 %(max)s 之间的整数）")
                       % {"v": value, "max": MAX_FULL_TIME_STAFF}, "integer")
    elif field in ("established_on", "trade_union_on", "youth_league_on"):
        result = as_date(errors, field, value, _LABELS[field])
        if result is not None:
            not_in_future(errors, field, result, _LABELS[field])
    elif field in ("has_trade_union", "has_youth_league", "is_demo"):
        result = bool(value)
    elif field == "evaluation_grade":
        result = value or ""
        if result:
            choice(errors, "evaluation_grade", result, Grade, _LABELS["evaluation_grade"])
    elif field == "evaluation_year":
        try:
            result = int(value) if value else None
            if result is not None and not 1949 <= result <= dt.date.today().year:
                raise ValueError
        except (TypeError, ValueError):
            result = None
            errors.add("evaluation_year", _("评估年度“%(v)s”无效（规则：1949 年至今的年份）") % {"v": value}, "year")
    return result, errors.by_field.get(field, [])


def clean_deregistration(errors: Errors, on: Any, *, established_on: dt.date | None,
                         already: bool) -> dt.date | None:
    """The rules for deregistering (注销) an org on ``on``; shared by ``org_deregister`` and imports."""
    day = as_date(errors, "deregistered_on", on, _LABELS["deregistered_on"])
    if day is None:
        if "deregistered_on" not in errors.by_field:
            require(errors, "deregistered_on", None, _LABELS["deregistered_on"])
        return None
    if already:
        errors.add("status", _("该组织已注销（规则：不能重复注销）"), "state")
    if established_on and day < established_on:
        errors.add("deregistered_on", _("注销日期不能早于成立日期"), "date_order")
    not_in_future(errors, "deregistered_on", day, _LABELS["deregistered_on"])
    return day


_ORG_FIELDS = {
    "name", "type", "uscc", "region_code", "registration_level", "registration_region_code", "supervisory_unit",
    "industry", "full_time_staff", "established_on", "has_trade_union", "trade_union_on", "has_youth_league",
    "youth_league_on", "evaluation_grade", "evaluation_year", "is_demo", "hub",
}


@transaction.atomic
def org_create(*, actor: Actor, **data: Any) -> SocialOrg:
    """Register a social org. Required: name, type, region_code, registration_level; uscc unless
    the type is community_org."""
    hub = data.get("hub")
    check_write(actor, hub, region_code=placed_code(data.get("region_code")))
    errors = Errors()
    values = clean_org_fields(errors, {k: v for k, v in data.items() if v is not None or k == "uscc"}, None)
    errors.raise_if_any()
    region: Region = values.pop("region")
    reg_region = (
        region_get(errors, "registration_region_code", data["registration_region_code"])
        if data.get("registration_region_code") else _DB_LOOKUPS.authority_region(values["registration_level"], region)
    )
    errors.raise_if_any()
    org = SocialOrg(**values, registration_region=reg_region or region)
    org.set_region(region)
    org.full_clean(exclude=["region", "registration_region"])
    with track() as t:
        org.save()
        t.created(orgs=[org.pk])
        if hub is not None:
            _hub_link(org, hub, org.established_on or dt.date.today())
    record(actor=actor, action="org.create", target=org, changes=diff({}, snapshot(org)))
    org.warnings = org_warnings(org)  # type: ignore[attr-defined]
    return org


@transaction.atomic
def org_update(*, actor: Actor, org: SocialOrg, **data: Any) -> SocialOrg:
    hub = data.pop("hub", ...)
    # A new hub, and the hub it leaves (whose staff lose it from their jurisdiction).
    hubs = (hub, org.hub) if hub is not ... and hub != org.hub else ()
    check_write(actor, org, *hubs, region_code=placed_code(data.get("region_code")))
    errors = Errors()
    values = clean_org_fields(errors, data, org)
    errors.raise_if_any()
    before = snapshot(org)
    region = values.pop("region", None)
    if region is not None:
        org.set_region(region)
    for key, value in values.items():
        setattr(org, key, value)
    org.full_clean(exclude=["region", "registration_region"])
    with track() as t:
        t.touch(orgs=[org.pk])
        # Any stale derived field saved here is recomputed when the tracker finishes.
        org.save()
        if hub is not ...:
            hub_link_set(actor=actor, org=org, hub=hub, on=dt.date.today(), _audit=False)
    org.refresh_from_db()
    changes = diff(before, snapshot(org))
    if changes:
        record(actor=actor, action="org.update", target=org, changes=changes)
    org.warnings = org_warnings(org) if {"name", "region_code"} & set(data) else []  # type: ignore[attr-defined]
    return org


@transaction.atomic
def org_deregister(*, actor: Actor, org: SocialOrg, on: Any, reason: str = "") -> SocialOrg:
    """Deregister (注销) an org: it leaves the population from ``on``; the row is kept."""
    check_write(actor, org)
    errors = Errors()
    day = clean_deregistration(errors, on, established_on=org.established_on,
                               already=org.status == OrgStatus.DEREGISTERED)
    errors.raise_if_any()
    assert day is not None
    before = snapshot(org)
    with track() as t:
        t.touch(orgs=[org.pk])
        org.status = OrgStatus.DEREGISTERED
        org.deregistered_on = day
        org.save(update_fields=["status", "deregistered_on", "updated_at"])
    changes = diff(before, snapshot(org))
    if reason:
        changes["reason"] = [None, reason]
    record(actor=actor, action="org.deregister", target=org, changes=changes)
    return org


@transaction.atomic
def hub_create(*, actor: Actor, name: str, level: str, region_code: str, field: str = "", is_demo: bool = False) -> Hub:
    check_write(actor, region_code=placed_code(region_code))
    errors = Errors()
    require(errors, "name", (name or "").strip(), _("名称"))
    choice(errors, "level", level, HubLevel, _("层级"))
    region = region_get(errors, "region_code", region_code)
    errors.raise_if_any()
    assert region is not None
    hub = Hub(name=name.strip(), level=level, field=field, is_demo=is_demo)
    hub.set_region(region)
    hub.save()
    record(actor=actor, action="hub.create", target=hub, changes=diff({}, snapshot(hub)))
    return hub


def _hub_link(org: SocialOrg, hub: Hub | None, on: dt.date) -> None:
    HubLink.objects.filter(org=org, ended_on__isnull=True).update(ended_on=on)
    if hub is not None:
        HubLink.objects.create(hub=hub, org=org, started_on=on)
    SocialOrg.objects.filter(pk=org.pk).update(hub=hub)
    org.hub = hub


@transaction.atomic
def hub_link_set(*, actor: Actor, org: SocialOrg, hub: Hub | None, on: dt.date, _audit: bool = True) -> SocialOrg:
    """Link ``org`` to ``hub`` from ``on`` (ending any current link), or unlink it with hub=None."""
    old = org.hub_id
    # The hub it leaves too: its staff lose the org from their jurisdiction.
    check_write(actor, org, hub, org.hub if old != (hub.pk if hub else None) else None)
    if old == (hub.pk if hub else None):
        return org
    errors = Errors()
    not_in_future(errors, "on", on, _("枢纽联系起始日期"))
    errors.raise_if_any()
    if HubLink.objects.filter(org=org, ended_on__isnull=True, started_on__gt=on).exists():
        raise ValidationError({"on": ValidationError(
            _("日期不能早于当前枢纽联系的起始日期（规则：联系历史按日期先后）"), code="date_order")})
    with track() as t:
        t.touch(orgs=[org.pk])
        _hub_link(org, hub, on)
    if _audit:
        record(actor=actor, action="org.hub", target=org, changes={"hub_id": [old, hub.pk if hub else None],
                                                                   "on": [None, str(on)]})
    return org
