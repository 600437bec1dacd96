"""Target trajectories: what it takes to get from the latest value to a target, and whether
the current pace gets there.

For each target the assessment gives:

- the *required* pace from the latest value to the target value by the end of the target
  year: a compound annual growth rate for money (GDP, revenue), or a yearly increment for
  counts, areas, lengths and percentages (beds, elevators, coverage);
- the *current* pace from history: a stated average growth rate or yearly increase if the
  source gives one, else the pace between two stated levels, else a running total divided
  by the years it took; none when the history is a single figure;
- the value that pace would reach by the target year, and whether that meets the target;
- yearly paths along both paces, for a chart.

Targets are marked ``sourced`` or ``illustrative``. The 15th Five-Year Plan (2026-2030) was
still being drafted when the briefing was given, so the demo targets are illustrative, and
every explanation of such a target starts by saying so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from .arithmetic import (
    Derived,
    Dimension,
    Quantity,
    When,
    cagr,
    cagr_from_multiple,
    compound,
    linear_increment,
    linear_projection,
)
from .arithmetic.growth import average_annual_increase, years_text
from .loader import CHANGE_MEASURES, Claim, Direction, Indicator, IndicatorData, Measure, Target

__all__ = [
    "GrowthModel",
    "Pace",
    "PathPoint",
    "TargetAssessment",
    "assess_target",
    "assess_targets",
    "current_paces",
    "growth_model_for",
]


class GrowthModel(StrEnum):
    """How an indicator is expected to move: by a rate, or by a yearly amount."""

    COMPOUND = "compound"
    LINEAR = "linear"


class PathPoint(NamedTuple):
    """A point of a trajectory: a label for the chart axis, a time (decimal year), a value.

    ``time`` places the point on a continuous axis (the end of 2024 is 2025.0) and ``label``
    names it as a reader would ("2024", or "2025-09-23" for an as-of figure), so a chart can
    pass ``x_values=times, x_labels=labels``.
    """

    label: str
    time: float
    value: float


@dataclass(frozen=True)
class Pace:
    """A pace of change: percent a year (compound) or units a year (linear)."""

    quantity: Quantity
    basis: str  # in words: "stated average growth, 2020 to 2024"
    derived: Derived | None = None  # the working, when the pace was computed
    claims: tuple[Claim, ...] = ()

    def describe(self) -> str:
        working = f" = {self.derived.expression}" if self.derived is not None else ""
        return f"{self.quantity.format()} a year ({self.basis}{working})"


@dataclass(frozen=True)
class TargetAssessment:
    """A target checked against the latest value and the current pace."""

    target: Target
    indicator: Indicator
    latest: Claim | None
    model: GrowthModel
    years_left: float
    required: Derived | None
    pace: Pace | None
    projected: Derived | None
    reaches: bool | None
    other_paces: tuple[tuple[Pace, Derived], ...]
    explanation: str
    required_path: tuple[PathPoint, ...]
    projected_path: tuple[PathPoint, ...]

    @property
    def illustrative(self) -> bool:
        return self.target.is_illustrative

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the CLI's ``--json`` and the API."""
        return {
            "target": self.target.id,
            "indicator": self.indicator.code,
            "status": self.target.status,
            "target_value": self.target.value_text,
            "unit": self.target.unit.code,
            "target_year": self.target.target_year,
            "latest": self.latest.statement() if self.latest else None,
            "model": self.model.value,
            "years_left": round(self.years_left, 3),
            "required": self.required.as_dict() if self.required else None,
            "pace": self.pace.describe() if self.pace else None,
            "projected": self.projected.as_dict() if self.projected else None,
            "reaches": self.reaches,
            "explanation": self.explanation,
            "required_path": [p._asdict() for p in self.required_path],
            "projected_path": [p._asdict() for p in self.projected_path],
        }


def growth_model_for(indicator: Indicator) -> GrowthModel:
    """Money compounds; counts, areas, lengths and percentages grow by yearly amounts."""
    if indicator.unit.dimension is Dimension.MONEY and indicator.measure is Measure.LEVEL:
        return GrowthModel.COMPOUND
    return GrowthModel.LINEAR


# ---------------------------------------------------------------------------- history


def _levels(indicator: Indicator, claims: Sequence[Claim]) -> list[Claim]:
    """Claims that are values of the indicator itself, oldest first."""
    own = [c for c in claims if c.indicator == indicator.code]
    return sorted(own, key=lambda c: c.period.end.time())


def current_paces(
    indicator: Indicator,
    claims: Sequence[Claim],
    indicators: Mapping[str, Indicator],
    model: GrowthModel,
) -> list[Pace]:
    """Every pace the history supports, best first: stated rates before computed ones.

    Stated paces are change claims about the indicator (an average growth rate for a
    compounding indicator, an average yearly increase for a linear one) over the latest
    span. Computed paces come from a multiple, from the two most distant levels, or from a
    running total since its start date.
    """
    derived_of = [
        (c, indicators[c.indicator])
        for c in claims
        if indicators[c.indicator].of == indicator.code
        and indicators[c.indicator].measure in CHANGE_MEASURES
    ]
    derived_of.sort(key=lambda pair: -pair[0].period.end.time())
    stated: list[Pace] = []
    paces: list[Pace] = []
    for claim, kind in derived_of:
        span = claim.period.label()
        years = claim.period.years()
        if model is GrowthModel.COMPOUND and kind.measure is Measure.AVG_GROWTH:
            stated.append(Pace(claim.quantity(), f"stated average growth, {span}", claims=(claim,)))
        elif model is GrowthModel.COMPOUND and kind.measure is Measure.MULTIPLE:
            rate = cagr_from_multiple(claim.quantity(), years, label="pace from the multiple")
            paces.append(Pace(rate.quantity, f"implied by the multiple, {span}", rate, (claim,)))
        elif model is GrowthModel.LINEAR and kind.measure is Measure.AVG_INCREASE:
            stated.append(
                Pace(claim.quantity(), f"stated average yearly increase, {span}", claims=(claim,))
            )
        elif model is GrowthModel.LINEAR and kind.measure is Measure.INCREASE:
            step = average_annual_increase(claim.quantity(), years, label="pace from the rise")
            paces.append(Pace(step.quantity, f"stated increase spread over {span}", step, (claim,)))
    levels = _levels(indicator, claims)
    if len(levels) >= 2:
        first, last = levels[0], levels[-1]
        years = last.period.end.time() - first.period.end.time()
        if years > 0:
            between = (
                cagr(first.quantity(), last.quantity(), years, label="pace between levels")
                if model is GrowthModel.COMPOUND
                else linear_increment(
                    first.quantity(), last.quantity(), years, label="pace between levels"
                )
            )
            paces.append(
                Pace(
                    between.quantity,
                    f"between {first.period.end} and {last.period.end}",
                    between,
                    (first, last),
                )
            )
    if levels and indicator.measure is Measure.CUMULATIVE and model is GrowthModel.LINEAR:
        last = levels[-1]
        if last.period.start is not None:
            years = last.period.years()
            if years > 0:
                step = average_annual_increase(
                    last.quantity(), years, label="pace of the running total"
                )
                paces.append(
                    Pace(step.quantity, f"running total since {last.period.start}", step, (last,))
                )
    return stated + paces


# -------------------------------------------------------------------------- assessment


def _meets(indicator: Indicator, value: float, target: float, latest: float) -> bool:
    if indicator.direction is Direction.LOWER:
        return value <= target
    if indicator.direction is Direction.HIGHER:
        return value >= target
    return value >= target if target >= latest else value <= target


def _path(
    start: tuple[When, float], end_time: float, model: GrowthModel, pace: float
) -> tuple[PathPoint, ...]:
    """Points from the latest value to the end of the target year, one per year end."""
    start_when, start_value = start
    start_time = start_when.time()
    times = [start_time]
    next_year = math.floor(start_time) + 1.0
    while next_year < end_time - 1e-9:
        times.append(next_year)
        next_year += 1.0
    times.append(end_time)
    points = []
    for time in times:
        elapsed = time - start_time
        value = (
            start_value * (1 + pace / 100) ** elapsed
            if model is GrowthModel.COMPOUND
            else start_value + pace * elapsed
        )
        # A year's end stands for that year's figure; the start keeps its own label.
        label = str(start_when) if time == start_time else str(round(time) - 1)
        points.append(PathPoint(label, round(time, 4), value))
    return tuple(points)


def _project(latest: Quantity, pace: Pace, years: float, model: GrowthModel) -> Derived:
    if model is GrowthModel.COMPOUND:
        return compound(latest, pace.quantity, years, label="value at the current pace")
    return linear_projection(latest, pace.quantity, years, label="value at the current pace")


def _latest_value(indicator: Indicator, claims: Sequence[Claim]) -> Claim | None:
    levels = _levels(indicator, claims)
    return levels[-1] if levels else None


def assess_target(
    target: Target,
    indicator: Indicator,
    claims: Sequence[Claim],
    indicators: Mapping[str, Indicator],
    *,
    model: GrowthModel | None = None,
) -> TargetAssessment:
    """Check one target against the indicator's claims (current revisions)."""
    model = model or growth_model_for(indicator)
    target_q = target.quantity()
    latest = _latest_value(indicator, claims)
    prefix = (
        "Illustrative target (not from any plan): "
        if target.is_illustrative
        else f"Target from source '{target.source}': "
    )
    head = f"{prefix}{indicator.name_en} {target_q.format()} by {target.target_year}."
    target_time = When(target.target_year).time()
    empty: tuple[PathPoint, ...] = ()
    if latest is None:
        return TargetAssessment(
            target,
            indicator,
            None,
            model,
            math.nan,
            None,
            None,
            None,
            None,
            (),
            head + " There is no value yet to measure it from.",
            empty,
            empty,
        )
    latest_q = latest.quantity()
    latest_time = latest.period.end.time()
    years = target_time - latest_time
    if indicator.measure in CHANGE_MEASURES or indicator.measure is Measure.RANK or years <= 0:
        reaches = _meets(
            indicator, latest_q.value, target_q.to(latest_q.unit).value, latest_q.value
        )
        verdict = "meets" if reaches else "does not meet"
        text = f"{head} The latest value, {latest.statement()}, {verdict} it" + (
            " already." if years <= 0 or reaches else "."
        )
        return TargetAssessment(
            target,
            indicator,
            latest,
            model,
            years,
            None,
            None,
            None,
            reaches,
            (),
            text,
            empty,
            empty,
        )
    target_in_unit = target_q.to(latest_q.unit)
    if model is GrowthModel.COMPOUND:
        required = cagr(latest_q, target_in_unit, years, label="growth needed")
    else:
        required = linear_increment(latest_q, target_in_unit, years, label="yearly amount needed")
    text = (
        f"{head} From {latest.statement()} it needs {required.expression} = "
        f"{required.result_text} a year for {years_text(years)} years."
    )
    paces = current_paces(indicator, claims, indicators, model)
    start = (latest.period.end, latest_q.value)
    required_path = _path(start, target_time, model, required.value)
    if not paces:
        text += (
            " The history holds a single figure, so there is no current pace to judge "
            "whether it will be reached."
        )
        return TargetAssessment(
            target,
            indicator,
            latest,
            model,
            years,
            required,
            None,
            None,
            None,
            (),
            text,
            required_path,
            empty,
        )
    pace, others = paces[0], paces[1:]
    projected = _project(latest_q, pace, years, model)
    reaches = _meets(indicator, projected.value, target_in_unit.value, latest_q.value)
    text += (
        f" At the current pace, {pace.describe()}, it would be {projected.expression} = "
        f"{projected.result_text} by {target.target_year}: the target is "
        f"{'reached' if reaches else 'not reached'}."
    )
    other_results = []
    for other in others:
        other_projection = _project(latest_q, other, years, model)
        other_results.append((other, other_projection))
        other_reaches = _meets(
            indicator, other_projection.value, target_in_unit.value, latest_q.value
        )
        text += (
            f" At {other.describe()} it would be {other_projection.result_text} "
            f"({'reached' if other_reaches else 'not reached'})."
        )
    projected_path = _path(start, target_time, model, pace.quantity.value)
    return TargetAssessment(
        target,
        indicator,
        latest,
        model,
        years,
        required,
        pace,
        projected,
        reaches,
        tuple(other_results),
        text,
        required_path,
        projected_path,
    )


def assess_targets(data: IndicatorData) -> list[TargetAssessment]:
    """Assess every current target of a loaded data folder."""
    claims = data.current_claims()
    return [
        assess_target(target, data.indicators[target.indicator], claims, data.indicators)
        for target in data.current_targets()
    ]
