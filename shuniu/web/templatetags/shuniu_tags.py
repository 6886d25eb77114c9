from typing import Any

from django import template

from shuniu.core.output import percent_text
from shuniu.coverage.due import org_is_due
from shuniu.web.figures import STATUS_COLORS, STATUS_SHORT, drill_url

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.6784 → "67.8%" (rates are exact fractions everywhere; rounded once, here, to one decimal as in
    the statistics tables)."""
    return percent_text(value)


@register.filter
def n(value: Any) -> str:
    """10576 → "10,576"."""
    return f"{value:,}" if isinstance(value, int) else ("—" if value is None else str(value))


@register.simple_tag
def drill(**params: Any) -> str:
    """The org list behind a figure: {% drill region=row.region status="own" %}."""
    return drill_url(**params)


@register.filter
def status_short(code: str) -> str:
    return str(STATUS_SHORT.get(code, code))


@register.filter
def is_due(org: Any) -> bool:
    """Whether an org is "due but not established" (``coverage.due``: its region's threshold)."""
    return org_is_due(org)


@register.filter
def status_color(code: str) -> str:
    return STATUS_COLORS.get(code, "#999")


@register.filter
def load_pct(instructor: Any) -> int:
    """An instructor's current assignments as a percentage of capacity, capped at 100 for the bar."""
    cap = getattr(instructor, "capacity", 0) or 0
    return min(100, round(100 * getattr(instructor, "load", 0) / cap)) if cap else 100


@register.filter
def case_state(case: Any) -> str:
    """A case's state in words, as its kind declares them."""
    from shuniu.cases.kinds import kind_of

    return kind_of(case.kind).state_label(case.state)


@register.filter
def step_label(step: Any) -> str:
    """What a timeline step did, in words: the action's name as the kind declares it."""
    from django.utils.translation import gettext as _

    from shuniu.cases.kinds import ACTION_LABELS

    names = {"open": _("建立"), "edit": _("修改申请内容"), **{k: str(v) for k, v in ACTION_LABELS.items()}}
    return names.get(step.action, step.action)
