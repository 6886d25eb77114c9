"""The forms of the mobile-member pages (rule MOBILE): the list's filters, registering an outflow,
ending it, taking a member in at a host party org, ending that, and recording a lost contact."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuniu.accounts.scopes import Scope
from shuniu.mobile.models import OutflowEnd
from shuniu.mobile.selectors import FINDINGS
from shuniu.party.selectors import party_org_list
from shuniu.web.forms import (
    ChoiceQuery,
    IdQuery,
    ListFilters,
    PickerField,
    RegionQuery,
    ScopedForm,
    TextQuery,
    _date,
    _live_party_orgs,
    _scoped_pickers,
)


class MobileFilters(ListFilters):
    q = TextQuery(max_length=60, label=_("查找"))
    party_org = IdQuery(_("须为党组织编号"), label=_("组织关系所在党组织"))
    host = IdQuery(_("须为党组织编号"), label=_("流入党组织"))
    region = RegionQuery(label=_("地区"))
    to_region = RegionQuery(label=_("流入地区"))
    finding = ChoiceQuery(list(FINDINGS), label=_("情形"))
    format = ChoiceQuery(["csv", "xlsx"], label=_("导出格式"))


class OutflowForm(ScopedForm):
    destination = forms.CharField(label=_("外出地点"), max_length=200,
                                  help_text=_("如：上海市浦东新区某街道、某建设工地"))
    region = forms.CharField(label=_("流入地区代码"), max_length=12, required=False,
                             help_text=_("行政区划代码，可不填"))
    fixed_place = forms.BooleanField(label=_("地点相对固定"), required=False,
                                     help_text=_("外出 6 个月以上且地点相对固定的，应转移组织关系"))
    since = _date(label=_("外出日期"))
    reason = forms.CharField(label=_("外出原因"), max_length=200, help_text=_("如：外出务工经商、学习进修"))
    certificate_no = forms.CharField(label=_("流动党员活动证编号"), max_length=40, required=False)
    expected_return = _date(label=_("预计返回日期"), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class OutflowEndForm(ScopedForm):
    ended_on = _date(label=_("结束日期"))
    reason = forms.ChoiceField(label=_("结束原因"), choices=OutflowEnd.choices)
    note = forms.CharField(label=_("结束说明"), max_length=200, required=False,
                           help_text=_("原因为“其他”时必填"))

    field_map = {"end_reason": "reason", "end_note": "note"}


class InflowForm(ScopedForm):
    host = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("流入党组织"),
                       help_text=_("党员所在地接收其参加组织生活的党组织"))
    started_on = _date(label=_("接收日期"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, host=_live_party_orgs(self.scope))


class InflowEndForm(ScopedForm):
    ended_on = _date(label=_("结束日期"))
    note = forms.CharField(label=_("结束说明"), max_length=200, required=False)

    field_map = {"end_note": "note"}


class LostContactForm(ScopedForm):
    lost_since = _date(label=_("失去联系日期"))
    efforts = forms.CharField(label=_("寻找联系情况"), max_length=1000, required=False, widget=forms.Textarea)
