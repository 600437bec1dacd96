"""The scorecard as a :class:`district.core.pdf.Document`, in the scorecard's language."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from district.core.pdf import (
    Block,
    BulletList,
    Document,
    Heading,
    Note,
    PageBreak,
    Paragraph,
    Strong,
    Table,
)

from ..models import Project, Source, Value
from ..scorecard import LiveView, Scorecard, Section

__all__ = ["build_document"]


def _source_note(row: Value | Project, sources: dict[int, Source], lang: str) -> Note:
    """The note behind a figure: its sentence word for word, the source, and the reading."""
    source = sources.get(row.source_id) if row.source_id else None
    if source is None:
        return Note(_("No source document."))
    cited = (
        ", ".join(part for part in (source.publisher, str(source.published_on or "")) if part)
        or source.title
    )
    text = f"“{row.sentence}” ({cited})" if lang == "en" else f"“{row.sentence}”（{cited}）"
    note = row.note.strip()
    if note:
        text += " " + _("Reading: %(note)s") % {"note": note}
    return Note(text)


def _figures_table(section: Section, sources: dict[int, Source], lang: str) -> Table:
    rows = []
    for figure in section.figures:
        value = Paragraph.of(figure.text, _source_note(figure.row, sources, lang))
        formula = figure.formula or "—"
        rows.append((figure.name, value, figure.period, formula))
    return Table(
        header=(_("Indicator"), _("Value"), _("Period"), _("How it is computed")),
        rows=tuple(rows),
        caption=_("Figures stated by the source; the note on each value gives its sentence."),
        numeric_columns=(1,),
        column_widths=(0.34, 0.16, 0.18, 0.32),
    )


def _live_blocks(views: list[LiveView], lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(_("Live figures from the platform"), 2)]
    rows = []
    waiting = []
    for view in views:
        if not view.figures:
            waiting.append(
                Paragraph.of(
                    Strong(view.name),
                    ": " + _("waiting for %(function)s") % {"function": view.waiting},
                )
            )
            continue
        for label, text, row in view.figures:
            name = f"{view.name} · {label}" if label else view.name
            computed = timezone.localtime(row.computed_at).strftime("%Y-%m-%d %H:%M %z")
            rows.append((name, text, computed, f"{row.provider}()"))
    if rows:
        blocks.append(
            Table(
                header=(_("Indicator"), _("Value"), _("Computed at"), _("Computed by")),
                rows=tuple(rows),
                numeric_columns=(1,),
                column_widths=(0.38, 0.14, 0.2, 0.28),
            )
        )
    if waiting:
        blocks.append(BulletList(tuple(waiting)))
    return blocks


def _project_table(projects: list[Project], sources: dict[int, Source], lang: str) -> Table:
    rows = []
    for project in projects:
        name = project.name(lang)
        if project.is_example:
            name += " " + _("(example made up for the demo)")
        location = "—"
        if project.cell_code:
            location = _("grid cell %(cell)s") % {"cell": project.cell_code}
        milestones = "; ".join(
            f"{m.title(lang)} ({m.get_status_display()}"
            + (f" {m.reached_on})" if m.reached_on else ")")
            for m in project.milestones.all()
        )
        indicators = ", ".join(i.name(lang) for i in project.indicators.all()) or "—"
        rows.append(
            (
                Paragraph.of(name, _source_note(project, sources, lang)),
                project.get_status_display(),
                location,
                indicators,
                milestones or "—",
            )
        )
    return Table(
        header=(
            _("Project"),
            _("Status"),
            _("Location"),
            _("Indicators it moves"),
            _("Milestones"),
        ),
        rows=tuple(rows),
        column_widths=(0.26, 0.12, 0.16, 0.22, 0.24),
    )


def _section_blocks(section: Section, card: Scorecard, sources: dict[int, Source]) -> list[Block]:
    lang = card.lang
    blocks: list[Block] = [PageBreak(), Heading(section.name, 1)]
    if section.figures:
        blocks.append(_figures_table(section, sources, lang))
    if section.implied:
        blocks.append(Heading(_("Values implied by the figures"), 2))
        blocks.append(
            BulletList(
                tuple(Paragraph.of(Strong(i.label), ": " + i.working) for i in section.implied)
            )
        )
    blocks.extend(view.chart for view in section.charts)
    if section.targets:
        blocks.append(Heading(_("Targets"), 2))
        for target in section.targets:
            blocks.append(Paragraph.of(target.text))
            if target.chart is not None:
                blocks.append(target.chart.chart)
    if section.live:
        blocks.extend(_live_blocks(section.live, lang))
    if section.projects:
        blocks.append(Heading(_("Projects"), 2))
        blocks.append(_project_table(section.projects, sources, lang))
    if section.findings:
        refs = ", ".join(
            f"A.{f.number} ({_('consistent') if f.consistent else _('inconsistent')})"
            for f in section.findings
        )
        blocks.append(
            Paragraph.of(_("Consistency checks on these figures: %(refs)s.") % {"refs": refs})
        )
    return blocks


def _annex(card: Scorecard) -> list[Block]:
    blocks: list[Block] = []
    for finding in card.findings:
        verdict = _("consistent") if finding.consistent else _("INCONSISTENT")
        blocks.append(Heading(f"A.{finding.number} {finding.title} — {verdict}", 2))
        blocks.append(
            BulletList(
                tuple(
                    Paragraph.of(
                        Strong(statement), f" ({period})" + (f": “{sentence}”" if sentence else "")
                    )
                    for statement, period, sentence in finding.claims
                )
            )
        )
        blocks.append(Paragraph.of(finding.text))
        if finding.working:
            blocks.append(BulletList(tuple(finding.working)))
    if not blocks:
        blocks.append(Paragraph.of(_("No figures are loaded, so there is nothing to check.")))
    return blocks


def _summary(card: Scorecard) -> list[Block]:
    inconsistent = card.inconsistent
    targets = [t for s in card.sections for t in s.targets]
    projects = {p.pk for s in card.sections for p in s.projects}
    items: list[Paragraph | str] = [
        _("%(n)s figures stated by the source, in the briefing's six areas.")
        % {"n": card.figure_count},
        _("%(n)s consistency checks; %(bad)s found figures that cannot all hold (Annex).")
        % {"n": len(card.findings), "bad": len(inconsistent)},
        _("%(n)s targets, %(illustrative)s of them illustrative (made up for the demo).")
        % {"n": len(targets), "illustrative": sum(t.assessment.illustrative for t in targets)},
        _("%(n)s projects and programmes.") % {"n": len(projects)},
        _("%(n)s live figures computed from the platform; %(waiting)s waiting for their apps.")
        % {"n": card.live_count, "waiting": len(card.waiting)},
    ]
    for finding in inconsistent:
        items.append(Paragraph.of(Strong(f"A.{finding.number} {finding.title}: "), finding.text))
    return [Heading(_("Summary"), 1), BulletList(tuple(items))]


def _about(card: Scorecard) -> list[Block]:
    documents = [s for s in card.sources if not s.is_illustrative]
    names = "; ".join(
        f"{s.title}, {s.publisher}" + (f", {s.published_on}" if s.published_on else "")
        for s in documents
    )
    return [
        Heading(_("About this report"), 1),
        Paragraph.of(
            _(
                "The figures come from: %(sources)s. Every value has a numbered note with the "
                "exact sentence it was taken from. Every computed figure shows how it was "
                "computed, with the range that the source's rounding and wording allow. The "
                "Chinese names of indicators are translations of the English release unless "
                "marked official."
            )
            % {"sources": names or "—"}
        ),
        Paragraph.of(
            _(
                "Targets marked illustrative are not from any plan: the 15th Five-Year Plan "
                "(2026–2030) was still being drafted at the briefing. Live figures are computed "
                "by the platform from its own apps and say when they were computed."
            )
        ),
    ]


def build_document(card: Scorecard) -> Document:
    """The report in the scorecard's language."""
    with translation.override(card.lang):
        sources = {s.pk: s for s in card.sources}
        generated = timezone.localtime(card.generated_at).strftime("%Y-%m-%d %H:%M %z")
        blocks: list[Block] = [*_about(card), *_summary(card)]
        for section in card.sections:
            blocks.extend(_section_blocks(section, card, sources))
        title = _("Changning District: achievements of the 14th Five-Year Plan")
        return Document(
            title=title,
            subtitle=_("The plan scorecard, generated %(when)s") % {"when": generated},
            blocks=tuple(blocks),
            author=_("district platform"),
            subject=_(
                "Plan scorecard: figures with sources, growth arithmetic, consistency checks"
            ),
            keywords=("Changning", "14th Five-Year Plan", "scorecard"),
            language="en" if card.lang == "en" else "zh-CN",
            footer=title,
            annex=tuple(_annex(card)),
            annex_title=_("Annex: consistency findings"),
            notes_title=_("Sources and notes"),
        )
