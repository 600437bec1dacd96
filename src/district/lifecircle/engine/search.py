"""Shortest-path searches on the placed graph, all in scipy's compiled Dijkstra.

Two searches answer the life-circle questions for one category:

* :func:`nearest_sources`: one multi-source run (``min_only=True``) gives every node its
  distance to the nearest facility and which facility that is;
* :func:`count_within`: how many facilities lie within a distance of every node, from
  searches bounded by that distance and started at the facilities.

scipy's bounded search still spends time proportional to the whole graph per source
(it initialises a row of ``N`` distances). :func:`count_within` therefore groups the
facilities into square tiles and runs each tile's searches on the subgraph of nodes within
the bound (straight line, with a margin) of the tile: a walk of length ≤ R never leaves the
disc of radius R around its start, so the counts are exact and the work is near the size of
the searched balls, not ``facilities × N``. A tile is at least 2R wide and holds about
``TILE_FACILITIES`` facilities on average: smaller tiles pay more per-call overhead, larger
ones more per-source initialisation (measured on the central-Shanghai extract: 168 ms for
the eight benchmark categories, against 220 ms for the same scipy searches on the whole
graph and 435 ms for tiles of side R).

Tried and not kept: contracting chains of degree-2 nodes (82 % of the nodes of that
extract) before searching, then expanding the counts to the chains' interiors in numpy.
It was exact, but the expansion cost about what the smaller searches saved (5 % faster on
the real extract, 15 % slower on the synthetic grid), so the plain graph is searched.
scipy's Dijkstra holds the GIL (scipy 1.17), so threads do not help either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from district.lifecircle.engine.graph import FloatArray, Int32Array, IntArray, csr_from_arrays
from district.lifecircle.engine.placement import Anchors, PlacedGraph

# Projected straight-line distance can fall short of the great-circle one by the UTM scale
# error and the sphere/ellipsoid difference (well under 1 %); the tile margin covers both.
MARGIN_FACTOR = 1.01
MARGIN_M = 1.0
TILE_FACILITIES = 16
UNREACHED = -1


@dataclass(frozen=True, eq=False)
class _XOrder:
    order: IntArray
    xs: FloatArray


def _x_order(placed: PlacedGraph) -> _XOrder:
    cached: _XOrder | None = placed.__dict__.get("_x_order")
    if cached is None:
        order = np.argsort(placed.x_m, kind="stable")
        cached = _XOrder(order=order, xs=placed.x_m[order])
        placed.__dict__["_x_order"] = cached
    return cached


def nearest_sources(placed: PlacedGraph, sources: Int32Array) -> tuple[FloatArray, Int32Array]:
    """Distance from every node to its nearest source node, and that source (−1: none)."""
    n = placed.node_count
    if sources.shape[0] == 0:
        return np.full(n, np.inf), np.full(n, UNREACHED, dtype=np.int32)
    unique = np.unique(sources)
    dist, _, origin = dijkstra(
        placed.csr, directed=True, indices=unique, min_only=True, return_predecessors=True
    )
    origin = np.asarray(origin, dtype=np.int32)
    origin[origin < 0] = UNREACHED
    return np.asarray(dist, dtype=np.float64), origin


def distances_from_anchors(placed: PlacedGraph, anchors: Anchors, limit_m: float) -> FloatArray:
    """Distances (``limit_m`` bounded, else ``inf``) from each anchored point to all nodes.

    Returns an array of shape (points, nodes).
    """
    ends = np.unique(np.concatenate([anchors.node_a, anchors.node_b]))
    dist = np.asarray(
        dijkstra(placed.csr, directed=True, indices=ends, limit=limit_m), dtype=np.float64
    ).reshape(ends.shape[0], placed.node_count)
    row_a = np.searchsorted(ends, anchors.node_a)
    row_b = np.searchsorted(ends, anchors.node_b)
    out = np.minimum(anchors.dist_a[:, None] + dist[row_a], anchors.dist_b[:, None] + dist[row_b])
    out[out > limit_m] = np.inf
    return np.asarray(out, dtype=np.float64)


def count_within(
    placed: PlacedGraph,
    sources: Int32Array,
    limit_m: float,
    *,
    tile_m: float | None = None,
) -> Int32Array:
    """Number of ``sources`` (repeats count) within ``limit_m`` of every node."""
    n = placed.node_count
    counts = np.zeros(n, dtype=np.int32)
    if sources.shape[0] == 0 or limit_m < 0:
        return counts
    unique, multiplicity = np.unique(sources, return_counts=True)
    margin = limit_m * MARGIN_FACTOR + MARGIN_M
    sx = placed.x_m[unique]
    sy = placed.y_m[unique]
    if tile_m is not None:
        side = float(tile_m)
    else:
        area = max(float(np.ptp(sx)) * float(np.ptp(sy)), 1.0)
        side = max(2.0 * limit_m, np.sqrt(area * TILE_FACILITIES / unique.shape[0]), 100.0)
    cell_x = np.floor((sx - sx.min()) / side).astype(np.int64)
    cell_y = np.floor((sy - sy.min()) / side).astype(np.int64)
    tile = cell_x * (int(cell_y.max()) + 1) + cell_y
    order = np.argsort(tile, kind="stable")
    bounds = np.flatnonzero(np.r_[True, tile[order][1:] != tile[order][:-1], True])
    xo = _x_order(placed)
    local = np.full(n, -1, dtype=np.int64)
    for t in range(bounds.shape[0] - 1):
        members = order[bounds[t] : bounds[t + 1]]
        x0 = sx[members].min() - margin
        x1 = sx[members].max() + margin
        y0 = sy[members].min() - margin
        y1 = sy[members].max() + margin
        lo, hi = np.searchsorted(xo.xs, [x0, x1 + 1e-9])
        strip = xo.order[lo:hi]
        ys = placed.y_m[strip]
        nodes = strip[(ys >= y0) & (ys <= y1)]
        sub = _induced(placed, nodes, local)
        dist = dijkstra(sub, directed=True, indices=local[unique[members]], limit=limit_m)
        within = np.asarray(dist, dtype=np.float64).reshape(members.shape[0], -1) <= limit_m
        weights = multiplicity[members]
        if np.all(weights == 1):
            counts[nodes] += np.count_nonzero(within, axis=0).astype(np.int32)
        else:
            counts[nodes] += (weights @ within).astype(np.int32)
        local[nodes] = -1
    return counts


def _induced(placed: PlacedGraph, nodes: IntArray, local: IntArray) -> object:
    """The subgraph of ``placed`` on ``nodes`` as CSR; fills ``local`` with new indices."""
    k = nodes.shape[0]
    local[nodes] = np.arange(k)
    starts = placed.indptr[nodes].astype(np.int64)
    degree = placed.indptr[nodes + 1].astype(np.int64) - starts
    total = int(degree.sum())
    first = np.cumsum(degree) - degree
    arcs = np.arange(total, dtype=np.int64) + np.repeat(starts - first, degree)
    cols = local[placed.indices[arcs]]
    keep = cols >= 0
    row_counts = np.bincount(np.repeat(np.arange(k, dtype=np.int64), degree)[keep], minlength=k)
    indptr = np.zeros(k + 1, dtype=np.int32)
    np.cumsum(row_counts, out=indptr[1:])
    return csr_from_arrays(
        indptr,
        cols[keep].astype(np.int32),
        np.ascontiguousarray(placed.weight_m[arcs][keep]),
        k,
    )
