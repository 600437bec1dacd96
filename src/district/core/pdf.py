"""Simple structured documents as PDF (reportlab), with charts that also render as SVG.

Several parts of the platform print documents: the plan achievement report (indicators),
the legislative submission (participation), custody statements. They describe the
document as data (:class:`Document` holding :class:`Heading`, :class:`Paragraph`,
:class:`BulletList`, :class:`Table`, :class:`BarChart`, :class:`LineChart`,
:class:`Image` blocks, with inline :class:`Link` and :class:`Note` parts and an annex) and
call :func:`render_pdf`. Nothing here touches Django.

Chinese text renders and extracts on a machine with no CJK font installed: runs of text
that the Latin standard font cannot encode are set in Adobe's ``STSong-Light``, a CID font
every PDF reader provides, so it is referenced and not embedded, and ``pypdf``'s
``extract_text()`` gives the characters back. Latin text is set in Helvetica.

Charts are drawn as vector graphics from one layout, computed once
(:func:`chart_shapes`), then painted either into a reportlab ``Drawing`` for the PDF
(:func:`chart_drawing`) or into an inline ``<svg>`` string for the HTML version of the same
report (:func:`chart_svg`), which needs no JavaScript and no font files.

Notes (:class:`Note`) are numbered in order of appearance, marked with a linked
superscript, and printed as endnotes before the annex.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from reportlab.graphics.shapes import Circle, Drawing, Group, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Image as RLImage
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from district.core.errors import InputError

__all__ = [
    "BarChart",
    "Box",
    "BulletList",
    "ChartSeries",
    "Document",
    "Dot",
    "Heading",
    "Image",
    "Label",
    "LineChart",
    "Link",
    "Note",
    "PageBreak",
    "Paragraph",
    "Stroke",
    "Strong",
    "Table",
    "chart_drawing",
    "chart_shapes",
    "chart_svg",
    "render_pdf",
    "write_pdf",
]

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
LATIN_ITALIC = "Helvetica-Oblique"
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
INK = "#222222"
MUTED = "#666666"
GRID = "#D9D9D9"
SVG_FONTS = "Helvetica, Arial, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"


# ----------------------------------------------------------------------- the document


@dataclass(frozen=True)
class Link:
    """A hyperlink inside a paragraph."""

    text: str
    url: str


@dataclass(frozen=True)
class Note:
    """A numbered note: a superscript mark here, the text in the notes section."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Bold text inside a paragraph."""

    text: str


Inline = str | Link | Note | Strong


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline parts: plain text, links, bold text and note marks."""

    parts: tuple[Inline, ...]

    @classmethod
    def of(cls, *parts: Inline) -> Paragraph:
        return cls(tuple(parts))


@dataclass(frozen=True)
class Heading:
    """A section heading; ``level`` 1 to 3."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class BulletList:
    """A bulleted (or numbered) list of paragraphs or plain strings."""

    items: tuple[Paragraph | str, ...]
    ordered: bool = False


Cell = str | Paragraph


@dataclass(frozen=True)
class Table:
    """A table with a header row. ``numeric_columns`` are right-aligned."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    numeric_columns: tuple[int, ...] = ()
    column_widths: tuple[float, ...] | None = None  # fractions of the text width


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart; ``None`` leaves a gap. ``dashed`` marks projections."""

    name: str
    values: tuple[float | None, ...]
    dashed: bool = False


@dataclass(frozen=True)
class BarChart:
    """Grouped vertical bars: one group per category, one bar per series."""

    title: str
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    unit: str = ""
    width_pt: float = 450.0
    height_pt: float = 220.0
    show_values: bool = True


@dataclass(frozen=True)
class LineChart:
    """Lines over ordered x labels (years, usually); markers at every value."""

    title: str
    x_labels: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    unit: str = ""
    width_pt: float = 450.0
    height_pt: float = 220.0
    from_zero: bool = True
    x_values: tuple[float, ...] | None = None  # numeric positions (years); None: evenly spaced


Chart = BarChart | LineChart


@dataclass(frozen=True)
class Image:
    """A raster image (PNG or JPEG bytes), scaled to ``width_pt``, with a caption."""

    data: bytes
    width_pt: float = 400.0
    caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Paragraph | BulletList | Table | BarChart | LineChart | Image | PageBreak


@dataclass(frozen=True)
class Document:
    """A document: title, blocks, then notes and an optional annex."""

    title: str
    blocks: tuple[Block, ...]
    subtitle: str = ""
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "zh-CN"
    footer: str = ""
    annex: tuple[Block, ...] = ()
    annex_title: str = "Annex"
    notes_title: str = "Notes"


# ----------------------------------------------------------------------------- fonts


@functools.cache
def _register_fonts() -> None:
    """Register the CID font once per process (it is referenced, never embedded)."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _latin(character: str) -> bool:
    try:
        character.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _runs(text: str) -> list[tuple[bool, str]]:
    """Split text into runs the Latin font can encode (True) and runs it cannot (False)."""
    return [(latin, "".join(chars)) for latin, chars in itertools.groupby(text, key=_latin)]


def _markup(text: str) -> str:
    """Escape text for reportlab's paragraph markup and set non-Latin runs in the CJK font."""
    out = []
    for latin, run in _runs(text):
        escaped = html.escape(run, quote=False)
        out.append(escaped if latin else f'<font name="{CJK_FONT}">{escaped}</font>')
    return "".join(out)


def _run_font(latin: bool, bold: bool) -> str:
    if not latin:
        return CJK_FONT
    return LATIN_BOLD if bold else LATIN_FONT


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """The printed width of text set run by run (Helvetica for Latin, STSong otherwise)."""
    _register_fonts()
    return float(
        sum(pdfmetrics.stringWidth(run, _run_font(latin, bold), size) for latin, run in _runs(text))
    )


def _placed_runs(
    text: str, x: float, size: float, anchor: str, bold: bool
) -> list[tuple[float, str, str]]:
    """Each run of ``text`` with its x position and font, honouring the anchor."""
    offset = {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor]
    start = x - offset * _text_width(text, size, bold)
    placed = []
    for latin, run in _runs(text):
        font = _run_font(latin, bold)
        placed.append((start, run, font))
        start += pdfmetrics.stringWidth(run, font, size)
    return placed


# ---------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Box:
    """A filled rectangle; ``y`` is the top edge (SVG orientation)."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Stroke:
    """A polyline."""

    points: tuple[tuple[float, float], ...]
    color: str
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    radius: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float  # the text baseline
    text: str
    size: float = 8.0
    anchor: Literal["start", "middle", "end"] = "start"
    color: str = INK
    bold: bool = False


Shape = Box | Stroke | Dot | Label


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count if span > 0 else 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiplier in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiplier * magnitude >= raw:
            return multiplier * magnitude
    return 10 * magnitude  # pragma: no cover


def _tick_text(value: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (2.5 -> 1, 0.25 -> 2)."""
    decimals = max(0, -math.floor(math.log10(step)))
    while decimals < 6 and not math.isclose(step * 10**decimals, round(step * 10**decimals)):
        decimals += 1
    return f"{value:,.{decimals}f}"


def _value_text(value: float) -> str:
    """A data value for a label: whole numbers plain, others to four significant digits."""
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{max(0, 3 - math.floor(math.log10(abs(value))))}f}"


def _axis(values: Iterable[float], from_zero: bool) -> tuple[float, float, float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return 0.0, 1.0, 0.2
    low, high = min(finite), max(finite)
    if from_zero:
        low, high = min(0.0, low), max(0.0, high)
    if low == high:
        high = low + (abs(low) or 1.0)
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _check_chart(chart: Chart) -> tuple[str, ...]:
    labels = chart.categories if isinstance(chart, BarChart) else chart.x_labels
    if not chart.series:
        raise InputError(
            f"The chart '{chart.title}' has no series",
            field="series",
            fix="Give at least one ChartSeries.",
        )
    counts = [(f"Series '{s.name}'", len(s.values)) for s in chart.series]
    if isinstance(chart, LineChart) and chart.x_values is not None:
        counts.append(("x_values", len(chart.x_values)))
    for what, count in counts:
        if count != len(labels):
            raise InputError(
                f"{what} of chart '{chart.title}' has {count} values for {len(labels)} labels",
                field="values",
                value=count,
                fix="Give one value (or None) per category or x label.",
            )
    return labels


def chart_shapes(chart: Chart) -> list[Shape]:
    """Lay a chart out as shapes in points, origin top-left, for either painter."""
    labels = _check_chart(chart)
    width, height = chart.width_pt, chart.height_pt
    shapes: list[Shape] = [Label(0, 12, chart.title, 10, "start", INK, True)]
    top = 22.0
    if len(chart.series) > 1:
        x = 0.0
        for index, series in enumerate(chart.series):
            color = PALETTE[index % len(PALETTE)]
            shapes.append(Stroke(((x, top + 4), (x + 14, top + 4)), color, 3, series.dashed))
            shapes.append(Label(x + 18, top + 7, series.name, 8, "start", INK))
            x += 30 + _text_width(series.name, 8)
        top += 14
    if chart.unit:
        shapes.append(Label(0, top + 9, chart.unit, 7.5, "start", MUTED))
        top += 12
    values = [v for s in chart.series for v in s.values if v is not None]
    low, high, step = _axis(values, chart.from_zero if isinstance(chart, LineChart) else True)
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    left = 6 + max(_text_width(_tick_text(t, step), 7.5) for t in ticks)
    bottom = height - 18
    plot_top = top + 6
    right = width - 4

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - plot_top)

    for tick in ticks:
        y = y_of(tick)
        shapes.append(Stroke(((left, y), (right, y)), GRID, 0.5))
        shapes.append(Label(left - 4, y + 2.5, _tick_text(tick, step), 7.5, "end", MUTED))
    baseline = y_of(0.0 if low < 0 <= high else low)
    shapes.append(Stroke(((left, baseline), (right, baseline)), INK, 0.8))
    slot = (right - left) / max(len(labels), 1)
    xs = [left + slot * (index + 0.5) for index in range(len(labels))]
    if isinstance(chart, LineChart) and chart.x_values is not None:
        first, span = min(chart.x_values), (max(chart.x_values) - min(chart.x_values)) or 1.0
        xs = [left + 12 + (x - first) / span * (right - left - 24) for x in chart.x_values]
    drawn_to = -math.inf  # skip a label that would overlap the one before it
    for x, label in zip(xs, labels, strict=True):
        half = _text_width(label, 7.5) / 2
        if x - half >= drawn_to + 4:
            shapes.append(Label(x, bottom + 11, label, 7.5, "middle", INK))
            drawn_to = x + half
    if isinstance(chart, BarChart):
        shapes.extend(_bar_shapes(chart, left, slot, y_of, low))
    else:
        shapes.extend(_line_shapes(chart, xs, y_of))
    return shapes


def _bar_shapes(
    chart: BarChart, left: float, slot: float, y_of: Callable[[float], float], low: float
) -> list[Shape]:
    shapes: list[Shape] = []
    count = len(chart.series)
    group = slot * 0.75
    bar = group / count
    base = y_of(max(low, 0.0))
    for s_index, series in enumerate(chart.series):
        color = PALETTE[s_index % len(PALETTE)]
        for index, value in enumerate(series.values):
            if value is None:
                continue
            x = left + slot * index + (slot - group) / 2 + bar * s_index
            y = y_of(value)
            top, size = min(y, base), abs(base - y)
            label = f"{series.name}, {chart.categories[index]}: {_value_text(value)}"
            shapes.append(Box(x + 0.5, top, bar - 1, size, color, label))
            if chart.show_values and bar >= 14:
                shapes.append(Label(x + bar / 2, top - 2.5, _value_text(value), 6.5, "middle", INK))
    return shapes


def _line_shapes(
    chart: LineChart, xs: Sequence[float], y_of: Callable[[float], float]
) -> list[Shape]:
    shapes: list[Shape] = []
    for s_index, series in enumerate(chart.series):
        color = PALETTE[s_index % len(PALETTE)]
        segment: list[tuple[float, float]] = []
        segments: list[list[tuple[float, float]]] = [segment]
        for index, value in enumerate(series.values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            point = (xs[index], y_of(value))
            segment.append(point)
            label = f"{series.name}, {chart.x_labels[index]}: {_value_text(value)}"
            shapes.append(Dot(point[0], point[1], 2.2, color, label))
        for points in segments:
            if len(points) > 1:
                shapes.insert(0, Stroke(tuple(points), color, 1.6, series.dashed))
    return shapes


def chart_drawing(chart: Chart) -> Drawing:
    """The chart as a reportlab ``Drawing`` (vector), for a PDF or any reportlab canvas."""
    _register_fonts()
    hex_color, height = colors.HexColor, chart.height_pt
    group = Group()
    for shape in chart_shapes(chart):
        if isinstance(shape, Box):
            bottom, fill = height - shape.y - shape.height, hex_color(shape.fill)
            box = (shape.x, bottom, shape.width, shape.height)
            group.add(Rect(*box, fillColor=fill, strokeColor=None))
        elif isinstance(shape, Stroke):
            points = [c for x, y in shape.points for c in (x, height - y)]
            style = {"strokeColor": hex_color(shape.color), "strokeWidth": shape.width}
            group.add(PolyLine(points, strokeDashArray=[3, 2] if shape.dashed else None, **style))
        elif isinstance(shape, Dot):
            ring = {"strokeColor": colors.white, "strokeWidth": 0.5}
            fill = hex_color(shape.fill)
            group.add(Circle(shape.x, height - shape.y, shape.radius, fillColor=fill, **ring))
        else:
            y, ink = height - shape.y, hex_color(shape.color)
            runs = _placed_runs(shape.text, shape.x, shape.size, shape.anchor, shape.bold)
            for x, run, font in runs:
                group.add(String(x, y, run, fontName=font, fontSize=shape.size, fillColor=ink))
    drawing = Drawing(chart.width_pt, height)
    drawing.add(group)
    return drawing


def _svg_attr(value: str) -> str:
    return html.escape(value, quote=True)


def chart_svg(chart: Chart, *, element_id: str | None = None) -> str:
    """The chart as an inline ``<svg>`` element for HTML pages: no script, no font files.

    It has a ``<title>`` and a ``<desc>`` listing the data, and a ``<title>`` on each bar or
    point, so screen readers and hovering both get the numbers.
    """
    labels = _check_chart(chart)
    digest = hashlib.sha1(repr(chart).encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    ident = element_id or f"chart-{digest}"
    description = "; ".join(
        f"{s.name}: "
        + ", ".join(
            f"{label} {_value_text(v)}"
            for label, v in zip(labels, s.values, strict=True)
            if v is not None
        )
        for s in chart.series
    )
    width, height = chart.width_pt, chart.height_pt
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{_svg_attr(ident)}" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'style="max-width:100%;height:auto" role="img" '
        f'aria-labelledby="{_svg_attr(ident)}-title {_svg_attr(ident)}-desc" '
        f'font-family="{_svg_attr(SVG_FONTS)}">',
        f'<title id="{_svg_attr(ident)}-title">{html.escape(chart.title)}</title>',
        f'<desc id="{_svg_attr(ident)}-desc">{html.escape(description)}'
        f"{' (' + html.escape(chart.unit) + ')' if chart.unit else ''}</desc>",
    ]
    for shape in chart_shapes(chart):
        if isinstance(shape, Box):
            parts.append(
                f'<rect x="{shape.x:.2f}" y="{shape.y:.2f}" width="{shape.width:.2f}" '
                f'height="{shape.height:.2f}" fill="{shape.fill}">'
                f"<title>{html.escape(shape.title)}</title></rect>"
            )
        elif isinstance(shape, Stroke):
            points = " ".join(f"{x:.2f},{y:.2f}" for x, y in shape.points)
            dash = ' stroke-dasharray="3 2"' if shape.dashed else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.color}" '
                f'stroke-width="{shape.width:g}"{dash}/>'
            )
        elif isinstance(shape, Dot):
            parts.append(
                f'<circle cx="{shape.x:.2f}" cy="{shape.y:.2f}" r="{shape.radius:g}" '
                f'fill="{shape.fill}" stroke="#fff" stroke-width="0.5">'
                f"<title>{html.escape(shape.title)}</title></circle>"
            )
        else:
            weight = ' font-weight="bold"' if shape.bold else ""
            parts.append(
                f'<text x="{shape.x:.2f}" y="{shape.y:.2f}" font-size="{shape.size:g}" '
                f'text-anchor="{shape.anchor}" fill="{shape.color}"{weight}>'
                f"{html.escape(shape.text)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------------- rendering


_BODY: dict[str, Any] = {"fontName": LATIN_FONT, "fontSize": 10, "leading": 14.5, "spaceAfter": 6}
_BODY |= {"wordWrap": "CJK", "alignment": TA_LEFT, "textColor": INK}
# Paragraph styles, each derived from the body style: name -> overrides.
_STYLES: dict[str, dict[str, Any]] = {
    "cell": {"fontSize": 9, "leading": 12, "spaceAfter": 0},
    "right": {"fontSize": 9, "leading": 12, "spaceAfter": 0, "alignment": TA_RIGHT},
    "th": {"fontName": LATIN_BOLD, "fontSize": 9, "leading": 12, "spaceAfter": 0},
    "th_right": {"fontName": LATIN_BOLD, "fontSize": 9, "leading": 12, "alignment": TA_RIGHT},
    "caption": {"fontName": LATIN_ITALIC, "fontSize": 9, "leading": 12, "textColor": MUTED},
    "title": {"fontName": LATIN_BOLD, "fontSize": 20, "leading": 26},
    "subtitle": {"fontSize": 12, "leading": 16, "textColor": MUTED, "spaceAfter": 14},
    "h1": {"fontName": LATIN_BOLD, "fontSize": 15, "leading": 20, "spaceBefore": 12},
    "h2": {"fontName": LATIN_BOLD, "fontSize": 12.5, "leading": 17, "spaceBefore": 10},
    "h3": {"fontName": LATIN_BOLD, "fontSize": 11, "leading": 15, "spaceBefore": 8},
    "note": {"fontSize": 8.5, "leading": 11.5, "spaceAfter": 3},
}


def _styles() -> dict[str, ParagraphStyle]:
    """The body style (wrapping Chinese anywhere, Latin at spaces) and its variants."""
    body = ParagraphStyle("body", **_BODY)
    styles = {"body": body}
    for name, overrides in _STYLES.items():
        keep = {"keepWithNext": 1, "spaceAfter": 5} if name.startswith("h") else {}
        styles[name] = ParagraphStyle(name, parent=body, **(keep | overrides))
    return styles


_SAFE_URL = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)


class _Renderer:
    """Turns blocks into reportlab flowables, numbering notes as it goes."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.styles = _styles()
        self.notes: list[str] = []

    def inline(self, parts: Sequence[Inline] | str) -> str:
        if isinstance(parts, str):
            return _markup(parts)
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(_markup(part))
            elif isinstance(part, Link):
                if not _SAFE_URL.match(part.url):
                    raise InputError(
                        f"The link '{part.url}' is not http(s), mailto or #anchor",
                        field="url",
                        value=part.url,
                        fix="Use an absolute http(s) address.",
                    )
                out.append(
                    f'<a href="{_svg_attr(part.url)}" color="#0645AD">'
                    f"<u>{_markup(part.text)}</u></a>"
                )
            elif isinstance(part, Strong):
                out.append(f"<b>{_markup(part.text)}</b>")
            else:
                self.notes.append(part.text)
                number = len(self.notes)
                out.append(f'<super><a href="#note-{number}" color="#0645AD">{number}</a></super>')
        return "".join(out)

    def paragraph(self, item: Paragraph | str, style: ParagraphStyle | None = None) -> RLParagraph:
        parts = item.parts if isinstance(item, Paragraph) else item
        return RLParagraph(self.inline(parts), style or self.styles["body"])

    def block(self, block: Block) -> list[Flowable]:
        if isinstance(block, Heading):
            style = self.styles[f"h{min(max(block.level, 1), 3)}"]
            return [RLParagraph(_markup(block.text), style)]
        if isinstance(block, Paragraph):
            return [self.paragraph(block)]
        if isinstance(block, BulletList):
            items = [ListItem(self.paragraph(item), leftIndent=14) for item in block.items]
            return [
                ListFlowable(
                    items,
                    bulletType="1" if block.ordered else "bullet",
                    start=None if block.ordered else "•",
                    leftIndent=14,
                    bulletFontName=LATIN_FONT,
                    bulletFontSize=9,
                ),
                Spacer(1, 4),
            ]
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, BarChart | LineChart):
            chart = replace(block, width_pt=min(block.width_pt, self.width))
            return [KeepTogether([chart_drawing(chart), Spacer(1, 8)])]
        if isinstance(block, Image):
            reader = ImageReader(io.BytesIO(block.data))
            pixel_width, pixel_height = reader.getSize()
            width = min(block.width_pt, self.width)
            image = RLImage(
                io.BytesIO(block.data), width=width, height=width * pixel_height / pixel_width
            )
            flow: list[Flowable] = [image]
            if block.caption:
                flow.append(RLParagraph(_markup(block.caption), self.styles["caption"]))
            return [KeepTogether(flow)]
        return [RLPageBreak()]

    def table(self, table: Table) -> list[Flowable]:
        columns = len(table.header)
        for number, row in enumerate(table.rows, start=1):
            if len(row) != columns:
                raise InputError(
                    f"Row {number} of table '{table.caption or table.header[0]}' has "
                    f"{len(row)} cells for {columns} columns",
                    field="rows",
                    value=len(row),
                    fix="Give every row one cell per column.",
                )
        fractions = table.column_widths or tuple(1 / columns for _ in range(columns))
        widths = [self.width * f for f in fractions]
        numeric = set(table.numeric_columns)
        header = [self.styles["th_right" if i in numeric else "th"] for i in range(columns)]
        body = [self.styles["right" if i in numeric else "cell"] for i in range(columns)]
        data: list[list[Flowable]] = [
            [RLParagraph(_markup(h), style) for h, style in zip(table.header, header, strict=True)]
        ]
        for row in table.rows:
            data.append([self.paragraph(v, style) for v, style in zip(row, body, strict=True)])
        rl_table = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        rl_table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor(INK)),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor(GRID)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        flow: list[Flowable] = [rl_table, Spacer(1, 8)]
        if table.caption:
            flow.insert(0, RLParagraph(_markup(table.caption), self.styles["caption"]))
        # A short table stays on one page with its caption; a long one may split.
        return [KeepTogether(flow)] if len(table.rows) < 25 else flow


def _footer(document: Document) -> Any:
    text = document.footer or document.title

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.HexColor(MUTED))
        line = canvas.beginText(doc.leftMargin, 10 * mm)  # one text object: extracts as one line
        for latin, run in _runs(text[:90]):
            line.setFont(_run_font(latin, False), 8)
            line.textOut(run)
        canvas.drawText(line)
        page = f"{doc.page}"
        canvas.setFont(LATIN_FONT, 8)
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 10 * mm, page)
        canvas.restoreState()

    return draw


def render_pdf(document: Document, *, reproducible: bool = True) -> bytes:
    """Render ``document`` to PDF bytes (A4).

    With ``reproducible`` (the default) the same document gives the same bytes: reportlab's
    invariant mode fixes the creation date and the file identifier.
    """
    _register_fonts()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=document.title,
        author=document.author,
        subject=document.subject,
        keywords=", ".join(document.keywords),
        creator="district",
        lang=document.language,
        invariant=1 if reproducible else 0,
        displayDocTitle=1,
    )
    renderer = _Renderer(template.width)
    styles = renderer.styles
    story: list[Flowable] = [RLParagraph(_markup(document.title), styles["title"])]
    if document.subtitle:
        story.append(RLParagraph(_markup(document.subtitle), styles["subtitle"]))
    for block in document.blocks:
        story.extend(renderer.block(block))
    annex: list[Flowable] = []
    for block in document.annex:
        annex.extend(renderer.block(block))
    if renderer.notes:
        story.append(RLParagraph(_markup(document.notes_title), styles["h1"]))
        note_style = styles["note"]
        for number, text in enumerate(renderer.notes, start=1):
            story.append(
                RLParagraph(f'<a name="note-{number}"/>{number}. {_markup(text)}', note_style)
            )
    if annex:
        story.append(RLPageBreak())
        story.append(RLParagraph(_markup(document.annex_title), styles["h1"]))
        story.extend(annex)
    footer = _footer(document)
    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def write_pdf(document: Document, path: str | Path, *, reproducible: bool = True) -> Path:
    """Render ``document`` and write it to ``path``; returns the path."""
    target = Path(path)
    target.write_bytes(render_pdf(document, reproducible=reproducible))
    return target
