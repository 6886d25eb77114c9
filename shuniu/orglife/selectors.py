"""Reads of organizational life: meetings in scope, a party org's periods (what is due and done),
members' attendance, and the compliance table with the party orgs behind every figure.

Live figures read the stored tallies and roll-up (``compliance``, brought up to date first by
``ensure_current``); figures as of a past date are recomputed from the records with the same
definition (``compliance.org_figures``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.coverage.selectors import resolve_region, sub_regions
from shuniu.orglife import compliance
from shuniu.orglife.models import (
    KIND_BITS,
    KINDS,
    REVIEW_FIELDS,
    ROLLUP_FIELDS,
    TALLY_FIELDS,
    Attendance,
    LifeRollup,
    LifeTally,
    Meeting,
    ReviewResult,
)
from shuniu.orglife.rules import APPLIES, KIND_SOURCE, Slot, kind_label, params_for, slots
from shuniu.party.models import PartyOrg
from shuniu.regions.codes import PREFIX_FIELDS, parse

DIMENSIONS = ["level", "type", "industry", "hub"]
FIGURES = ["orgs", "complete", "incomplete", "idle"]


def meeting_list(scope: Scope, *, party_org: PartyOrg | None = None, region: str = "", kind: str = "",
                 year: int | None = None, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Meeting]:
    qs = scope.filter(Meeting.objects.all()).select_related("party_org")
    if party_org is not None:
        qs = qs.filter(party_org=party_org)
    if region:
        qs = qs.filter(**{f"party_org__{PREFIX_FIELDS[parse(region).level]}": parse(region).short})
    if kind in KIND_BITS:
        qs = qs.alias(has=_bit(kind)).filter(has__gt=0)
    if year:
        qs = qs.filter(held_on__year=year)
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    return qs.order_by("-held_on", "-id")


def _bit(kind: str) -> Any:
    from django.db.models import F

    return F("kinds").bitand(KIND_BITS[kind])


def meeting_get(scope: Scope, pk: int) -> Meeting:
    return scope.filter(Meeting.objects.select_related("party_org")).get(pk=pk)


def attendance_of(meeting: Meeting) -> QuerySet[Attendance]:
    return meeting.attendance.select_related("member").order_by("-present", "member__name", "member_id")


# ---- one party org's periods ---------------------------------------------------------------------

@dataclass
class Due:
    """One kind of meeting a party org must hold: its current slot and whether it is done, and the
    last ended slot (missed or not)."""

    kind: str
    label: str
    frequency: str
    slot: Slot
    done: list[Meeting] = field(default_factory=list)
    previous: Slot | None = None
    previous_done: bool = True
    source: str = ""

    @property
    def is_done(self) -> bool:
        return bool(self.done)


def periods(party_org: PartyOrg, day: dt.date | None = None) -> list[Due]:
    """Each kind the party org must hold under its region's settings: the slot containing ``day``
    with the meetings held in it, and the slot before (required if the org existed on its first day)."""
    day = day or compliance.today()
    params = params_for(str(party_org.region_id))
    out = []
    this_year = slots(day.year, params)
    last_year = slots(day.year - 1, params)
    meetings = list(Meeting.objects.filter(party_org=party_org, held_on__gte=dt.date(day.year - 1, 1, 1),
                                           held_on__lte=day))
    for kind in KINDS:
        if party_org.kind not in APPLIES[kind] or params[kind] == "off":
            continue
        own = [s for s in this_year if s.kind == kind]
        current = next(s for s in own if s.start <= day <= s.end)
        before = [s for s in [*last_year, *this_year] if s.kind == kind and s.end < current.start]
        previous = before[-1] if before and before[-1].start >= party_org.established_on else None
        due = Due(kind, kind_label(kind), params[kind], current,
                  [m for m in meetings if m.kinds & KIND_BITS[kind] and current.start <= m.held_on <= current.end],
                  previous, source=str(KIND_SOURCE[kind]))
        if previous is not None:
            due.previous_done = any(m.kinds & KIND_BITS[kind] and previous.start <= m.held_on <= previous.end
                                    for m in meetings)
        out.append(due)
    return out


def org_rate(party_org: PartyOrg, year: int, start: dt.date | None = None, end: dt.date | None = None,
             day: dt.date | None = None) -> dict[str, Any]:
    """A party org's compliance in a year (or a quarter: slots within [start, end]) seen on ``day``."""
    day = day or compliance.today()
    figures = next(iter(compliance.org_figures(year, day, [party_org.pk])), None)
    if start is None or end is None:
        counts = figures.counts if figures else dict.fromkeys(TALLY_FIELDS, 0)
    else:
        counts = _window(party_org, year, start, end, compliance.seen_on(year, day))
    expected = sum(counts[f"exp_{k}"] for k in KINDS)
    held = sum(counts[f"held_{k}"] for k in KINDS)
    return {"expected": expected, "held": held, "rate": held / expected if expected else None,
            "kinds": {k: (counts[f"exp_{k}"], counts[f"held_{k}"]) for k in KINDS if counts[f"exp_{k}"]}}


def _window(party_org: PartyOrg, year: int, start: dt.date, end: dt.date, day: dt.date) -> dict[str, int]:
    """The counts of the slots lying within [start, end] (a quarter), by the same rules as the year's."""
    params = params_for(str(party_org.region_id))
    counts = dict.fromkeys(TALLY_FIELDS, 0)
    meetings = list(Meeting.objects.filter(party_org=party_org, held_on__gte=start, held_on__lte=min(end, day)))
    for slot in slots(year, params):
        if party_org.kind not in APPLIES[slot.kind] or slot.start < start or slot.end > end:
            continue
        required = party_org.established_on <= slot.start and slot.end <= day
        held = any(m.kinds & slot.bit and slot.start <= m.held_on <= slot.end for m in meetings)
        if required or held:
            counts[f"exp_{slot.kind}"] += 1
        if held:
            counts[f"held_{slot.kind}"] += 1
    return counts


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(day.year, ((day.month - 1) // 3) * 3 + 1, 1)
    from shuniu.party.terms import add_months

    return first, add_months(first, 3) - dt.timedelta(days=1)


@dataclass
class MemberLife:
    member_id: int
    name: str
    participant: bool
    expected: int
    present: int
    unexcused: int
    months: int  # months with a meeting the member was expected at
    months_attended: int  # of which the member attended one (at any org where they take part)
    grade: str

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


def member_attendance(party_org: PartyOrg, year: int, day: dt.date | None = None) -> list[MemberLife]:
    """The members expected at the party org's meetings in the year: at this org, present of expected;
    and by month, at any org where they take part (attending anywhere satisfies the month, DOMAIN.md §6 F)."""
    day = day or compliance.seen_on(year)
    rows = (Attendance.objects.filter(meeting__party_org=party_org, meeting__held_on__year=year,
                                      meeting__held_on__lte=day)
            .values_list("member_id", "member__name", "participant", "present", "reason"))
    per: dict[int, dict[str, Any]] = {}
    for pk, name, participant, present, reason in rows:
        p = per.setdefault(pk, {"name": name, "participant": participant, "expected": 0, "present": 0, "unexcused": 0})
        p["expected"] += 1
        p["present"] += int(present)
        p["unexcused"] += int(not present and not reason)
        p["participant"] = p["participant"] and participant
    months: dict[int, dict[int, bool]] = defaultdict(dict)
    for pk, held_on, present in (Attendance.objects.filter(member_id__in=list(per), meeting__held_on__year=year,
                                                           meeting__held_on__lte=day)
                                 .values_list("member_id", "meeting__held_on", "present")):
        months[pk][held_on.month] = months[pk].get(held_on.month, False) or present
    grades = dict(ReviewResult.objects.filter(year=year, member_id__in=list(per)).values_list("member_id", "grade"))
    out = [MemberLife(pk, p["name"], p["participant"], p["expected"], p["present"], p["unexcused"],
                      len(months[pk]), sum(months[pk].values()), grades.get(pk, ""))
           for pk, p in per.items()]
    return sorted(out, key=lambda m: (m.participant, m.name, m.member_id))


# ---- the compliance table ------------------------------------------------------------------------

def _row(counts: dict[str, int], **head: Any) -> dict[str, Any]:
    c = {name: int(counts.get(name, 0)) for name in ROLLUP_FIELDS}
    expected = sum(c[f"exp_{k}"] for k in KINDS)
    held = sum(c[f"held_{k}"] for k in KINDS)
    reviewed = sum(c[f] for f in REVIEW_FIELDS)
    return {**head, **c, "expected": expected, "held": held,
            "rate": held / expected if expected else None,
            "complete_rate": c["complete"] / c["orgs"] if c["orgs"] else None,
            "incomplete": c["orgs"] - c["complete"],
            "attendance_rate": c["att_present"] / c["att_expected"] if c["att_expected"] else None,
            "reviewed": reviewed,
            "kinds": {k: {"expected": c[f"exp_{k}"], "held": c[f"held_{k}"],
                          "rate": c[f"held_{k}"] / c[f"exp_{k}"] if c[f"exp_{k}"] else None} for k in KINDS}}


def _key_names(by: str, keys: list[str]) -> dict[str, str]:
    from shuniu.party.models import PartyOrgKind
    from shuniu.registry.models import Hub, Industry

    if by == "type":
        return {k: str(PartyOrgKind(k).label) for k in keys if k in PartyOrgKind.values}
    model = {"industry": Industry, "hub": Hub}[by]
    return {str(pk): name for pk, name in model._default_manager.filter(pk__in=keys).values_list("pk", "name")}


def life_rows(scope: Scope, region_code: str | None = None, *, year: int | None = None, by: str = "level",
              as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The region's row first, then its direct sub-regions (``by="level"``) or its breakdown by kind
    of party org, industry or hub; for ``year`` (default: this year) as stored, or seen on ``as_of``."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    region = resolve_region(scope, region_code)
    code = region.code if region else ""
    name = region.name if region else "全国"
    today = compliance.today()
    year = year or (as_of or today).year
    live = as_of is None or as_of >= today
    if live:
        compliance.ensure_current()
        stored = LifeRollup.objects.filter(year=year)
    else:
        computed = compliance.compute_rollup(year, as_of, region=code)
    if by == "level":
        children = sub_regions(region)
        wanted = [code, *(c for c, _n in children)]
        if live:
            found = {r["region"]: r for r in stored.filter(dimension="region", key="", region__in=wanted)
                     .values("region", *ROLLUP_FIELDS)}
        else:
            found = {k[2]: v for k, v in computed.items() if k[0] == "region" and k[2] in wanted}
        child_level = parse(children[0][0]).level if children else None
        rows = [_row(found.get(code, {}), region=code, name=name, level=region.level if region else "country", key="")]
        rows += [_row(found.get(c, {}), region=c, name=n, level=child_level, key="") for c, n in children]
        return rows
    if live:
        total = stored.filter(dimension="region", key="", region=code).values(*ROLLUP_FIELDS).first() or {}
        parts = {r["key"]: r for r in stored.filter(dimension=by, region=code).values("key", *ROLLUP_FIELDS)}
    else:
        total = computed.get(("region", "", code), {})
        parts = {k[1]: v for k, v in computed.items() if k[0] == by and k[2] == code}
    names = _key_names(by, list(parts))
    rows = [_row(total, region=code, name=name, key="")]
    rows += [_row(v, region=code, name=names.get(k, k), key=k)
             for k, v in sorted(parts.items(), key=lambda kv: -kv[1].get("orgs", 0))]
    return rows


def life_orgs(scope: Scope, region_code: str | None = None, *, year: int | None = None, by: str = "level",
              key: str = "", figure: str = "orgs", as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The party orgs behind a figure of ``life_rows`` (``orgs``, ``complete``, ``incomplete``, ``idle``),
    each with its counts; in scope, most behind first."""
    region = resolve_region(scope, region_code) if (region_code or scope.kind in ("all", "region")) else None
    code = region.code if region else ""
    today = compliance.today()
    year = year or (as_of or today).year
    live = as_of is None or as_of >= today
    allowed = scope.filter(PartyOrg.objects.all())
    if live:
        compliance.ensure_current()
        qs = LifeTally.objects.filter(year=year, party_org__in=allowed)
        if code:
            qs = qs.filter(**{f"party_org__{PREFIX_FIELDS[region.level]}": code})  # type: ignore[union-attr]
        tallies = [compliance._tally_figures(t) for t in qs]
    else:
        tallies = [f for f in compliance.org_figures(year, as_of, region=code)]  # type: ignore[arg-type]
        ids = set(allowed.filter(pk__in=[f.party_org_id for f in tallies]).values_list("pk", flat=True))
        tallies = [f for f in tallies if f.party_org_id in ids]
    if by == "type" and key:
        tallies = [f for f in tallies if f.kind == key]
    elif by == "industry" and key:
        tallies = [f for f in tallies if key in f.industries.split(",")]
    elif by == "hub" and key:
        tallies = [f for f in tallies if key in f.hubs.split(",")]
    if figure == "complete":
        tallies = [f for f in tallies if f.complete]
    elif figure == "incomplete":
        tallies = [f for f in tallies if not f.complete]
    elif figure == "idle":
        tallies = [f for f in tallies if f.idle]
    names = dict(PartyOrg.objects.filter(pk__in=[f.party_org_id for f in tallies]).values_list("pk", "name"))
    rows = []
    for f in tallies:
        row = _row({**f.counts, "orgs": 1, "complete": int(f.complete), "idle": int(f.idle)},
                   party_org_id=f.party_org_id, name=names.get(f.party_org_id, ""), kind=f.kind, region=f.region)
        row["is_complete"], row["is_idle"] = f.complete, f.idle
        rows.append(row)
    rows.sort(key=lambda r: (r["rate"] if r["rate"] is not None else 2, r["name"]))
    return rows


# ---- for the pages -------------------------------------------------------------------------------

def meeting_history(meeting: Meeting) -> QuerySet[Any]:
    """The audit entries of a meeting (recorded, corrected, files added), oldest first; the caller has
    found the meeting through a scoped read."""
    from shuniu.audit.models import AuditEntry

    return AuditEntry.objects.filter(target_type="orglife.meeting", target_id=str(meeting.pk)).order_by("at", "id")


@dataclass
class RosterRow:
    member_id: int
    name: str
    participant: bool
    life: MemberLife | None = None
    grade: str = ""

    @property
    def grade_label(self) -> str:
        from shuniu.orglife.models import ReviewGrade

        return str(ReviewGrade(self.grade).label) if self.grade in ReviewGrade.values else ""


def roster_life(party_org: PartyOrg, year: int, day: dt.date | None = None) -> list[RosterRow]:
    """The members expected at the party org's meetings on ``day`` (its relation members, then those
    taking part from elsewhere), each with the year's attendance (``member_attendance``) and review."""
    from shuniu.orglife.services import expected_roster
    from shuniu.party.models import PartyMember

    day = day or compliance.today()
    roster = expected_roster(party_org, day)
    names = dict(PartyMember.objects.filter(pk__in=list(roster)).values_list("pk", "name"))
    lives = {m.member_id: m for m in member_attendance(party_org, year, min(day, compliance.seen_on(year)))}
    grades = dict(ReviewResult.objects.filter(year=year, member_id__in=list(roster)).values_list("member_id", "grade"))
    rows = [RosterRow(pk, names.get(pk, ""), participant, lives.get(pk), grades.get(pk, ""))
            for pk, participant in roster.items()]
    return sorted(rows, key=lambda r: (r.participant, r.name, r.member_id))
