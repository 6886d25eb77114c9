"""The figures of the dashboard and the region pages, and the data of their charts.

Every figure comes with the link to the org list behind it (``drill_url``), which uses the same
parameters as ``shuniu.coverage.selectors.drilldown``, so a list has as many rows as its number.
Region scopes read the stored rollup (``coverage_rows``); hub, party and instructor scopes, which
have no region table, count their own orgs the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.core.output import percent
from shuniu.coverage import engine
from shuniu.coverage.due import due_q
from shuniu.coverage.models import RollupSnapshot
from shuniu.coverage.selectors import STATUSES, coverage_rows
from shuniu.coverage.summary import summary
from shuniu.party.models import MemberStatus, PartyOrgKind
from shuniu.party.selectors import instructor_list
from shuniu.regions.models import Region
from shuniu.registry.models import CoverageStatus, Industry, OrgType, SocialOrg

# Short labels for charts and table heads (the model's labels are the full statistical terms).
STATUS_SHORT = {s.value: s.short_label for s in CoverageStatus}
STATUS_COLORS = {CoverageStatus.OWN.value: "#b71c1c", CoverageStatus.JOINT.value: "#ef6c57",
                 CoverageStatus.INSTRUCTOR.value: "#f2a93b", CoverageStatus.MASS_ORG.value: "#7fa7c9",
                 CoverageStatus.NONE.value: "#c9c9c9"}
COVERED = "own,joint"
WORKED = "own,joint,instructor,mass_org"


def drill_url(**params: Any) -> str:
    """The org list filtered as a figure was counted; empty parameters are left out."""
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    return reverse("org_list") + ("?" + urlencode(clean) if clean else "")


def _pct(part: int, whole: int) -> float:
    """The exact ratio: it is rounded where it is shown (``shuniu.core.output.percent``)."""
    return part / whole if whole else 0.0


def _row_from_counts(counts: dict[str, int], **head: Any) -> dict[str, Any]:
    n = sum(counts.get(s, 0) for s in STATUSES)
    row = {**head, "population": n, **{s: counts.get(s, 0) for s in STATUSES}}
    row["org_coverage_rate"] = _pct(row["own"] + row["joint"], n)
    row["work_coverage_rate"] = _pct(n - row["none"], n)
    return row


def _scope_rows(scope: Scope) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """For scopes without a region (hub, party org, instructor): the top row and the breakdowns by
    org type and industry, counted from the stored statuses of the active orgs in scope."""
    orgs = scope.filter(SocialOrg.objects.filter(status="active"))
    by_status = dict(orgs.order_by().values_list("coverage_status").annotate(n=Count("pk")))
    top = _row_from_counts(by_status, region="", name=_("我的管辖范围"), key="")
    due = due_q()
    top["due_not_established"] = orgs.filter(due).count()
    data = summary(scope)
    top["party_orgs"] = data["party_orgs"]["by_kind"]
    top["members_full"] = data["members"]["by_status"].get("full", 0)
    top["members_probationary"] = data["members"]["by_status"].get("probationary", 0)

    def grouped(by: str) -> list[dict[str, Any]]:
        field = engine.ORG_DIMENSIONS[by]
        cells: dict[str, dict[str, int]] = {}
        for key, status, n in orgs.exclude(**{f"{field}__isnull": True}).order_by().values_list(
                field, "coverage_status").annotate(n=Count("pk")):
            cells.setdefault(str(key), {})[status] = n
        names = ({k: str(OrgType(k).label) for k in cells if k in OrgType.values} if by == "type" else
                 dict(Industry.objects.filter(pk__in=list(cells)).values_list("pk", "name")))
        due_by_key = {str(k): n for k, n in orgs.filter(due).order_by().values_list(field).annotate(n=Count("pk"))}
        rows = [_row_from_counts(c, region="", name=names.get(k, k), key=k)
                | {"due_not_established": due_by_key.get(k, 0)} for k, c in cells.items()]
        return sorted(rows, key=lambda r: -r["population"])

    return top, grouped("type"), grouped("industry")


def _trend(region_code: str, top: dict[str, Any], today: dt.date) -> list[dict[str, Any]]:
    """Snapshots of the region's row, oldest first, then today's live figures (which replace a
    snapshot taken earlier today)."""
    points = [
        {"date": s.as_of.isoformat(), "population": s.population,
         "org": percent(s.org_coverage_rate), "work": percent(s.work_coverage_rate)}
        for s in RollupSnapshot.objects.filter(dimension="region", key="", region=region_code, as_of__lt=today)
        .order_by("as_of")
    ]
    if points:
        points.append({"date": today.isoformat(), "population": top["population"],
                       "org": percent(top["org_coverage_rate"]),
                       "work": percent(top["work_coverage_rate"])})
    return points


def _stack_chart(rows: list[dict[str, Any]], *, region: str, by: str, limit: int = 12) -> dict[str, Any]:
    """Horizontal stacked bars: one bar per category, one segment per coverage status."""
    shown = [r for r in rows if r["population"]][:limit]
    return {
        "kind": "stack",
        "categories": [r["name"] for r in shown],
        "series": [{"name": str(STATUS_SHORT[s]), "color": STATUS_COLORS[s], "data": [r[s] for r in shown]}
                   for s in STATUSES],
        "urls": [[drill_url(region=region, by=by, key=r["key"], status=s) for s in STATUSES] for r in shown],
    }


def _region_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars of both coverage rates per sub-region; a click opens that region's page."""
    return {
        "kind": "rates",
        "categories": [r["name"] for r in rows],
        "series": [
            {"name": _("组织覆盖率"), "color": STATUS_COLORS["own"],
             "data": [percent(r["org_coverage_rate"]) for r in rows]},
            {"name": _("工作覆盖率"), "color": STATUS_COLORS["instructor"],
             "data": [percent(r["work_coverage_rate"]) for r in rows]},
        ],
        "urls": [reverse("region", args=[r["region"]]) for r in rows],
    }


def dashboard(scope: Scope, region: Region | None, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the dashboard and the region pages show for ``region`` (None: the scope itself,
    which is the whole country for an administrator)."""
    today = today or engine.today()
    by_region = scope.kind in ("all", "region")
    if by_region:
        code = region.code if region else ""
        rows = coverage_rows(scope, code or None)
        top, subs = rows[0], rows[1:]
        types = coverage_rows(scope, code or None, by="type")[1:]
        industries = coverage_rows(scope, code or None, by="industry")[1:]
        scoped = Scope.of_region(code) if code else scope
        instructors = scoped.filter(instructor_list(scope)).count()
    else:
        code = ""
        top, types, industries = _scope_rows(scope)
        subs = []
        instructors = instructor_list(scope).count()
    subs_shown = [r for r in subs if r["population"]]
    kinds = [{"kind": k, "label": PartyOrgKind(k).label, "n": top["party_orgs"].get(k, 0)}
             for k in engine.PARTY_KINDS]
    members = [{"status": s, "label": MemberStatus(s).label, "n": top[f"members_{s}"]} for s in MemberStatus.values]
    statuses = [{"status": s, "label": STATUS_SHORT[s], "color": STATUS_COLORS[s], "n": top[s],
                 "share": _pct(top[s], top["population"])} for s in STATUSES]
    trend = _trend(code, top, today) if by_region else []
    charts: dict[str, Any] = {
        "status": {"kind": "donut", "series": [
            {"name": str(x["label"]), "value": x["n"], "color": x["color"], "url": drill_url(region=code, status=x["status"])}
            for x in statuses]},
        "types": _stack_chart(types, region=code, by="type"),
        "industries": _stack_chart(industries, region=code, by="industry"),
    }
    if len(trend) > 1:
        charts["trend"] = {"kind": "trend", "dates": [p["date"] for p in trend], "series": [
            {"name": _("组织覆盖率"), "color": STATUS_COLORS["own"], "data": [p["org"] for p in trend]},
            {"name": _("工作覆盖率"), "color": STATUS_COLORS["instructor"], "data": [p["work"] for p in trend]},
        ]}
    if subs_shown:
        charts["regions"] = _region_chart(subs_shown)
    return {
        "code": code, "by_region": by_region, "top": top, "subs": subs_shown,
        "subs_empty": len(subs) - len(subs_shown), "types": types, "industries": industries,
        "kinds": kinds, "kinds_total": sum(k["n"] for k in kinds), "members": members,
        "members_total": sum(m["n"] for m in members), "statuses": statuses, "instructors": instructors,
        "trend": trend, "charts": charts, "today": today,
    }
