"""An independent recomputation of the org-life roll-up, for the tests: the calendar of required
meetings enumerated in Python and plain SQL questions about the raw rows (one per slot, the
attendance rows themselves rather than the meetings' stored counts), written without reading
``shuniu.orglife.compliance``. Only the rule's documented definition is shared (rules.slots' periods,
APPLIES and the settings' frequencies: the inputs, not the computation)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection

from shuniu.orglife.models import KIND_BITS, KINDS
from shuniu.orglife.rules import APPLIES, params_for

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))


def _periods(year: int, months: int) -> list[tuple[dt.date, dt.date]]:
    return [(dt.date(year, m, 1), _month_end(year, m + months - 1)) for m in range(1, 13, months)]


def _one(sql: str, args: list[Any]) -> Any:
    with connection.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def _all(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def _d(value: dt.date) -> str:
    return value.isoformat()


def per_org(year: int, until: dt.date) -> dict[int, dict[str, Any]]:
    """Each party org in the population with its counts for ``year`` as of ``until`` (slots seen on the
    year's last day once it is over; reviews up to ``until``)."""
    day = min(until, dt.date(year, 12, 31))
    cast = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    orgs = _all(f"SELECT id, kind, established_on, region_id, industry_id, province_code, city_code, county_code, "
                f"street_code, community_code FROM party_partyorg WHERE established_on <= {cast} "
                f"AND (dissolved_on IS NULL OR dissolved_on > {cast})", [_d(day), _d(day)])
    out = {}
    for pk, kind, established, region, industry, *levels in orgs:
        if isinstance(established, str):
            established = dt.date.fromisoformat(established)
        params = params_for(str(region))
        counts: dict[str, int] = defaultdict(int)
        for meeting_kind in KINDS:
            months = PERIOD_MONTHS.get(params[meeting_kind])
            if months is None or kind not in APPLIES[meeting_kind]:
                continue
            for start, end in _periods(year, months):
                if start > day:
                    continue
                required = established <= start and end <= day
                n = _one(f"SELECT COUNT(*) FROM orglife_meeting WHERE party_org_id = %s AND held_on >= {cast} "
                         f"AND held_on <= {cast} AND held_on <= {cast} AND (kinds & %s) <> 0",
                         [pk, _d(start), _d(end), _d(day), KIND_BITS[meeting_kind]])
                if required or n:
                    counts[f"exp_{meeting_kind}"] += 1
                if n:
                    counts[f"held_{meeting_kind}"] += 1
        exp = sum(counts[f"exp_{k}"] for k in KINDS)
        held = sum(counts[f"held_{k}"] for k in KINDS)
        first = dt.date(day.year, day.month, 1)
        back = int(params["idle_months"]) - 1
        idle_from = dt.date(first.year + (first.month - 1 - back) // 12, (first.month - 1 - back) % 12 + 1, 1)
        recent = _one(f"SELECT COUNT(*) FROM orglife_meeting WHERE party_org_id = %s AND held_on >= {cast} "
                      f"AND held_on <= {cast}", [pk, _d(idle_from), _d(day)])
        expected, present = _all(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.present THEN 1 ELSE 0 END), 0) FROM orglife_attendance a "
            f"JOIN orglife_meeting m ON m.id = a.meeting_id WHERE m.party_org_id = %s AND m.held_on >= {cast} "
            f"AND m.held_on <= {cast}", [pk, _d(dt.date(year, 1, 1)), _d(day)])[0]
        grades = dict(_all(f"SELECT grade, COUNT(*) FROM orglife_reviewresult WHERE party_org_id = %s AND year = %s "
                           f"AND reviewed_on <= {cast} GROUP BY grade", [pk, year, _d(until)]))
        covered = _all(
            f"SELECT s.hub_id, s.industry_id FROM party_partyorgcoverage c JOIN registry_socialorg s ON s.id = c.org_id "
            f"WHERE c.party_org_id = %s AND c.started_on <= {cast} AND (c.ended_on IS NULL OR c.ended_on > {cast})",
            [pk, _d(day), _d(day)])
        hubs = sorted({str(h) for h, _i in covered if h})
        industries = sorted({str(i) for _h, i in covered if i} | ({str(industry)} if industry else set()))
        out[pk] = {"kind": kind, "industries": industries, "levels": [str(x or "") for x in levels],
                   "hubs": hubs, "counts": {
                       **{f"{p}_{k}": counts[f"{p}_{k}"] for k in KINDS for p in ("exp", "held")},
                       "att_expected": int(expected), "att_present": int(present),
                       "rev_excellent": grades.get("excellent", 0), "rev_qualified": grades.get("qualified", 0),
                       "rev_basic": grades.get("basic", 0), "rev_unqualified": grades.get("unqualified", 0),
                       "orgs": 1, "complete": int(exp > 0 and held == exp),
                       "idle": int(established <= idle_from and recent == 0)}}
    return out


def rollup(year: int, day: dt.date) -> dict[tuple[str, str, str], dict[str, int]]:
    rows: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org in per_org(year, day).values():
        places = [""] + [code for code in org["levels"] if code]
        dims = [("region", ""), ("type", org["kind"])]
        dims += [("industry", code) for code in org["industries"]]
        dims += [("hub", h) for h in org["hubs"]]
        for dim, key in dims:
            for place in places:
                for name, value in org["counts"].items():
                    rows[(dim, key, place)][name] += value
    return {k: {n: v for n, v in row.items()} for k, row in rows.items()}


def same(computed: dict[tuple[str, str, str], dict[str, int]],
         independent: dict[tuple[str, str, str], dict[str, int]]) -> list[str]:
    """The differences between two roll-ups (rows of zeros count as absent)."""
    def clean(rows: dict[tuple[str, str, str], dict[str, int]]) -> dict[tuple[str, str, str], dict[str, int]]:
        return {k: {n: v for n, v in row.items() if v} for k, row in rows.items() if any(row.values())}

    a, b = clean(computed), clean(independent)
    return [f"{k}: {a.get(k)} != {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
