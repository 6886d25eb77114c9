"""The superior of a party org and the responsible party body (党建工作责任主体) of a social org.

The one definition, used by the pages, the API, the rule SUPERIOR and the workflows (the body that
must act on a case about an org without a party org of its own).

Opinions art. 6 and seed 003 (the "three lines", 「明确上级管理主体」): an org's party building is
the responsibility of

- a per-org choice recorded by hand (``BodyOverride``), if any; else
- for a community org (社区社会组织), the party working committee of its street (「街道社区…兜底
  管理」: a comprehensive committee placed in the org's street); else, in the order of the rule
  setting ``RESPONSIBLE_BODY.order`` (default "supervisory,industry,comprehensive"):
- ``supervisory``: the party org of its supervisory unit (业务主管单位), where one is recorded
  (a party org whose ``supervisory_unit`` is the org's);
- ``industry``: the industry committee (行业党委) of its industry in its region, the nearest one:
  the deepest region that contains the org's;
- ``comprehensive``: the comprehensive committee (综合党委) at its registration level: the one
  placed in the region of its registration authority, else the nearest region containing it.

A community org whose street has no committee falls back on the lines (its district's committee
then answers for it). Only party orgs that are not dissolved count. A national org (registered by
the Ministry of Civil Affairs) is the central working committees' (Opinions art. 6), which the
registry does not hold: the comprehensive line does not apply to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.party.models import BodyOverride, PartyOrg, PartyOrgKind
from shuniu.registry.models import OrgType, RegistrationLevel, SocialOrg
from shuniu.rulesettings.declarations import declare
from shuniu.rulesettings.selectors import current

RULE_ID = "RESPONSIBLE_BODY"
SOURCE = "《关于加强社会组织党的建设工作的意见（试行）》第六条；种子 003（“三条线”）"
LINES = ("supervisory", "industry", "comprehensive")
DEFAULT_ORDER = ",".join(LINES)

HOW_LABELS: dict[str, str | Promise] = {
    "override": gettext_lazy("指定"),
    "supervisory": gettext_lazy("业务主管单位党组织"),
    "industry": gettext_lazy("行业党委"),
    "comprehensive": gettext_lazy("登记管理机关所在地综合党委"),
    "street": gettext_lazy("街道党工委（社区社会组织）"),
}
# The kinds that can answer for an org's party building: committees, not branches.
BODY_KINDS = frozenset({PartyOrgKind.COMMITTEE, PartyOrgKind.INDUSTRY_COMMITTEE, PartyOrgKind.COMPREHENSIVE_COMMITTEE})

_CHUNK = 900  # ids per IN (…): under SQLite's and Oracle's limits, as elsewhere


def parse_order(value: Any) -> list[str]:
    """The lines named by a setting "supervisory,industry,comprehensive" (spaces allowed)."""
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def check_order(value: Any) -> str | None:
    """The setting's check: one or more of the three lines, each at most once."""
    parts = parse_order(value) if isinstance(value, str) else []
    if parts and all(p in LINES for p in parts) and len(set(parts)) == len(parts):
        return None
    return _("顺序“%(value)s”无效（规则 RESPONSIBLE_BODY：为 %(lines)s 中的一项或几项，以逗号分隔，不重复；"
             "依据：《意见》第六条）") % {"value": value, "lines": ", ".join(LINES)}


declare(RULE_ID, defaults={"order": DEFAULT_ORDER}, source=SOURCE, checks={"order": check_order})


@dataclass(frozen=True)
class Body:
    """An org's responsible party body, how it was found, and why (naming the rule)."""

    party_org: PartyOrg
    how: str  # "override" | "supervisory" | "industry" | "comprehensive" | "street"
    explanation: str

    source = SOURCE  # shown beside the explanation, as a finding's source is

    @property
    def how_label(self) -> str:
        return str(HOW_LABELS[self.how])


@dataclass(frozen=True)
class Unresolved:
    """No body could be found: what each line lacked."""

    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return _("%(why)s（规则 RESPONSIBLE_BODY：依次按业务主管单位、行业、登记管理机关所在地确定）") % {
            "why": _("；").join(self.reasons)}

    source = SOURCE


def superior_of(party_org: PartyOrg) -> PartyOrg | None:
    """The recorded superior of a party org, if it is not dissolved. (A party org without one has
    none here: rule SUPERIOR reports it; the body of the orgs it covers is ``responsible_body``.)"""
    if party_org.superior_id is None:
        return None
    superior = party_org.superior
    return superior if superior is not None and superior.dissolved_on is None else None


def containing(code: str) -> list[str]:
    """The region codes that contain ``code`` (itself first, then upward to the province)."""
    return [code[:n] for n in (12, 9, 6, 4, 2) if n <= len(code)]


# ---- the batch resolution ---------------------------------------------------------------------

_FACTS = ("id", "type", "region_id", "street_code", "registration_level", "registration_region_id",
          "supervisory_unit_id", "supervisory_unit__name", "industry_id", "industry__name")


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _ids(orgs: Iterable[SocialOrg | int] | QuerySet[SocialOrg]) -> list[int]:
    if isinstance(orgs, QuerySet):
        return list(orgs.order_by().values_list("pk", flat=True))
    return sorted({o if isinstance(o, int) else o.pk for o in orgs})


class _Candidates:
    """The party orgs that may answer for a batch of orgs, loaded in a few queries."""

    def __init__(self, facts: list[dict[str, Any]]) -> None:
        ids = [f["id"] for f in facts]
        self.overrides: dict[int, PartyOrg] = {}
        for part in _chunks(ids):
            for o in (BodyOverride.objects.filter(org_id__in=part, party_org__dissolved_on__isnull=True)
                      .select_related("party_org")):
                self.overrides[o.org_id] = o.party_org
        self.supervisory: dict[int, PartyOrg] = {}
        units = sorted({f["supervisory_unit_id"] for f in facts if f["supervisory_unit_id"]})
        for part in _chunks(units):
            for p in PartyOrg.objects.filter(supervisory_unit_id__in=part, dissolved_on__isnull=True).order_by("id"):
                self.supervisory.setdefault(p.supervisory_unit_id, p)  # type: ignore[arg-type]
        codes: set[str] = set()
        for f in facts:
            codes.update(containing(f["region_id"]))
            codes.update(containing(f["registration_region_id"] or ""))
        self.industry: dict[tuple[str, str], PartyOrg] = {}
        self.comprehensive: dict[str, PartyOrg] = {}
        kinds = [PartyOrgKind.INDUSTRY_COMMITTEE, PartyOrgKind.COMPREHENSIVE_COMMITTEE]
        for part in _chunks(sorted(codes)):
            for p in PartyOrg.objects.filter(kind__in=kinds, region_id__in=part, dissolved_on__isnull=True).order_by("id"):
                if p.kind == PartyOrgKind.COMPREHENSIVE_COMMITTEE:
                    self.comprehensive.setdefault(p.region_id, p)
                elif p.industry_id:
                    self.industry.setdefault((p.industry_id, p.region_id), p)


def _street(f: dict[str, Any], c: _Candidates) -> Body | str:
    street = f["street_code"]
    found = c.comprehensive.get(street) if street else None
    if found is not None:
        return Body(found, "street", _("社区社会组织由所在街道党工委（综合党委）兜底管理（规则 RESPONSIBLE_BODY）"))
    return _("所在街道（乡镇）没有登记的街道党工委（综合党委）")


def _supervisory(f: dict[str, Any], c: _Candidates) -> Body | str:
    unit = f["supervisory_unit_id"]
    if not unit:
        return _("未记录业务主管单位")
    found = c.supervisory.get(unit)
    if found is None:
        return _("业务主管单位“%(u)s”的党组织未登记") % {"u": f["supervisory_unit__name"]}
    return Body(found, "supervisory", _("业务主管单位“%(u)s”的党组织（规则 RESPONSIBLE_BODY：有业务主管单位的，由其党组织"
                                        "负责）") % {"u": f["supervisory_unit__name"]})


def _industry(f: dict[str, Any], c: _Candidates) -> Body | str:
    industry = f["industry_id"]
    if not industry:
        return _("未记录行业")
    for code in containing(f["region_id"]):
        found = c.industry.get((industry, code))
        if found is not None:
            return Body(found, "industry", _("“%(i)s”行业党委（规则 RESPONSIBLE_BODY：按行业归口，取所在地区最近的"
                                             "行业党委）") % {"i": f["industry__name"]})
    return _("所在地区及其上级地区没有“%(i)s”行业党委") % {"i": f["industry__name"]}


def _comprehensive(f: dict[str, Any], c: _Candidates) -> Body | str:
    if f["registration_level"] == RegistrationLevel.NATIONAL:
        return _("全国性社会组织的党建工作由中央和国家机关有关工作委员会负责，不在本系统登记")
    registered = f["registration_region_id"] or ""
    for code in containing(registered):
        found = c.comprehensive.get(code)
        if found is not None:
            return Body(found, "comprehensive", _("登记管理机关所在地（%(code)s）的社会组织综合党委（规则 RESPONSIBLE_BODY："
                                                  "按登记管理机关层级兜底）") % {"code": registered})
    return _("登记管理机关所在地区（%(code)s）及其上级地区没有综合党委") % {"code": registered}


_LINES = {"supervisory": _supervisory, "industry": _industry, "comprehensive": _comprehensive}


def _resolve(f: dict[str, Any], c: _Candidates, order: list[str]) -> Body | Unresolved:
    override = c.overrides.get(f["id"])
    if override is not None:
        return Body(override, "override", _("按指定（规则 RESPONSIBLE_BODY：可逐个组织指定）"))
    reasons: list[str] = []
    steps = [_street] if f["type"] == OrgType.COMMUNITY_ORG else []
    for step in [*steps, *(_LINES[line] for line in order if line in _LINES)]:
        result = step(f, c)
        if isinstance(result, Body):
            return result
        reasons.append(result)
    return Unresolved(tuple(reasons) or (_("未设置任何确定方式"),))


def resolve_all(orgs: Iterable[SocialOrg | int] | QuerySet[SocialOrg]) -> dict[int, Body | Unresolved]:
    """Each org's body, or why none was found: a few queries per 900 orgs, whatever their number."""
    ids = _ids(orgs)
    out: dict[int, Body | Unresolved] = {}
    settings = current()
    orders: dict[str, list[str]] = {}
    for part in _chunks(ids):
        facts = list(SocialOrg.objects.filter(pk__in=part).order_by().values(*_FACTS))
        candidates = _Candidates(facts)
        for f in facts:
            region = f["region_id"]
            if region not in orders:
                orders[region] = parse_order(settings.value(RULE_ID, "order", region))
            out[f["id"]] = _resolve(f, candidates, orders[region])
    return out


def responsible_bodies(orgs: Iterable[SocialOrg | int] | QuerySet[SocialOrg]) -> dict[int, Body]:
    """The body of each org that has one (org id → Body)."""
    return {pk: r for pk, r in resolve_all(orgs).items() if isinstance(r, Body)}


def responsible_body(org: SocialOrg | int) -> Body | None:
    """The responsible party body of one org, or None if none can be found (``explain`` says why)."""
    found = resolve_all([org]).get(org if isinstance(org, int) else org.pk)
    return found if isinstance(found, Body) else None


def explain(org: SocialOrg | int) -> Body | Unresolved:
    """The body of one org, or why it cannot be found."""
    pk = org if isinstance(org, int) else org.pk
    return resolve_all([pk]).get(pk) or Unresolved((_("该组织不存在"),))
