"""The forms of the organizational-life pages (rule LIFE): the compliance table's and the meeting
list's query parameters, recording and correcting a meeting, and the yearly member review. They only
parse input; ``shuniu.orglife.services`` validates the rules and writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shuniu.accounts.scopes import Scope
from shuniu.orglife.models import KINDS, AbsenceReason, FollowUp, MeetingKind, ReviewGrade
from shuniu.orglife.selectors import DIMENSIONS, FIGURES
from shuniu.party.selectors import party_org_list
from shuniu.web.forms import (
    ChoiceQuery,
    FilterForm,
    IdQuery,
    ListFilters,
    ListQuery,
    PageQuery,
    PickerField,
    QueryField,
    RegionQuery,
    ScopedForm,
    TextQuery,
    _date,
    _live_party_orgs,
    _scoped_pickers,
)

FIRST_YEAR = 2000


class YearQuery(QueryField):
    """A year from 2000 to next year."""

    empty = None

    def parse(self, text: str) -> int:
        last = dt.date.today().year + 1
        if not (text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= last:
            raise self.error(text, _("须为 %(a)s 至 %(b)s 之间的年份") % {"a": FIRST_YEAR, "b": last})
        return int(text)


class DateQuery(QueryField):
    """A date written YYYY-MM-DD, from 2000-01-01 on."""

    empty = None

    def parse(self, text: str) -> dt.date:
        try:
            day = dt.date.fromisoformat(text) if text.isascii() and len(text) == 10 else None
        except ValueError:
            day = None
        if day is None or day.year < FIRST_YEAR:
            raise self.error(text, _("须为 YYYY-MM-DD 格式、2000 年以后的日期"))
        return day


class LifeQuery(FilterForm):
    """The compliance table: a region of the jurisdiction, a year, a date to see it as of, a breakdown."""

    region = RegionQuery(label=_("地区"))
    year = YearQuery(label=_("年度"))
    as_of = DateQuery(label=_("截至日期"))
    by = ChoiceQuery(DIMENSIONS, label=_("分组"))
    format = ChoiceQuery(["csv", "xlsx"], label=_("导出格式"))

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        year, as_of = d.get("year"), d.get("as_of")
        if year and as_of and as_of.year != year:
            self.add_error("as_of", ValidationError(
                _("筛选条件“as_of”须在所选年度之内（规则：截至日期属于统计年度）"), code="combination"))
        return d


class LifeOrgsQuery(LifeQuery):
    """The party orgs behind one figure of the compliance table."""

    key = TextQuery(max_length=40, label=_("分组取值"))
    figure = ChoiceQuery(FIGURES, label=_("指标"))
    page = PageQuery(label=_("页码"))


class MeetingFilters(ListFilters):
    q = TextQuery(max_length=60, label=_("查找"))
    party_org = IdQuery(_("须为党组织编号"), label=_("党组织"))
    kind = ChoiceQuery(KINDS, label=_("类型"))
    year = YearQuery(label=_("年度"))


class MeetingPrefill(FilterForm):
    """``/meetings/new/?party_org=12&kinds=general_meeting,theme_day`` (a reminder's link)."""

    party_org = IdQuery(_("须为党组织编号"), label=_("党组织"))
    kinds = ListQuery(KINDS, label=_("会议类型"))


class RosterQuery(FilterForm):
    """The expected roster loaded into the meeting form when the party org or the date changes."""

    party_org = IdQuery(_("须为党组织编号"), label=_("党组织"))
    held_on = DateQuery(label=_("召开日期"))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos, the sign-in sheet); each is checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _kinds_field() -> forms.MultipleChoiceField:
    # Not required here: the service says why (rule LIFE), with every other problem at once.
    return forms.MultipleChoiceField(label=_("会议类型"), choices=MeetingKind.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple,
                                     help_text=_("可多选：如主题党日与支部党员大会合并召开，分别计入"))


class MeetingTextFields(ScopedForm):
    held_on = _date(label=_("召开日期"))
    topic = forms.CharField(label=_("主题"), max_length=200)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    host = forms.CharField(label=_("主持人"), max_length=60, required=False)
    recorder = forms.CharField(label=_("记录人"), max_length=60, required=False)
    lecturer = forms.CharField(label=_("授课人"), max_length=60, required=False, help_text=_("党课填写"))
    invitees = forms.CharField(label=_("列席人员"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("非党员或其他列席人员的姓名，以顿号或逗号分隔"))
    minutes = forms.CharField(label=_("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(label=_("决定事项"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # Carries the service's messages about the people (the roster is a checklist of its own).
    attendees = forms.CharField(required=False, widget=forms.HiddenInput)

    field_map = {"absentees": "attendees", "files": "attachments"}

    def people(self, data: Any) -> tuple[list[int], dict[int, str]]:
        """The checklist posted: (members present, {member absent: reason}); ids as posted (the
        service checks them against the roster)."""
        present: list[int] = []
        for value in data.getlist("present"):
            try:
                present.append(int(value))
            except (TypeError, ValueError):
                self.add_error("attendees", _("出席人员编号“%(v)s”无效") % {"v": str(value)[:20]})
        absent: dict[int, str] = {}
        for value in data.getlist("roster"):
            try:
                pk = int(value)
            except (TypeError, ValueError):
                continue
            if pk not in present:
                reason = data.get(f"reason_{pk}", "")
                absent[pk] = reason if reason in AbsenceReason.values else ""
        return present, absent

    def text(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {name: d.get(name, "") for name in ("place", "host", "recorder", "lecturer", "invitees", "minutes",
                                                   "decisions")}


class MeetingForm(MeetingTextFields):
    party_org = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("党组织"),
                            help_text=_("联合党支部记录一次，计入所覆盖的各单位"))
    kinds = _kinds_field()
    attachments = MultipleFileField(label=_("附件"), required=False,
                              help_text=_("会议照片、签到表等，可多选；每个不超过 10 MB"))

    field_order = ["party_org", "kinds", "held_on", "topic", "place", "host", "recorder", "lecturer", "invitees",
                   "minutes", "decisions", "attachments", "attendees"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, party_org=_live_party_orgs(self.scope))


class MeetingCorrectForm(MeetingTextFields):
    kinds = _kinds_field()
    reason = forms.CharField(label=_("更正原因"), max_length=200, help_text=_("必填，记入变更记录"))

    field_order = ["reason", "kinds", "held_on", "topic", "place", "host", "recorder", "lecturer", "invitees",
                   "minutes", "decisions", "attendees"]


class MeetingDeleteForm(ScopedForm):
    reason = forms.CharField(label=_("删除原因"), max_length=200)


class ReviewForm(ScopedForm):
    """The member review of a year: a grade per member on the roster (``grade_<id>``, and for
    不合格 ``follow_up_<id>``, ``improve_by_<id>``, ``note_<id>``), read by ``results``."""

    year = forms.IntegerField(label=_("评议年度"), min_value=FIRST_YEAR, max_value=2100)
    reviewed_on = _date(label=_("评议日期"))
    results = forms.CharField(required=False, widget=forms.HiddenInput)

    def rows(self, data: Any, members: list[Any]) -> list[dict[str, Any]]:
        out = []
        for m in members:
            grade = data.get(f"grade_{m.pk}", "")
            if not grade:
                continue
            out.append({"member": m.pk, "grade": grade, "follow_up": data.get(f"follow_up_{m.pk}", ""),
                        "improve_by": data.get(f"improve_by_{m.pk}", "") or None,
                        "note": data.get(f"note_{m.pk}", "")[:200]})
        return out


GRADES = ReviewGrade.choices
FOLLOW_UPS = FollowUp.choices
REASONS = AbsenceReason.choices
