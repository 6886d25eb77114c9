"""Helpers shared by the services of every app."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Errors:
    """Collects per-field errors so that one call reports every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def merge(self, exc: ValidationError) -> None:
        for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.error_list)]:
            self.by_field.setdefault(field, []).extend(errors)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def require(errors: Errors, field: str, value: Any, label: Any) -> None:
    if value in (None, ""):
        errors.add(field, _("%(label)s不能为空（规则：必填）") % {"label": label}, "required")


def as_date(errors: Errors, field: str, value: Any, label: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, _("%(label)s“%(value)s”不是有效日期（规则：YYYY-MM-DD）") % {"label": label, "value": value},
                   "date")
        return None


@cache
def _values(choices: Any) -> frozenset[str]:
    return frozenset(choices.values)


def choice(errors: Errors, field: str, value: Any, choices: Any, label: Any) -> str:
    # The set is cached: ``choices.values`` builds a new list on every access.
    try:
        valid = value in _values(choices)
    except TypeError:  # unhashable input (a list from a form or JSON)
        valid = False
    if not valid:
        errors.add(
            field,
            _("%(label)s“%(value)s”无效（规则：取值为 %(allowed)s 之一）")
            % {"label": label, "value": value, "allowed": " / ".join(choices.values)},
            "choice",
        )
    return str(value)


def not_in_future(errors: Errors, field: str, value: dt.date | None, label: Any) -> None:
    if value is not None and value > dt.date.today():
        errors.add(field, _("%(label)s不能晚于今天（规则：日期不在未来）") % {"label": label}, "future")


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def not_before(errors: Errors, field: str, value: dt.date | None, floor: dt.date, label: Any, rule: Any) -> None:
    """An error when ``value`` precedes ``floor``; ``rule`` says why the floor is there."""
    if value is not None and value < floor:
        errors.add(field, _("%(label)s不能早于 %(floor)s（规则：%(rule)s）")
                   % {"label": label, "floor": floor.isoformat(), "rule": rule}, "too_early")
