"""Template filters of the cases screens."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | str | None, digits: int = 1) -> str:
    """0.9123 → "91.2 %"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f} %"
