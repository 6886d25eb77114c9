"""Writes to the registry. Each validates, writes in one transaction and records an audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import check_write
from shuniu.audit.services import diff, record, snapshot
from shuniu.core.services import Errors, as_date, choice, not_in_future, require
from shuniu.core.validators import validate_uscc
from shuniu.coverage.engine import track
from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.regions.models import Region
from shuniu.registry.models import (
    AnnualInspection,
    Grade,
    Hub,
    HubLevel,
    HubLink,
    Industry,
    InspectionResult,
    OrgStatus,
    OrgType,
    RegistrationLevel,
    SocialOrg,
    SupervisoryUnit,
)

# Registration authority level → the region level at which that authority sits.
_AUTHORITY_REGION_LEVEL = {"province": "province", "city": "city", "county": "county"}


def region_get(errors: Errors, field: str, code: Any) -> Region | None:
    """The active region for ``code`` (2/4/6/9/12-digit), or an error naming the field."""
    if code in (None, ""):
        errors.add(field, _("地区代码不能为空（规则：必填）"), "required")
        return None
    try:
        short = parse(str(code)).short
    except InvalidRegionCode:
        errors.add(field, _("地区代码“%(code)s”格式不正确（规则：2、4、6、9 或 12 位数字）") % {"code": code}, "region")
        return None
    region = Region.objects.filter(code=short, retired_on__isnull=True).first()
    if region is None:
        errors.add(field, _("地区代码“%(code)s”不存在或已撤销（规则：须为现行行政区划）") % {"code": code}, "region")
    return region


def _authority_region(level: str, region: Region) -> Region | None:
    """The region of the registration authority of an org placed in ``region``."""
    target = _AUTHORITY_REGION_LEVEL.get(level)
    if target is None:  # national: the Ministry of Civil Affairs, recorded at Beijing
        return Region.objects.filter(code="11").first()
    short = getattr(region, f"{target}_code")
    return Region.objects.filter(code=short).first() if short else None


def supervisory_unit_get_or_create(name: str, region: Region | None = None) -> SupervisoryUnit:
    unit, _created = SupervisoryUnit.objects.get_or_create(name=name.strip(), region=region)
    return unit


def _clean_org_fields(errors: Errors, data: dict[str, Any], instance: SocialOrg | None) -> dict[str, Any]:
    """Validate and convert the public fields of an org; returns model attribute values."""
    out: dict[str, Any] = {}
    if "name" in data:
        name = (data["name"] or "").strip()
        require(errors, "name", name, _("名称"))
        out["name"] = name
    if "type" in data:
        out["type"] = choice(errors, "type", data["type"], OrgType, _("类型"))
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
            except Exception as exc:  # ValidationError with the field and rule
                errors.merge(exc)  # type: ignore[arg-type]
            else:
                clash = SocialOrg.objects.filter(uscc=out["uscc"])
                if instance is not None:
                    clash = clash.exclude(pk=instance.pk)
                if clash.exists():
                    errors.add("uscc", _("统一社会信用代码“%(v)s”已被其他组织使用（规则：代码唯一）") % {"v": raw}, "unique")
    elif instance is None and org_type and org_type != OrgType.COMMUNITY_ORG:
        errors.add("uscc", _("统一社会信用代码不能为空（规则：仅社区社会组织可无代码）"), "required")
    if "region_code" in data:
        out["region"] = region_get(errors, "region_code", data["region_code"])
    if "registration_level" in data:
        out["registration_level"] = choice(
            errors, "registration_level", data["registration_level"], RegistrationLevel, _("登记管理机关级别")
        )
    if "supervisory_unit" in data:
        unit = data["supervisory_unit"]
        out["supervisory_unit"] = (
            supervisory_unit_get_or_create(unit) if isinstance(unit, str) and unit.strip() else (unit or None)
        )
    if "industry" in data:
        ind = data["industry"]
        if isinstance(ind, str) and ind:
            found = Industry.objects.filter(code=ind).first() or Industry.objects.filter(name=ind).first()
            if found is None:
                errors.add("industry", _("行业“%(v)s”不存在（规则：须为已登记的行业）") % {"v": ind}, "industry")
            out["industry"] = found
        else:
            out["industry"] = ind or None
    if "full_time_staff" in data:
        try:
            staff = int(data["full_time_staff"] or 0)
            if staff < 0:
                raise ValueError
            out["full_time_staff"] = staff
        except (TypeError, ValueError):
            errors.add("full_time_staff", _("专职人员数“%(v)s”无效（规则：非负整数）") % {"v": data["full_time_staff"]},
                       "integer")
    for field, label in (("established_on", _("成立日期")), ("trade_union_on", _("工会成立日期")),
                         ("youth_league_on", _("团组织成立日期"))):
        if field in data:
            out[field] = as_date(errors, field, data[field], label)
            not_in_future(errors, field, out[field], label)
    for flag in ("has_trade_union", "has_youth_league", "is_demo"):
        if flag in data:
            out[flag] = bool(data[flag])
    if "evaluation_grade" in data:
        grade = data["evaluation_grade"] or ""
        if grade:
            choice(errors, "evaluation_grade", grade, Grade, _("评估等级"))
        out["evaluation_grade"] = grade
    if "evaluation_year" in data:
        out["evaluation_year"] = int(data["evaluation_year"]) if data["evaluation_year"] else None
    if out.get("evaluation_grade") and not out.get("evaluation_year", getattr(instance, "evaluation_year", None)):
        errors.add("evaluation_year", _("填写评估等级时须填写评估年度（规则：等级有效期 5 年，自评估年度起算）"), "required")
    unknown = set(data) - _ORG_FIELDS
    for field in sorted(unknown):
        errors.add(field, _("未知字段“%(f)s”") % {"f": field}, "unknown")
    return out


_ORG_FIELDS = {
    "name", "type", "uscc", "region_code", "registration_level", "registration_region_code", "supervisory_unit",
    "industry", "full_time_staff", "established_on", "has_trade_union", "trade_union_on", "has_youth_league",
    "youth_league_on", "evaluation_grade", "evaluation_year", "is_demo", "hub",
}


@transaction.atomic
def org_create(*, actor: Any, **data: Any) -> SocialOrg:
    """Register a social org. Required: name, type, region_code, registration_level; uscc unless
    the type is community_org."""
    errors = Errors()
    for field, label in (("name", _("名称")), ("type", _("类型")), ("region_code", _("所在地区代码")),
                         ("registration_level", _("登记管理机关级别"))):
        if not data.get(field):
            require(errors, field, data.get(field), label)
    hub = data.get("hub")
    values = _clean_org_fields(errors, {k: v for k, v in data.items() if v is not None or k == "uscc"}, None)
    errors.raise_if_any()
    region: Region = values.pop("region")
    check_write(actor, region_code=region.code)
    if hub is not None:
        check_write(actor, hub)
    reg_region = (
        region_get(errors, "registration_region_code", data["registration_region_code"])
        if data.get("registration_region_code") else _authority_region(values["registration_level"], region)
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
    return org


@transaction.atomic
def org_update(*, actor: Any, org: SocialOrg, **data: Any) -> SocialOrg:
    check_write(actor, org)
    errors = Errors()
    hub = data.pop("hub", ...)
    if hub is not ... and hub is not None:
        check_write(actor, hub)
    values = _clean_org_fields(errors, data, org)
    errors.raise_if_any()
    before = snapshot(org)
    region = values.pop("region", None)
    if region is not None:
        check_write(actor, region_code=region.code)
        org.set_region(region)
    for key, value in values.items():
        setattr(org, key, value)
    org.full_clean(exclude=["region", "registration_region"])
    with track() as t:
        t.touch(orgs=[org.pk])
        # Any stale derived field saved here is recomputed when the tracker finishes.
        org.save()
        if hub is not ...:
            hub_link_set(actor=None, org=org, hub=hub, on=dt.date.today(), _audit=False)
    org.refresh_from_db()
    changes = diff(before, snapshot(org))
    if changes:
        record(actor=actor, action="org.update", target=org, changes=changes)
    return org


@transaction.atomic
def org_deregister(*, actor: Any, org: SocialOrg, on: Any, reason: str = "") -> SocialOrg:
    """Deregister (注销) an org: it leaves the population from ``on``; the row is kept."""
    check_write(actor, org)
    errors = Errors()
    day = as_date(errors, "deregistered_on", on, _("注销日期"))
    require(errors, "deregistered_on", day, _("注销日期"))
    errors.raise_if_any()
    assert day is not None
    on = day
    if org.status == OrgStatus.DEREGISTERED:
        errors.add("status", _("该组织已注销（规则：不能重复注销）"), "state")
    if org.established_on and on < org.established_on:
        errors.add("deregistered_on", _("注销日期不能早于成立日期"), "date_order")
    not_in_future(errors, "deregistered_on", on, _("注销日期"))
    errors.raise_if_any()
    before = snapshot(org)
    with track() as t:
        t.touch(orgs=[org.pk])
        org.status = OrgStatus.DEREGISTERED
        org.deregistered_on = on
        org.save(update_fields=["status", "deregistered_on", "updated_at"])
    changes = diff(before, snapshot(org))
    if reason:
        changes["reason"] = [None, reason]
    record(actor=actor, action="org.deregister", target=org, changes=changes)
    return org


@transaction.atomic
def inspection_record(*, actor: Any, org: SocialOrg, year: int, result: str) -> AnnualInspection:
    check_write(actor, org)
    errors = Errors()
    choice(errors, "result", result, InspectionResult, _("年检结论"))
    if year < 1949 or year > dt.date.today().year:
        errors.add("year", _("年度 %(y)s 无效") % {"y": year}, "year")
    errors.raise_if_any()
    inspection, _created = AnnualInspection.objects.update_or_create(org=org, year=year, defaults={"result": result})
    record(actor=actor, action="inspection.record", target=org, changes={"year": [None, year], "result": [None, result]})
    return inspection


@transaction.atomic
def hub_create(*, actor: Any, name: str, level: str, region_code: str, field: str = "", is_demo: bool = False) -> Hub:
    errors = Errors()
    require(errors, "name", (name or "").strip(), _("名称"))
    choice(errors, "level", level, HubLevel, _("层级"))
    region = region_get(errors, "region_code", region_code)
    errors.raise_if_any()
    assert region is not None
    check_write(actor, region_code=region.code)
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
def hub_link_set(*, actor: Any, org: SocialOrg, hub: Hub | None, on: dt.date, _audit: bool = True) -> SocialOrg:
    """Link ``org`` to ``hub`` from ``on`` (ending any current link), or unlink it with hub=None."""
    check_write(actor, org)
    old = org.hub_id
    if old == (hub.pk if hub else None):
        return org
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
