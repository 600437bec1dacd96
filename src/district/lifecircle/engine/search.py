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

Tiles do not pay on a small graph: each costs a scipy call and a subgraph cut (about 0.3 ms
of fixed cost), while a whole-graph row of the 3,128-node demo network costs about 7 µs.
There the tiles made the counts 5 times slower than whole-graph searches and the refresh
3.5 times the bare-scipy floor. So :func:`count_within` estimates the cost of whole-graph
searches (one unit per cell of the distance matrix, ``CALL_COST`` per call) and of tilings
of 1, 2, 4 and 8 times the default side (``CUT_COST`` per subgraph node as well), and runs
the cheapest: whole-graph searches on the demo network, tiles on the larger networks.

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

from district.lifecircle.engine.graph import (
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
    csr_from_arrays,
)
from district.lifecircle.engine.placement import Anchors, PlacedGraph

# Projected straight-line distance can fall short of the great-circle one by the UTM scale
# error and the sphere/ellipsoid difference (well under 1 %); the tile margin covers both.
MARGIN_FACTOR = 1.01
MARGIN_M = 1.0
TILE_FACILITIES = 16
CALL_COST = 120_000
"""The fixed cost of one tile (one scipy call, the count, the bookkeeping), in the unit of
the per-source cost: one cell of a distance row. Measured in CPU time on the 50,000-node
grid: about 2.3 ns per cell (a whole-graph search from 200 sources, with the count) and
about 0.3 ms per call."""
CUT_COST = 40
"""The cost of cutting one node into a tile's subgraph (and adding its count), in the same
unit: about 0.1 µs per node (tiles of 300 to 20,000 nodes)."""
TILE_GAIN = 0.8
PLAN_MIN_COST = 16 * CALL_COST
"""No tiling is tried below this (about 4.5 ms of whole-graph searches): planning costs up
to about three calls (0.8 ms measured on the demo network), and a tiling kept saves at
least a fifth (``TILE_GAIN``), which pays for the plan only above about 15 calls."""
CHUNK_CELLS = 125_000
"""Largest distance matrix (sources × nodes) of one whole-graph search: 1 MB (40 sources
of the 3,128-node demo network). scipy allocates a fresh matrix per call, and counting
reads it once more; :func:`_count_whole` drops each matrix before the next call, so the
heap hands the same memory back call after call and it stays in cache. Measured in CPU
time on the demo network: one call per category (33 MB for the 1,342 sources of the demo
benchmark, new memory each time) took 23–29 ms for the eight categories' bounded searches
with their counts; chunks of 0.5 million cells with two matrices alive at a time took
17–20 ms but grew the heap by 8 MB that the allocator returned to the system after each
refresh, so the next one took 2,000 page faults (about 4 ms of system time and as much of
cold cache); chunks of 125,000 cells with one matrix alive take no page fault once warm
(29–32 ms for the whole refresh against 33.5–34 ms, best of 30 runs each)."""
CHUNK_MIN_ROWS = 16
"""Fewest sources per whole-graph search, whatever the graph's size (bounds the calls)."""
UNREACHED = -1
BYTE_ROWS = 255


@dataclass(frozen=True, eq=False)
class _XOrder:
    """The placed nodes by x (to cut strips) and the sorted y (to count bands)."""

    order: IntArray
    xs: FloatArray
    ys: FloatArray


def _x_order(placed: PlacedGraph) -> _XOrder:
    cached: _XOrder | None = placed.__dict__.get("_x_order")
    if cached is None:
        order = np.argsort(placed.x_m, kind="stable")
        cached = _XOrder(order=order, xs=placed.x_m[order], ys=np.sort(placed.y_m))
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
    method: str = "auto",
) -> Int32Array:
    """Number of ``sources`` (repeats count) within ``limit_m`` of every node.

    ``method`` is ``"tiles"`` (bounded searches on each tile's subgraph), ``"whole"``
    (bounded searches on the whole graph, in chunks of sources) or ``"auto"``: the one with
    the smaller estimated cost (see the module docstring). Giving ``tile_m`` forces tiles of
    that side. Every method gives the same counts.
    """
    if method not in ("auto", "tiles", "whole"):
        raise ValueError(f"method={method!r}: give 'auto', 'tiles' or 'whole'")
    n = placed.node_count
    counts = np.zeros(n, dtype=np.int32)
    if sources.shape[0] == 0 or limit_m < 0:
        return counts
    unique, multiplicity = np.unique(np.asarray(sources, dtype=np.int64), return_counts=True)
    tiles: list[tuple[IntArray, IntArray]] | None
    if tile_m is not None:
        tiles = _tile_nodes(placed, _Tiling.of(placed, unique, limit_m, tile_m))
    elif method == "tiles":
        side = _default_side(placed, unique, limit_m)
        tiles = _tile_nodes(placed, _Tiling.of(placed, unique, limit_m, side))
    else:
        tiles = None if method == "whole" else _cheapest_tiles(placed, unique, limit_m)
    if tiles is None:
        return _count_whole(placed, unique, multiplicity, limit_m, counts)
    local = np.full(n, -1, dtype=np.int64)
    for group, nodes in tiles:
        members = group[np.argsort(multiplicity[group], kind="stable")]
        sub = _induced(placed, nodes, local)
        dist = dijkstra(sub, directed=True, indices=local[unique[members]], limit=limit_m)
        _add_counts(counts, nodes, dist, multiplicity[members], limit_m)
        local[nodes] = -1
    return counts


def _chunk_rows(node_count: int) -> int:
    """Sources per whole-graph search, so the distance matrix stays under CHUNK_CELLS."""
    return max(CHUNK_MIN_ROWS, CHUNK_CELLS // max(node_count, 1))


def _count_whole(
    placed: PlacedGraph,
    unique: IntArray,
    multiplicity: IntArray,
    limit_m: float,
    counts: Int32Array,
) -> Int32Array:
    """:func:`count_within` by bounded searches on the whole graph, in chunks of sources.

    Each chunk's distance matrix is compared into one boolean buffer, kept for the whole
    call, and dropped before the next search allocates its own: at most one matrix and the
    buffer are alive at a time, so the heap reuses the same memory chunk after chunk.
    """
    # Sources sorted by multiplicity, so rows of equal weight are contiguous (see _add_counts).
    by_weight = np.argsort(multiplicity, kind="stable")
    unique, multiplicity = unique[by_weight], multiplicity[by_weight]
    n = placed.node_count
    step = _chunk_rows(n)
    within = np.empty((min(step, unique.shape[0]), n), dtype=bool)
    every = slice(None)
    for lo in range(0, unique.shape[0], step):
        rows = min(step, unique.shape[0] - lo)
        dist = dijkstra(placed.csr, directed=True, indices=unique[lo : lo + rows], limit=limit_m)
        np.less_equal(dist, limit_m, out=within[:rows])
        del dist
        _add_within(counts, every, within[:rows], multiplicity[lo : lo + rows])
    return counts


def _add_counts(
    counts: Int32Array,
    nodes: IntArray | slice,
    dist: object,
    weights: IntArray,
    limit_m: float,
) -> None:
    """Add to ``counts[nodes]`` the number of rows of ``dist`` within the limit, row ``i``
    counting ``weights[i]`` times."""
    within = np.asarray(dist, dtype=np.float64).reshape(weights.shape[0], -1) <= limit_m
    _add_within(counts, nodes, within, weights)


def _add_within(
    counts: Int32Array, nodes: IntArray | slice, within: BoolArray, weights: IntArray
) -> None:
    """Add to ``counts[nodes]`` the True rows of ``within``, row ``i`` ``weights[i]`` times."""
    # One column sum per run of equal weights (few: facilities sharing a node). A product
    # ``weights @ within`` does not use BLAS on booleans, and ``np.add.reduceat`` over the
    # runs is not vectorised: both cost 3 times as much.
    cuts = (np.flatnonzero(weights[1:] != weights[:-1]) + 1).tolist()
    for lo, hi in zip([0, *cuts], [*cuts, weights.shape[0]], strict=True):
        counts[nodes] += int(weights[lo]) * _column_sums(within[lo:hi])


def _column_sums(within: BoolArray) -> Int32Array:
    """How many rows are True in each column.

    Summed as bytes, ``BYTE_ROWS`` rows at a time (no column can pass 255 in a block): a
    sum into int32 widens every cell first and took 4 times as long (160 against 37 µs on a
    chunk of 159 rows of the demo network).
    """
    as_bytes = within.view(np.uint8)
    total: Int32Array = np.add.reduce(as_bytes[:BYTE_ROWS], axis=0, dtype=np.uint8).astype(np.int32)
    for lo in range(BYTE_ROWS, within.shape[0], BYTE_ROWS):
        total += np.add.reduce(as_bytes[lo : lo + BYTE_ROWS], axis=0, dtype=np.uint8)
    return total


def _default_side(placed: PlacedGraph, unique: IntArray, limit_m: float) -> float:
    """A tile side of at least 2R holding about ``TILE_FACILITIES`` sources on average."""
    sx = placed.x_m[unique]
    sy = placed.y_m[unique]
    area = max(float(np.ptp(sx)) * float(np.ptp(sy)), 1.0)
    return float(max(2.0 * limit_m, np.sqrt(area * TILE_FACILITIES / unique.shape[0]), 100.0))


@dataclass(frozen=True, eq=False)
class _Tiling:
    """Sources in square tiles: tile ``t`` holds ``unique[order[starts[t]:ends[t]]]``; its
    nodes lie in the box ``x0..x1, y0..y1`` (the sources' box widened by the bound)."""

    order: IntArray
    starts: IntArray
    ends: IntArray
    x0: FloatArray
    x1: FloatArray
    y0: FloatArray
    y1: FloatArray

    @classmethod
    def of(cls, placed: PlacedGraph, unique: IntArray, limit_m: float, side: float) -> _Tiling:
        margin = limit_m * MARGIN_FACTOR + MARGIN_M
        sx = placed.x_m[unique]
        sy = placed.y_m[unique]
        cell_x = np.floor((sx - sx.min()) / side).astype(np.int64)
        cell_y = np.floor((sy - sy.min()) / side).astype(np.int64)
        tile = cell_x * (int(cell_y.max()) + 1) + cell_y
        order = np.argsort(tile, kind="stable")
        ordered = tile[order]
        starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
        sx, sy = sx[order], sy[order]
        return cls(
            order=order,
            starts=starts,
            ends=np.append(starts[1:], order.shape[0]),
            x0=np.minimum.reduceat(sx, starts) - margin,
            x1=np.maximum.reduceat(sx, starts) + margin,
            y0=np.minimum.reduceat(sy, starts) - margin,
            y1=np.maximum.reduceat(sy, starts) + margin,
        )

    @property
    def count(self) -> int:
        return int(self.starts.shape[0])


def _cheapest_tiles(
    placed: PlacedGraph, unique: IntArray, limit_m: float
) -> list[tuple[IntArray, IntArray]] | None:
    """The tiling with the least estimated cost, or None when whole-graph searches cost
    less. Tried: the default side and 2, 4 and 8 times it. A tiling must cost less than
    ``TILE_GAIN`` times the whole-graph searches (the estimate leaves out the planning
    and errs low on a few large overlapping tiles), and no tiling is tried when the
    whole-graph searches cost less than ``PLAN_MIN_COST``.

    The cost of a tiling is ``CALL_COST`` per tile, ``CUT_COST`` per node of its subgraph
    and one unit per cell of its distance rows (sources × subgraph nodes); of whole-graph
    searches, ``CALL_COST`` per call and one unit per cell. A tiling is cut (its subgraphs
    found) only when a lower bound of its cost beats the best so far: a tile holds at least
    its sources and at least the nodes of its x band plus those of its y band minus all.
    """
    n = placed.node_count
    whole_cost = unique.shape[0] * n + -(-unique.shape[0] // _chunk_rows(n)) * CALL_COST
    if whole_cost < PLAN_MIN_COST:
        return None
    best_cost = TILE_GAIN * whole_cost
    best: list[tuple[IntArray, IntArray]] | None = None
    side = _default_side(placed, unique, limit_m)
    xo = _x_order(placed)
    sx = placed.x_m[unique]
    sy = placed.y_m[unique]
    for factor in (1.0, 2.0, 4.0, 8.0):
        # Every tile costs at least its call: count the tiles before anything else.
        tiles_across = np.floor((sx - sx.min()) / (side * factor))
        tiles_down = np.floor((sy - sy.min()) / (side * factor))
        tile = tiles_across * (tiles_down.max() + 1) + tiles_down
        if np.unique(tile).shape[0] * CALL_COST >= best_cost:
            continue
        tiling = _Tiling.of(placed, unique, limit_m, side * factor)
        members = tiling.ends - tiling.starts
        in_x = np.searchsorted(xo.xs, tiling.x1, "right") - np.searchsorted(xo.xs, tiling.x0)
        in_y = np.searchsorted(xo.ys, tiling.y1, "right") - np.searchsorted(xo.ys, tiling.y0)
        least = np.maximum(members, in_x + in_y - n)
        bound = float(((members + CUT_COST) * least).sum()) + tiling.count * CALL_COST
        if bound < best_cost:
            tiles = _tile_nodes(placed, tiling)
            cost = sum((m.shape[0] + CUT_COST) * nodes.shape[0] + CALL_COST for m, nodes in tiles)
            if cost < best_cost:
                best, best_cost = tiles, cost
        if tiling.count == 1:
            break
    return best


def _tile_nodes(placed: PlacedGraph, tiling: _Tiling) -> list[tuple[IntArray, IntArray]]:
    """Each tile's sources (indices into ``unique``) and the nodes in its box."""
    xo = _x_order(placed)
    lo = np.searchsorted(xo.xs, tiling.x0).tolist()
    hi = np.searchsorted(xo.xs, tiling.x1, "right").tolist()
    plan = []
    for t in range(tiling.count):
        strip = xo.order[lo[t] : hi[t]]
        ys = placed.y_m[strip]
        inside = strip[(ys >= tiling.y0[t]) & (ys <= tiling.y1[t])]
        plan.append((tiling.order[tiling.starts[t] : tiling.ends[t]], inside))
    return plan


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
