from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.6784 → "67.8%" (rates are fractions everywhere; one decimal as in the statistics tables)."""
    return "—" if value is None else f"{value * 100:.1f}%"
