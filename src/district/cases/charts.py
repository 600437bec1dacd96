"""Small charts as inline SVG, drawn on the server (no JavaScript library).

Each function returns markup safe to put in a template: a horizontal bar chart for rates
per department, a column chart of weekly counts with a marked week, and a sparkline.
Labels are escaped; every chart carries a ``<title>`` for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BLUE = "#1f5f8b"
RED = "#b03a2e"
GREY = "#9aa5b1"


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    maximum: float | None = None,
    percent: bool = True,
    width: int = 560,
    target: float | None = None,
) -> SafeString:
    """Horizontal bars, one per (label, value); None is drawn as "—"."""
    row = 22
    left = 190
    right = 60
    height = row * max(len(items), 1) + 24
    values = [v for _label, v in items if v is not None]
    top = maximum if maximum is not None else (max(values) if values else 1.0) or 1.0
    span = width - left - right
    parts = [
        f'<svg class="chart bar-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        text = escape(label if len(label) <= 16 else label[:15] + "…")
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="12">{text}</text>'
        )
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 14}" font-size="12" fill="{GREY}">—</text>')
            continue
        w = max(0.0, min(1.0, value / top)) * span
        colour = RED if target is not None and value < target else BLUE
        shown = f"{value:.1%}" if percent else f"{value:,.1f}"
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="12">{shown}</text>'
        )
    if target is not None:
        x = left + min(1.0, target / top) * span
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="{RED}" '
            f'stroke-dasharray="3 3"/>'
            f'<text x="{x:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" '
            f'fill="{RED}">{target:.0%}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def week_columns(
    weeks: Sequence[tuple[date, int]],
    *,
    title: str,
    marked: date | None = None,
    width: int = 560,
    height: int = 160,
) -> SafeString:
    """Columns of weekly counts; the ``marked`` week (a campaign's start) gets a line."""
    n = max(len(weeks), 1)
    top = max([c for _w, c in weeks] + [1])
    bottom = 22
    column = (width - 40) / n
    parts = [
        f'<svg class="chart week-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (week, count) in enumerate(weeks):
        h = (height - bottom - 16) * count / top
        x = 30 + i * column
        colour = RED if marked is not None and week >= marked else BLUE
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - bottom - h:.1f}" width="{max(column - 4, 1):.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{week.isoformat()}: {count}</title></rect>'
        )
        if n <= 20 or i % 4 == 0:
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{height - 6}" font-size="10" '
                f'text-anchor="middle">{week:%m-%d}</text>'
            )
        if count:
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{height - bottom - h - 3:.1f}" '
                f'font-size="10" text-anchor="middle">{count}</text>'
            )
        if marked is not None and week == marked:
            parts.append(
                f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - bottom}" stroke="{RED}" '
                'stroke-dasharray="4 3"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def sparkline(
    values: Sequence[int], *, title: str, width: int = 120, height: int = 24
) -> SafeString:
    """Weekly counts as a tiny column chart; the last column (the week tested) is red."""
    n = max(len(values), 1)
    top = max([*values, 1])
    column = width / n
    parts = [
        f'<svg class="sparkline" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, value in enumerate(values):
        h = (height - 2) * value / top
        colour = RED if i == n - 1 else GREY
        parts.append(
            f'<rect x="{i * column + 1:.1f}" y="{height - h:.1f}" width="{max(column - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{colour}"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
