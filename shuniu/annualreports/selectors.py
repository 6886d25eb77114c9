"""Reads of the secretaries' reports, all through a ``Scope``: the reports, one report, the figures
per region with the party orgs behind each, and the inbox's reminders (rule SECRETARY_REPORT).

**Expected to report** for a year *Y* (``expected_q``): a party org that

* was established on or before 31 December of *Y*;
* was not dissolved on or before the deadline of *Y*'s report (the rule setting of its region,
  31 March of *Y* + 1 by default): one dissolved earlier has nobody left to report;
* has a superior party org recorded in the system (the report goes to it; a party org at the top
  of the tree reports to a body outside the system).

**Reported**: it has a report for *Y*, not withdrawn, submitted to the superior at least once (waiting
for evaluation, returned for revision, or evaluated). **Not reported**: expected and not reported
(a draft does not count). The grades are the overall grades of the reported ones; **未评 (unrated)**
are reported and not yet evaluated. Every figure counts expected party orgs only, and ``drill``
lists the party orgs behind any of them with the same conditions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.scopes import Scope
from shuniu.annualreports.models import Grade, SecretaryReport
from shuniu.annualreports.rules import CITE, RULE, deadline_for
from shuniu.cases.inbox import Reminder, Reminders
from shuniu.coverage.selectors import resolve_region, sub_regions
from shuniu.party.models import PartyOrg
from shuniu.regions.codes import PREFIX_FIELDS, parse
from shuniu.rulesettings.selectors import Settings, current

# The figures of a row, in the order a table shows them; each is also a ``drill`` filter.
FIGURES: dict[str, Any] = {
    "expected": gettext_lazy("应述职"), "reported": gettext_lazy("已述职"), "not_reported": gettext_lazy("未述职"),
    Grade.GOOD.value: Grade.GOOD.label, Grade.FAIRLY_GOOD.value: Grade.FAIRLY_GOOD.label,
    Grade.AVERAGE.value: Grade.AVERAGE.label, Grade.POOR.value: Grade.POOR.label,
    "unrated": gettext_lazy("未评"),
}


def reported_reports(year: int) -> QuerySet[SecretaryReport]:
    return SecretaryReport.objects.filter(year=year, withdrawn=False, submitted_on__isnull=False)


def expected_q(year: int, settings: Settings | None = None) -> Q:
    """The party orgs expected to report for ``year`` (see the module's docstring), as one condition."""
    settings = settings or current()
    lifetime = [p.q() & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=deadline_for(year, p.params)))
                for p in settings.partitions(RULE)]
    return Q(established_on__lte=dt.date(year, 12, 31), superior__isnull=False) & reduce(or_, lifetime)


def _annotated(qs: QuerySet[PartyOrg], year: int) -> QuerySet[PartyOrg]:
    reports = reported_reports(year).filter(party_org=OuterRef("pk"))
    return qs.annotate(has_report=Exists(reports), report_grade=Subquery(reports.values("grade")[:1]),
                       report_id=Subquery(reports.values("pk")[:1]))


def _figure_q(figure: str) -> Q:
    if figure in ("", "expected"):
        return Q()
    if figure == "reported":
        return Q(has_report=True)
    if figure == "not_reported":
        return Q(has_report=False)
    if figure == "unrated":
        return Q(has_report=True, report_grade="")
    if figure in Grade.values:
        return Q(report_grade=figure)
    raise ValueError(figure)


def _expected(scope: Scope, year: int, region_code: str) -> QuerySet[PartyOrg]:
    qs = scope.filter(PartyOrg.objects.filter(expected_q(year)))
    if region_code:
        code = parse(region_code)
        qs = qs.filter(**{code.field: code.short})
    return qs


def drill(scope: Scope, year: int, region_code: str = "", figure: str = "") -> QuerySet[PartyOrg]:
    """The party orgs behind one figure of ``summary`` (in scope, of the region, of the figure),
    each annotated with ``has_report``, ``report_grade`` and ``report_id``."""
    if region_code or scope.kind in ("all", "region"):
        region = resolve_region(scope, region_code)
        region_code = region.code if region is not None else ""
    qs = _annotated(_expected(scope, year, region_code), year)
    return qs.filter(_figure_q(figure)).select_related("superior").order_by("path", "pk")


def _counts() -> dict[str, Any]:
    grade = {g: Count("pk", filter=Q(has_report=True, report_grade=g)) for g in Grade.values}
    return {"expected": Count("pk"), "reported": Count("pk", filter=Q(has_report=True)),
            "unrated": Count("pk", filter=Q(has_report=True, report_grade="")), **grade}


@dataclass(frozen=True)
class Row:
    region: str
    name: str
    figures: dict[str, int]

    @property
    def share(self) -> float | None:
        """The share of the expected party orgs that reported (None when none is expected)."""
        expected = self.figures["expected"]
        return self.figures["reported"] / expected if expected else None

    def cells(self) -> list[tuple[str, int]]:
        return [(f, self.figures[f]) for f in FIGURES]


def _row(region: str, name: str, counts: dict[str, Any]) -> Row:
    figures = {f: int(counts.get(f) or 0) for f in FIGURES if f != "not_reported"}
    figures["not_reported"] = figures["expected"] - figures["reported"]
    return Row(region, name, figures)


def summary(scope: Scope, year: int, region_code: str = "") -> list[Row]:
    """The region's row first, then one per direct sub-region: expected, reported, not reported,
    and the grades (DOMAIN.md §6 G "share of secretaries who reported; grade distribution per
    region"). Two queries: one aggregate, one GROUP BY over the sub-regions' prefix column.
    A region outside a region scope, or a scope of no region, is refused (PermissionDenied)."""
    region = resolve_region(scope, region_code)
    code = region.code if region is not None else ""
    qs = _annotated(_expected(scope, year, code), year)
    rows = [_row(code, region.name if region is not None else _("全国"), qs.aggregate(**_counts()))]
    children = sub_regions(region)
    if children:
        field = PREFIX_FIELDS[parse(children[0][0]).level]
        grouped = {r[field]: r for r in qs.order_by().values(field).annotate(**_counts())}
        rows += [_row(c, n, grouped.get(c, {})) for c, n in children]
    return rows


def report_list(scope: Scope, *, year: int | None = None, party_org: PartyOrg | None = None,
                grade: str = "") -> QuerySet[SecretaryReport]:
    qs = scope.filter(SecretaryReport.objects.filter(withdrawn=False))
    if year:
        qs = qs.filter(year=year)
    if party_org is not None:
        qs = qs.filter(party_org=party_org)
    if grade:
        qs = qs.filter(grade=grade)
    return qs.select_related("party_org", "case", "secretary").order_by("-year", "party_org__path", "pk")


def report_get(scope: Scope, pk: int) -> SecretaryReport | None:
    return (scope.filter(SecretaryReport.objects.filter(pk=pk))
            .select_related("party_org", "party_org__superior", "case", "case__body", "secretary").first())


def not_reported_reminders(scope: Scope, today: dt.date, limit: int) -> Reminders:
    """The party orgs in scope, still active, expected to report for last year and not reported,
    from ``due_soon_days`` before the deadline of their region (due soon) and after it (overdue).
    Two queries however large the jurisdiction: a count and a page."""
    year = today.year - 1
    settings = current()
    parts = []
    for p in settings.partitions(RULE):
        due = deadline_for(year, p.params)
        if p.enabled and today >= due - dt.timedelta(days=int(p.params["due_soon_days"])):
            parts.append(p.q())
    if not parts:
        return Reminders(0, [])
    qs = (scope.filter(PartyOrg.objects.filter(expected_q(year, settings), dissolved_on__isnull=True))
          .filter(reduce(or_, parts))
          .exclude(Exists(reported_reports(year).filter(party_org=OuterRef("pk")))))
    count = qs.count()
    if not count or limit <= 0:
        return Reminders(count, [])
    items = []
    for pk, name, region in qs.order_by("path", "pk").values_list("pk", "name", "region_id")[:limit]:
        due = deadline_for(year, settings.params(RULE, str(region)))
        detail = (_("%(year)s 年度书记述职已于 %(d)s 逾期未报送") if due < today
                  else _("%(year)s 年度书记述职应于 %(d)s 前报送上级党组织")) % {"year": year, "d": due.isoformat()}
        items.append(Reminder(rule_id=RULE, title=name, detail=detail, due_on=due,
                              url=reverse("party_detail", args=[pk]), source=str(CITE)))
    return Reminders(count, items)
