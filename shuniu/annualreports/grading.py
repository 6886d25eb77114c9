"""The overall grade of a report from the superior's grade and the members' counts (rule
SECRETARY_REPORT, weights [L]).

Each grade has a score (好 4, 较好 3, 一般 2, 差 1); the members' score is the mean over their
votes; the overall score is ``(ws × superior + wm × members) / (ws + wm)`` with the weights of the
party org's region (0.7 and 0.3 by default), or the superior's score alone when no member's grade was
recorded; it is read back as 好 from 3.5, 较好 from 2.5, 一般 from 1.5, else 差 [I]. Exact
arithmetic (``Fraction``): a score on a boundary goes up.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from shuniu.annualreports.models import Grade

SCORES = {Grade.GOOD: 4, Grade.FAIRLY_GOOD: 3, Grade.AVERAGE: 2, Grade.POOR: 1}
MEMBER_KEYS = {Grade.GOOD: "members_good", Grade.FAIRLY_GOOD: "members_fairly_good",
               Grade.AVERAGE: "members_average", Grade.POOR: "members_poor"}
FOLLOW_UP = frozenset({Grade.AVERAGE.value, Grade.POOR.value})


def _weight(value: Any) -> Fraction:
    return Fraction(str(value))


def overall(superior: str, members: Mapping[str, int], params: Mapping[str, Any]) -> str:
    """The overall grade; ``members`` maps grade → count."""
    score = Fraction(SCORES[Grade(superior)])
    votes = sum(int(n) for n in members.values())
    if votes:
        mean = Fraction(sum(SCORES[Grade(g)] * int(n) for g, n in members.items()), votes)
        ws, wm = _weight(params["superior_weight"]), _weight(params["members_weight"])
        if ws + wm > 0:
            score = (ws * score + wm * mean) / (ws + wm)
    if score >= Fraction(7, 2):
        return Grade.GOOD.value
    if score >= Fraction(5, 2):
        return Grade.FAIRLY_GOOD.value
    if score >= Fraction(3, 2):
        return Grade.AVERAGE.value
    return Grade.POOR.value
