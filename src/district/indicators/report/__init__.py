"""The achievement report: the scorecard as a document, in PDF, HTML or Markdown.

:func:`build_document` turns a :class:`~district.indicators.scorecard.Scorecard` into a
:class:`district.core.pdf.Document` (in Chinese or English); :func:`render_report` renders
it. Every figure carries a note with its source sentence; every computed figure shows its
working; the consistency findings are the annex.
"""

from __future__ import annotations

from .document import build_document
from .render import FORMATS, LANGUAGES, Rendered, render_report, write_report

__all__ = ["FORMATS", "LANGUAGES", "Rendered", "build_document", "render_report", "write_report"]
