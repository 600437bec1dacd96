"""The scorecard's charts, as :mod:`district.core.pdf` chart blocks (PDF and inline SVG).

- growth paths: a stated end-year value and the yearly path back to the base year that
  each growth claim (a multiple, an average rate) implies, so two claims that disagree
  show as two lines that start apart;
- time series: indicators with stated values in two or more years;
- the cluster breakdown: the four 100-billion-yuan industrial clusters;
- target trajectories: the path a target needs from the latest value, and the path of the
  current pace;
- live breakdowns: a live figure by category (15-minute coverage).

Titles and series names follow the language; numbers are the same in both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from district.core.pdf import BarChart, ChartSeries, LineChart

from .arithmetic import Unit
from .checks import ImpliedValue
from .loader import Claim, Indicator, Measure
from .targets import TargetAssessment
from .words import claim_text, quantity_text

__all__ = [
    "cluster_chart",
    "growth_path_charts",
    "live_breakdown_chart",
    "target_chart",
    "time_series_charts",
]

CLUSTER_PREFIX = "cluster_"


def _en(lang: str) -> bool:
    return lang == "en"


def unit_label(unit: Unit, lang: str) -> str:
    if _en(lang):
        return {"count": "count", "percent": "percent", "rank": "rank"}.get(
            unit.code, unit.label_en.strip()
        )
    return {"count": "个", "percent": "%"}.get(unit.code, unit.label_zh)


def growth_path_charts(
    records: Sequence[ImpliedValue], indicators: Mapping[str, Indicator], lang: str
) -> list[LineChart]:
    """One chart per end-year value with growth claims: the yearly path each implies."""
    groups: dict[tuple[str, int, int], list[ImpliedValue]] = defaultdict(list)
    for record in records:
        starts = ("implied_start_from_multiple", "implied_start_from_rate")
        if record.method in starts and record.start_year and record.end_year:
            groups[(record.indicator, record.start_year, record.end_year)].append(record)
    charts = []
    for (code, start, end), members in groups.items():
        indicator = indicators[code]
        years = end - start
        end_claim = members[0].claims[0]
        end_value = end_claim.quantity().to(indicator.unit).value
        series = []
        for record in members:
            start_value = record.derived.quantity.to(indicator.unit).value
            ratio = end_value / start_value
            rate = (ratio ** (1 / years) - 1) * 100
            values = tuple(start_value * ratio ** (k / years) for k in range(years + 1))
            said = claim_text(record.claims[-1], lang)
            name = (
                f"from “{said}”: {rate:.2f}% a year"
                if _en(lang)
                else f"按“{said}”推算：年均{rate:.2f}%"
            )
            series.append(ChartSeries(name, values))
        name = indicator.name_en if _en(lang) else indicator.name_zh
        title = (
            f"{name}: the {end} figure and the {start}–{end} paths its growth claims imply"
            if _en(lang)
            else f"{name}：{end}年数值及增长表述隐含的{start}—{end}年路径"
        )
        charts.append(
            LineChart(
                title=title,
                x_labels=tuple(str(year) for year in range(start, end + 1)),
                series=tuple(series),
                unit=unit_label(indicator.unit, lang),
            )
        )
    return charts


def time_series_charts(
    claims: Iterable[Claim], indicators: Mapping[str, Indicator], lang: str
) -> list[LineChart]:
    """Indicators with stated values in two or more different years or days."""
    by_indicator: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        indicator = indicators[claim.indicator]
        if indicator.measure is Measure.LEVEL and claim.period.start is None:
            by_indicator[claim.indicator].append(claim)
    charts = []
    for code, members in by_indicator.items():
        points = sorted(members, key=lambda c: c.period.end.time())
        if len({c.period.end for c in points}) < 2:
            continue
        indicator = indicators[code]
        charts.append(
            LineChart(
                title=indicator.name_en if _en(lang) else indicator.name_zh,
                x_labels=tuple(str(c.period.end) for c in points),
                x_values=tuple(c.period.end.time() for c in points),
                series=(
                    ChartSeries(
                        "stated" if _en(lang) else "所述数值",
                        tuple(c.quantity().to(indicator.unit).value for c in points),
                    ),
                ),
                unit=unit_label(indicator.unit, lang),
            )
        )
    return charts


def cluster_chart(
    claims: Iterable[Claim], indicators: Mapping[str, Indicator], lang: str
) -> BarChart | None:
    """The industrial clusters, each at the level the release states (a lower bound)."""
    members = [c for c in claims if c.indicator.startswith(CLUSTER_PREFIX)]
    if not members:
        return None
    names = []
    for claim in members:
        indicator = indicators[claim.indicator]
        name = indicator.name_en if _en(lang) else indicator.name_zh
        for prefix in ("Scale of the ", "Scale of "):
            name = name.removeprefix(prefix)
        names.append(name.removesuffix(" industrial cluster").removesuffix("产业集群规模"))
    unit = indicators[members[0].indicator].unit
    bounded = all(c.quantity().interval.high == float("inf") for c in members)
    title = (
        "The industrial clusters: the level each has reached"
        + (" (lower bounds: the release gives no cluster's own figure)" if bounded else "")
        if _en(lang)
        else "产业集群：各集群已达到的规模"
        + ("（下限：新闻稿未给出各集群的具体数值）" if bounded else "")
    )
    label = ("at least" if bounded else "stated") if _en(lang) else ("至少" if bounded else "所述")
    return BarChart(
        title=title,
        categories=tuple(names),
        series=(ChartSeries(label, tuple(c.quantity().to(unit).value for c in members)),),
        unit=unit_label(unit, lang),
    )


def target_chart(assessment: TargetAssessment, lang: str) -> LineChart | None:
    """The path a target needs, the path of the current pace, and the target itself."""
    required = assessment.required_path
    if not required:
        return None
    indicator = assessment.indicator
    unit = indicator.unit
    target_value = assessment.target.quantity().to(unit).value
    projected = assessment.projected_path
    series = [
        ChartSeries(
            "path to the target" if _en(lang) else "实现目标所需路径",
            tuple(p.value for p in required),
            dashed=True,
        )
    ]
    if projected and len(projected) == len(required):
        series.append(
            ChartSeries(
                "at the current pace" if _en(lang) else "按当前速度",
                tuple(p.value for p in projected),
            )
        )
    series.append(
        ChartSeries(
            "target" if _en(lang) else "目标",
            (*(None for _ in required[:-1]), target_value),
        )
    )
    name = indicator.name_en if _en(lang) else indicator.name_zh
    target = quantity_text(assessment.target.quantity(), lang)
    year = assessment.target.target_year
    if assessment.illustrative:
        title = (
            f"{name}: illustrative target {target} by {year}"
            if _en(lang)
            else f"{name}：示例目标，{year}年达到{target}"
        )
    else:
        title = (
            f"{name}: target {target} by {year}" if _en(lang) else f"{name}：{year}年目标{target}"
        )
    return LineChart(
        title=title,
        x_labels=tuple(p.label for p in required),
        x_values=tuple(p.time for p in required),
        series=tuple(series),
        unit=unit_label(unit, lang),
    )


def live_breakdown_chart(
    title: str, unit: Unit, rows: Sequence[tuple[str, float]], lang: str
) -> BarChart | None:
    """A live figure by category, as bars."""
    if len(rows) < 2:
        return None
    return BarChart(
        title=title,
        categories=tuple(label for label, _ in rows),
        series=(ChartSeries("live" if _en(lang) else "实时", tuple(v for _, v in rows)),),
        unit=unit_label(unit, lang),
    )
