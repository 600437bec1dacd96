"""Insert snapped points into the graph, so distances count the offsets along edges.

Each snapped point (a home, a facility) becomes a node on its edge: an edge u–v with points
at 20 m and 70 m of its 100 m becomes u–p₁ (20 m), p₁–p₂ (50 m), p₂–v (30 m). Shortest
paths on this *placed* graph are then exact for every pair of points, including two
points on the same edge (which a "connect the point to both ends" shortcut gets wrong).
Points within ``QUANTUM_M`` of each other on an edge share a node; a point at an end of
its edge is that end node.

A point that is not inserted (a what-if facility) is *anchored* instead: it sits between
two consecutive nodes a and b of the placed graph at ``dist_a`` and ``dist_b``, and no
other point lies between them, so its distance to any node x is
``min(dist_a + d(a, x), dist_b + d(b, x))``, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_array

from district.lifecircle.engine.graph import (
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
    WalkGraph,
    build_csr,
    csr_from_arrays,
)
from district.lifecircle.engine.snapping import EdgeSnap

QUANTUM_M = 0.001
"""Points are placed on a 1 mm grid along their edge."""


@dataclass(frozen=True, eq=False)
class Anchors:
    """Where points sit on the placed graph: between nodes ``a`` and ``b`` (``a == b`` and
    both distances 0 for a point that is a node)."""

    node_a: Int32Array
    dist_a: FloatArray
    node_b: Int32Array
    dist_b: FloatArray

    @property
    def count(self) -> int:
        return int(self.node_a.shape[0])

    @property
    def is_node(self) -> BoolArray:
        return np.asarray((self.node_a == self.node_b) & (self.dist_a == 0.0))


@dataclass(frozen=True, eq=False)
class PlacedGraph:
    """The walking graph with points inserted as nodes (base nodes keep their indices).

    Inserted node ``graph.node_count + i`` lies on base edge ``chain_edge[i]`` at
    ``chain_offset_m[i]`` from the edge's ``edge_u``; the chain arrays are sorted by
    (edge, offset).
    """

    graph: WalkGraph
    node_count: int
    indptr: Int32Array
    indices: Int32Array
    weight_m: FloatArray
    chain_edge: IntArray
    chain_offset_m: FloatArray
    x_m: FloatArray
    y_m: FloatArray
    component: Int32Array

    @cached_property
    def csr(self) -> csr_array:
        return csr_from_arrays(self.indptr, self.indices, self.weight_m, self.node_count)

    @property
    def inserted_count(self) -> int:
        return self.node_count - self.graph.node_count


def quantize(snap: EdgeSnap, graph: WalkGraph) -> FloatArray:
    """Offsets on the placement grid, clipped to their edge."""
    length = graph.edge_length_m[snap.edge]
    q = np.round(snap.offset_m / QUANTUM_M) * QUANTUM_M
    # Within half a step of either end the point is that end node.
    q = np.where(length - snap.offset_m <= QUANTUM_M / 2, length, q)
    return np.asarray(np.clip(q, 0.0, length), dtype=np.float64)


def place_points(
    graph: WalkGraph, snaps: Sequence[EdgeSnap]
) -> tuple[PlacedGraph, list[Int32Array]]:
    """Insert every snapped point of ``snaps`` into ``graph``.

    Returns the placed graph and, for each input set, the placed node of each point.
    """
    n = graph.node_count
    sizes = [s.count for s in snaps]
    edge = np.concatenate([s.edge for s in snaps]) if snaps else np.zeros(0, np.int64)
    offset = np.concatenate([quantize(s, graph) for s in snaps]) if snaps else np.zeros(0)
    length = graph.edge_length_m[edge]
    at_u = offset <= 0.0
    at_v = ~at_u & (offset >= length)
    inner = ~(at_u | at_v)
    node = np.empty(edge.shape[0], dtype=np.int64)
    node[at_u] = graph.edge_u[edge[at_u]]
    node[at_v] = graph.edge_v[edge[at_v]]

    # Unique interior positions, sorted by (edge, offset).
    ie = edge[inner]
    io = offset[inner]
    order = np.lexsort((io, ie))
    se, so = ie[order], io[order]
    new = np.ones(se.shape[0], dtype=bool)
    new[1:] = (se[1:] != se[:-1]) | (so[1:] != so[:-1])
    chain_edge = se[new]
    chain_offset = so[new]
    chain_id = np.cumsum(new) - 1  # position of each sorted point among unique positions
    inner_nodes = np.empty(ie.shape[0], dtype=np.int64)
    inner_nodes[order] = n + chain_id
    node[inner] = inner_nodes

    m = chain_edge.shape[0]
    chain_node = n + np.arange(m, dtype=np.int64)
    first = np.ones(m, dtype=bool)
    first[1:] = chain_edge[1:] != chain_edge[:-1]
    last = np.ones(m, dtype=bool)
    last[:-1] = chain_edge[1:] != chain_edge[:-1]
    prev_node = np.where(first, graph.edge_u[chain_edge], np.r_[0, chain_node[:-1]])
    prev_off = np.where(first, 0.0, np.r_[0.0, chain_offset[:-1]])
    seg_u = [prev_node, chain_node[last]]
    seg_v = [chain_node, graph.edge_v[chain_edge[last]].astype(np.int64)]
    seg_w = [chain_offset - prev_off, graph.edge_length_m[chain_edge[last]] - chain_offset[last]]

    split = np.zeros(graph.edge_count, dtype=bool)
    split[chain_edge] = True
    keep = ~split
    u_all = np.concatenate([graph.edge_u[keep].astype(np.int64), *seg_u])
    v_all = np.concatenate([graph.edge_v[keep].astype(np.int64), *seg_v])
    w_all = np.concatenate([graph.edge_length_m[keep], *seg_w])
    total = n + m
    if m:
        indptr, indices, weight = build_csr(
            u_all.astype(np.int32), v_all.astype(np.int32), w_all, total
        )
    else:
        indptr, indices, weight = graph.indptr, graph.indices, graph.weight_m

    # Positions and pieces of the inserted nodes (for straight-line estimates and islands).
    eu = graph.edge_u[chain_edge]
    ev = graph.edge_v[chain_edge]
    frac = np.where(
        graph.edge_length_m[chain_edge] > 0,
        chain_offset / np.maximum(graph.edge_length_m[chain_edge], 1e-300),
        0.0,
    )
    x = np.concatenate([graph.x_m, graph.x_m[eu] + frac * (graph.x_m[ev] - graph.x_m[eu])])
    y = np.concatenate([graph.y_m, graph.y_m[eu] + frac * (graph.y_m[ev] - graph.y_m[eu])])
    component = np.concatenate([graph.component, graph.component[eu]]).astype(np.int32)
    placed = PlacedGraph(
        graph=graph,
        node_count=total,
        indptr=indptr,
        indices=indices,
        weight_m=weight,
        chain_edge=chain_edge,
        chain_offset_m=chain_offset,
        x_m=x,
        y_m=y,
        component=component,
    )
    bounds = np.cumsum([0, *sizes])
    parts = [node[bounds[i] : bounds[i + 1]].astype(np.int32) for i in range(len(sizes))]
    return placed, parts


def anchor_points(placed: PlacedGraph, snap: EdgeSnap) -> Anchors:
    """Anchor snapped points on ``placed`` without inserting them (see module docstring)."""
    graph = placed.graph
    n = graph.node_count
    edge = snap.edge
    q = quantize(snap, graph)
    length = graph.edge_length_m[edge]
    lo = np.searchsorted(placed.chain_edge, edge, side="left")
    hi = np.searchsorted(placed.chain_edge, edge, side="right")
    count = edge.shape[0]
    node_a = np.empty(count, dtype=np.int64)
    node_b = np.empty(count, dtype=np.int64)
    dist_a = np.empty(count, dtype=np.float64)
    dist_b = np.empty(count, dtype=np.float64)
    for i in range(count):  # what-if points: a handful, not per origin
        offsets = placed.chain_offset_m[lo[i] : hi[i]]
        j = int(np.searchsorted(offsets, q[i], side="left"))
        if j < offsets.shape[0] and offsets[j] == q[i]:
            node_a[i] = node_b[i] = n + lo[i] + j
            dist_a[i] = dist_b[i] = 0.0
            continue
        prev_off = offsets[j - 1] if j > 0 else 0.0
        next_off = offsets[j] if j < offsets.shape[0] else length[i]
        node_a[i] = n + lo[i] + j - 1 if j > 0 else graph.edge_u[edge[i]]
        node_b[i] = n + lo[i] + j if j < offsets.shape[0] else graph.edge_v[edge[i]]
        dist_a[i] = q[i] - prev_off
        dist_b[i] = next_off - q[i]
        if dist_a[i] <= 0.0:
            node_b[i] = node_a[i]
            dist_a[i] = dist_b[i] = 0.0
        elif dist_b[i] <= 0.0:
            node_a[i] = node_b[i]
            dist_a[i] = dist_b[i] = 0.0
    return Anchors(
        node_a=node_a.astype(np.int32),
        dist_a=dist_a,
        node_b=node_b.astype(np.int32),
        dist_b=dist_b,
    )


def node_anchors(nodes: Int32Array) -> Anchors:
    """Anchors for points that are nodes of the placed graph."""
    zeros = np.zeros(nodes.shape[0], dtype=np.float64)
    return Anchors(node_a=nodes.copy(), dist_a=zeros, node_b=nodes.copy(), dist_b=zeros.copy())
