"""The submission to the legislature (意见汇总报告), as a PDF and as a standalone HTML page.

Both are built from the same snapshot (``services.submission_snapshot``), frozen when the
submission is sent: counts per article (agree, object, propose a wording), the
representative opinions staff grouped, with how many comments each stands for and sample
wordings, and the comments not grouped, so nothing said is left out. Once the law is
passed, the same document shows which opinions it adopted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from district.core import pdf
from district.participation.models import ArticleComment, OpinionGroup
from district.participation.submission_labels import article_label

STANCES = ("agree", "object", "propose")


def _stance_label(stance: str) -> str:
    return str(ArticleComment.Stance(stance).label)


def _adoption_label(adoption: str) -> str:
    return str(OpinionGroup.Adoption(adoption).label)


def _when(text: str) -> str:
    return timezone.localtime(datetime.fromisoformat(text)).strftime("%Y-%m-%d")


def build_document(snapshot: dict[str, Any], *, adoption: bool = False) -> pdf.Document:
    """The submission as a :class:`district.core.pdf.Document`."""
    totals = snapshot["totals"]
    blocks: list[pdf.Block] = [
        pdf.Paragraph.of(
            _(
                "To: %(legislature)s. Opinions on the draft collected by %(channel)s from "
                "%(opens)s to %(closes)s."
            )
            % {
                "legislature": snapshot["legislature"],
                "channel": snapshot["channel"],
                "opens": _when(snapshot["opens_at"]),
                "closes": _when(snapshot["closes_at"]),
            }
        ),
        pdf.Paragraph.of(
            _(
                "%(total)s opinions (%(agree)s agree, %(object)s object, %(propose)s propose a "
                "wording) from %(commenters)s registered residents and %(offline)s recorded at "
                "meetings, grouped by staff into %(groups)s representative opinions."
            )
            % totals
        ),
    ]
    if snapshot.get("is_demo"):
        blocks.append(
            pdf.Paragraph.of(pdf.Strong(_("Demo: this draft and its opinions are demo data.")))
        )
    blocks.append(pdf.Heading(_("Opinions per article"), 1))
    blocks.append(
        pdf.Table(
            header=(
                _("Article"),
                _stance_label("agree"),
                _stance_label("object"),
                _stance_label("propose"),
                _("Total"),
                _("Representative opinions"),
            ),
            rows=tuple(
                (
                    article_label(a["number"]),
                    str(a["counts"]["agree"]),
                    str(a["counts"]["object"]),
                    str(a["counts"]["propose"]),
                    str(a["counts"]["total"]),
                    str(len(a["groups"])),
                )
                for a in snapshot["articles"]
            ),
            numeric_columns=(1, 2, 3, 4, 5),
            column_widths=(0.2, 0.14, 0.14, 0.18, 0.12, 0.22),
        )
    )
    blocks.append(pdf.Heading(_("Representative opinions"), 1))
    for article in snapshot["articles"]:
        if not article["counts"]["total"]:
            continue
        blocks.append(pdf.Heading(article_label(article["number"]), 2))
        blocks.append(pdf.Paragraph.of(article["text"]))
        for group in article["groups"]:
            line = _("%(summary)s (%(size)s opinions)") % {
                "summary": group["summary"],
                "size": group["size"],
            }
            items: list[pdf.Paragraph | str] = [pdf.Paragraph.of(pdf.Strong(line))]
            for wording in group["wordings"]:
                items.append(_("Proposed wording: %(wording)s") % {"wording": wording})
            if adoption:
                items.append(
                    _("In the law as passed: %(adoption)s. %(note)s")
                    % {
                        "adoption": _adoption_label(group["adoption"]),
                        "note": group["adoption_note"],
                    }
                )
            blocks.append(pdf.BulletList(tuple(items)))
        if article["ungrouped"]:
            blocks.append(
                pdf.BulletList(
                    tuple(
                        f"[{_stance_label(c['stance'])}] {c['text']}"
                        + (f" — {c['proposed_wording']}" if c["proposed_wording"] else "")
                        for c in article["ungrouped"]
                    )
                )
            )
    title = _("Opinions on “%(title)s”") % {"title": snapshot["title"]}
    return pdf.Document(
        title=title,
        subtitle=snapshot["channel"],
        blocks=tuple(blocks),
        author=snapshot["channel"],
        subject=title,
        keywords=("立法征询", "基层立法联系点"),
        footer=title,
        notes_title=_("Notes"),
        annex_title=_("Annex"),
    )


def render_submission_pdf(snapshot: dict[str, Any], *, adoption: bool = False) -> bytes:
    return pdf.render_pdf(build_document(snapshot, adoption=adoption))


def render_submission_html(snapshot: dict[str, Any], *, adoption: bool = False) -> str:
    """A standalone HTML document (inline styles, no external files) of the submission."""
    articles = []
    for article in snapshot["articles"]:
        articles.append(
            {
                **article,
                "label": article_label(article["number"]),
                "groups": [
                    {**g, "adoption_label": _adoption_label(g["adoption"])}
                    for g in article["groups"]
                ],
                "ungrouped": [
                    {**c, "stance_label": _stance_label(c["stance"])} for c in article["ungrouped"]
                ],
            }
        )
    return render_to_string(
        "participation/submission.html",
        {
            "snapshot": snapshot,
            "articles": articles,
            "adoption": adoption,
            "opens": _when(snapshot["opens_at"]),
            "closes": _when(snapshot["closes_at"]),
            "stance_labels": {s: _stance_label(s) for s in STANCES},
        },
    )
