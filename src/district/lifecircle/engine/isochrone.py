"""Walking isochrones: the streets reachable from a point within 5, 10, 15 minutes.

One search from the point's snapped position on the placed graph, bounded by the longest
band, gives the distance to every node. A street edge u–v of length L is then reachable
from u over ``[0, limit − d(u)]`` and from v over ``[L − (limit − d(v)), L]`` (clipped to
the edge), and the edge the point itself stands on over ``[offset − limit, offset +
limit]``. The reachable pieces are drawn as lines, and as an area: the pieces buffered by
``BUFFER_M`` (the depth of the plots along a street) and merged.

A point farther than the snap tolerance from every street is off the network: no network
isochrone exists, and :func:`estimated_disc` gives the circle of radius
``speed × minutes / detour factor`` instead, flagged as an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from district.core.errors import InputError
from district.lifecircle.engine.access import Scene
from district.lifecircle.engine.graph import FloatArray

BUFFER_M = 40.0
"""Half-width of the area drawn around reachable streets (about one plot's depth)."""
SIMPLIFY_M = 4.0


@dataclass(frozen=True)
class Band:
    """One isochrone band: the walking minutes, the distance, the reachable streets."""

    minutes: float
    limit_m: float
    street_m: float
    area_km2: float
    lines: dict[str, Any]
    area: dict[str, Any] | None
    estimated: bool = False


@lru_cache(maxsize=8)
def _to_wgs84(crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _unproject(geometry: BaseGeometry, crs: str) -> BaseGeometry:
    transformer = _to_wgs84(crs)

    def fn(coords: FloatArray) -> FloatArray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, fn)


def reach_m(scene: Scene, origin: int, limit_m: float) -> FloatArray:
    """Network distance from origin ``origin`` of ``scene`` to every placed node (``inf``
    beyond ``limit_m``); raises ``InputError`` for an origin off the network."""
    node = int(scene.origins.node[origin])
    if node < 0:
        raise InputError(
            f"origin {scene.origins.id[origin]!r} is off the walking network",
            field="origin",
            fix="Use estimated_disc for points off the network.",
        )
    dist = dijkstra(scene.placed.csr, directed=True, indices=node, limit=limit_m)
    return np.asarray(dist, dtype=np.float64)


def isochrone(
    scene: Scene, origin: int, *, minutes: tuple[float, ...], speed_m_per_min: float
) -> list[Band]:
    """Bands of the streets reachable from origin ``origin`` within each of ``minutes``."""
    if not speed_m_per_min > 0:
        raise InputError(f"speed={speed_m_per_min!r} m/min must be more than 0", field="speed")
    limits = [float(m) * speed_m_per_min for m in minutes]
    dist = reach_m(scene, origin, max(limits))
    graph = scene.graph
    placed = scene.placed
    u = graph.edge_u.astype(np.int64)
    v = graph.edge_v.astype(np.int64)
    length = graph.edge_length_m
    du = dist[u]
    dv = dist[v]
    node = int(scene.origins.node[origin])
    own_edge = -1
    own_offset = 0.0
    if node >= graph.node_count:
        own_edge = int(placed.chain_edge[node - graph.node_count])
        own_offset = float(placed.chain_offset_m[node - graph.node_count])
    bands = []
    for m, limit in zip(minutes, limits, strict=True):
        # Reachable intervals [a0, a1] from u and [b0, b1] from v, in metres along the edge.
        a1 = np.clip(limit - du, 0.0, length)
        b0 = np.clip(length - (limit - dv), 0.0, length)
        has_a = np.isfinite(du) & (du <= limit)
        has_b = np.isfinite(dv) & (dv <= limit)
        if own_edge >= 0:
            # The point's own edge is handled apart below (its pieces would overlap).
            has_a[own_edge] = has_b[own_edge] = False
        merged = has_a & has_b & (a1 >= b0)
        starts = [np.zeros(int((has_a & ~merged).sum())), b0[has_b & ~merged]]
        ends = [a1[has_a & ~merged], length[has_b & ~merged]]
        edges = [np.flatnonzero(has_a & ~merged), np.flatnonzero(has_b & ~merged)]
        full = np.flatnonzero(merged)
        starts.append(np.zeros(full.shape[0]))
        ends.append(length[full])
        edges.append(full)
        if own_edge >= 0:
            pieces = _own_edge(float(length[own_edge]), own_offset, limit, du, dv, own_edge)
            starts.append(np.array([p[0] for p in pieces], dtype=np.float64))
            ends.append(np.array([p[1] for p in pieces], dtype=np.float64))
            edges.append(np.full(len(pieces), own_edge))
        edge = np.concatenate(edges).astype(np.int64)
        s0 = np.concatenate(starts)
        s1 = np.concatenate(ends)
        keep = s1 > s0
        edge, s0, s1 = edge[keep], s0[keep], s1[keep]
        bands.append(_band(scene, float(m), limit, edge, s0, s1))
    return bands


def _own_edge(
    length: float, offset: float, limit: float, du: FloatArray, dv: FloatArray, edge: int
) -> list[tuple[float, float]]:
    """Reachable pieces of the edge the point stands on: around the point, and from its
    ends when a way round reaches them sooner."""
    pieces = [(max(0.0, offset - limit), min(length, offset + limit))]
    if np.isfinite(du[edge]) and du[edge] <= limit:
        pieces.append((0.0, min(length, limit - float(du[edge]))))
    if np.isfinite(dv[edge]) and dv[edge] <= limit:
        pieces.append((max(0.0, length - (limit - float(dv[edge]))), length))
    pieces.sort()
    merged: list[tuple[float, float]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _band(
    scene: Scene, minutes: float, limit: float, edge: Any, s0: FloatArray, s1: FloatArray
) -> Band:
    graph = scene.graph
    u = graph.edge_u[edge]
    v = graph.edge_v[edge]
    length = np.maximum(graph.edge_length_m[edge], 1e-9)
    t0 = s0 / length
    t1 = s1 / length
    ux, uy = graph.x_m[u], graph.y_m[u]
    dx, dy = graph.x_m[v] - ux, graph.y_m[v] - uy
    coords = np.stack(
        [
            np.column_stack([ux + t0 * dx, uy + t0 * dy]),
            np.column_stack([ux + t1 * dx, uy + t1 * dy]),
        ],
        axis=1,
    )
    lines = shapely.multilinestrings(list(coords)) if coords.shape[0] else None
    street_m = float((s1 - s0).sum())
    if lines is None:
        return Band(minutes, limit, 0.0, 0.0, {"type": "MultiLineString", "coordinates": []}, None)
    area = shapely.simplify(shapely.buffer(lines, BUFFER_M, quad_segs=4), SIMPLIFY_M)
    return Band(
        minutes=minutes,
        limit_m=limit,
        street_m=street_m,
        area_km2=float(area.area) / 1e6,
        lines=dict(mapping(_unproject(lines, graph.crs))),
        area=dict(mapping(_unproject(area, graph.crs))),
    )


def estimated_disc(
    scene: Scene,
    origin: int,
    *,
    minutes: tuple[float, ...],
    speed_m_per_min: float,
) -> list[Band]:
    """For an origin off the network: discs of radius ``speed × minutes / detour factor``
    (the straight-line reach that the detour factor implies), flagged ``estimated``."""
    x = float(scene.origins.x_m[origin])
    y = float(scene.origins.y_m[origin])
    bands = []
    for m in minutes:
        limit = float(m) * speed_m_per_min
        radius = limit / scene.params.detour_factor
        disc = shapely.buffer(shapely.Point(x, y), radius, quad_segs=16)
        bands.append(
            Band(
                minutes=float(m),
                limit_m=limit,
                street_m=0.0,
                area_km2=float(disc.area) / 1e6,
                lines={"type": "MultiLineString", "coordinates": []},
                area=dict(mapping(_unproject(disc, scene.graph.crs))),
                estimated=True,
            )
        )
    return bands
