"""The numbers of the development pipeline, each with its source (DOMAIN.md §6 E).

The numbers of the Party Constitution (CONST) and of the 2014 development rules (DEV,
《中国共产党发展党员工作细则》) are national and kept here as named constants with their article; the
customary ones (the public notice's length, the longest an approval may wait, the alert window
before probation ends) are rule settings a place may change (``DEVELOPMENT``, declared below and
read with ``setting()``), never bare numbers. Articles marked † are from memory of the rules, as
DOMAIN.md marks them, and are shown so that a user can check them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shuniu.party.models import MIN_APPLICATION_AGE, PROBATION_MAX_EXTENSION_YEARS, PROBATION_YEARS
from shuniu.rulesettings.declarations import declare
from shuniu.rulesettings.selectors import param

DEV = "《中国共产党发展党员工作细则》"
CONST = "党章"

# ---- national numbers (constants with their source) -----------------------------------------------
AGE = MIN_APPLICATION_AGE  # 党章第一条；《细则》第四条: 年满十八岁
AGE_SOURCE = _("党章第一条；《中国共产党发展党员工作细则》第四条")
TALK_WITHIN_MONTHS = 1  # 《细则》第七条: 一个月内派人谈话
TALK_SOURCE = _("《中国共产党发展党员工作细则》第七条")
CONTACTS_MIN, CONTACTS_MAX = 1, 2  # 《细则》第十条: 一至两名正式党员作培养联系人
CONTACTS_SOURCE = _("《中国共产党发展党员工作细则》第十条")
REVIEW_EVERY_MONTHS = 6  # 《细则》第十一条: 每半年考察一次
REVIEW_SOURCE = _("《中国共产党发展党员工作细则》第十一条")
ACTIVIST_MIN_YEARS = 1  # 《细则》第十三条: 一年以上培养教育和考察
CANDIDATE_SOURCE = _("《中国共产党发展党员工作细则》第十三条")
INTRODUCERS = 2  # 《细则》第十四条: 两名正式党员作入党介绍人
INTRODUCERS_SOURCE = _("《中国共产党发展党员工作细则》第十四条")
POLITICAL_SOURCE = _("《中国共产党发展党员工作细则》第十五条")
TRAINING_MIN_DAYS, TRAINING_MIN_HOURS = 3, 24  # 《细则》第十七条: 不少于三天或二十四个学时
TRAINING_SOURCE = _("《中国共产党发展党员工作细则》第十七条")
NOTICE_SOURCE = _("《中国共产党发展党员工作细则》第十八条†（支部委员会审查、公示）")
PRE_REVIEW_SOURCE = _("《中国共产党发展党员工作细则》第十九条")
MEETING_SOURCE = _("《中国共产党发展党员工作细则》第二十二条†：赞成人数超过应到会有表决权的正式党员的半数")
APPROVAL_MONTHS = 3  # 《细则》第二十五条†: 三个月内审批
APPROVAL_SOURCE = _("《中国共产党发展党员工作细则》第二十五条†：基层党委审批，一般在三个月内")
OATH_SOURCE = _("党章第六条；《中国共产党发展党员工作细则》第二十八条†")
PROBATION = PROBATION_YEARS  # 党章第七条: 预备期一年
PROBATION_SOURCE = _("党章第七条：预备期为一年，自支部大会通过为预备党员之日算起")
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = 6, 12 * PROBATION_MAX_EXTENSION_YEARS  # 不少于半年，不超过一年
EXTENSION_SOURCE = _("党章第七条；《中国共产党发展党员工作细则》第三十一条†：延长预备期不能少于半年，最长不超过一年")
FULL_SOURCE = _("党章第七条；《中国共产党发展党员工作细则》第三十条†：预备期满，支部大会讨论、上级党委审批")
BODY_SOURCE = _("《中国共产党发展党员工作细则》第二十五条†：由具有审批权限的基层党委审批")

# ---- local or customary numbers (rule settings) --------------------------------------------------
RULE_ID = "DEVELOPMENT"
SETTING_SOURCE = ("《中国共产党发展党员工作细则》（2014）第十八条†（公示）、第二十五条†（审批期限，"
                  "特殊情况最长六个月）；各地通行做法")
DEFAULTS: dict[str, Any] = {
    # 公示 of a candidate before the superior's pre-review: 5 working days is the common practice.
    "notice_working_days": 5,
    # The longest an admission may wait for the superior's approval (3 months, at most 6 with leave).
    "approval_max_months": 6,
    # Remind the branch this many days before a probation ends (DOMAIN.md §6 E alerts).
    "probation_alert_days": 30,
}


def _positive(limit: int) -> Any:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            return str(_("须为 1 至 %(n)s 之间的整数") % {"n": limit})
        return None
    return check


declare(RULE_ID, defaults=DEFAULTS, source=SETTING_SOURCE,
        checks={"notice_working_days": _positive(30), "approval_max_months": _positive(12),
                "probation_alert_days": _positive(180)})


def setting(name: str, region: str = "") -> int:
    """A DEVELOPMENT parameter as set for ``region`` (the most specific prefix wins)."""
    return int(param(RULE_ID, name, region))
