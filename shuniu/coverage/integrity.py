"""The data-integrity rules: what the services now refuse, found in data written before (or around) them.

Each function takes the rules' ``Context`` and yields ``(subject, values)`` as the other rules do;
``shuniu.coverage.rules.RULES`` lists them with their ids, sources and messages. A finding about a
member is shown where someone can act on it: on the party org holding the relation, else on the
workplace, else (a member with neither) on the member.

The date rules compare dates in SQL only roughly (a day count a little looser than the rule) and
decide exactly in Python: "one year later" is a calendar rule that SQLite and PostgreSQL do not
share an expression for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, QuerySet

from shuniu.core.services import add_years
from shuniu.party.models import (
    ALLOWED_SUPERIOR_KINDS,
    MAX_TERM_YEARS,
    MIN_APPLICATION_AGE,
    PARTY_FOUNDED,
    PROBATION_MAX_EXTENSION_YEARS,
    PROBATION_YEARS,
    InstructorAssignment,
    MemberStatus,
    PartyMember,
    PartyOrg,
    PartyOrgCoverage,
    PartyOrgKind,
)
from shuniu.registry.models import (
    MAX_FULL_TIME_STAFF,
    USCC_CATEGORY_LABELS,
    USCC_PREFIXES_BY_TYPE,
    HubLink,
    OrgType,
    SocialOrg,
)

if TYPE_CHECKING:
    from shuniu.coverage.rules import Context

Found = Iterator[tuple[Any, dict[str, Any]]]

# The grassroots kinds (党章第三十条): they have members and a secretary of their own. Industry and
# comprehensive committees are superior bodies whose officers' relations are often held elsewhere.
GRASSROOTS = [PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH,
              PartyOrgKind.TEMPORARY_BRANCH]


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _names(items: Iterable[str], limit: int = 10) -> dict[str, str]:
    """A list of names for the two message templates (zh separates with 、, en with commas)."""
    items = list(items)
    more = len(items) > limit
    shown = items[:limit]
    return {"names_zh": "、".join(shown) + ("等" if more else ""),
            "names_en": ", ".join(shown) + (", ..." if more else "")}


# ---- OWN_UNIQUE, NESTING -------------------------------------------------------------------------

def own_unique(ctx: Context) -> Found:
    from shuniu.coverage.engine import OWN_PARTY

    open_own = PartyOrgCoverage.objects.filter(OWN_PARTY, ended_on__isnull=True,
                                               party_org__dissolved_on__isnull=True)
    # Grouped over the context's orgs only: an org's page asks about one org, not the country.
    doubled = (open_own.filter(org__in=ctx.orgs.values("pk")).values("org_id").annotate(n=Count("id"))
               .filter(n__gt=1).values("org_id"))
    for org in ctx.orgs.filter(pk__in=doubled).order_by("county_code", "name"):
        names = list(open_own.filter(org=org).order_by("started_on", "id").values_list("party_org__name", flat=True))
        yield org, {"n": len(names), **_names(names)}


def nesting(ctx: Context) -> Found:
    wrong = Q()
    for kind, allowed in ALLOWED_SUPERIOR_KINDS.items():
        wrong |= Q(kind=kind) & ~Q(superior__kind__in=allowed)
    # The superiors are read apart: the scoped party orgs may come with their columns deferred.
    found = list(ctx.party_orgs.filter(superior__isnull=False).filter(wrong).order_by("path"))
    superiors = PartyOrg.objects.only("name", "kind").in_bulk({p.superior_id for p in found})
    for party_org in found:
        sup = superiors[party_org.superior_id]
        allowed = ALLOWED_SUPERIOR_KINDS[party_org.kind]
        yield party_org, {"kind": _label(PartyOrgKind, party_org.kind), "sup_kind": _label(PartyOrgKind, sup.kind),
                          "sup": sup.name,
                          "allowed_zh": "、".join(_label(PartyOrgKind, k) for k in PartyOrgKind.values if k in allowed),
                          "allowed_en": ", ".join(_label(PartyOrgKind, k) for k in PartyOrgKind.values if k in allowed)}


# ---- NO_MEMBERS, NO_SECRETARY --------------------------------------------------------------------

def _settled(ctx: Context) -> QuerySet[PartyOrg]:
    """Grassroots party orgs past the grace period after their establishment."""
    cutoff = ctx.today - dt.timedelta(days=ctx.params["grace_days"])
    return ctx.party_orgs.filter(kind__in=GRASSROOTS, established_on__lte=cutoff)


def no_members(ctx: Context) -> Found:
    live = PartyMember.objects.filter(ended_on__isnull=True)
    candidates = list(_settled(ctx).select_related(None).order_by("path")
                      .only("id", "name", "path", "kind", "established_on", "region_id"))
    for start in range(0, len(candidates), 900):
        chunk = candidates[start:start + 900]
        direct = set(live.filter(relation_org_id__in=[p.pk for p in chunk]).values_list("relation_org_id", flat=True)
                     .distinct())
        for party_org in chunk:
            if party_org.pk in direct:
                continue
            # A committee or general branch may hold its members in the branches under it.
            if party_org.kind != PartyOrgKind.BRANCH and live.filter(
                    relation_org__path__startswith=party_org.path).exists():
                continue
            yield party_org, {"days": (ctx.today - party_org.established_on).days, "grace": ctx.params["grace_days"]}


def no_secretary(ctx: Context) -> Found:
    qs = _settled(ctx).filter(Q(secretary__isnull=True) | Q(secretary__ended_on__isnull=False))
    for party_org in qs.order_by("path"):
        gone = party_org.secretary_id is not None
        yield party_org, {"days": (ctx.today - party_org.established_on).days, "grace": ctx.params["grace_days"],
                          "state_zh": "原书记已减少，尚未确定新书记" if gone else "尚未确定书记",
                          "state_en": "its secretary has left and no new one is recorded" if gone
                          else "no secretary is recorded"}


# ---- members: NO_RELATION, PROBATION, MEMBER_DATES -----------------------------------------------

def _reachable(ctx: Context, qs: QuerySet[PartyMember]) -> QuerySet[PartyMember]:
    """Current members of ``qs`` that the context reaches: by their relation org, else their
    workplace, else (with neither) through the context's members."""
    reach = (Q(relation_org__in=ctx.party_orgs.values("pk"))
             | Q(relation_org__isnull=True, workplace__in=ctx.orgs.values("pk")))
    if ctx.members is not None:
        reach |= Q(relation_org__isnull=True, workplace__isnull=True, pk__in=ctx.members.values("pk"))
    return qs.filter(reach, ended_on__isnull=True)


def _subject(member: PartyMember) -> Any:
    return member.relation_org or member.workplace or member


def no_relation(ctx: Context) -> Found:
    """Members held by no party org here and with no relation recorded elsewhere, by workplace."""
    qs = PartyMember.objects.filter(relation_org__isnull=True, relation_elsewhere="", ended_on__isnull=True)
    by_org: dict[int, list[str]] = {}
    for org_id, name in (qs.filter(workplace__in=ctx.orgs.values("pk")).order_by("workplace_id", "name", "id")
                         .values_list("workplace_id", "name")):
        by_org.setdefault(org_id, []).append(name)
    orgs = SocialOrg.objects.in_bulk(list(by_org))
    for org_id in sorted(by_org, key=lambda pk: (orgs[pk].county_code, orgs[pk].name)):
        yield orgs[org_id], {"n": len(by_org[org_id]), **_names(by_org[org_id])}
    if ctx.members is not None:
        for member in qs.filter(workplace__isnull=True, pk__in=ctx.members.values("pk")).order_by("name", "id"):
            yield member, {"n": 1, **_names([member.name])}


def probation(ctx: Context) -> Found:
    years = ctx.params["years"] + ctx.params["max_extension_years"]
    latest = add_years(ctx.today, -years)
    qs = _reachable(ctx, PartyMember.objects.filter(status=MemberStatus.PROBATIONARY, admitted_on__lt=latest))
    for member in qs.select_related("relation_org", "workplace").order_by("admitted_on", "id"):
        yield _subject(member), {"name": member.name, "date": member.admitted_on, "years": years}


def _plus_days(field: str, days: int) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) + dt.timedelta(days=days), output_field=DateField())


def _date_problems(m: PartyMember, today: dt.date) -> list[tuple[str, str]]:
    """What is wrong with a member's dates, as (zh, en) phrases; empty if nothing."""
    out: list[tuple[str, str]] = []
    if m.status == MemberStatus.PROBATIONARY and m.full_on is not None:
        out.append(("预备党员有转正日期", "a probationary member with a date of becoming full"))
    if m.admitted_on is None:
        out.append(("无入党日期", "no date of admission"))
    for value, zh, en in ((m.birth_date, "出生日期", "birth date"), (m.admitted_on, "入党日期", "admission date"),
                          (m.full_on, "转正日期", "date of becoming full")):
        if value is not None and value > today:
            out.append((f"{zh} {value} 在未来", f"{en} {value} is in the future"))
    if m.admitted_on is not None:
        if m.admitted_on < PARTY_FOUNDED:
            out.append((f"入党日期 {m.admitted_on} 早于建党（{PARTY_FOUNDED}）",
                        f"admitted on {m.admitted_on}, before the Party was founded ({PARTY_FOUNDED})"))
        if m.birth_date is not None and m.birth_date <= today \
                and m.admitted_on < add_years(m.birth_date, MIN_APPLICATION_AGE):
            out.append((f"入党时未满 {MIN_APPLICATION_AGE} 周岁（出生 {m.birth_date}，入党 {m.admitted_on}）",
                        f"admitted under {MIN_APPLICATION_AGE} (born {m.birth_date}, admitted {m.admitted_on})"))
        if m.status == MemberStatus.FULL and m.full_on is not None:
            low = add_years(m.admitted_on, PROBATION_YEARS)
            high = add_years(m.admitted_on, PROBATION_YEARS + PROBATION_MAX_EXTENSION_YEARS)
            if not low <= m.full_on <= high:
                out.append((f"转正日期 {m.full_on} 不在入党后 1 至 2 年内（{low} 至 {high}）",
                            f"became full on {m.full_on}, not 1 to 2 years after admission ({low} to {high})"))
    return out


def member_dates(ctx: Context) -> Found:
    today = ctx.today
    # A superset of the members with a problem (day counts looser than the calendar rules).
    rough = (Q(status=MemberStatus.PROBATIONARY, full_on__isnull=False) | Q(admitted_on__isnull=True)
             | Q(birth_date__gt=today) | Q(admitted_on__gt=today) | Q(full_on__gt=today)
             | Q(admitted_on__lt=PARTY_FOUNDED)
             | Q(birth_date__isnull=False, admitted_on__lt=_plus_days("birth_date", MIN_APPLICATION_AGE * 366))
             | Q(status=MemberStatus.FULL, full_on__isnull=False, admitted_on__isnull=False)
             & (Q(full_on__lt=_plus_days("admitted_on", 366))
                | Q(full_on__gt=_plus_days("admitted_on", 365 * (PROBATION_YEARS + PROBATION_MAX_EXTENSION_YEARS)))))
    qs = _reachable(ctx, PartyMember.objects.filter(rough)).select_related("relation_org", "workplace")
    for member in qs.order_by("relation_org_id", "workplace_id", "name", "id").iterator(chunk_size=2000):
        problems = _date_problems(member, today)
        if problems:
            yield _subject(member), {"name": member.name, "zh": "；".join(p[0] for p in problems),
                                     "en": "; ".join(p[1] for p in problems)}


# ---- FUTURE_DATE, BOUNDS -------------------------------------------------------------------------

def future_dates(ctx: Context) -> Found:
    today = ctx.today
    org_fields = [("established_on", "成立日期", "established on"), ("trade_union_on", "工会成立日期", "trade union on"),
                  ("youth_league_on", "团组织成立日期", "youth league on"), ("deregistered_on", "注销日期",
                                                                            "deregistered on")]
    seen: dict[int, list[tuple[str, str]]] = {}
    future = Q()
    for f, _zh, _en in org_fields:
        future |= Q(**{f"{f}__gt": today})
    for org in ctx.orgs.filter(future):
        for f, zh, en in org_fields:
            value = getattr(org, f)
            if value is not None and value > today:
                seen.setdefault(org.pk, []).append((f"{zh} {value}", f"{en} {value}"))
    links: list[tuple[QuerySet[Any], str, str]] = [
        (PartyOrgCoverage.objects.all(), "党组织覆盖起始日期", "coverage link starting"),
        (InstructorAssignment.objects.all(), "指导员派驻起始日期", "instructor assignment starting"),
        (HubLink.objects.all(), "枢纽联系起始日期", "hub link starting")]
    for links_qs, zh, en in links:
        rows = (links_qs.filter(org__in=ctx.orgs.values("pk"), started_on__gt=today)
                .values_list("org_id", "started_on"))
        for org_id, day in rows:
            seen.setdefault(org_id, []).append((f"{zh} {day}", f"{en} {day}"))
    orgs = SocialOrg.objects.in_bulk(list(seen))
    for pk in sorted(seen, key=lambda k: (orgs[k].county_code, orgs[k].name)):
        yield orgs[pk], {"zh": "；".join(p[0] for p in seen[pk]), "en": "; ".join(p[1] for p in seen[pk])}
    for party_org in ctx.party_orgs.filter(Q(established_on__gt=today) | Q(term_started_on__gt=today)).order_by("path"):
        parts = [(f"{zh} {getattr(party_org, f)}", f"{en} {getattr(party_org, f)}")
                 for f, zh, en in (("established_on", "成立日期", "established on"),
                                   ("term_started_on", "本届任期开始", "term started on"))
                 if getattr(party_org, f) is not None and getattr(party_org, f) > today]
        yield party_org, {"zh": "；".join(p[0] for p in parts), "en": "; ".join(p[1] for p in parts)}


def bounds(ctx: Context) -> Found:
    year = ctx.today.year
    qs = ctx.orgs.filter(Q(full_time_staff__gt=MAX_FULL_TIME_STAFF) | Q(evaluation_year__gt=year)
                         | Q(evaluation_year__lt=1949))
    for org in qs.order_by("county_code", "name"):
        parts = []
        if org.full_time_staff > MAX_FULL_TIME_STAFF:
            parts.append((f"专职人员数 {org.full_time_staff} 超过上限 {MAX_FULL_TIME_STAFF}",
                          f"{org.full_time_staff} full-time staff, above the bound of {MAX_FULL_TIME_STAFF}"))
        if org.evaluation_year is not None and not 1949 <= org.evaluation_year <= year:
            parts.append((f"评估年度 {org.evaluation_year} 不在 1949 至 {year} 年之间",
                          f"evaluation year {org.evaluation_year} not between 1949 and {year}"))
        yield org, {"zh": "；".join(p[0] for p in parts), "en": "; ".join(p[1] for p in parts)}
    odd_terms = ctx.party_orgs.filter(Q(term_years__lt=1) | Q(term_years__gt=MAX_TERM_YEARS))
    for party_org in odd_terms.order_by("path"):
        yield party_org, {"zh": f"任期 {party_org.term_years} 年，不在 1 至 {MAX_TERM_YEARS} 年之间",
                          "en": f"a term of {party_org.term_years} years, not between 1 and {MAX_TERM_YEARS}"}


# ---- USCC_TYPE, DUPLICATE_NAME -------------------------------------------------------------------

def uscc_type(ctx: Context) -> Found:
    wrong = Q()
    for org_type, prefixes in USCC_PREFIXES_BY_TYPE.items():
        fits = Q()
        for prefix in prefixes:
            fits |= Q(uscc__startswith=prefix)
        wrong |= Q(type=org_type) & ~fits
    for org in ctx.orgs.filter(uscc__isnull=False).filter(wrong).order_by("county_code", "name"):
        assert org.uscc is not None
        prefix = org.uscc[:2]
        allowed = USCC_PREFIXES_BY_TYPE.get(org.type, ())
        yield org, {"uscc": org.uscc, "prefix": prefix,
                    "meaning": str(USCC_CATEGORY_LABELS.get(prefix, prefix)), "type": _label(OrgType, org.type),
                    "allowed": " / ".join(allowed)}


_PLACE = ("province_code", "city_code", "county_code")


def duplicate_name(ctx: Context) -> Found:
    """Active orgs sharing a name with another active org of the same county (the same city when
    placed above county level)."""
    # Only the names of the context's orgs are grouped (one name on an org's page).
    doubled = (SocialOrg.objects.filter(status="active", name__in=ctx.orgs.values("name"))
               .values("name", *_PLACE).annotate(n=Count("id")).filter(n__gt=1).order_by())
    keys = {(row["name"], *(row[f] for f in _PLACE)): row["n"] for row in doubled.iterator(chunk_size=2000)}
    names = sorted({k[0] for k in keys})
    for start in range(0, len(names), 900):
        qs = ctx.orgs.filter(name__in=names[start:start + 900]).order_by("county_code", "name", "id")
        for org in qs:
            n = keys.get((org.name, *(getattr(org, f) for f in _PLACE)))
            if n:
                yield org, {"n": n - 1}
