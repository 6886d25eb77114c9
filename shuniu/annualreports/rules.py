"""Rule SECRETARY_REPORT (DOMAIN.md §3; §6 G): each secretary reports every year to the superior
party org and the members and is evaluated (Opinions art. 20; REPORT 2015).

Its local settings ([L], ``shuniu rules --set SECRETARY_REPORT --region 3204 --param …``):

* ``deadline_month`` / ``deadline_day`` (3 / 31): a year's report is due by this day of the next
  year (REPORT 2015: 「年底或次年年初」);
* ``superior_weight`` / ``members_weight`` (0.7 / 0.3): how the superior's grade and the members'
  grades are weighted into the overall grade (``grading.overall``); used in proportion, so they need
  not add up to 1;
* ``due_soon_days`` (30): the inbox reminds a party org that has not reported this many days
  before the deadline, and from the deadline on as overdue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.rulesettings.declarations import declare
from shuniu.rulesettings.selectors import Settings, current

RULE = "SECRETARY_REPORT"
SOURCE = ("《关于加强社会组织党的建设工作的意见（试行）》第二十条：每年应向上级党组织和本单位党员报告工作并接受评议；"
          "《党委（党组）书记抓基层党建工作述职评议考核办法（试行）》（2015年）")
# Short and translated, for the messages a user reads in their language.
CITE = gettext_lazy("《关于加强社会组织党的建设工作的意见（试行）》第二十条；《党委（党组）书记抓基层党建工作述职评议考核办法（试行）》")
DEFAULTS: dict[str, Any] = {"deadline_month": 3, "deadline_day": 31, "superior_weight": 0.7, "members_weight": 0.3,
                            "due_soon_days": 30}


def _month(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return None
    return _("月份“%(value)s”无效（规则 SECRETARY_REPORT：须为 1 至 12 之间的整数）") % {"value": value}


def _day(value: Any) -> str | None:
    # 29 February is refused: the deadline must exist every year.
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 31:
        return None
    return _("日期“%(value)s”无效（规则 SECRETARY_REPORT：须为 1 至 31 之间的整数）") % {"value": value}


def _weight(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return None
    return _("权重“%(value)s”无效（规则 SECRETARY_REPORT：须为 0 至 1 之间的数）") % {"value": value}


def _days(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 366:
        return None
    return _("天数“%(value)s”无效（规则 SECRETARY_REPORT：须为 0 至 366 之间的整数）") % {"value": value}


declare(RULE, defaults=DEFAULTS, source=SOURCE,
        checks={"deadline_month": _month, "deadline_day": _day, "superior_weight": _weight,
                "members_weight": _weight, "due_soon_days": _days})


def deadline_for(year: int, params: dict[str, Any]) -> dt.date:
    """The day a ``year``'s report is due with these settings: month/day of the next year (a day
    past the month's end, e.g. 31 April, is the month's last day)."""
    month, day = int(params["deadline_month"]), int(params["deadline_day"])
    while day > 28:
        try:
            return dt.date(year + 1, month, day)
        except ValueError:
            day -= 1
    return dt.date(year + 1, month, day)


def deadline(year: int, region: str, settings: Settings | None = None) -> dt.date:
    """The deadline of ``year``'s report for a party org placed in ``region``."""
    return deadline_for(year, (settings or current()).params(RULE, region))
