"""Writes of the development pipeline: a person enters (``applicant_create``), each step is recorded
(``step_record``), a person leaves before the end (``applicant_end``).

Every step is checked by one function of ``STEPS`` on the person as it stands (in memory, no query
but the branch's full members for contacts and introducers), so that the spreadsheet import
replays the same checks on the dates of a row. A refused step names the field, the rule and its
source, and changes nothing. The order is the 2014 development rules' (DOMAIN.md §6 E): each step
needs the stage and the steps before it, and no date may precede the one it follows; the minimum
durations (one year of training, five working days of public notice, one year of probation) are
counted from the recorded dates, working days on the official calendar (``shuniu.core.periods``).

The superior of the branch (``shuniu.party.bodies.superior_of``) pre-reviews and approves: those
steps are refused to anyone who does not act for it (``shuniu.cases.services.acts_for``). The
approval of an admission creates the ``PartyMember`` through ``party.services.member_create``
(probationary, admitted on the branch meeting's date), and that of full membership makes it full
through ``member_update``, so that coverage and the due list follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric

from shuniu.accounts.actors import Actor, SystemActor, actor_label, user_of
from shuniu.accounts.scopes import Scope, check_write
from shuniu.audit.services import diff, record, snapshot
from shuniu.cases.services import acts_for
from shuniu.core import crypto
from shuniu.core.periods import add_working_days
from shuniu.core.services import Errors, add_years, as_date, choice, not_in_future, require
from shuniu.core.validators import validate_id_number, validate_phone
from shuniu.development import rules
from shuniu.development.models import Applicant, DevStep, EndReason, Stage, StepCode
from shuniu.party import privacy
from shuniu.party.bodies import superior_of
from shuniu.party.models import EndReason as MemberEndReason
from shuniu.party.models import Gender, MemberStatus, PartyMember, PartyOrg
from shuniu.party.services import member_create, member_end, member_update
from shuniu.party.terms import add_months
from shuniu.registry.models import OrgStatus, SocialOrg

MAX_TEXT = 500
RECOMMENDED_BY = {"members": gettext_lazy("党员推荐"), "mass_org": gettext_lazy("群团组织推优")}


# ---- helpers --------------------------------------------------------------------------------------

def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is before ``start``)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def notice_ends(start: dt.date, working_days: int) -> dt.date:
    """The last day of a public notice of ``working_days`` working days starting on ``start``
    (``start`` counts when it is a working day)."""
    return add_working_days(start - dt.timedelta(days=1), working_days)


def probation_ends(a: Applicant) -> dt.date | None:
    """The day probation ends: one year from the branch meeting, plus any extension (党章第七条)."""
    if a.meeting_on is None:
        return None
    return add_months(add_years(a.meeting_on, rules.PROBATION), a.extension_months)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Lookups:
    """What the checks read besides the person: the current full members of a branch (contacts and
    introducers must be among them), one query per branch however many people are checked."""

    def __init__(self) -> None:
        self._full: dict[int, dict[int, str]] = {}

    def full_members(self, branch_id: int) -> dict[int, str]:
        if branch_id not in self._full:
            self._full[branch_id] = dict(PartyMember.objects.filter(
                relation_org_id=branch_id, status=MemberStatus.FULL, ended_on__isnull=True).values_list("pk", "name"))
        return self._full[branch_id]


def _text(errors: Errors, field: str, value: Any, label: Any, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        errors.add(field, _("%(label)s过长（规则：不超过 %(n)s 个字符）") % {"label": label, "n": limit}, "max_length")
    return text


def _int(errors: Errors, field: str, value: Any, label: Any) -> int | None:
    if value in (None, ""):
        require(errors, field, None, label)
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0:
        errors.add(field, _("%(label)s“%(v)s”无效（规则：非负整数）") % {"label": label, "v": value}, "integer")
        return None
    return number


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def _need_stage(errors: Errors, a: Applicant, step: str, *stages: str) -> bool:
    if a.stage in stages:
        return True
    errors.add("step", _("“%(name)s”处于“%(stage)s”阶段，不能办理“%(step)s”（规则：须处于%(need)s阶段；"
                         "《中国共产党发展党员工作细则》规定的程序）")
               % {"name": a.name, "stage": _stage_label(a.stage), "step": StepCode(step).label,
                  "need": _("、").join(_stage_label(s) for s in stages)}, "order")
    return False


def _need_done(errors: Errors, done: dt.date | None, what: Any, step: str, source: Any) -> bool:
    if done is not None:
        return True
    errors.add("step", _("尚未%(what)s，不能办理“%(step)s”（规则：先%(what)s；%(source)s）")
               % {"what": what, "step": StepCode(step).label, "source": source}, "order")
    return False


def _not_before(errors: Errors, on: dt.date, floor: dt.date | None, what: Any) -> None:
    if floor is not None and on < floor:
        errors.add("on", _("日期 %(on)s 早于%(what)s %(floor)s（规则：各步骤按程序先后办理）")
                   % {"on": on.isoformat(), "what": what, "floor": floor.isoformat()}, "date_order")


def _majority(errors: Errors, data: dict[str, Any], out: dict[str, Any]) -> None:
    """A branch general meeting's vote: more than half of the full members entitled to vote (†)."""
    eligible = _int(errors, "eligible", data.get("eligible"), _("应到会有表决权的正式党员数"))
    votes = _int(errors, "votes_for", data.get("votes_for"), _("赞成票数"))
    if eligible is None or votes is None:
        return
    if eligible < 1:
        errors.add("eligible", _("应到会有表决权的正式党员数须大于 0（规则：%(s)s）") % {"s": rules.MEETING_SOURCE}, "vote")
    elif votes > eligible:
        errors.add("votes_for", _("赞成票数 %(v)s 多于应到会有表决权的正式党员数 %(e)s（规则：%(s)s）")
                   % {"v": votes, "e": eligible, "s": rules.MEETING_SOURCE}, "vote")
    elif votes * 2 <= eligible:
        errors.add("votes_for", _("赞成 %(v)s 票，未超过应到会有表决权的正式党员 %(e)s 人的半数：决议未通过（规则：%(s)s）")
                   % {"v": votes, "e": eligible, "s": rules.MEETING_SOURCE}, "vote")
    out["step"].update(eligible=eligible, votes_for=votes)


def _members_named(errors: Errors, field: str, given: Any, a: Applicant, lookups: Lookups, label: Any,
                   source: Any) -> list[dict[str, Any]]:
    """Full members of the person's branch, given by id or by name; each one not found is an error."""
    items = given if isinstance(given, list | tuple) else [x for x in str(given or "").replace("，", ",")
                                                           .replace("、", ",").split(",")]
    members = lookups.full_members(a.branch_id)
    out: list[dict[str, Any]] = []
    for item in items:
        text = str(getattr(item, "pk", item)).strip()
        if not text:
            continue
        found = [pk for pk, name in members.items() if str(pk) == text or name == text]
        if len(found) != 1:
            errors.add(field, _("%(label)s“%(v)s”不是培养党组织的正式党员（规则：%(source)s）")
                       % {"label": label, "v": getattr(item, "name", text), "source": source}, "not_full_member")
            continue
        if found[0] in [o["id"] for o in out]:
            errors.add(field, _("%(label)s“%(v)s”重复") % {"label": label, "v": members[found[0]]}, "duplicate")
            continue
        out.append({"id": found[0], "name": members[found[0]]})
    return out


# ---- the steps --------------------------------------------------------------------------------------

# Each check takes the errors, the person (changed in memory when the step passes), the step's
# date, its data, the look-ups and the region's settings, and returns what the step records
# ({"fields": ..., "step": ...}).
Check = Callable[[Errors, Applicant, dt.date, dict[str, Any], Lookups], dict[str, Any]]


def _result() -> dict[str, Any]:
    return {"fields": {}, "step": {}}


def _talk(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.TALK, Stage.APPLICANT):
        if a.talked_on is not None:
            errors.add("step", _("已于 %(d)s 谈话（规则：%(s)s）") % {"d": a.talked_on.isoformat(), "s": rules.TALK_SOURCE},
                       "done")
        _not_before(errors, on, a.applied_on, _("递交入党申请书日期"))
        due = add_months(a.applied_on, rules.TALK_WITHIN_MONTHS)
        out["step"]["late"] = on > due
    out["fields"]["talked_on"] = on
    return out


def _activist(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.ACTIVIST, Stage.APPLICANT) and _need_done(
            errors, a.talked_on, _("谈话"), StepCode.ACTIVIST, rules.TALK_SOURCE):
        _not_before(errors, on, a.talked_on, _("谈话日期"))
    how = data.get("recommended_by") or ""
    if how not in RECOMMENDED_BY:
        errors.add("recommended_by", _("推荐方式须为“党员推荐”或“群团组织推优”（规则：《中国共产党发展党员工作细则》第八条）"),
                   "choice")
    contacts = _members_named(errors, "contacts", data.get("contacts"), a, lookups, _("培养联系人"),
                              rules.CONTACTS_SOURCE)
    if "contacts" not in errors.by_field and not rules.CONTACTS_MIN <= len(contacts) <= rules.CONTACTS_MAX:
        errors.add("contacts", _("须指定一至两名正式党员作培养联系人，现为 %(n)s 名（规则：%(s)s）")
                   % {"n": len(contacts), "s": rules.CONTACTS_SOURCE}, "count")
    out["fields"].update(stage=Stage.ACTIVIST, activist_on=on, last_review_on=None)
    out["step"].update(recommended_by=how, contacts=contacts)
    return out


def _review(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.REVIEW, Stage.ACTIVIST, Stage.CANDIDATE):
        _not_before(errors, on, a.last_review_on or a.activist_on, _("上一次考察（或列为积极分子）日期"))
    out["fields"]["last_review_on"] = on
    out["step"]["conclusion"] = _text(errors, "conclusion", data.get("conclusion"), _("考察意见"))
    return out


def _candidate(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.CANDIDATE, Stage.ACTIVIST) and a.activist_on is not None:
        earliest = add_years(a.activist_on, rules.ACTIVIST_MIN_YEARS)
        if on < earliest:
            errors.add("on", _("培养考察不足一年（自 %(start)s 列为积极分子，至 %(on)s 仅 %(n)s 个月）：不能列为发展对象"
                               "（%(source)s）") % {"start": a.activist_on.isoformat(), "on": on.isoformat(),
                                                  "n": months_between(a.activist_on, on),
                                                  "source": rules.CANDIDATE_SOURCE}, "too_early")
        _need_done(errors, a.last_review_on, _("进行培养考察"), StepCode.CANDIDATE, rules.REVIEW_SOURCE)
    out["fields"].update(stage=Stage.CANDIDATE, candidate_on=on)
    return out


def _introducers(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.INTRODUCERS, Stage.CANDIDATE):
        _not_before(errors, on, a.candidate_on, _("列为发展对象日期"))
    people = _members_named(errors, "introducers", data.get("introducers"), a, lookups, _("入党介绍人"),
                            rules.INTRODUCERS_SOURCE)
    if "introducers" not in errors.by_field and len(people) != rules.INTRODUCERS:
        errors.add("introducers", _("须有两名正式党员作入党介绍人，现为 %(n)s 名（规则：%(s)s）")
                   % {"n": len(people), "s": rules.INTRODUCERS_SOURCE}, "count")
    out["fields"]["introduced_on"] = on
    out["step"]["introducers"] = people
    return out


def _political_review(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any],
                      lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.POLITICAL_REVIEW, Stage.CANDIDATE):
        _not_before(errors, on, a.candidate_on, _("列为发展对象日期"))
    conclusion = _text(errors, "conclusion", data.get("conclusion"), _("政治审查结论"))
    require(errors, "conclusion", conclusion, _("政治审查结论"))
    out["fields"]["political_review_on"] = on
    out["step"]["conclusion"] = conclusion
    return out


def _training(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.TRAINING, Stage.CANDIDATE):
        _not_before(errors, on, a.candidate_on, _("列为发展对象日期"))
    days = data.get("days") or 0
    hours = data.get("hours") or 0
    try:
        days, hours = float(days), float(hours)
    except (TypeError, ValueError):
        days = hours = 0
    if days < rules.TRAINING_MIN_DAYS and hours < rules.TRAINING_MIN_HOURS:
        errors.add("days", _("集中培训 %(d)s 天（%(h)s 学时），不足三天或二十四个学时（规则：%(s)s）")
                   % {"d": f"{days:g}", "h": f"{hours:g}", "s": rules.TRAINING_SOURCE}, "too_short")
    out["fields"]["trained_on"] = on
    out["step"].update(days=days, hours=hours)
    return out


def _notice(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.NOTICE, Stage.CANDIDATE):
        ok = all([_need_done(errors, a.introduced_on, _("确定入党介绍人"), StepCode.NOTICE, rules.INTRODUCERS_SOURCE),
                  _need_done(errors, a.political_review_on, _("政治审查"), StepCode.NOTICE, rules.POLITICAL_SOURCE),
                  _need_done(errors, a.trained_on, _("集中培训"), StepCode.NOTICE, rules.TRAINING_SOURCE)])
        if ok:
            _not_before(errors, on, max(d for d in (a.introduced_on, a.political_review_on, a.trained_on) if d),
                        _("介绍人、政审和培训的日期"))
    days = rules.setting("notice_working_days", str(a.region_id or ""))
    out["fields"]["notice_on"] = on
    out["step"].update(working_days=days, ends_on=notice_ends(on, days).isoformat())
    return out


def _pre_review(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.PRE_REVIEW, Stage.CANDIDATE) and _need_done(
            errors, a.notice_on, _("公示"), StepCode.PRE_REVIEW, rules.NOTICE_SOURCE):
        assert a.notice_on is not None
        days = rules.setting("notice_working_days", str(a.region_id or ""))
        end = notice_ends(a.notice_on, days)
        if on <= end:
            errors.add("on", _("公示期未满 %(n)s 个工作日（自 %(start)s 起公示，至 %(end)s 期满）：%(on)s 不能预审"
                               "（规则 DEVELOPMENT：%(s)s）") % {"n": days, "start": a.notice_on.isoformat(),
                                                            "end": end.isoformat(), "on": on.isoformat(),
                                                            "s": rules.NOTICE_SOURCE}, "too_early")
    out["fields"]["pre_reviewed_on"] = on
    return out


def _meeting(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.MEETING, Stage.CANDIDATE) and _need_done(
            errors, a.pre_reviewed_on, _("经上级党委预审"), StepCode.MEETING, rules.PRE_REVIEW_SOURCE):
        if a.meeting_on is not None:
            errors.add("step", _("支部大会已于 %(d)s 讨论接收") % {"d": a.meeting_on.isoformat()}, "done")
        _not_before(errors, on, a.pre_reviewed_on, _("预审日期"))
    _majority(errors, data, out)
    out["fields"]["meeting_on"] = on
    return out


def _approval(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.APPROVAL, Stage.CANDIDATE) and _need_done(
            errors, a.meeting_on, _("经支部大会讨论接收"), StepCode.APPROVAL, rules.MEETING_SOURCE):
        assert a.meeting_on is not None
        _not_before(errors, on, a.meeting_on, _("支部大会日期"))
        cap = rules.setting("approval_max_months", str(a.region_id or ""))
        if on > add_months(a.meeting_on, cap):
            errors.add("on", _("支部大会 %(m)s 通过的决议，至 %(on)s 已超过 %(n)s 个月，不能再审批：应重新履行程序"
                               "（规则 DEVELOPMENT：%(s)s）") % {"m": a.meeting_on.isoformat(), "on": on.isoformat(),
                                                            "n": cap, "s": rules.APPROVAL_SOURCE}, "too_late")
        out["step"]["late"] = on > add_months(a.meeting_on, rules.APPROVAL_MONTHS)
    out["fields"].update(stage=Stage.PROBATIONARY, approved_on=on)
    return out


def _oath(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.OATH, Stage.PROBATIONARY):
        if a.oath_on is not None:
            errors.add("step", _("已于 %(d)s 入党宣誓") % {"d": a.oath_on.isoformat()}, "done")
        _not_before(errors, on, a.approved_on, _("上级党委审批日期"))
    out["fields"]["oath_on"] = on
    return out


def _extension(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    months = _int(errors, "months", data.get("months"), _("延长月数"))
    if months is not None and not rules.EXTENSION_MIN_MONTHS <= months <= rules.EXTENSION_MAX_MONTHS:
        errors.add("months", _("延长预备期 %(n)s 个月（规则：%(s)s）") % {"n": months, "s": rules.EXTENSION_SOURCE}, "range")
    if _need_stage(errors, a, StepCode.EXTENSION, Stage.PROBATIONARY):
        end = probation_ends(a)
        if a.extension_months:
            errors.add("step", _("预备期已延长 %(n)s 个月，不能再次延长（规则：%(s)s）")
                       % {"n": a.extension_months, "s": rules.EXTENSION_SOURCE}, "done")
        elif end is not None and on < end:
            errors.add("on", _("预备期至 %(end)s 期满，%(on)s 尚未期满，不能决定延长（规则：%(s)s）")
                       % {"end": end.isoformat(), "on": on.isoformat(), "s": rules.EXTENSION_SOURCE}, "too_early")
    out["fields"]["extension_months"] = months or 0
    out["step"]["months"] = months
    return out


def _full_meeting(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.FULL_MEETING, Stage.PROBATIONARY) and _need_done(
            errors, a.oath_on, _("入党宣誓"), StepCode.FULL_MEETING, rules.OATH_SOURCE):
        end = probation_ends(a)
        if end is not None and on < end:
            assert a.meeting_on is not None
            errors.add("on", _("预备期未满（自 %(start)s 起，至 %(end)s 期满；%(on)s 仅 %(n)s 个月）：不能讨论转正（规则 "
                               "PROBATION：%(s)s）") % {"start": a.meeting_on.isoformat(), "end": end.isoformat(),
                                                       "on": on.isoformat(), "n": months_between(a.meeting_on, on),
                                                       "s": rules.PROBATION_SOURCE}, "too_early")
        if a.full_meeting_on is not None:
            errors.add("step", _("支部大会已于 %(d)s 讨论转正") % {"d": a.full_meeting_on.isoformat()}, "done")
    _majority(errors, data, out)
    out["fields"]["full_meeting_on"] = on
    return out


def _full_approval(errors: Errors, a: Applicant, on: dt.date, data: dict[str, Any],
                   lookups: Lookups) -> dict[str, Any]:
    out = _result()
    if _need_stage(errors, a, StepCode.FULL_APPROVAL, Stage.PROBATIONARY) and _need_done(
            errors, a.full_meeting_on, _("经支部大会讨论转正"), StepCode.FULL_APPROVAL, rules.FULL_SOURCE):
        assert a.full_meeting_on is not None
        _not_before(errors, on, a.full_meeting_on, _("支部大会讨论转正日期"))
        cap = rules.setting("approval_max_months", str(a.region_id or ""))
        if on > add_months(a.full_meeting_on, cap):
            errors.add("on", _("支部大会 %(m)s 通过的转正决议，至 %(on)s 已超过 %(n)s 个月，不能再审批（规则 DEVELOPMENT：%(s)s）")
                       % {"m": a.full_meeting_on.isoformat(), "on": on.isoformat(), "n": cap,
                          "s": rules.APPROVAL_SOURCE}, "too_late")
    out["fields"].update(stage=Stage.FULL, full_on=probation_ends(a))
    return out


@dataclass(frozen=True)
class StepDef:
    check: Check
    by_superior: bool = False


STEPS: dict[str, StepDef] = {
    StepCode.TALK: StepDef(_talk),
    StepCode.ACTIVIST: StepDef(_activist),
    StepCode.REVIEW: StepDef(_review),
    StepCode.CANDIDATE: StepDef(_candidate),
    StepCode.INTRODUCERS: StepDef(_introducers),
    StepCode.POLITICAL_REVIEW: StepDef(_political_review),
    StepCode.TRAINING: StepDef(_training),
    StepCode.NOTICE: StepDef(_notice),
    StepCode.PRE_REVIEW: StepDef(_pre_review, by_superior=True),
    StepCode.MEETING: StepDef(_meeting),
    StepCode.APPROVAL: StepDef(_approval, by_superior=True),
    StepCode.OATH: StepDef(_oath),
    StepCode.EXTENSION: StepDef(_extension, by_superior=True),
    StepCode.FULL_MEETING: StepDef(_full_meeting),
    StepCode.FULL_APPROVAL: StepDef(_full_approval, by_superior=True),
}


def next_steps(a: Applicant) -> list[StepCode]:
    """The steps that may come next for ``a`` by its stage and the steps done (the form offers them)."""
    if a.ended_on is not None:
        return []
    if a.stage == Stage.APPLICANT:
        return [StepCode.TALK] if a.talked_on is None else [StepCode.ACTIVIST]
    if a.stage == Stage.ACTIVIST:
        return [StepCode.REVIEW, StepCode.CANDIDATE]
    if a.stage == Stage.CANDIDATE:
        if a.meeting_on is not None:
            return [StepCode.APPROVAL]
        if a.pre_reviewed_on is not None:
            return [StepCode.MEETING]
        if a.notice_on is not None:
            return [StepCode.PRE_REVIEW]
        missing = [code for code, done in ((StepCode.INTRODUCERS, a.introduced_on),
                                           (StepCode.POLITICAL_REVIEW, a.political_review_on),
                                           (StepCode.TRAINING, a.trained_on)) if done is None]
        return [StepCode.REVIEW, *missing] if missing else [StepCode.REVIEW, StepCode.NOTICE]
    if a.stage == Stage.PROBATIONARY:
        if a.oath_on is None:
            return [StepCode.OATH]
        if a.full_meeting_on is not None:
            return [StepCode.FULL_APPROVAL]
        return [StepCode.FULL_MEETING] + ([] if a.extension_months else [StepCode.EXTENSION])
    return []


def clean_step(errors: Errors, a: Applicant, step: Any, on: Any, data: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    """Check one step on ``a`` as it stands and, when it passes, apply its fields to ``a`` in memory
    (the service saves them; the import goes on to the next date of the row). Returns the step's
    facts to keep."""
    if step not in STEPS:
        errors.add("step", _("步骤“%(v)s”无效（规则：取值为 %(allowed)s 之一）")
                   % {"v": step, "allowed": " / ".join(STEPS)}, "choice")
        return {}
    day = as_date(errors, "on", on, _("日期"))
    if day is None and on in (None, ""):
        require(errors, "on", day, _("日期"))
    not_in_future(errors, "on", day, _("日期"))
    if a.ended_on is not None:
        errors.add("step", _("“%(name)s”已于 %(d)s 终止培养（%(why)s）") % {
            "name": a.name, "d": a.ended_on.isoformat(), "why": a.get_end_reason_display()}, "ended")
        return {}
    if day is None:
        return {}
    count = sum(len(v) for v in errors.by_field.values())
    result = STEPS[step].check(errors, a, day, data, lookups)
    if sum(len(v) for v in errors.by_field.values()) == count:
        for name, value in result["fields"].items():
            setattr(a, name, value)
    return dict(result["step"])


# ---- the person -----------------------------------------------------------------------------------

def _id_hash_holders(digest: str) -> tuple[int | None, int | None]:
    """The member, and the open applicant, holding this ID-number hash (two queries)."""
    member = PartyMember.objects.filter(id_number_hash=digest).values_list("pk", flat=True).first()
    applicant = Applicant.objects.filter(id_number_hash=digest, ended_on__isnull=True).values_list(
        "pk", flat=True).first()
    return member, applicant


def _clean_id(errors: Errors, raw: str, birth: dt.date | None, out: dict[str, Any], actor: Any,
              holders: Callable[[str], tuple[int | None, int | None]]) -> dt.date | None:
    """The ID number (valid, not a member's nor another open applicant's) and the birth date it
    gives; returns the birth date to check the age with."""
    if raw:
        try:
            number = validate_id_number(raw)
        except ValidationError as exc:
            errors.merge(exc)
        else:
            digest = crypto.keyed_hash(number)
            member, applicant = holders(digest)
            if member is not None:
                errors.add("id_number", privacy.refuse(actor, number, member), privacy.REFUSED_CODE)
            elif applicant is not None:
                errors.add("id_number", _("该公民身份号码已在发展党员名单中（规则：同一人只记录一次）")
                           if _may_see_applicant(actor, applicant) else str(privacy.REFUSED), "duplicate")
            id_birth = ric.get_birth_date(number)
            if birth is not None and birth != id_birth:
                errors.add("birth_date", _("出生日期 %(b)s 与公民身份号码中的 %(d)s 不一致（规则：出生日期以身份号码为准）")
                           % {"b": birth.isoformat(), "d": id_birth.isoformat()}, "mismatch")
            birth = id_birth
            out.update(crypto.id_number_fields(number, digest))
    elif birth is None:
        errors.add("id_number", _("须填写公民身份号码或出生日期（规则：%(s)s，须年满十八岁）") % {"s": rules.AGE_SOURCE},
                   "required")
    return birth


def clean_applicant_fields(errors: Errors, data: dict[str, Any], *, actor: Any,
                           holders: Callable[[str], tuple[int | None, int | None]] = _id_hash_holders) -> dict[str, Any]:
    """The rules of a person entering the pipeline (``applicant_create`` and the import): name,
    gender, ID number (the birth date is read from it) and phone, workplace and the party org that
    develops them, the application's date, and age ≥ 18 on that date (党章第一条)."""
    out: dict[str, Any] = {}
    out["name"] = _text(errors, "name", data.get("name"), _("姓名"), 60)
    require(errors, "name", out["name"], _("姓名"))
    out["gender"] = choice(errors, "gender", data.get("gender"), Gender, _("性别"))
    birth = as_date(errors, "birth_date", data.get("birth_date"), _("出生日期"))
    raw = str(data.get("id_number") or "").strip()
    birth = _clean_id(errors, raw, birth, out, actor, holders)
    out["birth_date"] = birth
    phone = str(data.get("phone") or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            errors.merge(exc)
        else:
            out.update(crypto.phone_fields(phone))
    applied = as_date(errors, "applied_on", data.get("applied_on"), _("递交入党申请书日期"))
    require(errors, "applied_on", applied, _("递交入党申请书日期"))
    not_in_future(errors, "applied_on", applied, _("递交入党申请书日期"))
    out["applied_on"] = applied
    if birth is not None and applied is not None and age_on(birth, applied) < rules.AGE:
        field = "id_number" if raw else "birth_date"
        errors.add(field, _("递交入党申请书时（%(on)s）未满十八周岁（出生日期 %(b)s，时年 %(n)s 岁）（规则：%(s)s）")
                   % {"on": applied.isoformat(), "b": birth.isoformat(), "n": age_on(birth, applied),
                      "s": rules.AGE_SOURCE}, "age")
    workplace, branch = data.get("workplace"), data.get("branch")
    if not isinstance(workplace, SocialOrg):
        require(errors, "workplace", None, _("工作单位"))
    elif workplace.status != OrgStatus.ACTIVE:
        errors.add("workplace", _("工作单位“%(n)s”已注销（规则：向工作所在单位党组织提出申请；《中国共产党发展党员工作细则》第六条）")
                   % {"n": workplace.name}, "state")
    if not isinstance(branch, PartyOrg):
        require(errors, "branch", None, _("培养党组织"))
    elif branch.dissolved_on is not None:
        errors.add("branch", _("党组织“%(n)s”已撤销（规则：须由现有党组织培养）") % {"n": branch.name}, "state")
    out.update(workplace=workplace, branch=branch)
    return out


def _may_see_applicant(actor: Any, pk: int) -> bool:
    if isinstance(actor, SystemActor):
        return True
    return Scope.for_user(actor).filter(Applicant.objects.filter(pk=pk)).exists()


def _save_step(a: Applicant, code: str, on: dt.date, actor: Any, note: str, documents: str,
               data: dict[str, Any]) -> DevStep:
    return DevStep.objects.create(applicant=a, code=code, on=on, actor_label=actor_label(actor), recorded_by=user_of(actor),
                                  note=note, documents=documents, data=data)


@privacy.guarded
@transaction.atomic
def applicant_create(*, actor: Actor, name: str, gender: str, applied_on: Any, workplace: SocialOrg | None,
                     branch: PartyOrg | None, id_number: str = "", birth_date: Any = None, phone: str = "",
                     note: str = "", documents: str = "", is_demo: bool = False) -> Applicant:
    """A person hands in their application (step 1): they enter the pipeline as an applicant of
    ``branch``, working at ``workplace``."""
    check_write(actor, workplace, branch)
    errors = Errors()
    values = clean_applicant_fields(errors, {"name": name, "gender": gender, "applied_on": applied_on,
                                             "workplace": workplace, "branch": branch, "id_number": id_number,
                                             "birth_date": birth_date, "phone": phone}, actor=actor)
    note = _text(errors, "note", note, _("说明"))
    documents = _text(errors, "documents", documents, _("材料"))
    errors.raise_if_any()
    a = Applicant(**values, is_demo=is_demo)
    assert workplace is not None
    a.set_region(workplace.region)
    a.save()
    _save_step(a, StepCode.APPLY, a.applied_on, actor, note, documents, {})
    record(actor=actor, action="applicant.create", target=a, changes=diff({}, snapshot(a)))
    return a


def _check_superior(actor: Any, a: Applicant, step: str) -> None:
    body = superior_of(a.branch)
    if not acts_for(actor, body):
        raise PermissionDenied(_("“%(step)s”由%(body)s办理，您不能代其办理（规则：%(s)s）")
                               % {"step": StepCode(step).label,
                                  "body": _("上级党委“%(n)s”") % {"n": body.name} if body else _("上级党委（未登记）"),
                                  "s": rules.BODY_SOURCE})


def _on_behalf(actor: Any) -> SystemActor:
    """The member service is called on behalf of the approving body (whose jurisdiction need not
    hold the workplace), as the case mechanism does for its decisions."""
    return SystemActor(f"{actor_label(actor)}（发展党员审批）")


def _admit(a: Applicant, actor: Any) -> None:
    id_number = a.id_number if a.id_number_encrypted else ""
    phone = a.phone if a.phone_encrypted else ""
    try:
        a.member = member_create(actor=_on_behalf(actor), name=a.name, gender=a.gender,
                                 status=MemberStatus.PROBATIONARY, admitted_on=a.meeting_on, workplace=a.workplace,
                                 relation_org=a.branch, id_number=id_number, phone=phone,
                                 **({} if id_number else {"birth_date": a.birth_date}), is_demo=a.is_demo)
    except ValidationError as exc:
        errors = Errors()
        errors.merge(exc)
        raise ValidationError({f"member.{k}" if k != "id_number" else k: v for k, v in errors.by_field.items()}) from exc


@transaction.atomic
def step_record(*, actor: Actor, applicant: Applicant, step: str, on: Any, note: str = "", documents: str = "",
                **data: Any) -> DevStep:
    """Record step ``step`` of ``applicant`` on ``on`` (see ``STEPS``); ``data``: the step's facts
    (recommended_by and contacts, conclusion, introducers, days and hours, eligible and votes_for,
    months). The pre-review and the approvals are the superior's."""
    check_write(actor, applicant)
    a = Applicant.objects.select_for_update(of=("self",)).select_related("branch", "workplace").get(pk=applicant.pk)
    if step in STEPS and STEPS[step].by_superior:
        _check_superior(actor, a, step)
    errors = Errors()
    before = snapshot(a)
    facts = clean_step(errors, a, step, on, data, Lookups())
    note = _text(errors, "note", note, _("说明"))
    documents = _text(errors, "documents", documents, _("材料"))
    errors.raise_if_any()
    if step == StepCode.APPROVAL:
        _admit(a, actor)
    elif step == StepCode.FULL_APPROVAL and a.member is not None:
        member_update(actor=_on_behalf(actor), member=a.member, status=MemberStatus.FULL, full_on=a.full_on)
    a.save()
    day = as_date(Errors(), "on", on, "")
    assert day is not None
    saved = _save_step(a, step, day, actor, note, documents, facts)
    record(actor=actor, action=f"applicant.{step}", target=a, changes=diff(before, snapshot(a)))
    applicant.refresh_from_db()
    return saved


_END_BY_STAGE = {Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE}


@transaction.atomic
def applicant_end(*, actor: Actor, applicant: Applicant, on: Any, reason: str, note: str = "") -> Applicant:
    """A person leaves the pipeline before full membership: withdrawn, no longer developed, not
    approved, moved away; a probationary member's qualification cancelled (党章第七条; the
    superior's decision, and the member leaves the roster). The row is kept."""
    check_write(actor, applicant)
    a = Applicant.objects.select_for_update(of=("self",)).select_related("branch").get(pk=applicant.pk)
    if reason == EndReason.DISQUALIFIED:
        _check_superior(actor, a, StepCode.END)
    errors = Errors()
    day = as_date(errors, "ended_on", on, _("终止日期"))
    require(errors, "ended_on", day, _("终止日期"))
    not_in_future(errors, "ended_on", day, _("终止日期"))
    choice(errors, "end_reason", reason, EndReason, _("终止原因"))
    text = _text(errors, "end_note", note, _("终止原因说明"), 200)
    if reason == EndReason.OTHER and not text:
        errors.add("end_note", _("终止原因为“其他”时须说明具体原因"), "required")
    if a.ended_on is not None:
        errors.add("ended_on", _("已于 %(d)s 终止培养") % {"d": a.ended_on.isoformat()}, "state")
    elif a.stage == Stage.FULL:
        errors.add("end_reason", _("已转为正式党员：党员的减少在党员名册中办理"), "state")
    elif a.stage == Stage.PROBATIONARY and reason != EndReason.DISQUALIFIED:
        errors.add("end_reason", _("预备党员只能由上级党委取消预备党员资格（规则：%(s)s）") % {"s": rules.PROBATION_SOURCE},
                   "state")
    elif a.stage in _END_BY_STAGE and reason == EndReason.DISQUALIFIED:
        errors.add("end_reason", _("尚未成为预备党员，不能取消预备党员资格"), "state")
    last = a.steps.order_by("-on").values_list("on", flat=True).first()
    if day is not None and last is not None and day < last:
        errors.add("ended_on", _("终止日期 %(d)s 早于最近一步的日期 %(l)s（规则：各步骤按程序先后办理）")
                   % {"d": day.isoformat(), "l": last.isoformat()}, "date_order")
    errors.raise_if_any()
    before = snapshot(a)
    if reason == EndReason.DISQUALIFIED and a.member is not None:
        member_end(actor=_on_behalf(actor), member=a.member, on=day, reason=MemberEndReason.OTHER,
                   note=str(_("取消预备党员资格")))
    a.ended_on, a.end_reason, a.end_note = day, reason, text
    a.save()
    assert day is not None
    _save_step(a, StepCode.END, day, actor, text, "", {"reason": reason})
    record(actor=actor, action="applicant.end", target=a, changes=diff(before, snapshot(a)))
    applicant.refresh_from_db()
    return a
