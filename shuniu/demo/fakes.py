"""Plausible Chinese names, valid synthetic codes (USCC, ID, phone) for demo data.

Names come from Faker's zh_CN lists but are drawn with our own seeded ``random.Random`` (Faker's
per-call overhead is too high for three million members). Codes carry valid check digits computed
by python-stdnum, and an organization-code part drawn from a per-scenario series so that scenarios
never collide.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from faker.providers.person.zh_CN import Provider as _Person
from stdnum.cn import ric, uscc

SURNAMES = list(_Person.last_names.keys())
SURNAME_CUM_WEIGHTS = list(itertools.accumulate(_Person.last_names.values()))
GIVEN_MALE = list(_Person.first_names_male)
GIVEN_FEMALE = list(_Person.first_names_female)
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _valid_id(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:  # stdnum 2.2 raises this for a prefix known only above county level
        return False


class Fakes:
    def __init__(self, rng: random.Random, series: str, series_digit: int) -> None:
        self.rng = rng
        self.series = series  # one letter per scenario: keeps generated USCCs apart
        self.series_digit = series_digit  # likewise for ID numbers
        self.org_seq = 0
        self.id_issued: set[int] = set()
        self._places: dict[str, int] = {}

    def person_name(self, gender: str) -> str:
        r = self.rng
        surname = r.choices(SURNAMES, cum_weights=SURNAME_CUM_WEIGHTS)[0]
        pool = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
        given = r.choice(pool) + (r.choice(pool) if r.random() < 0.6 else "")
        return surname + given

    def uscc(self, dept_type: str, county_code: str) -> str:
        """dept_type: "51" social group, "52" service institution, "53" foundation, "31" law firm..."""
        self.org_seq += 1
        body = f"{dept_type}{county_code}{self.series}{self.org_seq:07d}"
        # The 9th character of the organization code is its own check character; any alphabet
        # character passes GB 32100's outer check, so the series letter keeps it unique.
        body += _ORG_ALPHABET[self.org_seq % 31]
        return body + uscc.calc_check_digit(body)

    def id_number(self, county_code: str, birth: dt.date, gender: str) -> str:
        """A valid 18-digit resident ID: the sequence digit's parity encodes the gender (GB 11643)."""
        county_code = self._birth_place(county_code, birth.year)
        parity = 1 if gender == "male" else 0
        k = self.rng.randrange(50)
        for _attempt in range(50):
            body = f"{county_code}{birth:%Y%m%d}{self.series_digit}{k:02d}"[:-1] + str(2 * (k % 5) + parity)
            key = int(body)
            if key not in self.id_issued:
                self.id_issued.add(key)
                # calc_check_digit expects a full-length number (it ignores the last character).
                return body + ric.calc_check_digit(body + "0")
            k = (k + 1) % 50
        # 50 people of one sex born on one day in one county within one scenario: move a day on.
        return self.id_number(county_code, birth + dt.timedelta(days=1), gender)

    def _birth_place(self, county: str, year: int) -> str:
        """A code in use in the birth year (stdnum checks it): a county created later falls back to
        its city, its province, then Beijing's Dongcheng (in use throughout)."""
        for code in (county, county[:4] + "00", county[:2] + "0000"):
            if self._valid_from(code) <= year:
                return code
        return "110101"

    def _valid_from(self, code: str) -> int:
        """The first of 1950, 1960, ... 2000 from which ``code`` validates (9999 if none).

        Checking by decade keeps stdnum's slow lookup off the per-person path; it may send a few
        people born early in a decade to the fallback code, which is still valid."""
        if code not in self._places:
            self._places[code] = 9999
            for year in range(1950, 2001, 10):
                body = f"{code}{year}0101001"
                if _valid_id(body + ric.calc_check_digit(body + "0")):
                    self._places[code] = year
                    break
        return self._places[code]

    def phone(self) -> str:
        r = self.rng
        return r.choice(["13", "15", "18", "17", "19"]) + f"{r.randrange(10**9):09d}"

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))
