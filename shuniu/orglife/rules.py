"""Rule LIFE (DOMAIN.md §3 and §6 F): which meetings a party org must hold, how often, and the periods.

How often each kind is required is a local setting (``shuniu rules --set LIFE --param
party_lecture=quarter --region 3204``); the national defaults follow the Branch Work Regulations
(BWR 2018 art. 11–13, 17†) and the Opinions (art. 16): general meeting quarterly, committee meeting
monthly, party lecture quarterly (local; the regulations ask at least once a year), theme day
monthly, life meeting and member review yearly. Group meetings are monthly *where groups exist*:
party groups are not recorded yet, so the default is ``off`` (held group meetings are kept, not
counted) and a place whose branches all have groups may switch it on.

Which kinds of party org each meeting applies to is national (``APPLIES``): the general meeting,
theme day, life meeting and member review are a branch's (and a general branch's); the committee
meeting is held by a committee or general branch (a branch's own committee of ≥ 7 full members is not
recorded yet); every party org gives party lectures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.orglife.models import KIND_BITS, KINDS, MeetingKind
from shuniu.party.models import PartyOrgKind
from shuniu.party.terms import add_months
from shuniu.rulesettings.declarations import declare
from shuniu.rulesettings.selectors import Settings, current

RULE = "LIFE"
SOURCE = ("《关于加强社会组织党的建设工作的意见（试行）》第十六条；《中国共产党支部工作条例（试行）》（2018）"
          "第十一条至第十三条、第十七条†；党小组会、党课频次为各地通行做法")
CITE = gettext_lazy("《关于加强社会组织党的建设工作的意见（试行）》第十六条；《中国共产党支部工作条例（试行）》第十一条至第十三条")
# The article behind each kind, shown with a finding.
KIND_SOURCE = {
    "general_meeting": gettext_lazy("《中国共产党支部工作条例（试行）》第十一条†：党员大会一般每季度召开1次"),
    "committee_meeting": gettext_lazy("《中国共产党支部工作条例（试行）》第十二条：支部委员会会议一般每月召开1次"),
    "group_meeting": gettext_lazy("《中国共产党支部工作条例（试行）》第十三条：党小组会一般每月召开1次"),
    "party_lecture": gettext_lazy("《中国共产党支部工作条例（试行）》第十一条†：党支部书记每年至少讲1次党课；频次为地方设置"),
    "theme_day": gettext_lazy("《中国共产党支部工作条例（试行）》†：每月相对固定1天开展主题党日"),
    "life_meeting": gettext_lazy("《中国共产党支部工作条例（试行）》第十七条：组织生活会一般每年召开1次"),
    "member_review": gettext_lazy("《中国共产党支部工作条例（试行）》第十七条；民主评议党员一般每年开展1次"),
}

MONTH, QUARTER, YEAR, OFF = "month", "quarter", "year", "off"
FREQUENCIES = {MONTH: 1, QUARTER: 3, YEAR: 12}
FREQUENCY_LABELS = {MONTH: gettext_lazy("每月"), QUARTER: gettext_lazy("每季度"), YEAR: gettext_lazy("每年"),
                    OFF: gettext_lazy("不作要求")}
DEFAULTS: dict[str, Any] = {
    "general_meeting": QUARTER, "committee_meeting": MONTH, "group_meeting": OFF, "party_lecture": QUARTER,
    "theme_day": MONTH, "life_meeting": YEAR, "member_review": YEAR,
    # A party org with no meeting at all in this many calendar months (the current one included) is idle.
    "idle_months": 3,
}

BRANCHES = [PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH, PartyOrgKind.TEMPORARY_BRANCH, PartyOrgKind.GENERAL_BRANCH]
COMMITTEES = [PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.INDUSTRY_COMMITTEE,
              PartyOrgKind.COMPREHENSIVE_COMMITTEE]
APPLIES: dict[str, list[str]] = {
    "general_meeting": [str(k) for k in BRANCHES],
    "committee_meeting": [str(k) for k in COMMITTEES],
    "group_meeting": [str(k) for k in BRANCHES],
    "party_lecture": [str(k) for k in PartyOrgKind],
    "theme_day": [str(k) for k in BRANCHES],
    "life_meeting": [str(k) for k in BRANCHES],
    "member_review": [str(k) for k in BRANCHES],
}


def _frequency(value: Any) -> str | None:
    if value in (MONTH, QUARTER, YEAR, OFF):
        return None
    return _("频次“%(value)s”无效（规则 LIFE：须为 month、quarter、year 或 off）") % {"value": value}


def _idle(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return None
    return _("月数“%(value)s”无效（规则 LIFE：须为 1 至 12 之间的整数）") % {"value": value}


declare(RULE, defaults=DEFAULTS, source=SOURCE,
        checks={**{kind: _frequency for kind in KINDS}, "idle_months": _idle})


@dataclass(frozen=True)
class Slot:
    """One period in which a kind of meeting is required once: [start, end], both inclusive."""

    kind: str
    index: int  # 1-based within the year
    start: dt.date
    end: dt.date

    @property
    def bit(self) -> int:
        return KIND_BITS[self.kind]

    def label(self) -> str:
        months = (self.end.month - self.start.month) + 1
        if months == 12:
            return _("%(y)s年") % {"y": self.start.year}
        if months == 3:
            return _("%(y)s年第%(q)s季度") % {"y": self.start.year, "q": self.index}
        return _("%(y)s年%(m)s月") % {"y": self.start.year, "m": self.start.month}


def frequencies(params: dict[str, Any]) -> dict[str, str]:
    return {kind: params[kind] for kind in KINDS}


def slots(year: int, params: dict[str, Any]) -> list[Slot]:
    """Every required slot of the year under the settings ``params`` (kinds set ``off`` have none)."""
    out = []
    for kind in KINDS:
        step = FREQUENCIES.get(params[kind])
        if step is None:
            continue
        for i in range(12 // step):
            start = dt.date(year, 1 + i * step, 1)
            out.append(Slot(kind, i + 1, start, add_months(start, step) - dt.timedelta(days=1)))
    return out


def slot_of(kind: str, day: dt.date, params: dict[str, Any]) -> Slot | None:
    """The slot of ``kind`` containing ``day`` (None when the kind is not required)."""
    for slot in slots(day.year, params):
        if slot.kind == kind and slot.start <= day <= slot.end:
            return slot
    return None


def params_for(region: str, settings: Settings | None = None) -> dict[str, Any]:
    return (settings or current()).params(RULE, region)


def kind_label(kind: str) -> str:
    return str(MeetingKind(kind).label)
