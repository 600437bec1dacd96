"""Reading the stored results: per-cell walking times, the gap list, completeness and
per-capita adequacy. (The district figures other apps read are
``services.coverage_summary``.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from district.geo import services as geo
from district.lifecircle.engine import PER_CAPITA_STANDARDS, check_adequacy
from district.lifecircle.models import (
    AccessOrigin,
    AccessRun,
    AreaCoverage,
    OriginAccess,
    PerCapitaStandard,
)
from district.lifecircle.services import check_category_measured, require_run, seed_standards


def subdistrict_coverage(*, run: AccessRun) -> list[AreaCoverage]:
    return list(
        AreaCoverage.objects.filter(run=run, level=AreaCoverage.Level.SUBDISTRICT).order_by(
            "code", "category"
        )
    )


def cells_geojson(*, category: str, run: AccessRun | None = None) -> dict[str, Any]:
    """Grid cells with the walking time from their centre to the nearest facility of
    ``category`` (``minutes``), whether that is within the threshold and whether it was
    estimated; plus the cell's completeness score."""
    run = run or require_run()
    check_category_measured(run, category)
    access = {
        row[0]: row[1:]
        for row in OriginAccess.objects.filter(run=run, category=category).values_list(
            "origin__cell_code",
            "walk_minutes",
            "distance_m",
            "within",
            "estimated",
            "facility_name",
            "count_within",
            "origin__within_network",
            "origin__categories",
        )
    }
    features = []
    for feature in geo.grid_geojson()["features"]:
        code = feature["properties"]["code"]
        values = access.get(code)
        props: dict[str, Any] = {"code": code}
        if values is not None:
            minutes, distance, within, estimated, name, count, score, total = values
            props.update(
                minutes=minutes,
                distance_m=distance,
                within=within,
                estimated=estimated,
                facility=name,
                count=count,
                score=score,
                categories=total,
            )
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    return {
        "type": "FeatureCollection",
        "features": features,
        "category": category,
        "threshold_m": run.thresholds[category],
        "speed_m_per_min": run.speed_m_per_min,
        "basis": run.origin_kind,
        "run": run.pk,
    }


@dataclass(frozen=True)
class Gap:
    """An origin outside a category's threshold."""

    origin: str
    cell_code: str
    subdistrict_code: str
    category: str
    distance_m: float | None
    walk_minutes: float | None
    over_m: float | None
    facility: str
    weight: float
    estimated: bool
    lon: float
    lat: float


def gap_list(
    *,
    run: AccessRun | None = None,
    category: str | None = None,
    estimated: bool = False,
    limit: int = 100,
) -> list[Gap]:
    """Origins outside their category's threshold, worst first (farthest beyond it).

    ``estimated=False`` lists those measured on the network, ``True`` those whose distance
    is estimated; the two are never mixed. An origin with no facility at all of the
    category comes first (nothing to walk to).
    """
    run = run or require_run()
    queryset = OriginAccess.objects.filter(run=run, within=False, estimated=estimated)
    if category:
        check_category_measured(run, category)
        queryset = queryset.filter(category=category)
    rows = queryset.select_related("origin").order_by("-distance_m")
    gaps = []
    for row in rows:
        threshold = float(run.thresholds.get(row.category, 0))
        gaps.append(
            Gap(
                origin=row.origin.key,
                cell_code=row.origin.cell_code,
                subdistrict_code=row.origin.subdistrict_code,
                category=row.category,
                distance_m=row.distance_m,
                walk_minutes=row.walk_minutes,
                over_m=None if row.distance_m is None else round(row.distance_m - threshold, 1),
                facility=row.facility_name,
                weight=row.origin.weight,
                estimated=row.estimated,
                lon=row.origin.lon,
                lat=row.origin.lat,
            )
        )
    gaps.sort(key=lambda g: (g.distance_m is not None, -(g.over_m or 0.0)))
    return gaps[: max(0, limit)]


def gap_counts(*, run: AccessRun) -> dict[str, dict[str, int]]:
    """Per category: origins outside the threshold, measured and estimated."""
    out: dict[str, dict[str, int]] = {c: {"network": 0, "estimated": 0} for c in run.thresholds}
    rows = OriginAccess.objects.filter(run=run, within=False).values_list("category", "estimated")
    for code, est in rows:
        out.setdefault(code, {"network": 0, "estimated": 0})
        out[code]["estimated" if est else "network"] += 1
    return out


def completeness_histogram(*, run: AccessRun) -> list[dict[str, Any]]:
    """How many origins (and how much weight) have 0, 1, … categories within by network,
    among the origins on the network."""
    total = len(run.thresholds)
    counts = [0] * (total + 1)
    weights = [0.0] * (total + 1)
    for within, weight in AccessOrigin.objects.filter(run=run, on_network=True).values_list(
        "within_network", "weight"
    ):
        counts[min(within, total)] += 1
        weights[min(within, total)] += weight
    return [
        {
            "within": n,
            "categories": total,
            "origins": counts[n],
            "weight": weights[n],
            "km2": weights[n] / 1e6,
        }
        for n in range(total + 1)
    ]


@dataclass(frozen=True)
class AdequacyRow:
    standard: PerCapitaStandard
    area: str
    status: str
    capacity: float | None
    population: float | None
    required: float | None
    shortfall: float | None
    reason: str


def per_capita_table() -> list[AdequacyRow]:
    """Each per-capita standard checked for the district (and each subdistrict where homes
    and capacities are known). Unknown capacity or population gives "unknown"."""
    if not PerCapitaStandard.objects.exists():
        seed_standards()
    homes = geo.resident_points()
    capacity: dict[str, float] = {}
    capacity_known: dict[str, bool] = {}
    for feature in geo.facilities_geojson()["features"]:
        props = feature["properties"]
        if not props["in_district"]:
            continue
        code = props["category"]
        capacity_known.setdefault(code, True)
        if props["capacity"] is None:
            capacity_known[code] = False
        else:
            capacity[code] = capacity.get(code, 0.0) + float(props["capacity"])
    rows = []
    for standard in PerCapitaStandard.objects.all():
        known = capacity_known.get(standard.category, False)
        cap = capacity.get(standard.category) if known else None
        if not homes:
            pop = None
        elif standard.population == PerCapitaStandard.Population.AGED_60_PLUS:
            if any(h.population_60plus is None for h in homes):
                pop = None
            else:
                pop = float(sum(h.population_60plus or 0 for h in homes))
        else:
            pop = float(sum(h.population for h in homes))
        engine_standard = PER_CAPITA_STANDARDS.get(standard.code)
        check = check_adequacy(
            engine_standard
            if engine_standard is not None and engine_standard.per_1000 == standard.per_1000
            else _engine_per_capita(standard),
            capacity=cap,
            population=pop,
            area="district",
        )
        rows.append(
            AdequacyRow(
                standard=standard,
                area="district",
                status=check.status,
                capacity=check.capacity,
                population=check.population,
                required=check.required,
                shortfall=check.shortfall,
                reason=check.reason,
            )
        )
    return rows


def _engine_per_capita(standard: PerCapitaStandard) -> Any:
    from district.lifecircle.engine.standards import PerCapitaStandard as EngineStandard

    return EngineStandard(
        standard.code,
        standard.name,
        standard.name_en,
        standard.capacity_unit,
        standard.per_1000,
        standard.population_note,
        standard.basis,
    )
