"""What-if: add or remove one facility and update access without a full recompute.

**Adding** a facility runs one search from its position, bounded by the category's
threshold: nodes it reaches within the threshold gain one in their count, and nodes it
reaches sooner than their current nearest facility take it as their nearest. The nodes
that improve form a connected region around the new site (every node on the new shortest
path to an improved node is improved too), so the bound only grows (doubling) while an
improved node on the search's edge still has a neighbour that the new facility would
improve.

**Removing** a facility subtracts it from the counts with the same bounded search, and
recomputes the nearest facility only for the nodes whose nearest it was: a search on the
subgraph of those nodes, seeded from their neighbours' unchanged distances and from any
other facility placed among them.

Both return a new :class:`~district.lifecircle.engine.access.AccessResult` equal to a full
:func:`~district.lifecircle.engine.access.measure_access` on the changed facility table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from district.core.errors import InputError, NotFoundError
from district.lifecircle.engine.access import (
    NO_FACILITY,
    AccessResult,
    CategoryAccess,
    FacilitySet,
    Scene,
    empty_facilities,
    refresh_origins,
)
from district.lifecircle.engine.graph import (
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
    csr_from_arrays,
)
from district.lifecircle.engine.placement import Anchors, PlacedGraph, anchor_points
from district.lifecircle.engine.search import distances_from_anchors
from district.lifecircle.engine.snapping import snap_points


@dataclass(frozen=True, eq=False)
class WhatIf:
    """The outcome of one what-if.

    ``result`` is the updated access; ``facility_index`` the facility's index in its
    category's :class:`FacilitySet`; ``nodes_improved``/``nodes_recomputed`` and
    ``nodes_searched`` show how local the update was; ``population_newly_within`` is the
    change in origin population within the threshold by network distance (negative for a
    removal) and ``population_newly_within_estimated`` the same for estimated origins.
    """

    result: AccessResult
    category: str
    facility_index: int
    on_network: bool
    nodes_recomputed: int
    nodes_searched: int
    population_newly_within: float
    population_newly_within_estimated: float


def _arcs_from(placed: PlacedGraph, nodes: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """All arcs leaving ``nodes``: (position in ``nodes``, head node, length)."""
    starts = placed.indptr[nodes].astype(np.int64)
    degree = placed.indptr[nodes + 1].astype(np.int64) - starts
    total = int(degree.sum())
    first = np.cumsum(degree) - degree
    arcs = np.arange(total, dtype=np.int64) + np.repeat(starts - first, degree)
    owner = np.repeat(np.arange(nodes.shape[0], dtype=np.int64), degree)
    return owner, placed.indices[arcs].astype(np.int64), placed.weight_m[arcs]


def _append_facility(
    facilities: FacilitySet, scene: Scene, lon: float, lat: float, facility_id: Any
) -> tuple[FacilitySet, bool]:
    graph = scene.graph
    snap = snap_points(graph, np.array([lon], float), np.array([lat], float))
    on_network = bool(snap.snap_m[0] <= scene.params.snap_tolerance_m)
    x, y = graph.project(np.array([lon], float), np.array([lat], float))
    if on_network:
        anchors = anchor_points(scene.placed, snap)
    else:
        anchors = Anchors(
            node_a=np.array([-1], np.int32),
            dist_a=np.zeros(1),
            node_b=np.array([-1], np.int32),
            dist_b=np.zeros(1),
        )
    old = facilities.anchors
    ids = np.empty(facilities.count + 1, dtype=object)
    ids[:-1] = facilities.id
    ids[-1] = facility_id
    return (
        replace(
            facilities,
            id=ids,
            lon=np.r_[facilities.lon, lon],
            lat=np.r_[facilities.lat, lat],
            x_m=np.r_[facilities.x_m, x],
            y_m=np.r_[facilities.y_m, y],
            snap_m=np.r_[facilities.snap_m, snap.snap_m],
            on_network=np.r_[facilities.on_network, on_network],
            active=np.r_[facilities.active, True],
            anchors=Anchors(
                node_a=np.r_[old.node_a, anchors.node_a].astype(np.int32),
                dist_a=np.r_[old.dist_a, anchors.dist_a],
                node_b=np.r_[old.node_b, anchors.node_b].astype(np.int32),
                dist_b=np.r_[old.dist_b, anchors.dist_b],
            ),
        ),
        on_network,
    )


def add_facility(
    result: AccessResult,
    category: str,
    *,
    lon: float,
    lat: float,
    facility_id: Any = None,
) -> WhatIf:
    """Add one facility of ``category`` at WGS-84 ``lon``/``lat`` and update access."""
    access = _category(result, category)
    scene = result.scene
    old_set = scene.facilities.get(category) or empty_facilities(category)
    index = old_set.count
    facilities, on_network = _append_facility(
        old_set, scene, lon, lat, facility_id if facility_id is not None else f"new-{index}"
    )
    node_distance = access.node_distance_m
    node_facility = access.node_facility
    node_count = access.node_count
    changed = np.zeros(node_distance.shape[0], dtype=bool)
    recomputed = 0
    searched = 0
    if on_network:
        placed = scene.placed
        anchor = _one_anchor(facilities.anchors, index)
        threshold = access.threshold_m
        limit = threshold
        while True:
            reach = distances_from_anchors(placed, anchor, limit)[0]
            improved = np.flatnonzero(reach < node_distance)
            if not np.isfinite(limit) or not _frontier_open(placed, improved, reach, node_distance):
                break
            limit *= 2.0
            if limit > placed.weight_m.sum():
                limit = np.inf
        searched = int(np.isfinite(reach).sum())
        node_distance = node_distance.copy()
        node_facility = node_facility.copy()
        node_distance[improved] = reach[improved]
        node_facility[improved] = index
        within = reach <= threshold
        node_count = node_count + within.astype(np.int32)
        changed[improved] = True
        changed |= within
        recomputed = int(improved.shape[0])
    return _finish(
        result,
        scene,
        facilities,
        access,
        node_distance,
        node_facility,
        node_count,
        changed,
        index,
        on_network,
        recomputed,
        searched,
    )


def remove_facility(
    result: AccessResult,
    category: str,
    *,
    facility_id: Any = None,
    facility_index: int | None = None,
) -> WhatIf:
    """Remove one facility of ``category`` (by id or index) and update access."""
    access = _category(result, category)
    scene = result.scene
    facilities = scene.facilities.get(category) or empty_facilities(category)
    index = _find(facilities, facility_id, facility_index)
    was_routable = bool(facilities.on_network[index] and facilities.active[index])
    active = facilities.active.copy()
    active[index] = False
    facilities = replace(facilities, active=active)
    node_distance = access.node_distance_m
    node_facility = access.node_facility
    node_count = access.node_count
    changed = np.zeros(node_distance.shape[0], dtype=bool)
    recomputed = 0
    searched = 0
    if was_routable:
        placed = scene.placed
        anchor = _one_anchor(facilities.anchors, index)
        reach = distances_from_anchors(placed, anchor, access.threshold_m)[0]
        searched = int(np.isfinite(reach).sum())
        within = reach <= access.threshold_m
        node_count = node_count - within.astype(np.int32)
        changed |= within
        region = np.flatnonzero(node_facility == index)
        changed[region] = True
        node_distance = node_distance.copy()
        node_facility = node_facility.copy()
        if region.shape[0]:
            dist, label = _resolve_region(placed, facilities, region, node_distance, node_facility)
            node_distance[region] = dist
            node_facility[region] = label
        recomputed = int(region.shape[0])
    return _finish(
        result,
        scene,
        facilities,
        access,
        node_distance,
        node_facility,
        node_count,
        changed,
        index,
        was_routable,
        recomputed,
        searched,
    )


def _finish(
    result: AccessResult,
    scene: Scene,
    facilities: FacilitySet,
    access: CategoryAccess,
    node_distance: FloatArray,
    node_facility: IntArray,
    node_count: Int32Array,
    changed: BoolArray,
    index: int,
    on_network: bool,
    recomputed: int,
    searched: int,
) -> WhatIf:
    new_scene = replace(scene, facilities={**scene.facilities, access.category: facilities})
    updated, rows = refresh_origins(
        new_scene,
        facilities,
        access,
        replace(
            access,
            node_distance_m=node_distance,
            node_facility=node_facility,
            node_count=node_count,
        ),
        changed,
    )
    # Only the refreshed rows can have changed, so the population change is theirs.
    pop = scene.origins.population[rows]
    was = access.within[rows]
    now = updated.within[rows]
    was_est = access.estimated[rows]
    now_est = updated.estimated[rows]
    return WhatIf(
        result=AccessResult(
            scene=new_scene, categories={**result.categories, access.category: updated}
        ),
        category=access.category,
        facility_index=index,
        on_network=on_network,
        nodes_recomputed=recomputed,
        nodes_searched=searched,
        population_newly_within=float(pop[now & ~now_est].sum() - pop[was & ~was_est].sum()),
        population_newly_within_estimated=float(
            pop[now & now_est].sum() - pop[was & was_est].sum()
        ),
    )


def _category(result: AccessResult, category: str) -> CategoryAccess:
    access = result.categories.get(category)
    if access is None:
        raise InputError(
            f"category {category!r} was not measured (measured: "
            f"{', '.join(result.categories) or 'none'})",
            field="category",
            value=category,
            fix="Measure the category first, with its threshold.",
        )
    return access


def _find(facilities: FacilitySet, facility_id: Any, facility_index: int | None) -> int:
    if facility_index is not None:
        if not 0 <= facility_index < facilities.count or not facilities.active[facility_index]:
            raise NotFoundError(
                f"{facilities.category} facility index {facility_index} does not exist "
                "or was removed",
                field="facility_index",
                value=facility_index,
            )
        return int(facility_index)
    matches = np.flatnonzero((facilities.id == facility_id) & facilities.active)
    if matches.shape[0] == 0:
        raise NotFoundError(
            f"no active {facilities.category} facility has id {facility_id!r}",
            field="facility_id",
            value=facility_id,
        )
    return int(matches[0])


def _one_anchor(anchors: Anchors, index: int) -> Anchors:
    return Anchors(
        node_a=anchors.node_a[index : index + 1],
        dist_a=anchors.dist_a[index : index + 1],
        node_b=anchors.node_b[index : index + 1],
        dist_b=anchors.dist_b[index : index + 1],
    )


def _frontier_open(
    placed: PlacedGraph, improved: IntArray, reach: FloatArray, current: FloatArray
) -> bool:
    """Whether an improved node has an unreached neighbour the new facility would improve."""
    if improved.shape[0] == 0:
        return False
    owner, head, weight = _arcs_from(placed, improved)
    outside = ~np.isfinite(reach[head])
    candidate = reach[improved[owner[outside]]] + weight[outside]
    return bool(np.any(candidate < current[head[outside]]))


def _resolve_region(
    placed: PlacedGraph,
    facilities: FacilitySet,
    region: IntArray,
    node_distance: FloatArray,
    node_facility: IntArray,
) -> tuple[FloatArray, IntArray]:
    """Nearest remaining facility for the nodes of ``region`` (whose nearest was removed)."""
    k = region.shape[0]
    local = np.full(placed.node_count, -1, dtype=np.int64)
    local[region] = np.arange(k)
    owner, head, weight = _arcs_from(placed, region)
    inside = local[head] >= 0
    # Seeds: arcs entering the region from outside, with the outside node's distance ...
    out = ~inside & np.isfinite(node_distance[head])
    seed_node = [owner[out]]
    seed_dist = [node_distance[head[out]] + weight[out]]
    seed_label = [node_facility[head[out]]]
    # ... and other facilities anchored inside the region.
    anchors = facilities.anchors
    routable = facilities.routable()
    for ends, dists in ((anchors.node_a, anchors.dist_a), (anchors.node_b, anchors.dist_b)):
        nodes = ends[routable]
        hit = local[nodes] >= 0
        seed_node.append(local[nodes[hit]])
        seed_dist.append(dists[routable][hit])
        seed_label.append(routable[hit])
    s_node = np.concatenate(seed_node)
    s_dist = np.concatenate(seed_dist)
    s_label = np.concatenate(seed_label).astype(np.int64)
    if s_node.shape[0] == 0:
        return np.full(k, np.inf), np.full(k, NO_FACILITY, dtype=np.int64)
    # Best seed per node; the super source k links to each seeded node.
    order = np.lexsort((s_label, s_dist, s_node))
    first = order[np.r_[True, s_node[order][1:] != s_node[order][:-1]]]
    seeded, seeded_dist, seeded_label = s_node[first], s_dist[first], s_label[first]
    row_counts = np.bincount(owner[inside], minlength=k)
    indptr = np.zeros(k + 2, dtype=np.int64)
    np.cumsum(row_counts, out=indptr[1 : k + 1])
    indptr[k + 1] = indptr[k] + seeded.shape[0]
    cols = np.concatenate([local[head[inside]], seeded]).astype(np.int32)
    weights = np.concatenate([weight[inside], seeded_dist])
    sub = csr_from_arrays(indptr.astype(np.int32), cols, np.ascontiguousarray(weights), k + 1)
    dist, pred = dijkstra(sub, directed=True, indices=k, return_predecessors=True)
    dist = np.asarray(dist[:k], dtype=np.float64)
    # The seed each node's path entered by: jump predecessors until the super source.
    parent = np.asarray(pred[:k], dtype=np.int64)
    parent = np.where((parent == k) | (parent < 0), np.arange(k), parent)
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    entry_label = np.full(k, NO_FACILITY, dtype=np.int64)
    entry_label[seeded] = seeded_label
    label = np.where(np.isfinite(dist), entry_label[parent], NO_FACILITY)
    return dist, label.astype(np.int64)
