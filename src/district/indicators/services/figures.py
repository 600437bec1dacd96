"""Live figures from the other apps, and the stored records read back as engine data."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import live
from .. import loader as engine
from ..arithmetic import Period, Qualifier, get_unit
from ..checks import Finding, ImpliedValue, check_data, implied_records, reference_claim
from ..models import Indicator, LiveFigure, Origin, Source, Target, Value
from ..targets import TargetAssessment, assess_targets


@dataclass(frozen=True)
class LiveOutcome:
    """A provider's run: its result and the figures stored (new or confirmed)."""

    result: live.ProviderResult
    stored: tuple[LiveFigure, ...] = ()

    @property
    def status(self) -> str:
        return self.result.status.value

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.result.provider.indicator,
            "function": self.result.provider.dotted,
            "status": self.status,
            "reason": self.result.reason,
            "figures": [
                {
                    "breakdown": f.breakdown,
                    "value": f.value,
                    "unit": f.unit,
                    "computed_at": f.computed_at.isoformat(),
                    "first_computed_at": f.first_computed_at.isoformat(),
                }
                for f in self.stored
            ],
        }


def refresh_live_figures(*, now: datetime | None = None) -> list[LiveOutcome]:
    """Compute every live figure the platform's apps can give now, and store it.

    A figure equal to the last one stored only moves that row's ``computed_at`` on; a new
    value adds a row. Providers whose app or function does not exist yet are reported,
    not stored.
    """
    moment = now or timezone.now()
    outcomes = []
    for result in live.run_providers():
        if result.status is not live.ProviderStatus.OK:
            outcomes.append(LiveOutcome(result))
            continue
        indicator = Indicator.objects.filter(code=result.provider.indicator).first()
        if indicator is None:
            missing = live.ProviderResult(
                result.provider,
                live.ProviderStatus.UNAVAILABLE,
                reason=f"the indicator '{result.provider.indicator}' is not loaded; run "
                "`district indicators import`",
            )
            outcomes.append(LiveOutcome(missing))
            continue
        with transaction.atomic():
            stored = tuple(_store_reading(indicator, result, r, moment) for r in result.readings)
        outcomes.append(LiveOutcome(result, stored))
    return outcomes


def _store_reading(
    indicator: Indicator, result: live.ProviderResult, reading: live.Reading, moment: datetime
) -> LiveFigure:
    latest = (
        LiveFigure.objects.select_for_update()
        .filter(indicator=indicator, breakdown=reading.breakdown)
        .order_by("-computed_at")
        .first()
    )
    detail = dict(reading.detail)
    if (
        latest is not None
        and latest.unit == reading.unit
        and math.isclose(latest.value, reading.value, rel_tol=1e-12, abs_tol=1e-12)
        and latest.detail == detail
    ):
        latest.computed_at = max(moment, latest.computed_at)
        latest.save(update_fields=["computed_at"])
        return latest
    return LiveFigure.objects.create(
        indicator=indicator,
        breakdown=reading.breakdown,
        breakdown_en=reading.breakdown_en,
        breakdown_zh=reading.breakdown_zh,
        value=reading.value,
        unit=reading.unit,
        provider=result.provider.dotted,
        first_computed_at=moment,
        computed_at=moment,
        detail=detail,
    )


# ------------------------------------------------------------------------------ reads


def _engine_source(row: Source) -> engine.Source:
    return engine.Source(
        id=row.code,
        kind=row.kind,
        title=row.title,
        publisher=row.publisher,
        published_on=row.published_on,
        language=row.language,
        path=Path(row.path) if row.path else None,
        url=row.url,
        note=row.note,
        text=row.text or None,
    )


def _engine_indicator(row: Indicator, codes: dict[int, str]) -> engine.Indicator:
    return engine.Indicator(
        code=row.code,
        area=row.area,
        name_en=row.name_en,
        name_zh=row.name_zh,
        name_zh_origin=row.name_zh_origin,
        unit=get_unit(row.unit),
        direction=engine.Direction(row.direction),
        measure=engine.Measure(row.measure),
        of=codes[row.of_id] if row.of_id else None,
        whole=codes[row.whole_id] if row.whole_id else None,
        formula_en=row.formula_en,
        note=row.note,
        row=row.position,
    )


def engine_claim(row: Value) -> engine.Claim:
    """A stored value as the engine's claim (``row.indicator`` and ``row.source`` loaded)."""
    return engine.Claim(
        id=row.code,
        revision=row.revision,
        indicator=row.indicator.code,
        value_text=row.value_text,
        unit=get_unit(row.unit),
        qualifier=Qualifier(row.qualifier),
        period=Period.parse(row.period_start, row.period_end),
        price_basis=row.price_basis or None,
        source=row.source.code,
        sentence=row.sentence,
        recorded_on=row.recorded_on,
        note=row.note,
        path="values.csv" if row.origin == Origin.FILE else "entered",
        row=row.file_row or row.pk,
    )


def _engine_target(row: Target) -> engine.Target:
    return engine.Target(
        id=row.code,
        revision=row.revision,
        indicator=row.indicator.code,
        value_text=row.value_text,
        unit=get_unit(row.unit),
        target_year=row.target_year,
        status=row.status,
        source=row.source.code,
        sentence=row.sentence,
        recorded_on=row.recorded_on,
        note=row.note,
        path="targets.csv" if row.origin == Origin.FILE else "entered",
        row=row.file_row or row.pk,
    )


def indicator_data() -> engine.IndicatorData:
    """The stored sources, indicators, values and targets (every revision) for the engine."""
    indicator_rows = list(Indicator.objects.all())
    codes = {row.pk: row.code for row in indicator_rows}
    return engine.IndicatorData(
        directory=Path(),
        sources={row.code: _engine_source(row) for row in Source.objects.all()},
        indicators={row.code: _engine_indicator(row, codes) for row in indicator_rows},
        claims=tuple(
            engine_claim(v)
            for v in Value.objects.select_related("indicator", "source").order_by("pk")
        ),
        targets=tuple(
            _engine_target(t)
            for t in Target.objects.select_related("indicator", "source").order_by("pk")
        ),
    )


def land_area_reference() -> engine.Claim | None:
    """The district's land area from the platform (latest live figure), for the checks."""
    figure = (
        LiveFigure.objects.filter(indicator__code="district_land_area", breakdown="")
        .order_by("-computed_at")
        .first()
    )
    if figure is None:
        return None
    computed = timezone.localtime(figure.computed_at)
    return reference_claim(
        indicator="district_land_area",
        value=f"{figure.value:.2f}",
        unit=figure.unit,
        period_end=computed.date().isoformat(),
        source="platform",
        sentence=(
            f"Area of the district boundary loaded in the platform, computed by "
            f"{figure.provider}() at {computed:%Y-%m-%d %H:%M %z}."
        ),
    )


def findings(data: engine.IndicatorData | None = None) -> list[Finding]:
    """The consistency findings over the stored figures and the platform's own figures."""
    data = data or indicator_data()
    references: Iterable[engine.Claim] = filter(None, [land_area_reference()])
    return check_data(data, references=tuple(references))


def implied(data: engine.IndicatorData | None = None) -> list[ImpliedValue]:
    data = data or indicator_data()
    return implied_records(data.indicators, data.current_claims())


def assessments(data: engine.IndicatorData | None = None) -> list[TargetAssessment]:
    return assess_targets(data or indicator_data())
