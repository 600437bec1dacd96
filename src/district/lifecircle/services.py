"""The life circle's services: standards, refreshes, results, siting and what-if.

The only write path of the app. Everything is measured by the pure engine
(``district.lifecircle.engine``) on inputs read through ``district.geo.services`` (network,
facilities, homes or grid cells); the results are stored per refresh (:class:`AccessRun`).

Figures always keep two kinds of distance apart: **network** (measured on the street
network) and **estimated** (straight line × the detour factor, where the network does not
reach). Where no homes are loaded the origins are grid-cell centres weighted by area, and
every figure says "area coverage, not population coverage".
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from district.core.errors import ConflictError, InputError, NotFoundError
from district.geo import services as geo
from district.lifecircle import scenario as scenarios
from district.lifecircle.engine import (
    CATEGORIES,
    PER_CAPITA_STANDARDS,
    WALKING_SPEEDS,
    AccessParams,
    AccessResult,
    add_facility,
    remove_facility,
    score_completeness,
    site_facilities,
    summarise_coverage,
)
from district.lifecircle.engine import Category as EngineCategory
from district.lifecircle.engine.access import DEFAULT_DETOUR_FACTOR, DEFAULT_SNAP_TOLERANCE_M
from district.lifecircle.models import (
    AccessOrigin,
    AccessRun,
    AreaCoverage,
    CategoryStandard,
    OriginAccess,
    PerCapitaStandard,
    SitingStudy,
)
from district.lifecircle.scenario import AREA, Scenario

DEFAULT_SPEED = WALKING_SPEEDS["general"].m_per_min
ELDERLY_SPEED = WALKING_SPEEDS["elderly"].m_per_min
MAX_K = 20

# --- standards ------------------------------------------------------------------------------

# Which facility category's capacity each per-capita standard counts.
PER_CAPITA_CATEGORY = {
    "elderly_care_beds": "elderly_care",
    "community_elderly_care_floor_area": "elderly_care",
}
PER_CAPITA_POPULATION = {
    "elderly_care_beds": PerCapitaStandard.Population.AGED_60_PLUS,
    "community_elderly_care_floor_area": PerCapitaStandard.Population.ALL,
}


@transaction.atomic
def seed_standards() -> int:
    """Create the standards the engine ships that are not in the table yet (planners'
    edits are kept). Returns the number created."""
    created = 0
    for position, category in enumerate(CATEGORIES.values()):
        _, new = CategoryStandard.objects.get_or_create(
            code=category.code,
            defaults={
                "name": category.name_zh,
                "name_en": category.name_en,
                "threshold_m": category.threshold_m,
                "threshold_minutes": category.threshold_minutes,
                "basis": category.basis,
                "tier": category.tier,
                "position": position,
            },
        )
        created += int(new)
    for position, standard in enumerate(PER_CAPITA_STANDARDS.values()):
        _, new = PerCapitaStandard.objects.get_or_create(
            code=standard.code,
            defaults={
                "name": standard.name_zh,
                "name_en": standard.name_en,
                "category": PER_CAPITA_CATEGORY.get(standard.code, ""),
                "capacity_unit": standard.capacity_unit,
                "per_1000": standard.per_1000,
                "population": PER_CAPITA_POPULATION.get(
                    standard.code, PerCapitaStandard.Population.ALL
                ),
                "population_note": standard.population,
                "basis": standard.basis,
                "position": position,
            },
        )
        created += int(new)
    return created


def standards() -> list[CategoryStandard]:
    """The category standards, seeding them on first use."""
    if not CategoryStandard.objects.exists():
        seed_standards()
    return list(CategoryStandard.objects.all())


def _check_threshold(threshold_m: float, threshold_minutes: float) -> None:
    if not (isinstance(threshold_m, (int, float)) and 0 < threshold_m <= 5000):
        raise InputError(
            f"threshold_m={threshold_m!r} is out of range",
            field="threshold_m",
            value=threshold_m,
            fix="Give a walking distance between 1 and 5,000 metres.",
        )
    if not (isinstance(threshold_minutes, (int, float)) and 0 < threshold_minutes <= 60):
        raise InputError(
            f"threshold_minutes={threshold_minutes!r} is out of range",
            field="threshold_minutes",
            value=threshold_minutes,
            fix="Give a walking time between 1 and 60 minutes.",
        )


@transaction.atomic
def update_standard(
    *,
    code: str,
    threshold_m: float,
    threshold_minutes: float,
    basis: str,
    enabled: bool,
    user: Any = None,
) -> CategoryStandard:
    """Change a category's threshold, basis or whether it is measured (planners)."""
    if not CategoryStandard.objects.exists():
        seed_standards()
    try:
        standard = CategoryStandard.objects.select_for_update().get(code=code)
    except CategoryStandard.DoesNotExist:
        raise NotFoundError(
            f"No life-circle category has code {code!r}", field="code", value=code
        ) from None
    _check_threshold(threshold_m, threshold_minutes)
    if not basis.strip():
        raise InputError(
            "The basis is empty",
            field="basis",
            fix="Say which standard (or assumption) the threshold comes from.",
        )
    standard.threshold_m = float(threshold_m)
    standard.threshold_minutes = float(threshold_minutes)
    standard.basis = basis.strip()
    standard.enabled = bool(enabled)
    standard.updated_by = user if getattr(user, "pk", None) else None
    standard.save()
    return standard


def engine_categories() -> dict[str, EngineCategory]:
    """The standards table as the engine's categories (planners' thresholds)."""
    return {
        s.code: EngineCategory(
            s.code, s.name, s.name_en, s.threshold_m, s.threshold_minutes, s.basis, s.tier
        )
        for s in standards()
    }


def measured_thresholds(codes: Sequence[str] | None = None) -> dict[str, float]:
    """Thresholds (m) of the enabled categories (or of ``codes``). Categories without any
    facility loaded are dropped when the scenario is built."""
    table = {s.code: s for s in standards()}
    if codes is not None:
        unknown = [c for c in codes if c not in table]
        if unknown:
            raise InputError(
                f"Unknown life-circle category {unknown[0]!r}",
                field="category",
                value=unknown[0],
                fix=f"Use one of: {', '.join(table)}.",
            )
        return {c: table[c].threshold_m for c in codes}
    return {s.code: s.threshold_m for s in table.values() if s.enabled}


# --- refresh --------------------------------------------------------------------------------


def _params(snap_tolerance_m: float | None, detour_factor: float | None) -> AccessParams:
    return AccessParams(
        snap_tolerance_m=DEFAULT_SNAP_TOLERANCE_M if snap_tolerance_m is None else snap_tolerance_m,
        detour_factor=DEFAULT_DETOUR_FACTOR if detour_factor is None else detour_factor,
    )


def check_speed(speed_m_per_min: float) -> float:
    if not (isinstance(speed_m_per_min, (int, float)) and 20 <= speed_m_per_min <= 200):
        raise InputError(
            f"speed={speed_m_per_min!r} m/min is not a walking speed",
            field="speed",
            value=speed_m_per_min,
            fix="Give metres per minute between 20 and 200 (80 in general, 55 for the elderly).",
        )
    return float(speed_m_per_min)


def latest_run() -> AccessRun | None:
    """The last finished refresh, or None."""
    return AccessRun.objects.filter(status=AccessRun.Status.DONE).first()


def require_run() -> AccessRun:
    run = latest_run()
    if run is None:
        raise NotFoundError(
            "No life-circle results yet",
            field="run",
            fix="A planner can start a refresh, or run `district lifecircle refresh`.",
        )
    return run


def refresh_access(
    *,
    trigger: str = "",
    speed_m_per_min: float = DEFAULT_SPEED,
    snap_tolerance_m: float | None = None,
    detour_factor: float | None = None,
    only_if_changed: bool = False,
) -> AccessRun:
    """Measure walking access from every origin to every measured category and store it.

    With ``only_if_changed`` a refresh whose inputs equal the last finished one's is
    skipped and that run is returned (so ``district demo`` can run twice). The run is
    recorded as failed, with the message, if the engine raises.
    """
    speed = check_speed(speed_m_per_min)
    params = _params(snap_tolerance_m, detour_factor)
    thresholds = measured_thresholds()
    started = time.perf_counter()
    scenario = scenarios.build_scenario(thresholds_m=thresholds, params=params)
    compute_ms = (time.perf_counter() - started) * 1000.0
    last = latest_run()
    if (
        only_if_changed
        and last is not None
        and last.input_signature == scenario.signature
        and last.speed_m_per_min == speed
    ):
        scenarios.remember(last.pk, scenario)
        return last
    run = AccessRun.objects.create(
        status=AccessRun.Status.RUNNING,
        origin_kind=scenario.origins.kind,
        speed_m_per_min=speed,
        snap_tolerance_m=params.snap_tolerance_m,
        detour_factor=params.detour_factor,
        thresholds=scenario.thresholds_m,
        trigger=trigger[:100],
    )
    try:
        _store(run, scenario, compute_ms)
    except Exception as error:
        AccessRun.objects.filter(pk=run.pk).update(
            status=AccessRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    scenarios.remember(run.pk, scenario)
    run.refresh_from_db()
    return run


@transaction.atomic
def _store(run: AccessRun, scenario: Scenario, compute_ms: float) -> None:
    result = scenario.result
    scene = result.scene
    origins = scenario.origins
    speed = run.speed_m_per_min
    completeness = score_completeness(result)
    origin_rows = [
        AccessOrigin(
            run=run,
            key=str(key),
            lon=float(lon),
            lat=float(lat),
            weight=float(weight),
            cell_code=str(cell),
            subdistrict_code=str(sub),
            on_network=bool(on),
            snap_m=round(float(snap), 1),
            within_network=int(wn),
            within_estimated=int(we),
            categories=int(n),
            missing=str(missing)[:400],
        )
        for key, lon, lat, weight, cell, sub, on, snap, wn, we, n, missing in zip(
            scene.origins.id,
            scene.origins.lon,
            scene.origins.lat,
            scene.origins.population,
            origins.cell_code,
            origins.subdistrict_code,
            scene.origins.on_network,
            scene.origins.snap_m,
            completeness["within_network"],
            completeness["within_estimated"],
            completeness["categories"],
            completeness["missing"],
            strict=True,
        )
    ]
    AccessOrigin.objects.bulk_create(origin_rows, batch_size=2000)
    origin_pk = dict(AccessOrigin.objects.filter(run=run).values_list("key", "pk"))
    keys = [str(k) for k in scene.origins.id]
    access_rows = []
    for code, access in result.categories.items():
        facilities = scene.facilities.get(code)
        for i, key in enumerate(keys):
            distance = float(access.distance_m[i])
            known = math.isfinite(distance)
            fac_index = int(access.facility[i])
            fac_id = (
                int(facilities.id[fac_index]) if facilities is not None and fac_index >= 0 else None
            )
            access_rows.append(
                OriginAccess(
                    run=run,
                    origin_id=origin_pk[key],
                    category=code,
                    distance_m=round(distance, 1) if known else None,
                    walk_minutes=round(distance / speed, 2) if known else None,
                    facility_id=fac_id,
                    facility_name=scenario.facility_names.get(fac_id, "")[:200]
                    if fac_id is not None
                    else "",
                    count_within=int(access.count[i]),
                    within=bool(known and access.within[i]),
                    estimated=bool(access.estimated[i]),
                )
            )
    OriginAccess.objects.bulk_create(access_rows, batch_size=2000)
    AreaCoverage.objects.bulk_create(_coverage_rows(run, scenario), batch_size=2000)
    graph = scenario.graph
    facilities_count = {
        code: [int(f.count), int(f.on_network.sum())] for code, f in scene.facilities.items()
    }
    AccessRun.objects.filter(pk=run.pk).update(
        status=AccessRun.Status.DONE,
        origins=scene.origins.count,
        origins_on_network=int(scene.origins.on_network.sum()),
        network_nodes=graph.node_count,
        network_edges=graph.edge_count,
        network_components=[int(s) for s in graph.component_sizes],
        facilities=facilities_count,
        input_signature=scenario.signature,
        finished_at=timezone.now(),
        compute_ms=round(compute_ms, 1),
    )
    # Keep the district figures of earlier runs (a history), drop their details.
    earlier = AccessRun.objects.exclude(pk=run.pk)
    AccessOrigin.objects.filter(run__in=earlier).delete()
    AreaCoverage.objects.filter(run__in=earlier).exclude(level=AreaCoverage.Level.DISTRICT).delete()


def _coverage_rows(run: AccessRun, scenario: Scenario) -> list[AreaCoverage]:
    result = scenario.result
    origins = scenario.origins
    levels: list[tuple[str, Any]] = [(AreaCoverage.Level.DISTRICT, None)]
    if any(origins.subdistrict_code):
        levels.append(
            (AreaCoverage.Level.SUBDISTRICT, [c or "none" for c in origins.subdistrict_code])
        )
    if any(origins.cell_code):
        levels.append((AreaCoverage.Level.CELL, [c or "none" for c in origins.cell_code]))
    rows: list[AreaCoverage] = []
    for level, groups in levels:
        table = summarise_coverage(result, groups)
        medians = _median_minutes(result, groups, run.speed_m_per_min)
        for record in table.to_dict("records"):
            med_net, med_est = medians.get((str(record["group"]), record["category"]), (None, None))
            rows.append(
                AreaCoverage(
                    run=run,
                    level=level,
                    code="district" if level == AreaCoverage.Level.DISTRICT else record["group"],
                    category=record["category"],
                    threshold_m=record["threshold_m"],
                    origins=record["origins"],
                    weight=record["population"],
                    weight_network=record["population_network"],
                    weight_estimated=record["population_estimated"],
                    weight_unknown=record["population_unknown"],
                    covered_network=record["covered_network"],
                    covered_estimated=record["covered_estimated"],
                    share_network=_finite(record["share_network"]),
                    share_estimated=_finite(record["share_estimated"]),
                    median_minutes_network=med_net,
                    median_minutes_estimated=med_est,
                )
            )
    return rows


def _median_minutes(
    result: AccessResult, groups: Any, speed: float
) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    keys = np.asarray(groups if groups is not None else ["all"] * result.scene.origins.count)
    out: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for code, access in result.categories.items():
        frame = pd.DataFrame(
            {"group": keys, "minutes": access.distance_m / speed, "estimated": access.estimated}
        )
        frame = frame[np.isfinite(frame["minutes"])]
        net = frame[~frame["estimated"]].groupby("group")["minutes"].median()
        est = frame[frame["estimated"]].groupby("group")["minutes"].median()
        for group in set(net.index) | set(est.index):
            out[(str(group), code)] = (
                round(float(net[group]), 2) if group in net.index else None,
                round(float(est[group]), 2) if group in est.index else None,
            )
    return out


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def scenario_for(run: AccessRun) -> Scenario:
    """The engine's state for ``run``: from this process's memory, or measured again from
    the current inputs with the run's parameters (``ConflictError`` if they changed)."""
    cached = scenarios.recall(run.pk)
    if cached is not None and cached.signature == run.input_signature:
        return cached
    scenario = scenarios.build_scenario(
        thresholds_m={k: float(v) for k, v in run.thresholds.items()},
        params=AccessParams(snap_tolerance_m=run.snap_tolerance_m, detour_factor=run.detour_factor),
    )
    if scenario.signature != run.input_signature:
        raise ConflictError(
            "The geography or the standards changed since the last refresh",
            field="run",
            fix="Refresh the life-circle results first.",
        )
    scenarios.remember(run.pk, scenario)
    return scenario


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFigure:
    """District coverage of one category, for the scorecard and the pages.

    ``share_network`` is the share (0–1) of the population, or of the area when
    ``basis == "area"``, within the threshold by network distance; ``share_estimated`` the
    further share within it by estimated distance (never added to the first).
    ``covered_km2`` is the covered area when ``basis == "area"``.
    """

    category: str
    name: str
    name_en: str
    threshold_m: float
    threshold_minutes: float
    share_network: float | None
    share_estimated: float | None
    weight_network: float
    weight_estimated: float
    weight_total: float
    covered_network: float
    covered_estimated: float
    basis: str
    computed_at: datetime | None
    run_id: int
    median_minutes_network: float | None = None
    median_minutes_estimated: float | None = None

    @property
    def covered_km2(self) -> float | None:
        return self.covered_network / 1e6 if self.basis == AREA else None

    @property
    def covered_estimated_km2(self) -> float | None:
        return self.covered_estimated / 1e6 if self.basis == AREA else None

    @property
    def measured_km2(self) -> float | None:
        return self.weight_network / 1e6 if self.basis == AREA else None

    @property
    def share_of_measured(self) -> float | None:
        """Covered share of the origins measured on the network (not of everything)."""
        if self.weight_network <= 0:
            return None
        return self.covered_network / self.weight_network

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "name": self.name,
            "name_en": self.name_en,
            "threshold_m": self.threshold_m,
            "threshold_minutes": self.threshold_minutes,
            "share_network": self.share_network,
            "share_estimated": self.share_estimated,
            "share_of_measured": self.share_of_measured,
            "covered_km2": self.covered_km2,
            "covered_estimated_km2": self.covered_estimated_km2,
            "measured_km2": self.measured_km2,
            "basis": self.basis,
            "median_minutes_network": self.median_minutes_network,
            "median_minutes_estimated": self.median_minutes_estimated,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "run_id": self.run_id,
        }


def coverage_summary(*, run: AccessRun | None = None) -> list[CoverageFigure]:
    """Per-category district coverage of the last refresh (empty list before the first).

    The read service for ``indicators``: each figure has its share by network distance,
    the estimated share kept apart, when it was computed, and whether it is population or
    area coverage (``basis``).
    """
    run = run or latest_run()
    if run is None:
        return []
    table = {s.code: s for s in standards()}
    figures = []
    for row in AreaCoverage.objects.filter(run=run, level=AreaCoverage.Level.DISTRICT):
        standard = table.get(row.category)
        figures.append(
            CoverageFigure(
                category=row.category,
                name=standard.name if standard else row.category,
                name_en=standard.name_en if standard else row.category,
                threshold_m=row.threshold_m,
                threshold_minutes=standard.threshold_minutes if standard else 0.0,
                share_network=row.share_network,
                share_estimated=row.share_estimated,
                weight_network=row.weight_network,
                weight_estimated=row.weight_estimated,
                weight_total=row.weight,
                covered_network=row.covered_network,
                covered_estimated=row.covered_estimated,
                basis=run.origin_kind,
                computed_at=run.finished_at,
                run_id=run.pk,
                median_minutes_network=row.median_minutes_network,
                median_minutes_estimated=row.median_minutes_estimated,
            )
        )
    order = list(table)
    figures.sort(key=lambda f: order.index(f.category) if f.category in order else 99)
    return figures


def check_category_measured(run: AccessRun, category: str) -> str:
    if category not in run.thresholds:
        raise InputError(
            f"Category {category!r} was not measured in the last refresh",
            field="category",
            value=category,
            fix=f"Use one of: {', '.join(run.thresholds)}.",
        )
    return category


# --- siting and what-if ---------------------------------------------------------------------


def _figures(result: AccessResult, category: str) -> dict[str, float]:
    access = result.categories[category]
    pop = result.scene.origins.population
    network = np.isfinite(access.distance_m) & ~access.estimated
    covered = float(pop[network & access.within].sum())
    total = float(pop.sum())
    measured = float(pop[network].sum())
    return {
        "covered_network": covered,
        "covered_estimated": float(pop[access.estimated & access.within].sum()),
        "weight_network": measured,
        "weight_total": total,
        "share_network": covered / total if total else 0.0,
        "share_of_measured": covered / measured if measured else 0.0,
        "covered_network_km2": covered / 1e6,
    }


@transaction.atomic
def site(
    *,
    category: str,
    k: int,
    user: Any = None,
    exact: bool = True,
    time_limit_s: float = 30.0,
    candidates: Sequence[tuple[float, float]] | None = None,
) -> SitingStudy:
    """Where should ``k`` new facilities of ``category`` go? Greedy and exact (HiGHS)
    answers with the gap, and the coverage before and after (the chosen sites added one by
    one with the what-if update). Candidates: the facility-free network nodes within the
    threshold of an uncovered origin, or the given ``(lon, lat)`` points (those farther
    than the snap tolerance from the network are dropped and counted)."""
    run = require_run()
    check_category_measured(run, category)
    if not (isinstance(k, int) and 1 <= k <= MAX_K):
        raise InputError(
            f"k={k!r} is out of range", field="k", value=k, fix=f"Ask for 1 to {MAX_K} sites."
        )
    scenario = scenario_for(run)
    started = time.perf_counter()
    given: dict[str, Any] = {}
    if candidates is not None:
        if not candidates:
            raise InputError("The candidate list is empty", field="candidates")
        given = {
            "candidates_lon": [float(c[0]) for c in candidates],
            "candidates_lat": [float(c[1]) for c in candidates],
        }
    answer = site_facilities(
        scenario.result, category, k, exact=exact, time_limit_s=time_limit_s, **given
    )
    before = _figures(scenario.result, category)
    after_result = scenario.result
    best = answer.proposals("exact" if answer.exact is not None else "greedy")
    for i, proposal in enumerate(best):
        after_result = add_facility(
            after_result,
            category,
            lon=proposal["lon"],
            lat=proposal["lat"],
            facility_id=f"proposed-{i + 1}",
        ).result
    after = _figures(after_result, category)
    elapsed = (time.perf_counter() - started) * 1000.0
    return SitingStudy.objects.create(
        run=run,
        category=category,
        k=k,
        threshold_m=answer.threshold_m,
        candidates=int(answer.candidate_lon.shape[0]),
        demand_weight=answer.demand_population,
        greedy={
            "sites": answer.proposals("greedy"),
            "covered": answer.greedy.covered,
        },
        exact=None
        if answer.exact is None
        else {
            "sites": answer.proposals("exact"),
            "covered": answer.exact.covered,
            "bound": answer.exact.bound,
            "mip_gap": answer.exact.mip_gap,
            "status": answer.exact.status,
        },
        gap=answer.gap,
        before=before,
        after=after,
        compute_ms=round(elapsed, 1),
        created_by=user if getattr(user, "pk", None) else None,
    )


def what_if(
    *,
    category: str,
    add_lon: float | None = None,
    add_lat: float | None = None,
    remove_id: int | None = None,
) -> dict[str, Any]:
    """Add one facility at a point, or remove one (by its geo id), and report the change
    of coverage, updated incrementally by a bounded search from that site."""
    run = require_run()
    check_category_measured(run, category)
    scenario = scenario_for(run)
    if (add_lon is None) == (remove_id is None):
        raise InputError(
            "Say either where to add a facility or which one to remove",
            field="action",
            fix="Give add_lon and add_lat, or remove_id.",
        )
    started = time.perf_counter()
    if remove_id is None:
        if add_lat is None or add_lon is None:
            raise InputError("Give both add_lon and add_lat", field="add_lat")
        geo.require_in_district(add_lon, add_lat, field_name="add")
        change = add_facility(scenario.result, category, lon=add_lon, lat=add_lat)
        action = "add"
        label = f"{add_lon:.5f}, {add_lat:.5f}"
    else:
        change = remove_facility(scenario.result, category, facility_id=remove_id)
        action = "remove"
        label = scenario.facility_names.get(remove_id, str(remove_id))
    elapsed = (time.perf_counter() - started) * 1000.0
    return {
        "category": category,
        "action": action,
        "facility": label,
        "on_network": change.on_network,
        "before": _figures(scenario.result, category),
        "after": _figures(change.result, category),
        "newly_within_network": change.population_newly_within,
        "newly_within_estimated": change.population_newly_within_estimated,
        "nodes_searched": change.nodes_searched,
        "nodes_recomputed": change.nodes_recomputed,
        "update_ms": round(elapsed, 2),
        "basis": run.origin_kind,
    }


# --- background task ------------------------------------------------------------------------


def enqueue_refresh(*, user: Any = None) -> str:
    """Queue a full refresh for ``district worker``; returns the task result id."""
    from district.lifecircle.tasks import refresh_task

    trigger = f"user {getattr(user, 'username', '')}".strip() if user else "task"
    result = refresh_task.enqueue(trigger=trigger)
    return str(result.id)


def running_refresh() -> AccessRun | None:
    return AccessRun.objects.filter(status=AccessRun.Status.RUNNING).first()
