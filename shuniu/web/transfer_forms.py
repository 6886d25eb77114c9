"""The forms of the relation-transfer pages: the list's filters, a letter inside the system, a letter
sent out of it and its receipt, a paper letter received from outside, a dissolved party org's batch.

They only parse input; the services (``shuniu.transfers.services``) check the rules and write, and
``submit`` puts their errors under these fields (the fields carry the services' argument names).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuniu.accounts.scopes import Scope
from shuniu.party.models import Gender, MemberStatus, PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg
from shuniu.registry.selectors import org_list
from shuniu.transfers.letters import MAX_VALID_DAYS
from shuniu.transfers.models import LetterKind, LetterState
from shuniu.web.forms import (
    _ID_RULES,
    ChoiceQuery,
    FlagQuery,
    IdQuery,
    ListFilters,
    NoEchoInput,
    PickerField,
    ScopedForm,
    TextQuery,
    _date,
    _scoped_pickers,
)


class TransferFilters(ListFilters):
    q = TextQuery(max_length=60, label=_("查找"))
    direction = ChoiceQuery(["out", "in"], label=_("方向"))
    kind = ChoiceQuery(LetterKind.values, label=_("类别"))
    state = ChoiceQuery(LetterState.values, label=_("状态"))
    overdue = FlagQuery(label=_("已逾期"))
    party_org = IdQuery(_ID_RULES["party_org"], label=_("党组织"))
    format = ChoiceQuery(["csv", "xlsx"], label=_("导出格式"))


def any_party_org() -> Any:
    """Every active party org of the country: the receiving side of a letter is usually outside the
    sender's jurisdiction. Only names and places are offered (the picker ``party_org_directory``)."""
    return PartyOrg.objects.filter(dissolved_on__isnull=True).select_related("region")


def any_org() -> Any:
    """Every active registered social org (the new workplace is usually on the receiving side):
    only names and places are offered (the picker ``org_directory``)."""
    return SocialOrg.objects.filter(status="active").select_related("region")


def _month(**kwargs: Any) -> forms.CharField:
    return forms.CharField(label=_("党费交至（年-月）"), max_length=7, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "2026-11", "inputmode": "numeric"}),
                           help_text=_("如 2026-11"), **kwargs)


def _valid_days(default: int) -> forms.IntegerField:
    return forms.IntegerField(label=_("有效期（天）"), required=False, initial=default,
                              help_text=_("按本地规则默认 %(d)s 天，最长 %(max)s 天（「最长不超过3个月」）")
                              % {"d": default, "max": MAX_VALID_DAYS})


class LetterForm(ScopedForm):
    """A letter inside the system (介绍信): to any active party org of the country."""

    to_org = PickerField(any_party_org(), "party_org_directory", label=_("接收党组织"),
                         help_text=_("全国范围内存续的党组织，输入名称搜索"))
    to_workplace = PickerField(any_org(), "org_directory", label=_("新工作单位"), required=False,
                               help_text=_("全国范围内登记中的社会组织，可不填；填写后，接收之日工作单位一并变更"))
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False,
                             help_text=_("如工作调动、居住地变动"))
    dues_paid_to = _month()
    valid_days = forms.IntegerField(label=_("有效期（天）"), required=False)

    def __init__(self, *args: Any, valid_default: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_days"] = _valid_days(valid_default)

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"to_org": d["to_org"], "to_workplace": d["to_workplace"], "reason": d["reason"] or "",
                "dues_paid_to": d["dues_paid_to"] or "", "valid_days": d["valid_days"]}


class OutgoingForm(ScopedForm):
    """A letter sent to a party org outside the system (another province's system, or on paper)."""

    number = forms.CharField(label=_("介绍信编号"), max_length=40)
    to_elsewhere = forms.CharField(label=_("去往党组织"), max_length=200,
                                   help_text=_("系统外接收党组织的全称"))
    issued_on = _date(label=_("开具日期"))
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False)
    dues_paid_to = _month()
    valid_days = forms.IntegerField(label=_("有效期（天）"), required=False)

    def __init__(self, *args: Any, valid_default: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_days"] = _valid_days(valid_default)


class ReceiptForm(ScopedForm):
    """The receipt (回执) of a letter sent out of the system, come back."""

    received_on = _date(label=_("回执日期"))
    received_by = forms.CharField(label=_("经办人"), max_length=150, required=False,
                                  help_text=_("接收方经办人；不填时记为本人"))


class IncomingForm(ScopedForm):
    """A paper letter received from a party org outside the system: a member recorded here whose
    relation was elsewhere, or a new person."""

    number = forms.CharField(label=_("介绍信编号"), max_length=40)
    from_elsewhere = forms.CharField(label=_("开具介绍信的党组织"), max_length=200)
    issued_on = _date(label=_("开具日期"))
    received_on = _date(label=_("接收日期"))
    valid_days = forms.IntegerField(label=_("有效期（天）"), required=False, help_text=_("按介绍信填写，可不填"))
    dues_paid_to = _month()
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False)
    member = forms.ModelChoiceField(PartyMember.objects.none(), label=_("已登记的党员"), required=False,
                                    empty_label=_("（新转入的党员，填写下列信息）"),
                                    help_text=_("组织关系登记在外、已在本系统登记的党员"))
    name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Gender.choices], required=False)
    status = forms.ChoiceField(label=_("党员状态"), choices=MemberStatus.choices, initial=MemberStatus.FULL,
                               required=False)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=30, required=False, widget=NoEchoInput,
                                help_text=_("加密保存，页面上只显示掩码；表单有错时须重新填写"))
    admitted_on = _date(label=_("入党日期"), required=False)
    full_on = _date(label=_("转正日期"), required=False)
    workplace = PickerField(org_list(Scope.nothing()), "org", label=_("工作单位（社会组织）"), required=False)

    field_map = {"person": "name"}

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        _scoped_pickers(self, workplace=org_list(self.scope).filter(status="active"))

    def person(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if d.get("member") is not None:
            return None
        keys = ("name", "gender", "status", "id_number", "admitted_on", "full_on", "workplace")
        person = {k: d[k] for k in keys if d.get(k) not in (None, "")}
        return person or None


class BatchForm(ScopedForm):
    """转接全部党员: every member's letter to one party org (《意见》第八条)."""

    to_org = PickerField(any_party_org(), "party_org_directory", label=_("接收党组织"),
                         help_text=_("全国范围内存续的党组织，输入名称搜索；个别党员去向不同的，接收方可退回，再改开"))
    reason = forms.CharField(label=_("原因"), max_length=200, help_text=_("如原党组织撤销、合并"))
    valid_days = forms.IntegerField(label=_("有效期（天）"), required=False)

    def __init__(self, *args: Any, valid_default: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_days"] = _valid_days(valid_default)
