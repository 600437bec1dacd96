"""Render the report as PDF (:mod:`district.core.pdf`), standalone HTML or Markdown.

The HTML and Markdown renderers walk the same :class:`~district.core.pdf.Document` as the
PDF, numbering notes in the same order, so note 7 is the same source sentence in all
three. HTML draws the charts as inline SVG; Markdown, which cannot draw, gives each chart's
numbers as a table. Both link every note mark to its note (GitHub-style footnotes in
Markdown).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from district.core.errors import InputError
from district.core.pdf import (
    BarChart,
    Block,
    BulletList,
    Document,
    Heading,
    Image,
    LineChart,
    Link,
    Note,
    PageBreak,
    Paragraph,
    Strong,
    Table,
    chart_svg,
    render_pdf,
)

from ..scorecard import AREA_CODES, build_scorecard
from .document import build_document

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Rendered",
    "document_html",
    "document_markdown",
    "render_report",
]

FORMATS = ("pdf", "html", "md")
LANGUAGES = ("zh-hans", "en")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str
    filename: str


class _Notes:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, note: Note) -> int:
        self.texts.append(note.text)
        return len(self.texts)


# -------------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.5}
h1{font-size:1.5rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
h2{font-size:1.15rem;margin-top:1.5rem}table{border-collapse:collapse;width:100%;
margin:.5rem 0 1rem;font-size:.9rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;
text-align:left;vertical-align:top}th{background:#e8eef4}td.num{text-align:right}
caption{caption-side:top;text-align:left;font-style:italic;color:#666}.subtitle{color:#666}
sup a{text-decoration:none}.notes li{font-size:.85rem;margin:.2rem 0}figure{margin:1rem 0}
"""


def _inline_html(parts: tuple[object, ...] | str, notes: _Notes) -> str:
    if isinstance(parts, str):
        return html.escape(parts)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(html.escape(part))
        elif isinstance(part, Link):
            out.append(f'<a href="{html.escape(part.url)}">{html.escape(part.text)}</a>')
        elif isinstance(part, Strong):
            out.append(f"<strong>{html.escape(part.text)}</strong>")
        elif isinstance(part, Note):
            number = notes.add(part)
            out.append(
                f'<sup id="ref-{number}"><a href="#note-{number}" title="'
                f'{html.escape(part.text)}">{number}</a></sup>'
            )
    return "".join(out)


def _cell_html(cell: str | Paragraph, notes: _Notes) -> str:
    return _inline_html(cell.parts if isinstance(cell, Paragraph) else cell, notes)


def _block_html(block: Block, notes: _Notes) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level, 1), 3) + 1
        return f"<h{level}>{html.escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_inline_html(block.parts, notes)}</p>"
    if isinstance(block, BulletList):
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{_cell_html(item, notes)}</li>" for item in block.items)
        return f"<{tag}>{items}</{tag}>"
    if isinstance(block, Table):
        numeric = set(block.numeric_columns)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{' class=num' if i in numeric else ''}>{_cell_html(c, notes)}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in block.rows
        )
        caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, BarChart | LineChart):
        return f"<figure>{chart_svg(block)}</figure>"
    if isinstance(block, Image):
        return f"<p>{html.escape(block.caption)}</p>"
    if isinstance(block, PageBreak):
        return ""
    raise TypeError(block)  # pragma: no cover


def document_html(document: Document) -> str:
    """A standalone HTML page: inline CSS and SVG, nothing fetched."""
    notes = _Notes()
    body = [f"<h1>{html.escape(document.title)}</h1>"]
    if document.subtitle:
        body.append(f'<p class="subtitle">{html.escape(document.subtitle)}</p>')
    body.extend(_block_html(block, notes) for block in document.blocks)
    annex = [_block_html(block, notes) for block in document.annex]
    if notes.texts:
        items = "".join(
            f'<li id="note-{n}">{html.escape(text)} <a href="#ref-{n}">↩</a></li>'
            for n, text in enumerate(notes.texts, start=1)
        )
        body.append(f'<h1>{html.escape(document.notes_title)}</h1><ol class="notes">{items}</ol>')
    if annex:
        body.append(f'<h1 id="annex">{html.escape(document.annex_title)}</h1>')
        body.extend(annex)
    lang = "en" if document.language.startswith("en") else "zh-Hans"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(document.title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


# ---------------------------------------------------------------------------- Markdown


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _inline_md(parts: tuple[object, ...] | str, notes: _Notes) -> str:
    if isinstance(parts, str):
        return _md_escape(parts)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(_md_escape(part))
        elif isinstance(part, Link):
            out.append(f"[{_md_escape(part.text)}]({part.url})")
        elif isinstance(part, Strong):
            out.append(f"**{_md_escape(part.text)}**")
        elif isinstance(part, Note):
            out.append(f"[^{notes.add(part)}]")
    return "".join(out)


def _cell_md(cell: str | Paragraph, notes: _Notes) -> str:
    return _inline_md(cell.parts if isinstance(cell, Paragraph) else cell, notes)


def _table_md(header: tuple[str, ...], rows: list[list[str]], numeric: set[int]) -> str:
    lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |"]
    lines.append(
        "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|"
    )
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _chart_md(chart: BarChart | LineChart) -> str:
    labels = chart.categories if isinstance(chart, BarChart) else chart.x_labels
    header = ("", *(s.name for s in chart.series))
    rows = [
        [_md_escape(label)]
        + ["" if s.values[i] is None else f"{s.values[i]:,.4g}" for s in chart.series]
        for i, label in enumerate(labels)
    ]
    unit = f" ({chart.unit})" if chart.unit else ""
    numeric = set(range(1, len(header)))
    return f"*{_md_escape(chart.title)}{_md_escape(unit)}*\n\n" + _table_md(header, rows, numeric)


def _block_md(block: Block, notes: _Notes) -> str:
    if isinstance(block, Heading):
        return "#" * (min(max(block.level, 1), 3) + 1) + " " + block.text
    if isinstance(block, Paragraph):
        return _inline_md(block.parts, notes)
    if isinstance(block, BulletList):
        marker = "1." if block.ordered else "-"
        return "\n".join(f"{marker} {_cell_md(item, notes)}" for item in block.items)
    if isinstance(block, Table):
        rows = [[_cell_md(c, notes) for c in row] for row in block.rows]
        caption = f"*{_md_escape(block.caption)}*\n\n" if block.caption else ""
        return caption + _table_md(block.header, rows, set(block.numeric_columns))
    if isinstance(block, BarChart | LineChart):
        return _chart_md(block)
    if isinstance(block, Image):
        return _md_escape(block.caption)
    return ""


def document_markdown(document: Document) -> str:
    """Markdown with footnotes: the notes are GitHub-style ``[^n]`` references."""
    notes = _Notes()
    parts = [f"# {document.title}"]
    if document.subtitle:
        parts.append(f"*{_md_escape(document.subtitle)}*")
    parts.extend(_block_md(block, notes) for block in document.blocks)
    annex = [_block_md(block, notes) for block in document.annex]
    if annex:
        parts.append(f"## {document.annex_title}")
        parts.extend(annex)
    if notes.texts:
        parts.append(f"## {document.notes_title}")
        parts.extend(f"[^{n}]: {_md_escape(text)}" for n, text in enumerate(notes.texts, 1))
    return "\n\n".join(p for p in parts if p) + "\n"


# ------------------------------------------------------------------------------ render


def render_report(*, fmt: str, lang: str, area: str | None = None) -> Rendered:
    """The report from the database in ``fmt`` (pdf, html, md) and ``lang`` (zh-hans, en)."""
    if fmt not in FORMATS:
        raise InputError(
            f"'{fmt}' is not a report format",
            field="format",
            value=fmt,
            fix=f"Use one of: {', '.join(FORMATS)}.",
        )
    if lang not in LANGUAGES:
        raise InputError(
            f"'{lang}' is not a report language",
            field="lang",
            value=lang,
            fix=f"Use one of: {', '.join(LANGUAGES)}.",
        )
    if area and area not in AREA_CODES:
        raise InputError(
            f"'{area}' is not one of the plan's areas",
            field="area",
            value=area,
            fix=f"Use one of: {', '.join(AREA_CODES)}.",
        )
    document = build_document(build_scorecard(lang=lang, area=area))
    if fmt == "pdf":
        content = render_pdf(document)
    elif fmt == "html":
        content = document_html(document).encode("utf-8")
    else:
        content = document_markdown(document).encode("utf-8")
    suffix = f"-{area}" if area else ""
    filename = f"changning-plan-scorecard-{lang}{suffix}.{fmt}"
    return Rendered(content, CONTENT_TYPES[fmt], filename)


def write_report(path: str | Path, *, fmt: str, lang: str, area: str | None = None) -> Path:
    """Render the report and write it to ``path``."""
    target = Path(path)
    if target.parent and not target.parent.is_dir():
        raise InputError(
            f"The folder {target.parent} does not exist",
            field="out",
            value=str(target),
            fix="Create the folder first, or write the report elsewhere.",
        )
    target.write_bytes(render_report(fmt=fmt, lang=lang, area=area).content)
    return target
