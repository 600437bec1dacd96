"""The walking graph in compressed sparse rows, with projected node coordinates.

The engine takes any object with the arrays of a walking network (``district.geo.osm``'s
``WalkNetwork`` has them; so does a test fixture or a synthetic grid) and builds a
:class:`WalkGraph`: each undirected edge stored once in ``edge_*`` arrays (parallel edges
collapsed to the shortest) and twice, once per direction, in CSR arrays that
``scipy.sparse.csgraph`` reads without copying. One-way tags do not bind walkers.

Coordinates are projected to the UTM zone of the network's centre (EPSG:32651, UTM 51N, for
Shanghai) for snapping and straight-line estimates. Edge lengths stay the great-circle
lengths of the network: projection changes lengths by about 0.01 % in Changning.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyproj
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from district.core.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

EARTH_RADIUS_M = 6_371_009.0
"""Sphere radius for great-circle distances (the value OSMnx and ``geo.osm`` use)."""


class NetworkArrays(Protocol):
    """What the engine needs of a walking network (``district.geo.osm.WalkNetwork`` fits)."""

    @property
    def node_id(self) -> npt.NDArray[np.int64]: ...

    @property
    def lon(self) -> FloatArray: ...

    @property
    def lat(self) -> FloatArray: ...

    @property
    def edge_u(self) -> npt.NDArray[np.integer[Any]]: ...

    @property
    def edge_v(self) -> npt.NDArray[np.integer[Any]]: ...

    @property
    def length_m(self) -> FloatArray: ...


class StoredNetworkArrays(Protocol):
    """The same arrays with the length named ``edge_length_m`` (as stored by the geo app)."""

    @property
    def node_id(self) -> npt.NDArray[np.int64]: ...

    @property
    def lon(self) -> FloatArray: ...

    @property
    def lat(self) -> FloatArray: ...

    @property
    def edge_u(self) -> npt.NDArray[np.integer[Any]]: ...

    @property
    def edge_v(self) -> npt.NDArray[np.integer[Any]]: ...

    @property
    def edge_length_m(self) -> FloatArray: ...


@dataclass(frozen=True, eq=False)
class WalkGraph:
    """An undirected walking graph: nodes, unique edges and their CSR adjacency.

    ``indptr``/``indices``/``weight_m`` hold every edge in both directions (int32 indices,
    so scipy uses them as they are). ``component[i]`` is the connected piece of node ``i``,
    0 being the largest; ``component_sizes[k]`` its node count.
    """

    node_id: IntArray
    lon: FloatArray
    lat: FloatArray
    x_m: FloatArray
    y_m: FloatArray
    edge_u: Int32Array
    edge_v: Int32Array
    edge_length_m: FloatArray
    indptr: Int32Array
    indices: Int32Array
    weight_m: FloatArray
    component: Int32Array
    component_sizes: IntArray
    crs: str

    @property
    def node_count(self) -> int:
        return int(self.node_id.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.shape[0])

    @cached_property
    def csr(self) -> csr_array:
        """The adjacency as a scipy CSR array (no copy of the arrays)."""
        return csr_from_arrays(self.indptr, self.indices, self.weight_m, self.node_count)

    @cached_property
    def projector(self) -> pyproj.Transformer:
        return projector_for(self.crs)

    def project(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        """WGS-84 longitude/latitude to this graph's projected metres."""
        x, y = self.projector.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def csr_from_arrays(
    indptr: Int32Array, indices: Int32Array, weight_m: FloatArray, node_count: int
) -> csr_array:
    """Wrap CSR arrays for scipy without copying; explicit zero lengths stay edges."""
    matrix = csr_array((node_count, node_count), dtype=np.float64)
    matrix.data = weight_m
    matrix.indices = indices
    matrix.indptr = indptr
    return matrix


@functools.lru_cache(maxsize=16)
def projector_for(crs: str) -> pyproj.Transformer:
    """A cached WGS-84 → ``crs`` transformer (x = east, y = north)."""
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def utm_crs_for(lon: float, lat: float) -> str:
    """The WGS-84 UTM zone holding a point: EPSG:32651 (UTM 51N) for Shanghai."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def great_circle_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """Haversine distance in metres, broadcasting over arrays."""
    y1 = np.radians(lat1)
    y2 = np.radians(lat2)
    h = (
        np.sin((y2 - y1) / 2.0) ** 2
        + np.cos(y1) * np.cos(y2) * np.sin((np.radians(lon2) - np.radians(lon1)) / 2.0) ** 2
    )
    return np.asarray(
        2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, h))), dtype=np.float64
    )


def build_csr(
    u: Int32Array, v: Int32Array, length_m: FloatArray, node_count: int
) -> tuple[Int32Array, Int32Array, FloatArray]:
    """Both directions of each undirected edge as CSR arrays (rows sorted by source)."""
    rows = np.concatenate([u, v]).astype(np.int64)
    cols = np.concatenate([v, u]).astype(np.int32)
    weights = np.concatenate([length_m, length_m])
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=node_count)
    indptr = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    if indptr[-1] > np.iinfo(np.int32).max:
        raise InputError(
            f"the network has {indptr[-1]} arcs, more than int32 CSR indices hold",
            field="network",
            fix="Split the network into districts and analyse them as a batch.",
        )
    return (
        indptr.astype(np.int32),
        np.ascontiguousarray(cols[order]),
        np.ascontiguousarray(weights[order]),
    )


def build_graph(
    network: NetworkArrays | StoredNetworkArrays, *, crs: str | None = None
) -> WalkGraph:
    """Build the CSR walking graph of ``network``.

    ``network`` has node arrays ``node_id, lon, lat`` and edge arrays ``edge_u, edge_v``
    (indices into the nodes) with ``length_m`` (``district.geo.osm.WalkNetwork``) or
    ``edge_length_m`` (the geo app's stored arrays).

    Self-loops are dropped and parallel edges collapse to the shortest. ``crs`` defaults to
    the UTM zone of the network's centre. Raises ``InputError`` for an empty network or
    inconsistent arrays.
    """
    node_id = np.asarray(network.node_id, dtype=np.int64)
    lon = np.asarray(network.lon, dtype=np.float64)
    lat = np.asarray(network.lat, dtype=np.float64)
    u = np.asarray(network.edge_u, dtype=np.int64)
    v = np.asarray(network.edge_v, dtype=np.int64)
    lengths = getattr(network, "length_m", None)
    if lengths is None:
        lengths = getattr(network, "edge_length_m", None)
    if lengths is None:
        raise InputError(
            "the network has no edge lengths (length_m or edge_length_m)", field="network"
        )
    length = np.asarray(lengths, dtype=np.float64)
    n = int(node_id.shape[0])
    if n == 0 or u.shape[0] == 0:
        raise InputError(
            "the walking network has no edges",
            field="network",
            fix="Import an OSM file with walkable ways for the area.",
        )
    if not (lon.shape[0] == lat.shape[0] == n) or not (v.shape[0] == length.shape[0] == u.shape[0]):
        raise InputError("the network's node or edge arrays differ in length", field="network")
    if u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n:
        raise InputError("an edge refers to a node index outside the network", field="network")
    if not np.all(np.isfinite(length)) or length.min() < 0:
        raise InputError("an edge length is negative or not finite", field="length_m")
    # One entry per unordered pair, the shortest if several ways share it.
    keep = u != v
    lo = np.minimum(u, v)[keep]
    hi = np.maximum(u, v)[keep]
    length = length[keep]
    # Sorted by pair (one int64 key: a third of the time of a three-key lexsort); only when
    # some pair repeats are the lengths sorted too, so the shortest comes first.
    pair = lo * n + hi
    order = np.argsort(pair, kind="stable")
    pair = pair[order]
    first = np.ones(pair.shape[0], dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    if not first.all():
        order = order[np.lexsort((length[order], pair))]
    lo, hi, length = lo[order], hi[order], length[order]
    edge_u = lo[first].astype(np.int32)
    edge_v = hi[first].astype(np.int32)
    edge_length = np.ascontiguousarray(length[first])
    indptr, indices, weight = build_csr(edge_u, edge_v, edge_length, n)
    if crs is None:
        crs = utm_crs_for(float(np.median(lon)), float(np.median(lat)))
    x, y = projector_for(crs).transform(lon, lat)
    matrix = csr_from_arrays(indptr, indices, weight, n)
    count, raw = connected_components(matrix, directed=False)
    raw_sizes = np.bincount(raw, minlength=count)
    order_c = np.lexsort((np.arange(count), -raw_sizes))
    rank = np.empty(count, dtype=np.int32)
    rank[order_c] = np.arange(count, dtype=np.int32)
    return WalkGraph(
        node_id=node_id,
        lon=lon,
        lat=lat,
        x_m=np.asarray(x, dtype=np.float64),
        y_m=np.asarray(y, dtype=np.float64),
        edge_u=edge_u,
        edge_v=edge_v,
        edge_length_m=edge_length,
        indptr=indptr,
        indices=indices,
        weight_m=weight,
        component=rank[raw].astype(np.int32),
        component_sizes=raw_sizes[order_c].astype(np.int64),
        crs=crs,
    )
