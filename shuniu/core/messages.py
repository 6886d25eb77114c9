"""Our own validation messages, in place of Django's defaults.

Django's messages ("这个字段是必填项。", "确保该变量包含不超过 200 字符。"…) neither name the field
nor the rule. Every form of the project derives from ``OwnMessages`` and every model that is
``full_clean``-ed from ``OwnValidation``: each message Django would give for a field is replaced by
one in the house style, "<label>过长（规则：不超过 200 个字符）", translated like any other text.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The messages by error code, for every kind of field; ``%(label)s`` is the field's label, the
# other parameters are Django's for that code.
REQUIRED = _("%(label)s不能为空（规则：必填）")
COMMON: dict[str, Any] = {
    "required": REQUIRED,
    "blank": REQUIRED,
    "null": REQUIRED,
    "max_length": _("%(label)s过长（规则：不超过 %(limit_value)s 个字符）"),
    "min_length": _("%(label)s过短（规则：不少于 %(limit_value)s 个字符）"),
    "max_value": _("%(label)s过大（规则：不大于 %(limit_value)s）"),
    "min_value": _("%(label)s过小（规则：不小于 %(limit_value)s）"),
    "step_size": _("%(label)s不符合步长（规则：%(limit_value)s 的倍数）"),
    "null_characters_not_allowed": _("%(label)s含有 NUL 字符（规则：不能包含控制字符）"),
    "invalid": _("%(label)s格式不正确（规则：格式）"),
    "invalid_choice": _("%(label)s的取值“%(value)s”无效（规则：须为列出的选项之一）"),
    "unique": _("%(label)s已被其他记录使用（规则：不能重复）"),
}
INVALID: list[tuple[tuple[type, ...], Any]] = [
    ((forms.DateField, forms.DateTimeField, models.DateField), _("%(label)s不是有效日期（规则：YYYY-MM-DD）")),
    ((forms.IntegerField, models.IntegerField), _("%(label)s须为整数（规则：整数）")),
    ((forms.FileField,), _("%(label)s未收到文件（规则：以文件上传）")),
]
FILE: dict[str, Any] = {
    "missing": _("%(label)s未收到文件（规则：以文件上传）"),
    "empty": _("%(label)s是空文件（规则：文件须有内容）"),
    "max_length": _("%(label)s的文件名过长（规则：不超过 %(max)d 个字符）"),
    "contradiction": _("%(label)s：上传文件与清除只能选一项（规则：二选一）"),
}
# A picked object that does not exist or is not in the user's scope (a forged id, a stale page).
OBJECT_CHOICE = _("%(label)s所选的对象不存在或不在您的管辖范围内（规则：须为管辖范围内的现有对象）")
MULTIPLE_CHOICE: dict[str, Any] = {
    "invalid_list": _("%(label)s须为一组取值（规则：格式）"),
    "invalid_pk_value": _("%(label)s的取值“%(pk)s”无效（规则：须为对象编号）"),
}
CONSTRAINT = _("记录不符合规则“%(name)s”（规则：数据完整性）")
UNIQUE_TOGETHER = _("已有相同%(label)s的记录（规则：不能重复）")


def _with_label(message: Any, label: str) -> str:
    # The label goes in now; Django formats the other parameters when it raises the error.
    return str(message).replace("%(label)s", label.replace("%", "%%"))


def messages_for(field: Any, label: str) -> dict[str, str]:
    """Every message ``field`` (a form or model field) may give, in the house style."""
    chosen: dict[str, Any] = dict(COMMON)
    for kinds, message in INVALID:
        if isinstance(field, kinds):
            chosen["invalid"] = message
            break
    if isinstance(field, forms.FileField):
        chosen.update(FILE)
    if isinstance(field, forms.ModelChoiceField):
        chosen["invalid_choice"] = OBJECT_CHOICE
    if isinstance(field, forms.ModelMultipleChoiceField):
        chosen.update(MULTIPLE_CHOICE)
    return {code: _with_label(message, label) for code, message in chosen.items()}


class OwnMessages:
    """A form mixin (put it before ``forms.Form``): the fields' messages are ours. They are set
    when the form is validated, so a label changed after ``__init__`` is the one named."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            field.error_messages = {**field.error_messages, **messages_for(field, str(field.label or name))}
        super().full_clean()  # type: ignore[misc]


def own_model_errors(model: models.Model, exc: ValidationError) -> ValidationError:
    """``exc`` from ``model.full_clean`` with each message of Django's replaced by ours."""
    if not hasattr(exc, "error_dict"):
        return exc
    # A check constraint's default message, formatted with its name: by which it is recognised.
    constraints = {str(c.get_violation_error_message()): c.name for c in model._meta.constraints
                   if isinstance(c, models.CheckConstraint)}
    out: dict[str, list[ValidationError]] = {}
    for name, errors in exc.error_dict.items():
        try:
            field: Any = model._meta.get_field(name)
        except FieldDoesNotExist:  # NON_FIELD_ERRORS, or a name full_clean gives that is no field
            field = None
        label = str(getattr(field, "verbose_name", "") or name)
        ours = messages_for(field, label) if field is not None else {}
        kept = []
        for error in errors:
            params = dict(error.params or {})
            if error.code in ours:
                kept.append(ValidationError(ours[error.code], code=error.code, params=params))
            elif name == NON_FIELD_ERRORS and error.code == "unique_together":
                labels = params.get("field_labels") or ""
                kept.append(ValidationError(str(UNIQUE_TOGETHER) % {"label": labels}, code="unique"))
            elif name == NON_FIELD_ERRORS and str(error.message) in constraints:
                kept.append(ValidationError(str(CONSTRAINT) % {"name": constraints[str(error.message)]},
                                            code="constraint"))
            else:
                kept.append(error)
        out[name] = kept
    return ValidationError(out)


class OwnValidation(models.Model):
    """A model mixin: ``full_clean`` raises our messages (see ``own_model_errors``)."""

    class Meta:
        abstract = True

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().full_clean(*args, **kwargs)
        except ValidationError as exc:
            raise own_model_errors(self, exc) from exc
