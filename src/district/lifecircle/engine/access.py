"""Walking access from every origin to every category of facility.

:func:`prepare_scene` snaps origins (homes, or the network's nodes) and facilities onto the
graph and inserts them (:mod:`placement`); :func:`measure_access` then answers, for each
category, with one multi-source search and one set of bounded searches (:mod:`search`):

* the network distance from each origin to its nearest facility, and which facility;
* the number of facilities within the category's threshold.

Distances are measured between **snapped** positions: the straight snap distance of the
origin (``snap_m``) and of the facility are reported, never added. An origin farther than
``snap_tolerance_m`` from every edge, or in a network island with no facility of the
category, gets an **estimated** distance instead: the straight line to the nearest facility
times ``detour_factor``. Estimated values are flagged and every summary keeps them apart.

``detour_factor`` (default 1.3) is an assumption. Network distance between random urban
points is about 1.2 times the straight line (Newell 1980; O'Sullivan 1996 found 1.21–1.23
around transit stations), short trips are more circuitous than long ones (Giacomin &
Levinson 2015) and pedestrian routes more than car routes (Dill 2003); 1.3 leans to the
short walking trips of a life circle. :func:`measure_detour_factor` measures it on the
network at hand.

``snap_tolerance_m`` (default 200 m) follows the Shanghai 2016 life-circle guideline's
street spacing of at most 200 m in residential areas: a home farther than that from any
street in the data lies outside the area the network describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from district.core.errors import InputError
from district.lifecircle.engine.graph import (
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
    WalkGraph,
)
from district.lifecircle.engine.placement import (
    Anchors,
    PlacedGraph,
    node_anchors,
    place_points,
)
from district.lifecircle.engine.search import count_within, nearest_sources
from district.lifecircle.engine.snapping import EdgeSnap, snap_projected

DEFAULT_SNAP_TOLERANCE_M = 200.0
DEFAULT_DETOUR_FACTOR = 1.3
BRUTE_FORCE_PAIRS = 200_000
"""Up to this many origin–facility pairs, straight-line estimates compare every pair."""
NO_FACILITY = -1


@dataclass(frozen=True)
class AccessParams:
    """How off-network points are treated (see the module docstring for the defaults)."""

    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M
    detour_factor: float = DEFAULT_DETOUR_FACTOR

    def __post_init__(self) -> None:
        if not self.snap_tolerance_m >= 0:
            raise InputError(
                f"snap_tolerance_m={self.snap_tolerance_m!r} must be 0 or more metres",
                field="snap_tolerance_m",
            )
        if not self.detour_factor >= 1.0:
            raise InputError(
                f"detour_factor={self.detour_factor!r} must be at least 1 (a walk is never "
                "shorter than the straight line)",
                field="detour_factor",
            )


@dataclass(frozen=True, eq=False)
class OriginSet:
    """The origins as placed: ``node[i]`` is the placed node (−1 when off the network)."""

    id: npt.NDArray[Any]
    lon: FloatArray
    lat: FloatArray
    x_m: FloatArray
    y_m: FloatArray
    population: FloatArray
    weighted: bool
    node: Int32Array
    snap_m: FloatArray
    on_network: BoolArray
    component: Int32Array

    @property
    def count(self) -> int:
        return int(self.id.shape[0])


@dataclass(frozen=True, eq=False)
class FacilitySet:
    """The facilities of one category. ``anchors`` locate the on-network ones; ``active``
    is False for a facility removed by a what-if."""

    category: str
    id: npt.NDArray[Any]
    lon: FloatArray
    lat: FloatArray
    x_m: FloatArray
    y_m: FloatArray
    snap_m: FloatArray
    on_network: BoolArray
    active: BoolArray
    anchors: Anchors

    @property
    def count(self) -> int:
        return int(self.id.shape[0])

    def routable(self) -> IntArray:
        """Indices of facilities that are active and on the network."""
        return np.flatnonzero(self.active & self.on_network)


@dataclass(frozen=True, eq=False)
class Scene:
    """Everything placed on the graph, ready for :func:`measure_access`."""

    graph: WalkGraph
    placed: PlacedGraph
    origins: OriginSet
    facilities: Mapping[str, FacilitySet]
    params: AccessParams


@dataclass(frozen=True, eq=False)
class CategoryAccess:
    """Access to one category, per placed node and per origin.

    Per node (what-if updates need them): ``node_distance_m`` (``inf`` if unreachable),
    ``node_facility`` (index into the category's :class:`FacilitySet`, −1 none) and
    ``node_count``. Per origin: ``distance_m`` (network distance, or the estimate where
    ``estimated``; NaN when the category has no facility at all), ``facility``, ``count``
    (facilities within the threshold; estimated the same way) and ``estimated``.
    """

    category: str
    threshold_m: float
    node_distance_m: FloatArray
    node_facility: IntArray
    node_count: Int32Array
    distance_m: FloatArray
    facility: IntArray
    count: Int32Array
    estimated: BoolArray

    @property
    def within(self) -> BoolArray:
        """Origins whose nearest facility is within the threshold (network or estimated)."""
        return np.asarray(self.distance_m <= self.threshold_m)


@dataclass(frozen=True, eq=False)
class AccessResult:
    """The result of :func:`measure_access`: the scene and one entry per category."""

    scene: Scene
    categories: Mapping[str, CategoryAccess]

    def to_frame(self, *, speed_m_per_min: float | None = None) -> pd.DataFrame:
        """One row per origin and category: ``origin_id, category, distance_m,
        facility_id, count_within, within_threshold, estimated`` (+ ``walk_minutes``)."""
        frames = []
        origins = self.scene.origins
        for code, access in self.categories.items():
            facilities = self.scene.facilities.get(code)
            ids = np.full(origins.count, None, dtype=object)
            if facilities is not None and facilities.count:
                has = access.facility >= 0
                ids[has] = facilities.id[access.facility[has]]
            frame = pd.DataFrame(
                {
                    "origin_id": origins.id,
                    "category": code,
                    "distance_m": access.distance_m,
                    "facility_id": ids,
                    "count_within": access.count,
                    "within_threshold": access.within,
                    "estimated": access.estimated,
                }
            )
            if speed_m_per_min is not None:
                frame["walk_minutes"] = access.distance_m / speed_m_per_min
            frames.append(frame)
        if not frames:
            return pd.DataFrame(
                columns=[
                    "origin_id",
                    "category",
                    "distance_m",
                    "facility_id",
                    "count_within",
                    "within_threshold",
                    "estimated",
                ]
            )
        return pd.concat(frames, ignore_index=True)


def _column(frame: pd.DataFrame, name: str, what: str) -> npt.NDArray[Any]:
    if name not in frame.columns:
        raise InputError(
            f"the {what} table has no '{name}' column "
            f"(columns: {', '.join(map(str, frame.columns))})",
            field=name,
            fix=f"Give the {what} with columns id, lon, lat"
            + (", category" if what == "facilities" else "")
            + ".",
        )
    return np.asarray(frame[name].to_numpy())


def _show(value: Any) -> str:
    """A value for a message: numbers plainly, anything else quoted."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        return str(value.item() if isinstance(value, np.generic) else value)
    return repr(value)


def _numbers(values: npt.NDArray[Any]) -> FloatArray:
    """A column as floats, NaN where a value is not a number."""
    if values.dtype.kind in "fiu":  # already numeric: no parsing (most tables)
        return np.asarray(values, dtype=np.float64)
    parsed = pd.to_numeric(pd.Series(values), errors="coerce")
    return np.asarray(parsed.to_numpy(float), dtype=np.float64)


def _coordinates(frame: pd.DataFrame, what: str) -> tuple[FloatArray, FloatArray]:
    lon = _numbers(_column(frame, "lon", what))
    lat = _numbers(_column(frame, "lat", what))
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what} row {row + 1} has lon={_show(frame['lon'].iloc[row])}, "
            f"lat={_show(frame['lat'].iloc[row])}: not WGS-84 degrees",
            field="lon",
            value=frame["lon"].iloc[row],
            fix="Give longitude and latitude in WGS-84 decimal degrees.",
        )
    return lon, lat


def prepare_scene(
    graph: WalkGraph,
    facilities: pd.DataFrame,
    origins: pd.DataFrame | None = None,
    *,
    params: AccessParams | None = None,
) -> Scene:
    """Snap and place origins and facilities on ``graph``.

    ``facilities`` has columns ``id, category, lon, lat`` (WGS-84). ``origins`` has
    ``id, lon, lat`` and optionally ``population`` (weights for every summary); without
    it the origins are the graph's nodes, with their OSM ids and weight 1.
    """
    params = params or AccessParams()
    fac_lon, fac_lat = _coordinates(facilities, "facilities")
    fac_id = _column(facilities, "id", "facilities")
    fac_rows = _category_rows(_column(facilities, "category", "facilities"))
    fx, fy = graph.project(fac_lon, fac_lat)
    fac_snap = snap_projected(graph, fx, fy)
    fac_on = fac_snap.snap_m <= params.snap_tolerance_m

    if origins is None:
        n = graph.node_count
        origin_snap = None
        o_lon, o_lat = graph.lon, graph.lat
        o_id: npt.NDArray[Any] = graph.node_id
        population = np.ones(n)
        weighted = False
        ox, oy = graph.x_m, graph.y_m
        o_snap_m = np.zeros(n)
        o_on = np.ones(n, dtype=bool)
    else:
        o_lon, o_lat = _coordinates(origins, "origins")
        o_id = _column(origins, "id", "origins")
        weighted = "population" in origins.columns
        if weighted:
            population = pd.to_numeric(origins["population"], errors="coerce").to_numpy(float)
            bad = ~np.isfinite(population) | (population < 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"origins row {row + 1} has population="
                    f"{_show(origins['population'].iloc[row])}: not a number of 0 or more",
                    field="population",
                    value=origins["population"].iloc[row],
                )
        else:
            population = np.ones(o_lon.shape[0])
        ox, oy = graph.project(o_lon, o_lat)
        origin_snap = snap_projected(graph, ox, oy)
        o_snap_m = origin_snap.snap_m
        o_on = o_snap_m <= params.snap_tolerance_m

    sets = [_subset_snap(fac_snap, fac_on)]
    if origin_snap is not None:
        sets.append(_subset_snap(origin_snap, o_on))
    placed, nodes = place_points(graph, sets)
    fac_node = np.full(fac_lon.shape[0], -1, dtype=np.int32)
    fac_node[fac_on] = nodes[0]
    if origin_snap is None:
        o_node = np.arange(graph.node_count, dtype=np.int32)
    else:
        o_node = np.full(o_lon.shape[0], -1, dtype=np.int32)
        o_node[o_on] = nodes[1]
    o_component = np.where(o_node >= 0, placed.component[np.maximum(o_node, 0)], -1)

    facility_sets: dict[str, FacilitySet] = {}
    for code, sel in fac_rows.items():
        facility_sets[code] = FacilitySet(
            category=code,
            id=fac_id[sel],
            lon=fac_lon[sel],
            lat=fac_lat[sel],
            x_m=fx[sel],
            y_m=fy[sel],
            snap_m=fac_snap.snap_m[sel],
            on_network=fac_on[sel],
            active=np.ones(sel.shape[0], dtype=bool),
            anchors=node_anchors(fac_node[sel]),
        )
    origin_set = OriginSet(
        id=o_id,
        lon=np.asarray(o_lon, float),
        lat=np.asarray(o_lat, float),
        x_m=ox,
        y_m=oy,
        population=population,
        weighted=weighted,
        node=o_node,
        snap_m=o_snap_m,
        on_network=o_on,
        component=o_component.astype(np.int32),
    )
    return Scene(
        graph=graph, placed=placed, origins=origin_set, facilities=facility_sets, params=params
    )


def _category_rows(values: npt.NDArray[Any]) -> dict[str, IntArray]:
    """The rows of each category (its code as text), categories in order of appearance."""
    codes, names = pd.factorize(values, use_na_sentinel=False)
    text = [str(name) for name in names]
    if len(set(text)) < len(text) or pd.isna(names).any():
        # Values that one text stands for (1 and "1"), or missing ones (None and NaN are
        # one value to pandas, two texts): compare the texts.
        as_text = values.astype(str)
        return {code: np.flatnonzero(as_text == code) for code in dict.fromkeys(as_text.tolist())}
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(text) + 1)).tolist()
    return {code: order[bounds[i] : bounds[i + 1]] for i, code in enumerate(text)}


def _subset_snap(snap: EdgeSnap, mask: BoolArray) -> EdgeSnap:
    return replace(
        snap,
        edge=snap.edge[mask],
        offset_m=snap.offset_m[mask],
        snap_m=snap.snap_m[mask],
        x_m=snap.x_m[mask],
        y_m=snap.y_m[mask],
    )


def empty_facilities(category: str) -> FacilitySet:
    """A category with no facility (every distance unknown, every count 0)."""
    none = np.zeros(0)
    return FacilitySet(
        category=category,
        id=np.zeros(0, dtype=object),
        lon=none,
        lat=none,
        x_m=none,
        y_m=none,
        snap_m=none,
        on_network=np.zeros(0, dtype=bool),
        active=np.zeros(0, dtype=bool),
        anchors=node_anchors(np.zeros(0, dtype=np.int32)),
    )


def facility_lookup(facilities: FacilitySet, node_count: int) -> IntArray:
    """For each placed node, the first routable facility placed there (−1: none)."""
    lookup = np.full(node_count, NO_FACILITY, dtype=np.int64)
    routable = facilities.routable()
    nodes = facilities.anchors.node_a[routable]
    lookup[nodes[::-1]] = routable[::-1]
    return lookup


def measure_access(scene: Scene, thresholds_m: Mapping[str, float]) -> AccessResult:
    """Nearest facility and facilities within the threshold, for every origin and category.

    ``thresholds_m`` maps category codes to thresholds in metres (see
    ``standards.thresholds_m``); a category with no facility in the scene gets NaN
    distances and zero counts.
    """
    results: dict[str, CategoryAccess] = {}
    for code, threshold in thresholds_m.items():
        if not threshold >= 0:
            raise InputError(
                f"the threshold for {code!r} is {threshold!r}: give metres, 0 or more",
                field="thresholds_m",
            )
        facilities = scene.facilities.get(code) or empty_facilities(code)
        results[code] = measure_category(scene, facilities, float(threshold))
    return AccessResult(scene=scene, categories=results)


def measure_category(scene: Scene, facilities: FacilitySet, threshold_m: float) -> CategoryAccess:
    """:func:`measure_access` for one category."""
    placed = scene.placed
    routable = facilities.routable()
    anchors = facilities.anchors
    if not np.all(anchors.is_node[routable]):
        raise InputError(
            f"category {facilities.category!r} holds a what-if facility; measure it with the "
            "what-if functions or prepare the scene again",
            field="facilities",
        )
    sources = anchors.node_a[routable]
    node_distance, node_source = nearest_sources(placed, sources)
    lookup = facility_lookup(facilities, placed.node_count)
    node_facility = np.where(node_source >= 0, lookup[np.maximum(node_source, 0)], NO_FACILITY)
    node_count = count_within(placed, sources, threshold_m)
    return _origin_view(
        scene,
        facilities,
        CategoryAccess(
            category=facilities.category,
            threshold_m=threshold_m,
            node_distance_m=node_distance,
            node_facility=node_facility.astype(np.int64),
            node_count=node_count,
            distance_m=np.zeros(0),
            facility=np.zeros(0, dtype=np.int64),
            count=np.zeros(0, dtype=np.int32),
            estimated=np.zeros(0, dtype=bool),
        ),
    )


def _origin_view(scene: Scene, facilities: FacilitySet, access: CategoryAccess) -> CategoryAccess:
    """Fill the per-origin arrays from the per-node ones, estimating where needed."""
    rows = np.arange(scene.origins.count)
    distance, facility, count, estimated = _origin_rows(scene, facilities, access, rows)
    return replace(access, distance_m=distance, facility=facility, count=count, estimated=estimated)


def refresh_origins(
    scene: Scene,
    facilities: FacilitySet,
    before: CategoryAccess,
    after: CategoryAccess,
    changed_nodes: BoolArray,
) -> tuple[CategoryAccess, IntArray]:
    """:func:`_origin_view` for the origins that can have changed: those at a node in
    ``changed_nodes``, and every estimated or unknown one (their estimates depend on all
    facilities). ``after`` holds the new per-node arrays; returns it with origin arrays,
    and the rows recomputed."""
    origins = scene.origins
    node = np.maximum(origins.node, 0)
    affected = (
        (origins.on_network & changed_nodes[node])
        | before.estimated
        | ~origins.on_network
        | np.isnan(before.distance_m)
    )
    rows = np.flatnonzero(affected)
    distance = before.distance_m.copy()
    facility = before.facility.copy()
    count = before.count.copy()
    estimated = before.estimated.copy()
    if rows.shape[0]:
        d, f, c, e = _origin_rows(scene, facilities, after, rows)
        distance[rows], facility[rows], count[rows], estimated[rows] = d, f, c, e
    updated = replace(
        after, distance_m=distance, facility=facility, count=count, estimated=estimated
    )
    return updated, rows


def _origin_rows(
    scene: Scene, facilities: FacilitySet, access: CategoryAccess, rows: IntArray
) -> tuple[FloatArray, IntArray, Int32Array, BoolArray]:
    """Distance, facility, count and the estimated flag for some origins."""
    origins = scene.origins
    on = origins.on_network[rows]
    node = np.maximum(origins.node[rows], 0)
    distance = np.where(on, access.node_distance_m[node], np.inf)
    facility = np.where(on, access.node_facility[node], NO_FACILITY).astype(np.int64)
    count = np.where(on, access.node_count[node], 0).astype(np.int32)
    estimated = ~np.isfinite(distance)
    if estimated.any():
        est = np.flatnonzero(estimated)
        e_dist, e_fac, e_count = estimate_straight(scene, facilities, rows[est], access.threshold_m)
        distance[est] = e_dist
        facility[est] = e_fac
        count[est] = e_count
        # No facility anywhere: nothing was estimated, the distance is unknown.
        estimated[est[e_fac < 0]] = False
    return distance, facility, count, estimated


def estimate_straight(
    scene: Scene, facilities: FacilitySet, origin_index: IntArray, threshold_m: float
) -> tuple[FloatArray, IntArray, Int32Array]:
    """Straight line × detour factor to the nearest active facility, for some origins.

    Returns the estimated distance (NaN if the category has no active facility), the
    facility index (−1) and the number of facilities whose estimate is within the
    threshold.
    """
    active = np.flatnonzero(facilities.active)
    k = origin_index.shape[0]
    if active.shape[0] == 0:
        return np.full(k, np.nan), np.full(k, NO_FACILITY, dtype=np.int64), np.zeros(k, np.int32)
    detour = scene.params.detour_factor
    fx, fy = facilities.x_m[active], facilities.y_m[active]
    ox, oy = scene.origins.x_m[origin_index], scene.origins.y_m[origin_index]
    if k * active.shape[0] <= BRUTE_FORCE_PAIRS:
        # Few pairs (the usual case: the origins in islands): all distances at once is
        # cheaper than building a KD-tree. Ties go to the lowest facility index.
        pair_m = np.hypot(ox[:, None] - fx[None, :], oy[:, None] - fy[None, :])
        nearest = np.argmin(pair_m, axis=1)
        straight = pair_m[np.arange(k), nearest]
        count = np.count_nonzero(pair_m <= threshold_m / detour, axis=1)
    else:
        tree = cKDTree(np.column_stack([fx, fy]))
        points = np.column_stack([ox, oy])
        straight, nearest = tree.query(points)
        count = tree.query_ball_point(points, r=threshold_m / detour, return_length=True)
    return (
        np.asarray(straight, float) * detour,
        active[np.asarray(nearest, dtype=np.int64)],
        np.asarray(count, dtype=np.int32),
    )


def walk_minutes(distance_m: FloatArray, speed_m_per_min: float) -> FloatArray:
    """Walking time in minutes at ``speed_m_per_min`` (see ``standards.WALKING_SPEEDS``)."""
    if not speed_m_per_min > 0:
        raise InputError(
            f"speed={speed_m_per_min!r} m/min must be more than 0",
            field="speed_m_per_min",
            fix="Give a walking speed such as 80 (m/min).",
        )
    return np.asarray(np.asarray(distance_m, float) / speed_m_per_min, dtype=np.float64)


def measure_detour_factor(
    graph: WalkGraph,
    *,
    samples: int = 200,
    min_m: float = 300.0,
    max_m: float = 1500.0,
    seed: int = 0,
) -> float:
    """Median ratio of network to straight-line distance for node pairs ``min_m``–``max_m``
    apart on ``graph`` (a measured alternative to the assumed detour factor)."""
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(seed)
    main = np.flatnonzero(graph.component == 0)
    if main.shape[0] < 2:
        return DEFAULT_DETOUR_FACTOR
    sources = rng.choice(main, size=min(samples, main.shape[0]), replace=False)
    dist = np.asarray(
        dijkstra(graph.csr, directed=True, indices=sources, limit=max_m * 3), dtype=float
    )
    dx = graph.x_m[None, :] - graph.x_m[sources][:, None]
    dy = graph.y_m[None, :] - graph.y_m[sources][:, None]
    straight = np.hypot(dx, dy)
    band = (straight >= min_m) & (straight <= max_m) & np.isfinite(dist)
    if not band.any():
        return DEFAULT_DETOUR_FACTOR
    return float(np.median(dist[band] / straight[band]))
