"""The generation context shared by the scenarios: writers, names, codes and placement."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from shuniu.core import crypto
from shuniu.demo.fakes import Fakes
from shuniu.demo.writer import BulkWriter
from shuniu.party.models import (
    DEFAULT_TERM_YEARS,
    Instructor,
    InstructorAssignment,
    Participation,
    PartyMember,
    PartyOrg,
    PartyOrgCoverage,
)
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.passes.services import valid_until
from shuniu.regions.codes import parse
from shuniu.regions.models import Region
from shuniu.registry.models import Hub, HubLink, Incubator, SocialOrg, SupervisoryUnit

# USCC registration-authority + type prefixes (GB 32100-2015 appendix): civil affairs 51/52/53/59,
# justice 31 (law firms), market regulation 91 (firms such as CPA partnerships).
USCC_PREFIX = {"social_group": "51", "service_institution": "52", "foundation": "53",
               "social_intermediary": "91", "legal": "31", "accounting": "91"}
# Two-character words that tell apart two orgs a scenario would otherwise name alike in one county
# (drawn in order, not at random, so that the scenario's random stream is not disturbed).
_DISTINCT = [a + b for a, b in zip("华信德恒正泰中和安诚明达盛金天元嘉瑞博汇", "通立新同远鼎泽君合睿永康大成致远鸿宇景行", strict=True)]


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class MissingRegions(RuntimeError):
    pass


class Gen:
    """Holds one writer per table; ``close()`` flushes them in dependency order."""

    def __init__(self, seed: int, series: str, series_digit: int) -> None:
        self.rng = random.Random(seed)
        self.fakes = Fakes(self.rng, series, series_digit)
        self.w = {m: BulkWriter(m) for m in (Hub, SocialOrg, HubLink, InspectionRecord, EvaluationRecord, Incubator,
                                             PartyOrg,
                                             PartyOrgCoverage, PartyMember, Participation, Instructor,
                                             InstructorAssignment)}
        self.region_names: dict[str, str] = {}
        self._streets: dict[str, list[str]] = {}
        self._communities: dict[str, list[str]] = {}
        self.party_paths: dict[int, str] = {}
        self.secretaries: dict[int, int] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.today = dt.date.today()
        self.names: set[tuple[str, str]] = set()

    # ---- places ---------------------------------------------------------------------------
    def load_places(self, prefix: str) -> None:
        """Streets (and any loaded communities) under a region prefix, e.g. "11" or "320404"."""
        qs = Region.objects.filter(retired_on__isnull=True)
        if prefix:
            rc = parse(prefix)
            qs = qs.filter(**{rc.field: rc.short})
        rows = qs.values_list(
            "code", "name", "level", "parent_id")
        for code, name, level, parent in rows:
            self.region_names[code] = name
            if level == "street":
                self._streets.setdefault(parent, []).append(code)
            elif level == "community":
                self._communities.setdefault(parent, []).append(code)
        if not self._streets:
            raise MissingRegions("行政区划未加载：请先运行 shuniu loadregions")
        for lst in (*self._streets.values(), *self._communities.values()):
            lst.sort()

    def streets_of(self, county: str) -> list[str]:
        return self._streets.get(county, [])

    def counties_with_streets(self, prefix: str) -> list[str]:
        return sorted(c for c in self._streets if c.startswith(prefix))

    def place_in(self, county: str, community_share: float = 0.0) -> str:
        """A street of the county (or, with some probability, a community of that street)."""
        street = self.rng.choice(self._streets[county])
        communities = self._communities.get(street)
        if communities and self.rng.random() < community_share:
            return self.rng.choice(communities)
        return street

    def name_of(self, code: str) -> str:
        return self.region_names.get(code) or Region.objects.get(code=code).name

    @staticmethod
    def placed(code: str) -> dict[str, Any]:
        return {"region_id": code, **parse(code).prefixes()}

    def unique_name(self, county: str, stem: str, suffix: str) -> str:
        """``stem + suffix``, or, if an org of the county already has that name, the same with a
        distinguishing word before the suffix: two orgs of one county are not named alike."""
        name, k = stem + suffix, 0
        while (county, name) in self.names:
            word = _DISTINCT[k % len(_DISTINCT)] + (str(k // len(_DISTINCT)) if k >= len(_DISTINCT) else "")
            name, k = f"{stem}{word}{suffix}", k + 1
        self.names.add((county, name))
        return name

    # ---- rows -------------------------------------------------------------------------------
    def hub(self, *, name: str, level: str, region: str, field: str = "") -> int:
        self.counts["hubs"] += 1
        return self.w[Hub].add(name=name, level=level, field=field, is_demo=True, **self.placed(region))

    def org(self, *, name: str, type: str, region: str, registration_level: str, registration_region: str,
            industry: str | None, established_on: dt.date, full_time_staff: int, uscc_prefix: str | None = None,
            hub_id: int | None = None, hub_from: dt.date | None = None, supervisory_unit_id: int | None = None,
            **extra: Any) -> int:
        county = region[:6]
        uscc = None if type == "community_org" else self.fakes.uscc(uscc_prefix or USCC_PREFIX[type], county)
        grade = extra.get("evaluation_grade") or ""
        if grade and not extra.get("evaluation_year"):
            # A grade comes from an evaluation record (passes): one in the org's third year, at the
            # earliest 2015 and at the latest last year; no random number drawn, so the scenarios'
            # other figures stay as they were.
            extra["evaluation_year"] = min(max(established_on.year + 2, 2015), self.today.year - 1)
        org_id = self.w[SocialOrg].add(
            name=name, uscc=uscc, type=type, registration_level=registration_level,
            registration_region_id=registration_region, industry_id=industry, hub_id=hub_id,
            full_time_staff=full_time_staff, established_on=established_on, status="active", is_demo=True,
            supervisory_unit_id=supervisory_unit_id, **extra, **self.placed(region),
        )
        if hub_id is not None:
            self.w[HubLink].add(hub_id=hub_id, org_id=org_id, started_on=hub_from or established_on)
        if grade:
            year = extra["evaluation_year"]
            decided = dt.date(year, 12, 1)
            self.w[EvaluationRecord].add(org_id=org_id, year=year, grade=grade, decided_on=decided,
                                         valid_until=valid_until(decided))
        self.counts["orgs"] += 1
        return org_id

    def inspection(self, org_id: int, year: int, result: str) -> None:
        self.w[InspectionRecord].add(org_id=org_id, year=year, conclusion=result)

    def party_org(self, *, name: str, kind: str, formation: str, region: str, established_on: dt.date,
                  superior_id: int | None = None, industry: str | None = None,
                  supervisory_unit_id: int | None = None) -> int:
        pid = self.w[PartyOrg].reserve_id()
        path = (self.party_paths[superior_id] if superior_id else "/") + f"{pid}/"
        self.party_paths[pid] = path
        # Most terms renewed on schedule (the current term began at the last multiple of the term
        # length before today); about one in twenty missed its last election (rule TERM). A
        # temporary branch has no term.
        years = DEFAULT_TERM_YEARS.get(kind)
        term_start: dt.date | None = None
        if years is not None:
            term_start = established_on
            while add_years(term_start, years) <= self.today:
                term_start = add_years(term_start, years)
            if term_start > established_on and self.rng.random() < 0.05:
                term_start = add_years(term_start, -years)
        self.w[PartyOrg].add(id=pid, name=name, kind=kind, formation=formation, superior_id=superior_id, path=path,
                             established_on=established_on, term_started_on=term_start, term_years=years,
                             industry_id=industry, supervisory_unit_id=supervisory_unit_id,
                             is_demo=True, **self.placed(region))
        self.counts["party_orgs"] += 1
        return pid

    def cover(self, party_org_id: int, org_id: int, started_on: dt.date, ended_on: dt.date | None = None,
              end_reason: str = "") -> None:
        self.w[PartyOrgCoverage].add(party_org_id=party_org_id, org_id=org_id, started_on=started_on,
                                     ended_on=ended_on, end_reason=end_reason)

    def member(self, *, region: str, workplace_id: int | None, relation_org_id: int | None, status: str,
               as_of: dt.date, relation_elsewhere: str = "", is_mobile: bool = False) -> int:
        r = self.rng
        gender = "male" if r.random() < 0.55 else "female"
        birth = self.fakes.date_between(dt.date(1950, 1, 1), dt.date(as_of.year - 23, 12, 31))
        number = self.fakes.id_number(region[:6], birth, gender)
        phone = self.fakes.phone()
        if status == "probationary":
            # Admitted within the last year before today, whatever the scenario's date: a member
            # admitted in 2016 would be full by now (rule PROBATION: 1 year, at most 1 more).
            admitted = self.fakes.date_between(self.today - dt.timedelta(days=360), self.today - dt.timedelta(days=10))
            full_on = None
        else:
            earliest = max(birth.replace(year=birth.year + 20), dt.date(1975, 1, 1))
            admitted = self.fakes.date_between(earliest, as_of - dt.timedelta(days=400))
            full_on = add_years(admitted, 1)  # the day the one-year probation ended (党章第七条)
        self.counts["members"] += 1
        return self.w[PartyMember].add(
            name=self.fakes.person_name(gender), gender=gender, birth_date=birth,
            id_number_encrypted=crypto.encrypt(number), id_number_hash=crypto.keyed_hash(number),
            id_number_masked=crypto.mask_id_number(number), phone_encrypted=crypto.encrypt(phone),
            phone_masked=crypto.mask_phone(phone), status=status, admitted_on=admitted, full_on=full_on,
            workplace_id=workplace_id, relation_org_id=relation_org_id, relation_elsewhere=relation_elsewhere,
            is_mobile=is_mobile, is_demo=True, **self.placed(region),
        )

    def instructor(self, *, region: str, kind: str = "instructor", capacity: int = 5, employer: str = "") -> int:
        gender = "male" if self.rng.random() < 0.5 else "female"
        phone = self.fakes.phone()
        self.counts["instructors"] += 1
        return self.w[Instructor].add(
            name=self.fakes.person_name(gender), kind=kind, capacity=capacity, employer=employer,
            phone_encrypted=crypto.encrypt(phone), phone_masked=crypto.mask_phone(phone), is_demo=True,
            **self.placed(region),
        )

    def assign(self, instructor_id: int, org_id: int, started_on: dt.date) -> None:
        self.w[InstructorAssignment].add(instructor_id=instructor_id, org_id=org_id, started_on=started_on)

    def incubator(self, *, name: str, region: str, established_on: dt.date) -> None:
        self.w[Incubator].add(name=name, established_on=established_on, is_demo=True, **self.placed(region))
        self.counts["incubators"] += 1

    def supervisory_unit(self, name: str, region: str | None) -> int:
        unit, _created = SupervisoryUnit.objects.get_or_create(name=name, region_id=region)
        return unit.pk

    def close(self) -> dict[str, int]:
        for writer in self.w.values():
            writer.close()
        return dict(self.counts)
