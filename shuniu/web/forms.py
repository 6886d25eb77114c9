"""Forms of the pages. They only parse input; the services validate the rules and write.

A form's pickers list only objects inside the user's scope (their querysets come from the scoped
selectors, so a forged id outside the scope is rejected as an invalid choice), and ``submit`` maps
the service's ValidationError, keyed by the service's argument names, to the form's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shuniu.accounts.scopes import Scope
from shuniu.party.models import EndReason, Formation, Gender, MemberStatus, PartyMember, PartyOrgKind
from shuniu.party.selectors import instructor_list, member_list, party_org_list
from shuniu.registry.models import Grade, Industry, OrgType, RegistrationLevel
from shuniu.registry.selectors import hub_list, org_list, region_list

T = TypeVar("T")


class PickerWidget(forms.Widget):
    """A search box that lists matching objects of the scope (htmx, ``/pick/<kind>/``) and keeps
    the chosen id in a hidden input."""

    template_name = "web/widgets/picker.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.queryset: QuerySet[Any] | None = None
        self.to_field = "pk"

    def label_for(self, value: Any) -> str:
        if value in (None, "") or self.queryset is None:
            return ""
        obj = self.queryset.filter(**{self.to_field: value}).first()
        return picker_label(self.kind, obj) if obj is not None else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(kind=self.kind, label=self.label_for(value), url=reverse("pick", args=[self.kind]))
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


def picker_label(kind: str, obj: Any) -> str:
    if kind == "org" and getattr(obj, "uscc", None):
        return f"{obj.name}（{obj.uscc}）"
    if kind == "region":
        return f"{obj.name}（{obj.code}）"
    return str(obj)


class PickerField(forms.ModelChoiceField):
    def __init__(self, queryset: QuerySet[Any], kind: str, **kwargs: Any) -> None:
        super().__init__(queryset, widget=PickerWidget(kind), **kwargs)
        self.widget.queryset = queryset  # type: ignore[attr-defined]
        self.widget.to_field = self.to_field_name or "pk"  # type: ignore[attr-defined]


class NoEchoInput(forms.TextInput):
    """A text input that never sends its value back: a full ID number is not echoed into a page
    (the service's message shows it masked), so a form with errors asks for it again."""

    def format_value(self, value: Any) -> str | None:
        return None


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class ScopedForm(forms.Form):
    """A form whose pickers are limited to ``scope``; ``field_map`` renames service argument names
    to form fields (the rest keep their names)."""

    field_map: dict[str, str] = {}

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(*args, **kwargs)


def submit(form: ScopedForm, call: Callable[[], T]) -> T | None:
    """Run a service; on ValidationError put each message under its field (or above the form) and
    return None. The service runs in one transaction, so nothing is saved on error."""
    try:
        return call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = form.field_map.get(field, field)
                form.add_error(target if target in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("该操作超出您的管辖范围"))
    return None


class OrgForm(ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=200)
    type = forms.ChoiceField(label=_("类型"), choices=OrgType.choices)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40, required=False,
                           help_text=_("18 位，含校验码；社区社会组织可不填"))
    region = PickerField(region_list(Scope.nothing()), "region", label=_("所在地区"), to_field_name="code",
                         help_text=_("街道（乡镇）或社区（村），输入名称或代码搜索"))
    registration_level = forms.ChoiceField(label=_("登记管理机关级别"), choices=RegistrationLevel.choices,
                                           initial=RegistrationLevel.COUNTY)
    industry = forms.ModelChoiceField(Industry.objects.all(), label=_("行业"), required=False,
                                      empty_label=_("（未填写）"))
    hub = PickerField(hub_list(Scope.nothing()), "hub", label=_("所属枢纽型社会组织"), required=False)
    supervisory_unit = forms.CharField(label=_("业务主管单位"), max_length=120, required=False)
    full_time_staff = forms.IntegerField(label=_("专职人员数"), required=False, initial=0)
    established_on = _date(label=_("成立日期"), required=False)
    has_trade_union = forms.BooleanField(label=_("已建立工会"), required=False)
    trade_union_on = _date(label=_("工会成立日期"), required=False)
    has_youth_league = forms.BooleanField(label=_("已建立团组织"), required=False)
    youth_league_on = _date(label=_("团组织成立日期"), required=False)
    evaluation_grade = forms.ChoiceField(label=_("评估等级"), choices=[("", _("（未评估）")), *Grade.choices],
                                         required=False)
    evaluation_year = forms.IntegerField(label=_("评估年度"), required=False)

    field_map = {"region_code": "region", "registration_region_code": "region"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, region=region_list(self.scope), hub=hub_list(self.scope))

    def service_data(self, only_changed: bool = False) -> dict[str, Any]:
        """Keyword arguments for org_create / org_update (on update only the fields that changed)."""
        data = dict(self.cleaned_data)
        if only_changed:
            data = {k: v for k, v in data.items() if k in self.changed_data}
        if "region" in data:
            region = data.pop("region")
            data["region_code"] = region.code if region else ""
        if "full_time_staff" in data and data["full_time_staff"] is None:
            data["full_time_staff"] = 0
        if "supervisory_unit" in data:
            data["supervisory_unit"] = (data["supervisory_unit"] or "").strip() or None
        return data


def _scoped_pickers(form: ScopedForm, **pickers: QuerySet[Any]) -> None:
    for name, qs in pickers.items():
        form.fields[name].queryset = qs  # type: ignore[attr-defined]
        form.fields[name].widget.queryset = qs  # type: ignore[attr-defined]


def _live_party_orgs(scope: Scope) -> QuerySet[Any]:
    return party_org_list(scope).filter(dissolved_on__isnull=True)


def _active_orgs(scope: Scope) -> QuerySet[Any]:
    return org_list(scope).filter(status="active")


class PartyOrgForm(ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类别"), choices=PartyOrgKind.choices, initial=PartyOrgKind.BRANCH)
    formation = forms.ChoiceField(label=_("组建方式"), choices=[("", _("（按类别默认）")), *Formation.choices],
                                  required=False)
    established_on = _date(label=_("成立日期"))
    superior = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("上级党组织"), required=False)
    covers = PickerField(org_list(Scope.nothing()), "org", label=_("覆盖的社会组织"), required=False,
                         help_text=_("单独组建时填本组织；联合党支部建立后可在“纳入党组织覆盖”中逐个添加"))
    region = PickerField(region_list(Scope.nothing()), "region", label=_("所在地区"), to_field_name="code",
                         required=False, help_text=_("不填时取覆盖组织或上级党组织的所在地区"))
    term_years = forms.IntegerField(label=_("任期（年）"), required=False, min_value=1, max_value=5,
                                    help_text=_("不填时按类别：党委 5 年，党总支、党支部 3 年"))

    field_map = {"region_code": "region", "org": "covers", "started_on": "established_on"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, superior=_live_party_orgs(self.scope), covers=_active_orgs(self.scope),
                        region=region_list(self.scope))

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"], "kind": d["kind"], "formation": d["formation"] or None,
            "established_on": d["established_on"], "superior": d["superior"],
            "covers": [d["covers"]] if d["covers"] else [],
            "region_code": d["region"].code if d["region"] else None, "term_years": d["term_years"],
        }


class MemberForm(ScopedForm):
    name = forms.CharField(label=_("姓名"), max_length=60)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, widget=forms.RadioSelect)
    status = forms.ChoiceField(label=_("党员状态"), choices=MemberStatus.choices, initial=MemberStatus.FULL)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=30, required=False, widget=NoEchoInput,
                                help_text=_("加密保存，页面上只显示掩码；表单有错时须重新填写"))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    admitted_on = _date(label=_("入党日期"), required=False, help_text=_("必填：预备期和党龄自此起算"))
    full_on = _date(label=_("转正日期"), required=False,
                    help_text=_("正式党员填写（可空）：入党满 1 年之日，延长预备期的不晚于满 2 年；预备党员不填"))
    workplace = PickerField(org_list(Scope.nothing()), "org", label=_("工作单位（社会组织）"), required=False)
    relation_org = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("组织关系所在党组织"),
                               required=False)
    relation_elsewhere = forms.CharField(label=_("组织关系在外（党组织名称）"), max_length=200, required=False)
    is_mobile = forms.BooleanField(label=_("流动党员"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, workplace=_active_orgs(self.scope), relation_org=_live_party_orgs(self.scope))

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class CoverageForm(ScopedForm):
    org = PickerField(org_list(Scope.nothing()), "org", label=_("社会组织"))
    party_org = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("党组织"),
                            help_text=_("如联合党支部、行业党委；一个联合党支部一般覆盖不超过 5 个单位"))
    started_on = _date(label=_("覆盖起始日期"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, org=_active_orgs(self.scope), party_org=_live_party_orgs(self.scope))


class AssignmentForm(ScopedForm):
    instructor = PickerField(instructor_list(Scope.nothing()), "instructor", label=_("党建工作指导员（联络员）"))
    org = PickerField(org_list(Scope.nothing()), "org", label=_("社会组织"))
    started_on = _date(label=_("派驻起始日期"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, instructor=instructor_list(self.scope), org=_active_orgs(self.scope))


def initial_from(request_get: Any, form_class: type[ScopedForm], names: list[str]) -> dict[str, Any]:
    """Prefill pickers from the query string (``?org=12``), e.g. from an org's page."""
    return {n: request_get[n] for n in names if request_get.get(n) and n in form_class.base_fields}


def model_initial(obj: Model, form_class: type[ScopedForm]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in form_class.base_fields:
        if name == "region":
            out[name] = obj.region_id  # type: ignore[attr-defined]
        elif name in ("industry", "hub"):
            out[name] = getattr(obj, f"{name}_id")
        elif name == "supervisory_unit":
            unit = obj.supervisory_unit  # type: ignore[attr-defined]
            out[name] = unit.name if unit else ""
        else:
            out[name] = getattr(obj, name)
    return out


class DatedChangeForm(ScopedForm):
    """A change that happens on a day, for a reason: deregistering an org, dissolving a party org,
    ending a coverage link or an assignment, a member leaving. ``field_map`` takes the service's
    argument names (``dissolved_on``, ``end_reason``…) to ``on`` and ``reason``."""

    on = _date(label=_("日期"))
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def __init__(self, *args: Any, on_label: Any, reason_label: Any | None, reason_required: bool = False,
                 field_map: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_map = field_map
        self.fields["on"].label = on_label
        if reason_label is None:
            del self.fields["reason"]
        else:
            self.fields["reason"].label = reason_label
            self.fields["reason"].required = reason_required


class MemberEndForm(ScopedForm):
    """A member leaving the roster: the date, the reason as a category of the statistics, a note."""

    on = _date(label=_("减少日期"))
    reason = forms.ChoiceField(label=_("减少原因"), choices=[("", _("（请选择）")), *EndReason.choices])
    note = forms.CharField(label=_("减少原因说明"), max_length=200, required=False,
                           help_text=_("原因为“其他”时必填，如具体情形、文号"))

    field_map = {"ended_on": "on", "end_reason": "reason", "end_note": "note"}


class PartyOrgEditForm(ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=200)
    superior = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("上级党组织"), required=False)
    term_started_on = _date(label=_("本届任期开始"), required=False,
                            help_text=_("换届后填写新一届的开始日期；不填时从成立日期起算"))
    term_years = forms.IntegerField(label=_("任期（年）"), min_value=1, max_value=5)
    secretary = forms.ModelChoiceField(PartyMember.objects.none(), label=_("书记"), required=False,
                                       empty_label=_("（未设）"), help_text=_("本党组织的正式党员"))

    def __init__(self, *args: Any, party_org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not itself nor one of its own sub-orgs (the service refuses a cycle; the picker does not offer one).
        _scoped_pickers(self, superior=_live_party_orgs(self.scope).exclude(path__startswith=party_org.path))
        self.fields["secretary"].queryset = member_list(self.scope).filter(  # type: ignore[attr-defined]
            relation_org=party_org, status=MemberStatus.FULL, ended_on__isnull=True).order_by("name")

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.changed_data}


class MemberEditForm(MemberForm):
    """The member form for a change: a blank ID number or phone keeps the stored one (they are
    never shown in full, so they cannot be prefilled)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].help_text = _("留空则不修改；加密保存，页面上只显示掩码")
        self.fields["phone"].widget = NoEchoInput()
        self.fields["phone"].help_text = _("留空则不修改")

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.changed_data}
        for secret in ("id_number", "phone"):
            if not data.get(secret):
                data.pop(secret, None)
        return data


class TokenForm(forms.Form):
    label = forms.CharField(label=_("用途"), max_length=60, required=False,
                            help_text=_("例如“登记管理系统同步”，便于日后识别和撤销"))
