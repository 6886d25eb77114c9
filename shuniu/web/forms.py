"""Forms of the pages. They only parse input; the services validate the rules and write.

A form's pickers list only objects inside the user's scope (their querysets come from the scoped
selectors, so a forged id outside the scope is rejected as an invalid choice), and ``submit`` maps
the service's ValidationError, keyed by the service's argument names, to the form's fields.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shuniu.accounts.scopes import Scope
from shuniu.core.messages import OwnMessages
from shuniu.coverage.engine import ORG_DIMENSIONS
from shuniu.coverage.orglist import ORG_SORTS
from shuniu.coverage.selectors import STATUSES
from shuniu.party.bodies import BODY_KINDS
from shuniu.party.models import (
    NO_TERM_KINDS,
    EndReason,
    Formation,
    Gender,
    InstructorKind,
    MemberStatus,
    PartyMember,
    PartyOrgKind,
)
from shuniu.party.selectors import instructor_list, member_list, party_org_list
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.codes import parse as parse_region_code
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
        try:
            obj = self.queryset.filter(**{self.to_field: value}).first()
        except (ValueError, TypeError, ValidationError):  # a value of the wrong shape, posted back
            return ""
        return picker_label(self.kind, obj) if obj is not None else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(kind=self.kind, label=self.label_for(value), url=reverse("pick", args=[self.kind]))
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


def picker_label(kind: str, obj: Any) -> str:
    if kind == "org" and getattr(obj, "uscc", None):
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.uscc}
    if kind == "region":
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.code}
    if kind in ("party_org_directory", "org_directory"):
        return _("%(name)s（%(region)s）") % {"name": obj.name, "region": obj.region.name}
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


class LoginForm(OwnMessages, AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确（规则：用户名区分大小写；连续输错将暂时锁定账号）"),
        "inactive": _("该账号已停用（规则：停用的账号不能登录，请联系系统管理员）"),
    }


class PasswordForm(OwnMessages, PasswordChangeForm):
    error_messages = {
        "password_incorrect": _("原密码不正确（规则：修改密码须先输入原密码）"),
        "password_mismatch": _("两次输入的新密码不一致（规则：新密码须输入两次且相同）"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Our labels and help, in place of Django's ("旧密码", "为了校验，请输入与上面相同的密码。").
        self.fields["old_password"].label = _("原密码")
        self.fields["new_password2"].label = _("再次输入新密码")
        self.fields["new_password2"].help_text = _("与上面的新密码相同")


class ScopedForm(OwnMessages, forms.Form):
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
                                    help_text=_("不填时按类别：党委 5 年，党总支、党支部 3 年；临时党支部不设任期，不填"))
    industry = forms.ModelChoiceField(Industry.objects.all(), label=_("行业"), required=False,
                                      empty_label=_("（未填写）"), help_text=_("仅行业党委填写：负责该行业的社会组织党建工作"))
    supervisory_unit = forms.CharField(label=_("所在业务主管单位"), max_length=120, required=False,
                                       help_text=_("本党组织为某业务主管单位的党组织（如市司法局机关党委）时填写该单位名称"))

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
            "industry": d["industry"], "supervisory_unit": (d["supervisory_unit"] or "").strip() or None,
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
    industry = forms.ModelChoiceField(Industry.objects.all(), label=_("行业"), required=False,
                                      empty_label=_("（未填写）"), help_text=_("仅行业党委填写"))
    supervisory_unit = forms.CharField(label=_("所在业务主管单位"), max_length=120, required=False,
                                       help_text=_("本党组织为某业务主管单位的党组织时填写该单位名称"))

    def __init__(self, *args: Any, party_org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if party_org.kind in NO_TERM_KINDS:  # a temporary branch has no term (rule TERM)
            del self.fields["term_started_on"], self.fields["term_years"]
        if party_org.kind != PartyOrgKind.INDUSTRY_COMMITTEE:
            del self.fields["industry"]
        # Not itself nor one of its own sub-orgs (the service refuses a cycle; the picker does not offer one).
        _scoped_pickers(self, superior=_live_party_orgs(self.scope).exclude(path__startswith=party_org.path))
        self.fields["secretary"].queryset = member_list(self.scope).filter(  # type: ignore[attr-defined]
            relation_org=party_org, status=MemberStatus.FULL, ended_on__isnull=True).order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.changed_data}
        if "supervisory_unit" in data:
            data["supervisory_unit"] = (data["supervisory_unit"] or "").strip() or None
        return data


class BodyOverrideForm(ScopedForm):
    """An org's responsible party body set by hand (rule RESPONSIBLE_BODY), or cleared."""

    party_org = PickerField(party_org_list(Scope.nothing()), "party_org", label=_("党建工作责任主体"), required=False,
                            help_text=_("党委、行业党委或综合党委；留空保存则清除指定，恢复按规则确定"))
    reason = forms.CharField(label=_("原因"), max_length=200, help_text=_("如文件名称和文号"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, party_org=_live_party_orgs(self.scope).filter(kind__in=BODY_KINDS))


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


class TokenForm(OwnMessages, forms.Form):
    label = forms.CharField(label=_("用途"), max_length=60, required=False,
                            help_text=_("例如“登记管理系统同步”，便于日后识别和撤销"))


# ---- the query parameters of the pages ----------------------------------------------------------
#
# Every page reads its query string through one of these forms, so no value reaches a selector
# unchecked. The rule for every parameter: a value of the wrong shape (not a number, beyond the
# database's integer range, not a region code, not one of the choices, too long, with control
# characters, given twice with different values, or a combination that means nothing) is an error
# under its field and the page answers 400; a value of the right shape that names nothing the user
# may see (an id or a region outside the jurisdiction, or missing) filters like any other value:
# the list comes back empty. An empty value means the filter is not set (the forms send their
# "all" options as "").

# The largest bigint (SQLite and PostgreSQL alike): a larger id is no id at all.
MAX_ID = 2**63 - 1
MAX_PAGE = 10**9
_SHOWN = 40


def _is_control(c: str) -> bool:
    return unicodedata.category(c) == "Cc"


def shown(value: str) -> str:
    """A value as a message quotes it: control characters made visible, cut to 40 characters."""
    text = "".join(f"\\x{ord(c):02x}" if _is_control(c) else c for c in value[:_SHOWN])
    return text + ("…" if len(value) > _SHOWN else "")


def _one_of(values: Any) -> str:
    return str(_("、")).join(str(v) for v in values)


class QueryField(forms.Field):
    """A query parameter: optional, text in, one typed value out, and every failure one message
    naming the parameter, the value and the rule."""

    empty: Any = ""

    def __init__(self, *, label: Any = "", max_length: int = 100, param: str = "", **kwargs: Any) -> None:
        super().__init__(required=False, label=label, **kwargs)
        self.max_length = max_length
        self.param = param  # the parameter's name (FilterForm sets it from the field's)

    def error(self, value: str, rule: Any) -> ValidationError:
        return ValidationError(
            _("筛选条件“%(name)s”的值“%(value)s”无效（规则：%(rule)s）"), code="invalid",
            params={"name": self.param, "value": shown(value), "rule": rule})

    def to_python(self, value: Any) -> Any:
        text = "" if value is None else str(value)
        if not text.strip():
            return self.empty
        if len(text) > self.max_length:
            raise self.error(text, _("不超过 %(n)s 个字符") % {"n": self.max_length})
        if any(_is_control(c) for c in text):
            raise self.error(text, _("不能包含控制字符"))
        return self.parse(text.strip())

    def parse(self, text: str) -> Any:
        return text


class TextQuery(QueryField):
    """Free text (a search): any printable text up to ``max_length`` characters."""


class ChoiceQuery(QueryField):
    """One of ``choices``, as the address carries them (e.g. "full")."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = [str(c) for c in choices]

    def parse(self, text: str) -> str:
        if text not in self.choices:
            raise self.error(text, _("取值为 %(allowed)s 之一") % {"allowed": _one_of(self.choices)})
        return text


class ListQuery(QueryField):
    """Several of ``choices`` separated by commas (``status=own,joint``)."""

    empty: Any = ()

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = [str(c) for c in choices]

    def parse(self, text: str) -> list[str]:
        parts = [p.strip() for p in text.split(",")]
        if not all(p in self.choices for p in parts):
            raise self.error(text, _("取值为 %(allowed)s 中的一个或几个，以逗号分隔")
                             % {"allowed": _one_of(self.choices)})
        return list(dict.fromkeys(parts))


class FlagQuery(QueryField):
    """A check box: "1" when ticked, "0" or nothing when not."""

    empty = False

    def parse(self, text: str) -> bool:
        if text not in ("0", "1"):
            raise self.error(text, _("取值为 1 或 0"))
        return text == "1"


class IdQuery(QueryField):
    """The id of an object (``rule`` names its kind: 须为枢纽编号): ASCII digits from 1 to the
    largest bigint, kept as text, the form the selectors take it in."""

    def __init__(self, rule: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule

    def parse(self, text: str) -> str:
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
            raise self.error(text, self.rule)
        return str(int(text))


class RegionQuery(QueryField):
    """A region code of 2, 4, 6, 9 or 12 digits, as ``shuniu.regions.codes.parse`` reads them."""

    def parse(self, text: str) -> str:
        if text.isascii():
            try:
                parse_region_code(text)
            except InvalidRegionCode:
                pass
            else:
                return text
        raise self.error(text, _("须为 2、4、6、9 或 12 位数字的地区代码"))


class PageQuery(QueryField):
    """A page number from 1 (a page past the last shows the last: the list may have shrunk since)."""

    empty = 1

    def parse(self, text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_PAGE:
            raise self.error(text, _("须为正整数页码"))
        return int(text)


class FilterForm(OwnMessages, forms.Form):
    """The query parameters of one page, each declared once with its rule (see above).

    Bound to ``request.GET`` even when it is empty (no parameter is required); parameters it does
    not declare are ignored. ``values()`` gives every parameter's value for showing the form
    again: the valid ones as parsed, the others empty.
    """

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        for name, field in self.fields.items():
            if isinstance(field, QueryField):
                field.param = name

    def clean(self) -> dict[str, Any]:
        data: QueryDict = self.data  # type: ignore[assignment]
        for name in self.fields:
            if name in self.cleaned_data and len(set(data.getlist(name))) > 1:
                self.add_error(name, ValidationError(
                    _("筛选条件“%(name)s”给出了多个不同的值（规则：只能有一个值）"), code="repeated",
                    params={"name": name}))
        return self.cleaned_data

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {name: self.cleaned_data.get(name, getattr(field, "empty", "")) for name, field in self.fields.items()}

    def given(self) -> dict[str, Any]:
        """The valid parameters that were given (to prefill a form with)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


class ListFilters(FilterForm):
    page = PageQuery(label=_("页码"))


_ID_RULES = {"org": _("须为社会组织编号"), "party_org": _("须为党组织编号"), "instructor": _("须为党建工作指导员编号"),
             "hub": _("须为枢纽编号"), "supervisory": _("须为业务主管单位编号")}


class OrgFilters(ListFilters):
    """The org list: its own filters, and the coverage tables' drill-down: ``by`` and ``key`` are
    the orgs of one key of a dimension (by=type&key=foundation); ``by`` alone is the table's total."""

    q = TextQuery(label=_("查找"))
    region = RegionQuery(label=_("地区"))
    status = ListQuery(STATUSES, label=_("覆盖状态"))
    due = FlagQuery(label=_("应建未建"))
    type = ChoiceQuery(OrgType.values, label=_("类型"))
    industry = TextQuery(max_length=40, label=_("行业"))
    hub = IdQuery(_ID_RULES["hub"], label=_("枢纽"))
    grade = ChoiceQuery(Grade.values, label=_("评估等级"))
    state = ChoiceQuery(["active", "deregistered", "all"], label=_("登记状态"))
    sort = ChoiceQuery(ORG_SORTS, label=_("排序"))
    by = ChoiceQuery(["level", *ORG_DIMENSIONS], label=_("分组"))
    key = TextQuery(max_length=40, label=_("分组取值"))
    format = ChoiceQuery(["csv", "xlsx"], label=_("导出格式"))

    # How ``key`` is read for each dimension of ``by``: by that dimension's own rule.
    KEYS: dict[str, QueryField] = {
        "type": ChoiceQuery(OrgType.values, param="key"),
        "registration": ChoiceQuery(RegistrationLevel.values, param="key"),
        "hub": IdQuery(_ID_RULES["hub"], param="key"),
        "supervisory": IdQuery(_ID_RULES["supervisory"], param="key"),
    }

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        if "by" not in d or not d.get("key"):
            return d
        if d["by"] in ("", "level"):
            self.add_error("key", ValidationError(
                _("筛选条件“key”须与“by”一同给出（规则：by 为 %(dims)s 之一时才有 key）"), code="combination",
                params={"dims": _one_of(ORG_DIMENSIONS)}))
        elif d["by"] in self.KEYS:
            try:
                d["key"] = self.KEYS[d["by"]].clean(d["key"])
            except ValidationError as exc:
                self.add_error("key", exc)
        return d

    def search(self) -> dict[str, Any]:
        """The arguments of ``org_search``, the drill-down's by/key turned into the list's own
        filter where there is one (by=type&key=foundation is type=foundation)."""
        d = self.cleaned_data
        by, key = (d["by"], d["key"]) if d["by"] not in ("", "level") and d["key"] else (None, None)
        f: dict[str, Any] = {
            "q": d["q"], "region": d["region"], "statuses": list(d["status"]), "due": d["due"],
            "org_type": d["type"], "industry": d["industry"], "hub": d["hub"], "grade": d["grade"],
            "state": d["state"] or "active", "sort": d["sort"] or "name",
        }
        alias = {"type": "org_type", "industry": "industry", "hub": "hub"}
        if by in alias:
            f[alias[by]] = key
            by, key = None, None
        f["by"], f["key"] = by, key
        return f


class PartyOrgFilters(ListFilters):
    q = TextQuery(label=_("查找"))
    kind = ChoiceQuery(PartyOrgKind.values, label=_("类别"))
    region = RegionQuery(label=_("地区"))
    dissolved = FlagQuery(label=_("已撤销的"))


class PartyChildrenFilters(ListFilters):
    """The children of a party org shown in the tree: those of one region (a group), or placed at
    that region itself (``here``), one page at a time."""

    region = RegionQuery(label=_("地区"))
    here = FlagQuery(label=_("本级"))


class MemberFilters(ListFilters):
    q = TextQuery(max_length=60, label=_("查找"))
    status = ChoiceQuery(MemberStatus.values, label=_("状态"))
    region = RegionQuery(label=_("地区"))
    party_org = IdQuery(_ID_RULES["party_org"], label=_("党组织"))
    workplace = IdQuery(_ID_RULES["org"], label=_("工作单位"))
    mobile = FlagQuery(label=_("流动党员"))


class InstructorFilters(ListFilters):
    q = TextQuery(max_length=60, label=_("查找"))
    kind = ChoiceQuery(InstructorKind.values, label=_("类别"))
    region = RegionQuery(label=_("地区"))
    overloaded = FlagQuery(label=_("超出负荷"))


class PickerQuery(FilterForm):
    q = TextQuery(label=_("查找"))


class ExportQuery(FilterForm):
    region = RegionQuery(label=_("地区"))


def prefill_form(form_class: type[ScopedForm], names: list[str]) -> type[FilterForm]:
    """The query parameters that prefill ``form_class`` (``?org=12`` from an org's page), each
    read by the rule of the field it fills: an id for a picker, a code for a region, a choice."""
    fields: dict[str, QueryField] = {}
    for name in names:
        field = form_class.base_fields[name]
        if isinstance(field, PickerField) and field.to_field_name == "code":
            fields[name] = RegionQuery(label=field.label)
        elif isinstance(field, PickerField):
            fields[name] = IdQuery(_ID_RULES[field.widget.kind], label=field.label)  # type: ignore[attr-defined]
        elif isinstance(field, forms.ChoiceField):
            choices = cast(list[tuple[Any, Any]], field.choices)
            fields[name] = ChoiceQuery([v for v, _label in choices if v != ""], label=field.label)
        else:
            raise TypeError(f"{form_class.__name__}.{name} cannot be prefilled from the address")
    return type(f"{form_class.__name__}Prefill", (FilterForm,), fields)
