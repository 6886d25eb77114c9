"""The forms of the case pages: the filters of the list, an establishment application, an action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuniu.cases.kinds import all_kinds
from shuniu.core.messages import OwnMessages
from shuniu.party.models import MemberStatus, PartyMember
from shuniu.web.forms import _ID_RULES, ChoiceQuery, FlagQuery, IdQuery, ListFilters, TextQuery


def _kind_values() -> list[str]:
    return sorted(all_kinds())


def _state_values() -> list[str]:
    return sorted({s for k in all_kinds().values() for s in k.states})


class CaseFilters(ListFilters):
    q = TextQuery(label=_("查找"))
    kind = ChoiceQuery(_kind_values(), label=_("事项类别"))
    state = ChoiceQuery(_state_values(), label=_("状态"))
    waiting = ChoiceQuery(["body", "applicant"], label=_("待办方"))
    overdue = FlagQuery(label=_("已超期"))
    org = IdQuery(_ID_RULES["org"], label=_("社会组织"))
    party_org = IdQuery(_ID_RULES["party_org"], label=_("党组织"))


class EstablishmentForm(OwnMessages, forms.Form):
    """成立党组织申请: the org's staff members are offered; the officer picks who joins and how."""

    party_kind = forms.ChoiceField(label=_("党组织类别"), choices=[
        ("branch", _("党支部")), ("general_branch", _("党总支")), ("committee", _("党委")),
        ("joint_branch", _("联合党支部"))])
    name = forms.CharField(label=_("党组织名称"), max_length=200)
    secretary = forms.TypedChoiceField(label=_("书记人选"), required=False, coerce=int, empty_value=None)
    secretary_dispatched = forms.BooleanField(label=_("书记由上级党组织选派"), required=False)
    reason = forms.CharField(label=_("申请理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)
    attachment = forms.FileField(label=_("附件（申请书扫描件等，PDF/JPEG/PNG/DOCX）"), required=False)
    submit_now = forms.BooleanField(label=_("立即报送审批"), required=False, initial=True)

    def __init__(self, *args: Any, staff: list[PartyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["secretary"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (m.pk, _("%(name)s（%(status)s）") % {"name": m.name, "status": m.get_status_display()})
            for m in staff if m.status == MemberStatus.FULL]
        for m in staff:
            self.fields[f"m_{m.pk}"] = forms.ChoiceField(
                label=_("%(name)s（%(status)s）") % {"name": m.name, "status": m.get_status_display()}, required=False,
                choices=[("", _("不列入")), ("relation", _("转入组织关系")), ("participate", _("参加组织生活"))],
                initial="relation")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        members = {str(m.pk): data[f"m_{m.pk}"] for m in self.staff if data.get(f"m_{m.pk}")}
        out: dict[str, Any] = {"party_kind": data["party_kind"], "name": data["name"].strip(), "members": members,
                               "secretary_dispatched": bool(data.get("secretary_dispatched")),
                               "reason": data.get("reason", "")}
        if data.get("secretary"):
            out["secretary"] = data["secretary"]
        return out


class ActionForm(OwnMessages, forms.Form):
    """The one form for the next action on a case: the action, a comment, what the action carries."""

    action = forms.ChoiceField(label=_("办理"))
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=2000)
    attachment = forms.FileField(label=_("附件（PDF/JPEG/PNG/DOCX）"), required=False)

    def __init__(self, *args: Any, actions: list[tuple[str, str]], extra: dict[str, Any],
                 choices: dict[str, dict[str, Any]] | None = None, **kwargs: Any) -> None:
        choices = choices or {}
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions  # type: ignore[attr-defined]
        for name, label in extra.items():
            if name in choices:
                self.fields[name] = forms.ChoiceField(label=label, required=False,
                                                      choices=[("", "—"), *choices[name].items()])
            elif name.endswith("_on"):
                self.fields[name] = forms.DateField(label=label, required=False,
                                                    widget=forms.DateInput(attrs={"type": "date"}))
            else:
                self.fields[name] = forms.CharField(label=label, required=False, max_length=200)
        self.extra = list(extra)

    def payload(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.extra if self.cleaned_data.get(name) not in (None, "")}


_POSTS = [("", "—"), ("committee", _("委员")), ("secretary", _("书记")), ("deputy", _("副书记"))]


class PartyCaseForm(OwnMessages, forms.Form):
    """A case about a party org, opened from its page: a change report, an election request, the
    report of an election's result, a postponement. The fields follow the kind; the members offered
    are the party org's full members (the candidates an election may name)."""

    attachment = forms.FileField(label=_("附件（PDF/JPEG/PNG/DOCX）"), required=False)
    submit_now = forms.BooleanField(label=_("立即报送上级党组织"), required=False, initial=True)

    def __init__(self, *args: Any, kind: str, members: list[PartyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind, self.members = kind, members
        fields: dict[str, forms.Field] = {}
        choices = [(m.pk, m.name) for m in members]

        def date(label: Any) -> forms.DateField:
            return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))

        if kind == "change_report":
            fields["event"] = forms.ChoiceField(label=_("变更事项"), choices=[
                ("rename", _("更名")), ("merge", _("合并")), ("deregister", _("注销")), ("other", _("其他变更"))])
            fields["event_on"] = date(_("变更日期"))
            fields["description"] = forms.CharField(label=_("情况说明"), required=False, max_length=2000,
                                                    widget=forms.Textarea(attrs={"rows": 3}))
        elif kind == "election_request":
            fields["planned_on"] = date(_("拟召开日期"))
            fields["seats"] = forms.IntegerField(label=_("委员名额（不设委员会为 0）"), min_value=0, max_value=99, initial=0)
            fields["committee"] = forms.TypedMultipleChoiceField(label=_("委员候选人"), choices=choices, coerce=int,
                                                                 required=False, widget=forms.CheckboxSelectMultiple)
            fields["secretary"] = forms.TypedChoiceField(label=_("书记候选人"), choices=[("", "—"), *choices], coerce=int,
                                                         required=False, empty_value=None)
            fields["deputy"] = forms.TypedChoiceField(label=_("副书记候选人"), choices=[("", "—"), *choices], coerce=int,
                                                      required=False, empty_value=None)
        elif kind == "election_result":
            fields["held_on"] = date(_("选举日期"))
            fields["present"] = forms.IntegerField(label=_("实到会有选举权的党员"), min_value=0, max_value=100_000)
            fields["excluded"] = forms.IntegerField(label=_("不计入应到会人数的党员"), min_value=0, required=False)
            fields["excluded_reason"] = forms.CharField(label=_("不计入的原因"), required=False, max_length=200)
            fields["seats"] = forms.IntegerField(label=_("委员名额（不设委员会为 0）"), min_value=0, max_value=99, initial=0)
            fields["plenary_present"] = forms.IntegerField(label=_("委员会第一次全体会议到会委员"), min_value=0,
                                                           required=False)
            for m in members:
                fields[f"post_{m.pk}"] = forms.ChoiceField(label=m.name, choices=_POSTS, required=False)
                for part, label in (("for", _("赞成")), ("against", _("反对")), ("abstain", _("弃权"))):
                    fields[f"{part}_{m.pk}"] = forms.IntegerField(label=f"{m.name} {label}", min_value=0,
                                                                  required=False)
        elif kind == "term_postponement":
            fields["new_due_on"] = date(_("拟换届日期"))
            fields["reason"] = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
        # The kind's fields first, then the attachment and whether to submit now.
        self.fields = {**fields, **self.fields}

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("attachment", "submit_now")
                and not k.startswith(("post_", "for_", "against_", "abstain_")) and v not in (None, "", [])}
        for key, value in list(data.items()):
            if hasattr(value, "isoformat"):
                data[key] = value.isoformat()
        if self.kind == "election_result":
            data["candidates"] = [
                {"member": m.pk, "post": self.cleaned_data[f"post_{m.pk}"],
                 **{part: self.cleaned_data.get(f"{part}_{m.pk}") or 0 for part in ("for", "against", "abstain")}}
                for m in self.members if self.cleaned_data.get(f"post_{m.pk}")]
        return data
