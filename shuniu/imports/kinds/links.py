"""Import kind "coverage_links": which party org covers which social org (党组织覆盖), from a date.

A row names the party org (by its name, which must be unambiguous among current party orgs) and
the org (by USCC). The rules are ``coverage_add``'s (``clean_coverage``). A link that is already
open is left as it is (counted unchanged), so the same file can be imported again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core import derived
from shuniu.core.services import Errors, not_in_future
from shuniu.imports import bulk, cells
from shuniu.imports.kinds.base import Change, Context, Kind, Parsed, Plan
from shuniu.imports.kinds.members import _in_chunks
from shuniu.imports.spec import Column
from shuniu.party.models import PartyOrg, PartyOrgCoverage
from shuniu.party.services import OwnLink, clean_coverage, own_links_of
from shuniu.registry.models import SocialOrg

COLUMNS: list[Column] = [
    Column("party_org", "党组织", "Party org", cells.text, required=True, aliases=("党组织名称", "覆盖党组织"),
           example="荷花池街道社会组织联合党支部", width=30),
    Column("org", "社会组织统一社会信用代码", "Org USCC", cells.code, required=True,
           aliases=("统一社会信用代码", "社会组织代码"), example="51320404MJ0000001W", width=22),
    Column("org_name", "社会组织名称", "Org name", cells.text, aliases=("社会组织", "组织名称"),
           note="仅供核对：与代码对应的组织名称不一致时报错", width=30),
    Column("started_on", "覆盖起始日期", "Started on", cells.date, required=True, aliases=("起始日期", "覆盖日期"),
           example="2020-07-01"),
]


class CoverageLinkKind(Kind):
    name = "coverage_links"
    label = gettext_lazy("党组织覆盖关系")
    model = PartyOrgCoverage
    columns = COLUMNS
    sheet_title = "党组织覆盖"

    def plan(self, parsed: list[Parsed], ctx: Context) -> Plan:  # noqa: C901
        plan = Plan(kind=self.name)
        names = {p.data["party_org"] for p in parsed if "party_org" in p.data}
        usccs = {p.data["org"] for p in parsed if "org" in p.data}
        by_name: dict[str, list[PartyOrg]] = {}
        for po in _in_chunks(PartyOrg.objects.filter(dissolved_on__isnull=True), "name", names):
            by_name.setdefault(po.name, []).append(po)
        orgs = {o.uscc: o for o in _in_chunks(SocialOrg.objects.all(), "uscc", usccs)}
        open_links = set(_in_chunks(PartyOrgCoverage.objects.filter(ended_on__isnull=True).values_list(
            "party_org_id", "org_id"), "org_id", {o.pk for o in orgs.values()}))
        # ``coverage_add`` checks both: the party org and the org must lie in the actor's scope.
        party_ok = ctx.allowed(PartyOrg, (po.pk for pos in by_name.values() for po in pos))
        orgs_ok = ctx.allowed(SocialOrg, (o.pk for o in orgs.values()))
        own_links = own_links_of(o.pk for o in orgs.values())
        seen: dict[tuple[int, int], int] = {}
        for p in parsed:
            plan.rows += 1
            d = p.data
            errors = Errors()
            for field_name, (code, message) in p.bad.items():
                errors.by_field.setdefault(field_name, []).append(ValidationError(message, code=code))
            for field_name in ("party_org", "org", "started_on"):
                if field_name not in d and field_name not in p.bad:
                    errors.add(field_name, _("%(label)s不能为空（规则：必填）") % {"label": ctx.column(field_name)},
                               "required")
            found = by_name.get(d.get("party_org", ""), [])
            if "party_org" in d and len(found) != 1:
                errors.add("party_org", (_("党组织“%(v)s”不存在或已撤销（规则：须为现有党组织）") if not found else
                                         _("党组织“%(v)s”有重名，无法确定（规则：名称须唯一）")) % {"v": d["party_org"]},
                           "reference")
            org = orgs.get(d.get("org", ""))
            if "org" in d and org is None:
                errors.add("org", _("社会组织“%(v)s”不存在（规则：须为已登记组织的统一社会信用代码）") % {"v": d["org"]},
                           "reference")
            if len(found) == 1 and party_ok is not None and found[0].pk not in party_ok:
                ctx.refuse_outside(errors, "party_org", d["party_org"])
            if org is not None and orgs_ok is not None and org.pk not in orgs_ok:
                ctx.refuse_outside(errors, "org", d["org"])
            if org is not None and d.get("org_name") and d["org_name"] != org.name:
                errors.add("org_name", _("名称“%(v)s”与代码对应的组织“%(o)s”不一致（规则：名称与代码须对应）")
                           % {"v": d["org_name"], "o": org.name}, "mismatch")
            start = d.get("started_on")
            if start is not None:
                not_in_future(errors, "started_on", start, ctx.column("started_on"))
            if errors.by_field or org is None or len(found) != 1 or start is None:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            party_org = found[0]
            key = (party_org.pk, org.pk)
            if key in seen:
                errors.add("org", _("与第 %(row)s 行相同（规则：同一文件中覆盖关系不能重复）") % {"row": seen[key]},
                           "duplicate")
            seen.setdefault(key, p.row)
            if key in open_links and not errors.by_field:
                plan.unchanged += 1
                continue
            clean_coverage(errors, party_org, org, start, already_open=False, own_links=own_links.get(org.pk, []))
            if errors.by_field:
                plan.add_errors(ctx, p.row, errors.by_field)
                continue
            plan.creates.append(Change(p.row, None, PartyOrgCoverage(party_org=party_org, org=org, started_on=start)))
            if party_org.is_own:
                own_links.setdefault(org.pk, []).append(OwnLink(party_org.pk, party_org.name, start, None))
        return plan

    def commit(self, plan: Plan, ctx: Context) -> list[tuple[str, int, int, str, Any, Any]]:
        links = [c.after for c in plan.creates]
        with derived.track() as tracker:
            tracker.touch(orgs={link.org_id for link in links})
            PartyOrgCoverage.objects.bulk_create(links, batch_size=500)
        label = PartyOrgCoverage._meta.label_lower
        return [(label, first, n, "created", None, None) for first, n in bulk.runs(link.pk for link in links)]
