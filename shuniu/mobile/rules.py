"""Rule MOBILE (DOMAIN.md §3, corrected in §6 C and the notes): its source and its settings.

* ``months`` (6): a member away this long or more at a relatively fixed place must transfer the
  relation (EDU 2019 art. 25): a finding, not a mobile status.
* ``lost_contact_months`` (6): a member out of contact this long may have their Party standing
  stopped (停止党籍) by a decision of the branch that the superior approves (EDU 2019 art. 24).
* ``removal_years`` (2): a member whose standing was stopped this many years before, still out of
  contact, may be removed (除名) by a later decision the same way (EDU 2019 art. 24).

Both are rule settings (``shuniu rules --set MOBILE --param months=…``), read per region.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.party.terms import add_months
from shuniu.rulesettings.declarations import declare
from shuniu.rulesettings.selectors import Settings, current

RULE = "MOBILE"
EDU = "《中国共产党党员教育管理工作条例》（2019年）"
OPINIONS = "《关于加强社会组织党的建设工作的意见（试行）》第十五条"
SOURCE = f"{EDU}第二十四条、第二十五条；{OPINIONS}"
TRANSFER_SOURCE = (f"{EDU}第二十五条：外出学习或者工作、生活6个月以上并且地点相对固定的，应当转移组织关系")
OUTFLOW_SOURCE = (f"{EDU}第二十五条：外出6个月以内或者外出地点不固定的，可以开具党员证明信或者发放流动党员活动证；"
                  f"{OPINIONS}：一方隶属、参加多重组织生活")
LOST_SOURCE = (f"{EDU}第二十四条：党员失去联系6个月以上的，应当停止党籍；停止党籍2年后确实无法取得联系的，按照自行脱党予以除名；"
               "党章第九条")
# The same sources, short and translated, for the messages a user reads in their language.
OUTFLOW_CITE = gettext_lazy("《中国共产党党员教育管理工作条例》第二十五条；《关于加强社会组织党的建设工作的意见（试行）》第十五条")
LOST_CITE = gettext_lazy("《中国共产党党员教育管理工作条例》第二十四条；党章第九条")
DEFAULTS = {"months": 6, "lost_contact_months": 6, "removal_years": 2}


def _months(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 120:
        return None
    return _("月数“%(value)s”无效（规则 MOBILE：须为 1 至 120 之间的整数）") % {"value": value}


declare(RULE, defaults=DEFAULTS, source=SOURCE, checks={"months": _months, "lost_contact_months": _months, "removal_years": _months})


def months(region: str, settings: Settings | None = None, name: str = "months") -> int:
    """The MOBILE parameter ``name`` (months, or years for ``removal_years``) for a region (the country's default unless a place sets it)."""
    return int((settings or current()).value(RULE, name, region))


def limit_reached(since: dt.date, today: dt.date, n: int) -> bool:
    """Whether ``n`` months have passed from ``since`` to ``today`` (exactly ``n`` months counts)."""
    return add_months(since, n) <= today
