"""The forms of the secretaries' reports pages (rule SECRETARY_REPORT): the board's filters and the
report itself (written, saved as a draft or submitted to the superior)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuniu.annualreports.models import Mode
from shuniu.annualreports.selectors import FIGURES
from shuniu.core.messages import OwnMessages
from shuniu.web.forms import ChoiceQuery, ListFilters, QueryField, RegionQuery


class YearQuery(QueryField):
    """A year from 1921 to this year."""

    empty: Any = None

    def parse(self, text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not 1921 <= int(text) <= dt.date.today().year:
            raise self.error(text, _("须为 1921 年至今年之间的年份"))
        return int(text)


class ReportFilters(ListFilters):
    year = YearQuery(label=_("述职年度"))
    region = RegionQuery(label=_("地区"))
    figure = ChoiceQuery(list(FIGURES), label=_("统计项"))
    format = ChoiceQuery(["csv", "xlsx"], label=_("导出格式"))


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100_000, required=False)


class ReportForm(OwnMessages, forms.Form):
    """A secretary's report: the text, the problems, the rectification items (one a line, with its
    due date after a vertical bar) and the members' grades counted at their meeting."""

    year = forms.IntegerField(label=_("述职年度"), min_value=1921, max_value=9999)
    mode = forms.ChoiceField(label=_("述职方式"), choices=Mode.choices)
    text = forms.CharField(label=_("述职报告"), max_length=20000, required=False,
                           widget=forms.Textarea(attrs={"rows": 8}))
    problems = forms.CharField(label=_("存在问题"), max_length=20000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    rectification = forms.CharField(
        label=_("整改事项"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项：整改事项 | 完成期限（如：每季度开展主题党日 | 2026-06-30）"))
    members_good = _count(_("党员评议：好（票）"))
    members_fairly_good = _count(_("党员评议：较好（票）"))
    members_average = _count(_("党员评议：一般（票）"))
    members_poor = _count(_("党员评议：差（票）"))
    attachment = forms.FileField(label=_("附件（PDF/JPEG/PNG/DOCX）"), required=False)
    submit_now = forms.BooleanField(label=_("立即报送上级党组织"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        items = []
        for line in (d.get("rectification") or "").splitlines():
            if not line.strip():
                continue
            item, _bar, due = line.replace("｜", "|").partition("|")
            items.append({"item": item.strip(), "due_on": due.strip()})
        out: dict[str, Any] = {"year": d["year"], "mode": d["mode"], "text": d.get("text") or "",
                               "problems": d.get("problems") or "", "rectification": items}
        for key in ("members_good", "members_fairly_good", "members_average", "members_poor"):
            out[key] = d.get(key) or 0
        return out

    @staticmethod
    def initial_from(data: dict[str, Any]) -> dict[str, Any]:
        lines = "\n".join(f"{e.get('item', '')} | {e.get('due_on', '')}" for e in data.get("rectification") or []
                          if isinstance(e, dict))
        return {**{k: v for k, v in data.items() if k != "rectification"}, "rectification": lines, "submit_now": True}
