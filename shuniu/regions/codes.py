"""Administrative division codes.

A code has 12 digits: province 2 + city 2 + county 2 + street 3 + community 3 (the first six are
GB/T 2260). Internally each level is also known by its short prefix ("11", "1101", "110105",
"110105001", "110105001001"); rows that live in a place store one indexed prefix column per level,
so a rollup is a GROUP BY on a column and a jurisdiction check is an equality on one.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("province", "city", "county", "street", "community")
PREFIX_LENGTHS = {"province": 2, "city": 4, "county": 6, "street": 9, "community": 12}
LEVEL_BY_LENGTH = {v: k for k, v in PREFIX_LENGTHS.items()}
PREFIX_FIELDS = {level: f"{level}_code" for level in LEVELS}


class InvalidRegionCode(ValueError):
    pass


@dataclass(frozen=True)
class RegionCode:
    level: str
    short: str

    @property
    def full(self) -> str:
        return self.short.ljust(12, "0")

    @property
    def field(self) -> str:
        return PREFIX_FIELDS[self.level]

    def prefixes(self) -> dict[str, str]:
        """Prefix column values for a row placed at this code (deeper levels empty)."""
        out = {}
        for level in LEVELS:
            n = PREFIX_LENGTHS[level]
            out[PREFIX_FIELDS[level]] = self.short[:n] if n <= len(self.short) else ""
        return out

    def parent(self) -> RegionCode | None:
        idx = LEVELS.index(self.level)
        if idx == 0:
            return None
        level = LEVELS[idx - 1]
        return RegionCode(level, self.short[: PREFIX_LENGTHS[level]])


def parse(code: str) -> RegionCode:
    """Parse a 2/4/6/9/12-digit code, or a 12-digit code padded with zeros, into level and prefix.

    A padded 12-digit code is read at the shallowest level it can denote (441900000000 is the city
    东莞 4419, not its county-level entry 441900, which must be given as 6 digits).

    >>> parse("110105")
    RegionCode(level='county', short='110105')
    >>> parse("320404006000")
    RegionCode(level='street', short='320404006')
    """
    code = (code or "").strip()
    if not code.isdigit():
        raise InvalidRegionCode(code)
    if len(code) == 12:
        for level in LEVELS[:-1]:
            n = PREFIX_LENGTHS[level]
            if set(code[n:]) == {"0"}:
                return RegionCode(level, code[:n])
        return RegionCode("community", code)
    by_length = LEVEL_BY_LENGTH.get(len(code))
    if by_length is None:
        raise InvalidRegionCode(code)
    return RegionCode(by_length, code)
