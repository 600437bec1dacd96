"""The opinion map as inline SVG, drawn on the server (no JavaScript, no chart library).

Participants are dots at their position on the two principal axes, coloured by opinion
group (grey: not grouped, fewer than the vote threshold); group centres carry the group's
letter. Colours are the platform's Okabe-Ito palette (:data:`district.core.pdf.PALETTE`),
which stays distinguishable with the common colour-vision deficiencies. A test checks the two
palettes are the same.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

UNGROUPED = "#b8b8b8"
# Okabe-Ito, as district.core.pdf.PALETTE (not imported: it would load reportlab).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


def group_letter(index: int) -> str:
    return chr(ord("A") + index)


def group_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)] if index >= 0 else UNGROUPED


def opinion_map_svg(
    payload: dict[str, Any],
    *,
    title: str,
    description: str,
    width: int = 560,
    height: int = 420,
) -> str:
    """An ``<svg>`` of the map in ``payload`` (see ``services.opinion.opinion_payload``)."""
    points: Sequence[Sequence[float]] = payload.get("points", [])
    centers: Sequence[Sequence[float]] = payload.get("centers", []) or []
    pad = 24
    xs = [p[1] for p in points] + [c[0] for c in centers]
    ys = [p[2] for p in points] + [c[1] for c in centers]
    reach_x = max((abs(v) for v in xs), default=1.0) or 1.0
    reach_y = max((abs(v) for v in ys), default=1.0) or 1.0

    def sx(x: float) -> float:
        return round(width / 2 + x / reach_x * (width / 2 - pad), 1)

    def sy(y: float) -> float:
        return round(height / 2 - y / reach_y * (height / 2 - pad), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="opinion-map" role="img" aria-labelledby="opinion-map-title opinion-map-desc">',
        f'<title id="opinion-map-title">{html.escape(title)}</title>',
        f'<desc id="opinion-map-desc">{html.escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fbfaf7" stroke="#ddd"/>',
        f'<line x1="{width / 2}" y1="{pad / 2}" x2="{width / 2}" y2="{height - pad / 2}" '
        'stroke="#e2e2e2"/>',
        f'<line x1="{pad / 2}" y1="{height / 2}" x2="{width - pad / 2}" y2="{height / 2}" '
        'stroke="#e2e2e2"/>',
    ]
    # Ungrouped first, so grouped participants are drawn on top.
    for point in sorted(points, key=lambda p: p[3] >= 0):
        group = int(point[3])
        parts.append(
            f'<circle cx="{sx(point[1])}" cy="{sy(point[2])}" r="3.2" '
            f'fill="{group_colour(group)}" fill-opacity="{0.75 if group >= 0 else 0.5}" '
            f'data-group="{group}"/>'
        )
    for index, center in enumerate(centers):
        x, y = sx(center[0]), sy(center[1])
        parts.append(
            f'<text x="{x}" y="{y + 7}" text-anchor="middle" font-size="22" font-weight="bold" '
            f'fill="{group_colour(index)}" stroke="#fff" stroke-width="4" paint-order="stroke" '
            f'class="group-label">{group_letter(index)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
