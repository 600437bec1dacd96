"""The scorecard as one structure, read from the database, for the web page and the report.

:func:`build_scorecard` gathers, for each of the briefing's six areas: every current figure
with its source sentence, the values the figures imply (with their working), the
consistency findings, the targets with their trajectories, the live figures from the other
apps, the projects, and the charts. The page and the report render the same structure, so
they show the same numbers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.db.models import Count, Prefetch
from django.utils import timezone

from district.core.pdf import BarChart, LineChart, chart_svg

from . import charts, live, words
from . import loader as engine
from .arithmetic import Quantity, get_unit
from .checks import Finding, ImpliedValue
from .models import Area, Indicator, LiveFigure, Milestone, Project, Source, Target, Value
from .services import assessments, engine_claim, findings, implied, indicator_data
from .targets import TargetAssessment

__all__ = ["AREA_CODES", "Scorecard", "build_scorecard", "source_anchor"]

AREA_CODES = [a.value for a in Area]


def source_anchor(sentence: str) -> str:
    """A stable HTML id for a cited sentence (the same sentence, the same id)."""
    return "s-" + hashlib.sha1(sentence.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


@dataclass(frozen=True)
class ChartView:
    chart: LineChart | BarChart

    @cached_property
    def svg(self) -> str:
        return chart_svg(self.chart)


@dataclass(frozen=True)
class FigureView:
    """A current figure: the value row, the engine's claim, and its words."""

    row: Value
    claim: engine.Claim
    name: str
    text: str
    period: str
    revisions: int
    formula: str

    @property
    def anchor(self) -> str:
        return f"v-{self.row.code}"

    @property
    def sentence_anchor(self) -> str:
        return source_anchor(self.row.sentence)


@dataclass(frozen=True)
class ImpliedView:
    record: ImpliedValue
    label: str
    working: str
    inputs: tuple[str, ...]  # anchors of the figures it was computed from


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    number: int
    title: str
    text: str
    claims: tuple[tuple[str, str, str], ...]  # (statement, period, sentence)
    working: tuple[str, ...]
    areas: frozenset[str]

    @property
    def consistent(self) -> bool:
        return self.finding.consistent

    @property
    def anchor(self) -> str:
        return f"finding-{self.number}"

    @property
    def home_area(self) -> str:
        """The first of its areas in the briefing's order: where its anchor lives."""
        return next((code for code in AREA_CODES if code in self.areas), "")


@dataclass(frozen=True)
class TargetView:
    assessment: TargetAssessment
    row: Target
    name: str
    value: str
    text: str
    chart: ChartView | None


@dataclass(frozen=True)
class LiveView:
    """A live indicator: its latest figures, or why there are none yet."""

    indicator: Indicator
    name: str
    provider: live.LiveProvider | None
    figures: tuple[tuple[str, str, LiveFigure], ...]  # (breakdown label, value text, row)
    waiting: str

    @property
    def computed_at(self) -> datetime | None:
        return max((f.computed_at for _, _, f in self.figures), default=None)


@dataclass
class Section:
    code: str
    name: str
    figures: list[FigureView] = field(default_factory=list)
    implied: list[ImpliedView] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    targets: list[TargetView] = field(default_factory=list)
    live: list[LiveView] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    charts: list[ChartView] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.figures or self.live or self.projects or self.targets)


@dataclass
class Scorecard:
    lang: str
    sections: list[Section]
    findings: list[FindingView]
    sources: list[Source]
    generated_at: datetime
    loaded: bool
    area: str | None = None

    @property
    def figure_count(self) -> int:
        return sum(len(s.figures) for s in self.sections)

    @property
    def inconsistent(self) -> list[FindingView]:
        return [f for f in self.findings if not f.consistent]

    @property
    def live_count(self) -> int:
        return sum(len(v.figures) for s in self.sections for v in s.live)

    @property
    def waiting(self) -> list[LiveView]:
        return [v for s in self.sections for v in s.live if not v.figures]


def _figure_views(data: engine.IndicatorData, lang: str) -> dict[str, list[FigureView]]:
    revisions = dict(
        Value.objects.values_list("code").annotate(n=Count("pk")).values_list("code", "n")
    )
    by_area: dict[str, list[FigureView]] = defaultdict(list)
    rows = Value.objects.current().select_related("indicator", "source")
    for row in sorted(rows, key=lambda v: (v.indicator.position, v.file_row or 10**6, v.pk)):
        claim = engine_claim(row)
        indicator = data.indicators[claim.indicator]
        by_area[indicator.area].append(
            FigureView(
                row=row,
                claim=claim,
                name=words.indicator_name(indicator, lang),
                text=words.claim_text(claim, lang),
                period=words.period_text(claim.period, lang),
                revisions=revisions.get(row.code, 1),
                formula=indicator.formula_en,
            )
        )
    return by_area


def _areas_of(claims: Sequence[engine.Claim], indicators: dict[str, engine.Indicator]) -> set[str]:
    found = set()
    for claim in claims:
        indicator = indicators.get(claim.indicator)
        if indicator is not None:
            found.add(indicator.area)
    return found


def _finding_views(
    found: Sequence[Finding], data: engine.IndicatorData, lang: str
) -> list[FindingView]:
    views = []
    for number, finding in enumerate(found, start=1):
        views.append(
            FindingView(
                finding=finding,
                number=number,
                title=words.finding_title(finding, data.indicators, lang),
                text=words.finding_text(finding, data.indicators, lang),
                claims=tuple(
                    (
                        f"{words.indicator_name(data.indicators[c.indicator], lang)}: "
                        f"{words.claim_text(c, lang)}",
                        words.period_text(c.period, lang),
                        c.sentence,
                    )
                    for c in finding.claims
                ),
                working=tuple(
                    f"{d.label}: {words.derived_text(d, lang)}"
                    if lang == "en"
                    else words.derived_text(d, lang)
                    for d in finding.derived
                ),
                areas=frozenset(_areas_of(finding.claims, dict(data.indicators))),
            )
        )
    return views


def _live_views(lang: str) -> dict[str, list[LiveView]]:
    latest: dict[int, list[LiveFigure]] = defaultdict(list)
    for figure in LiveFigure.objects.latest_each().order_by("breakdown"):
        latest[figure.indicator_id].append(figure)
    registry = {p.indicator: p for p in live.providers()}
    by_area: dict[str, list[LiveView]] = defaultdict(list)
    for indicator in Indicator.objects.filter(code__in=registry):
        provider = registry[indicator.code]
        unit = get_unit(indicator.unit)
        figures = []
        for row in latest.get(indicator.pk, []):
            quantity = Quantity(value=row.value, unit=get_unit(row.unit)).to(unit)
            figures.append((row.breakdown_label(lang), words.quantity_text(quantity, lang), row))
        by_area[indicator.area].append(
            LiveView(
                indicator=indicator,
                name=indicator.name(lang),
                provider=provider,
                figures=tuple(figures),
                waiting="" if figures else f"{provider.dotted}()",
            )
        )
    return by_area


def _project_rows() -> dict[str, list[Project]]:
    by_area: dict[str, list[Project]] = defaultdict(list)
    projects = Project.objects.prefetch_related(
        "indicators", Prefetch("milestones", queryset=Milestone.objects.order_by("position"))
    ).select_related("source")
    for project in projects:
        areas = {i.area for i in project.indicators.all()}
        if not areas:
            areas = {
                Project.Category.URBAN_RENEWAL: {Area.URBAN_RENEWAL.value},
                Project.Category.PRACTICAL_SERVICE: {Area.PUBLIC_SERVICES.value},
                Project.Category.URBAN_GOVERNANCE: {Area.URBAN_GOVERNANCE.value},
            }[Project.Category(project.category)]
        for area in sorted(areas):
            by_area[area].append(project)
    return by_area


def build_scorecard(*, lang: str, area: str | None = None) -> Scorecard:
    """Everything the scorecard shows, in ``lang`` (``zh-hans`` or ``en``), for one area or all."""
    lang = "en" if lang == "en" else "zh-hans"
    data = indicator_data()
    loaded = bool(data.indicators)
    found = findings(data) if loaded else []
    finding_views = _finding_views(found, data, lang)
    implied_records = implied(data) if loaded else []
    target_rows = {(t.code, t.revision): t for t in Target.objects.current()}
    figures = _figure_views(data, lang)
    anchors = {f.claim.id: f.anchor for views in figures.values() for f in views}
    live_views = _live_views(lang) if loaded else {}
    projects = _project_rows() if loaded else {}
    current_claims = data.current_claims()
    target_assessments = assessments(data) if loaded else []
    sections = []
    for code in AREA_CODES:
        if area and code != area:
            continue
        section = Section(code=code, name=words.area_name(code, lang))
        section.figures = figures.get(code, [])
        for record in implied_records:
            if data.indicators[record.indicator].area != code:
                continue
            section.implied.append(
                ImpliedView(
                    record=record,
                    label=words.implied_label(record, data.indicators, lang),
                    working=words.derived_text(record.derived, lang),
                    inputs=tuple(anchors[c.id] for c in record.claims if c.id in anchors),
                )
            )
        section.findings = [f for f in finding_views if code in f.areas]
        for assessment in target_assessments:
            if assessment.indicator.area != code:
                continue
            chart = charts.target_chart(assessment, lang)
            section.targets.append(
                TargetView(
                    assessment=assessment,
                    row=target_rows[(assessment.target.id, assessment.target.revision)],
                    name=words.indicator_name(assessment.indicator, lang),
                    value=words.quantity_text(assessment.target.quantity(), lang),
                    text=words.target_text(assessment, lang),
                    chart=ChartView(chart) if chart else None,
                )
            )
        section.live = live_views.get(code, [])
        section.projects = projects.get(code, [])
        area_records = [r for r in implied_records if data.indicators[r.indicator].area == code]
        area_claims = [c for c in current_claims if data.indicators[c.indicator].area == code]
        chart_list: list[LineChart | BarChart] = [
            *charts.growth_path_charts(area_records, data.indicators, lang),
            *charts.time_series_charts(area_claims, data.indicators, lang),
        ]
        cluster = charts.cluster_chart(area_claims, data.indicators, lang)
        if cluster is not None:
            chart_list.append(cluster)
        for view in section.live:
            if len(view.figures) > 1:
                bars = charts.live_breakdown_chart(
                    view.name,
                    get_unit(view.indicator.unit),
                    [(label, row.value) for label, _, row in view.figures],
                    lang,
                )
                if bars is not None:
                    chart_list.append(bars)
        section.charts = [ChartView(c) for c in chart_list]
        sections.append(section)
    sources = list(Source.objects.all())
    if area:  # the findings about this area's figures; numbers stay those of the whole
        finding_views = [f for f in finding_views if area in f.areas]
    return Scorecard(
        lang=lang,
        sections=sections,
        findings=finding_views,
        sources=sources,
        generated_at=timezone.now(),
        loaded=loaded,
        area=area,
    )
