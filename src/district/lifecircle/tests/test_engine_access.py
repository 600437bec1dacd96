"""Graph, snapping, placement and access: against networkx and hand-computed cases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from district.core.errors import InputError
from district.geo.osm import connected_components, great_circle_m, read_walk_network
from district.lifecircle.engine import (
    AccessParams,
    build_graph,
    list_gaps,
    measure_access,
    measure_detour_factor,
    prepare_scene,
    score_completeness,
    snap_points,
    summarise_coverage,
    walk_minutes,
)
from district.lifecircle.engine.search import count_within, nearest_sources

REPO = Path(__file__).resolve().parents[4]
VENDORED = REPO / "data/osm/changning_roads_2025-08-09.osm"
POI = REPO / "data/poi"


@pytest.fixture(scope="module")
def network():
    return read_walk_network(VENDORED)


@pytest.fixture(scope="module")
def graph(network):
    return build_graph(network)


def poi(name: str, code: str) -> pd.DataFrame:
    frame = pd.read_csv(POI / f"changning_{name}_amap.csv")
    return pd.DataFrame(
        {
            "id": [f"{code}-{i}" for i in range(len(frame))],
            "category": code,
            "lon": frame["lon"],
            "lat": frame["lat"],
        }
    )


def synthetic_origins(count: int, seed: int) -> pd.DataFrame:
    """SYNTHETIC homes spread over the network's area (no real homes are vendored)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": [f"home-{i}" for i in range(count)],
            "lon": rng.uniform(121.405, 121.447, count),
            "lat": rng.uniform(31.19, 31.25, count),
            "population": rng.integers(10, 800, count).astype(float),
        }
    )


# --- graph and snapping --------------------------------------------------------------------


def test_csr_holds_each_edge_both_ways(graph, network):
    assert graph.indptr[-1] == 2 * graph.edge_count
    matrix = graph.csr
    assert (abs(matrix - matrix.T)).max() == 0
    # Parallel ways collapse to the shortest; the vendored extract has none.
    assert graph.edge_count == network.edge_count
    assert graph.component_sizes.tolist() == connected_components(network).sizes.tolist()
    assert graph.crs == "EPSG:32651"


def test_build_graph_takes_stored_arrays_and_refuses_bad_ones(network):
    @dataclass
    class Stored:
        node_id: np.ndarray
        lon: np.ndarray
        lat: np.ndarray
        edge_u: np.ndarray
        edge_v: np.ndarray
        edge_length_m: np.ndarray

    stored = Stored(
        network.node_id,
        network.lon,
        network.lat,
        network.edge_u.astype(np.int64),
        network.edge_v.astype(np.int64),
        network.length_m,
    )
    assert build_graph(stored).edge_count == network.edge_count
    empty = Stored(*(np.zeros(0) for _ in range(6)))
    with pytest.raises(InputError, match="no edges"):
        build_graph(empty)
    broken = Stored(
        network.node_id[:10],
        network.lon[:10],
        network.lat[:10],
        np.array([0, 50]),
        np.array([1, 2]),
        np.array([10.0, 20.0]),
    )
    with pytest.raises(InputError, match="outside the network"):
        build_graph(broken)


def test_parallel_edges_keep_the_shortest_and_self_loops_go():
    @dataclass
    class Net:
        node_id = np.array([1, 2, 3])
        lon = np.array([121.42, 121.421, 121.422])
        lat = np.array([31.22, 31.22, 31.22])
        edge_u = np.array([0, 1, 0, 1], dtype=np.int32)
        edge_v = np.array([1, 0, 0, 2], dtype=np.int32)
        length_m = np.array([120.0, 95.0, 5.0, 100.0])

    graph = build_graph(Net())
    assert graph.edge_count == 2
    assert sorted(graph.edge_length_m.tolist()) == [95.0, 100.0]


def _segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
    return np.hypot(px - ax - t * dx, py - ay - t * dy)


def test_snapping_finds_the_nearest_edge_exactly(graph):
    rng = np.random.default_rng(4)
    lon = rng.uniform(121.40, 121.45, 400)
    lat = rng.uniform(31.18, 31.26, 400)
    snap = snap_points(graph, lon, lat)
    px, py = graph.project(lon, lat)
    ax, ay = graph.x_m[graph.edge_u], graph.y_m[graph.edge_u]
    bx, by = graph.x_m[graph.edge_v], graph.y_m[graph.edge_v]
    brute = _segment_distance(px[:, None], py[:, None], ax, ay, bx, by)
    assert np.allclose(snap.snap_m, brute.min(axis=1), atol=1e-6)
    # The snapped point lies on the chosen edge at the reported offset.
    frac = snap.offset_m / graph.edge_length_m[snap.edge]
    e = snap.edge
    assert np.allclose(snap.x_m, ax[e] + frac * (bx[e] - ax[e]), atol=1e-6)
    assert np.allclose(np.hypot(px - snap.x_m, py - snap.y_m), snap.snap_m, atol=1e-6)


# --- a hand-computed line -------------------------------------------------------------------


@dataclass
class Line:
    """Four nodes on a parallel, west to east, 100 m apart (great-circle)."""

    node_id = np.array([11, 12, 13, 14], dtype=np.int64)
    lat = np.full(4, 31.22, dtype=np.float64)
    lon = np.asarray(
        121.42
        + np.arange(4)
        * 0.001
        * 100.0
        / float(
            great_circle_m(
                np.array([121.42]), np.array([31.22]), np.array([121.421]), np.array([31.22])
            )[0]
        ),
        dtype=np.float64,
    )
    edge_u = np.array([0, 1, 2], dtype=np.int32)
    edge_v = np.array([1, 2, 3], dtype=np.int32)

    @property
    def length_m(self) -> np.ndarray:
        return great_circle_m(self.lon[:-1], self.lat[:-1], self.lon[1:], self.lat[1:])


def at(line: Line, edge: int, fraction: float, north_m: float = 0.0) -> tuple[float, float]:
    lon = line.lon[edge] + fraction * (line.lon[edge + 1] - line.lon[edge])
    return float(lon), float(line.lat[0] + north_m / 111_200.0)


def test_offsets_along_an_edge_are_counted():
    line = Line()
    assert np.allclose(line.length_m, 100.0, atol=1e-6)
    graph = build_graph(line)
    f_lon, f_lat = at(line, 0, 0.3)
    o_lon, o_lat = at(line, 0, 0.8, north_m=40.0)  # same edge, 40 m off the street
    facilities = pd.DataFrame({"id": ["f"], "category": ["park"], "lon": [f_lon], "lat": [f_lat]})
    origins = pd.DataFrame(
        {
            "id": ["A", "B", "D", "same-edge"],
            "lon": [line.lon[0], line.lon[1], line.lon[3], o_lon],
            "lat": [line.lat[0], line.lat[1], line.lat[3], o_lat],
        }
    )
    result = measure_access(prepare_scene(graph, facilities, origins), {"park": 300.0})
    park = result.categories["park"]
    # 30 % of a 100 m edge: 30 m from A, 70 m from B, 270 m from D; the home at 80 % of the
    # same edge is 50 m away along it (not 30 + 80 through A, nor 70 + 20 through B).
    assert park.distance_m == pytest.approx([30.0, 70.0, 270.0, 50.0], abs=0.01)
    assert result.scene.origins.snap_m[3] == pytest.approx(40.0, abs=0.5)
    assert not park.estimated.any()
    assert park.count.tolist() == [1, 1, 1, 1]
    assert walk_minutes(park.distance_m, 80.0)[0] == pytest.approx(30.0 / 80.0, abs=1e-3)


def test_off_network_and_missing_categories():
    line = Line()
    graph = build_graph(line)
    far_lon, far_lat = at(line, 1, 0.5, north_m=1000.0)  # 1 km north of the street
    facilities = pd.DataFrame(
        {"id": ["f"], "category": ["park"], "lon": [line.lon[0]], "lat": [line.lat[0]]}
    )
    origins = pd.DataFrame({"id": ["far"], "lon": [far_lon], "lat": [far_lat]})
    scene = prepare_scene(graph, facilities, origins, params=AccessParams(snap_tolerance_m=200))
    result = measure_access(scene, {"park": 2000.0, "metro": 600.0})
    park = result.categories["park"]
    assert park.estimated.tolist() == [True]
    fx, fy = graph.project(line.lon[:1], line.lat[:1])
    straight = np.hypot(scene.origins.x_m[0] - fx[0], scene.origins.y_m[0] - fy[0])
    assert park.distance_m[0] == pytest.approx(1.3 * straight)
    assert park.count.tolist() == [1]  # 1.3 × ~1,005 m is within 2,000 m
    metro = result.categories["metro"]  # no metro facility at all: unknown, not estimated
    assert np.isnan(metro.distance_m[0]) and not metro.estimated[0]
    assert metro.facility[0] == -1 and metro.count[0] == 0


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match="detour_factor"):
        AccessParams(detour_factor=0.9)
    with pytest.raises(InputError, match="speed"):
        walk_minutes(np.array([1.0]), 0.0)


# --- against networkx on the real vendored network -----------------------------------------


def reference_distances(graph, facility_snap, origin_snap, tolerance=200.0):
    """networkx: facilities and origins as extra nodes tied to their edge's ends, plus a
    direct link between a facility and an origin on the same edge."""
    g = nx.Graph()
    for u, v, length in zip(graph.edge_u, graph.edge_v, graph.edge_length_m, strict=True):
        g.add_edge(int(u), int(v), w=float(length))

    def attach(name, snap, i):
        e = int(snap.edge[i])
        a = float(snap.offset_m[i])
        length = float(graph.edge_length_m[e])
        g.add_edge(name, int(graph.edge_u[e]), w=a)
        g.add_edge(name, int(graph.edge_v[e]), w=length - a)

    sources = []
    for f in np.flatnonzero(facility_snap.snap_m <= tolerance).tolist():
        attach(("f", f), facility_snap, f)
        sources.append(("f", f))
    targets = []
    for i in range(origin_snap.edge.shape[0]):
        if origin_snap.snap_m[i] <= tolerance:
            attach(("o", i), origin_snap, i)
            targets.append(i)
            for j in np.flatnonzero(facility_snap.edge == origin_snap.edge[i]):
                if facility_snap.snap_m[j] <= tolerance:
                    gap = abs(float(facility_snap.offset_m[j] - origin_snap.offset_m[i]))
                    g.add_edge(("o", i), ("f", j), w=gap)
    nearest = nx.multi_source_dijkstra_path_length(g, sources, weight="w")
    return g, sources, nearest, targets


@pytest.mark.parametrize(
    ("name", "code", "threshold"),
    [("kindergartens", "kindergarten", 500.0), ("metro_stations", "metro", 600.0)],
)
def test_distances_and_counts_equal_networkx(graph, name, code, threshold):
    facilities = poi(name, code)
    origins = synthetic_origins(300, seed=11)
    result = measure_access(prepare_scene(graph, facilities, origins), {code: threshold})
    access = result.categories[code]
    f_snap = snap_points(graph, facilities["lon"].to_numpy(), facilities["lat"].to_numpy())
    o_snap = snap_points(graph, origins["lon"].to_numpy(), origins["lat"].to_numpy())
    g, sources, nearest, targets = reference_distances(graph, f_snap, o_snap)
    on_network = np.zeros(len(origins), dtype=bool)
    on_network[targets] = True
    ref = np.array([nearest.get(("o", i), np.inf) for i in range(len(origins))])
    measured = on_network & np.isfinite(ref)
    assert measured.sum() > 150
    assert np.max(np.abs(access.distance_m[measured] - ref[measured])) < 0.5
    assert (access.estimated == ~measured).all()
    counts = np.zeros(len(origins), dtype=int)
    for s in sources:
        ball = nx.single_source_dijkstra_path_length(g, s, cutoff=threshold, weight="w")
        for key in ball:
            if isinstance(key, tuple) and key[0] == "o":
                counts[key[1]] += 1
    assert np.array_equal(access.count[measured], counts[measured])


def test_node_origins_equal_networkx(graph):
    facilities = poi("primary_schools", "primary_school")
    result = measure_access(prepare_scene(graph, facilities), {"primary_school": 500.0})
    access = result.categories["primary_school"]
    assert result.scene.origins.id.tolist() == graph.node_id.tolist()
    f_snap = snap_points(graph, facilities["lon"].to_numpy(), facilities["lat"].to_numpy())
    g = nx.Graph()
    for u, v, length in zip(graph.edge_u, graph.edge_v, graph.edge_length_m, strict=True):
        g.add_edge(int(u), int(v), w=float(length))
    sources = []
    for i in np.flatnonzero(f_snap.snap_m <= 200.0):
        e = int(f_snap.edge[i])
        g.add_edge(("f", i), int(graph.edge_u[e]), w=float(f_snap.offset_m[i]))
        g.add_edge(
            ("f", i), int(graph.edge_v[e]), w=float(graph.edge_length_m[e] - f_snap.offset_m[i])
        )
        sources.append(("f", i))
    nearest = nx.multi_source_dijkstra_path_length(g, sources, weight="w")
    ref = np.array([nearest.get(i, np.inf) for i in range(graph.node_count)])
    reached = np.isfinite(ref)
    assert np.max(np.abs(access.distance_m[reached] - ref[reached])) < 0.5
    # Nodes in islands without a primary school are estimated, never left out.
    assert (access.estimated == ~reached).all()
    assert access.estimated.sum() > 0
    islands = graph.component != 0
    assert access.estimated[~islands].sum() == 0


def test_tiled_counts_equal_plain_scipy(graph):
    scene = prepare_scene(graph, poi("bus_stops", "bus_stop"))
    fac = scene.facilities["bus_stop"]
    sources = fac.anchors.node_a[fac.routable()]
    for limit in (150.0, 300.0, 1000.0):
        plain = dijkstra(scene.placed.csr, directed=True, indices=np.unique(sources), limit=limit)
        multiplicity = np.unique(sources, return_counts=True)[1]
        expected = multiplicity @ (plain <= limit)
        assert np.array_equal(count_within(scene.placed, sources, limit), expected)
        assert np.array_equal(count_within(scene.placed, sources, limit, tile_m=250.0), expected)
        for method in ("tiles", "whole"):
            assert np.array_equal(
                count_within(scene.placed, sources, limit, method=method), expected
            )
    # The multi-source search equals the minimum over one search per source.
    dist, origin = nearest_sources(scene.placed, sources)
    each = dijkstra(scene.placed.csr, directed=True, indices=np.unique(sources))
    assert np.array_equal(dist, each.min(axis=0))
    # ...and the source it names is one at that distance.
    reached = origin >= 0
    assert reached.sum() > 0.9 * reached.shape[0]
    assert np.allclose(
        each[np.searchsorted(np.unique(sources), origin[reached]), np.flatnonzero(reached)],
        dist[reached],
    )


def test_count_methods_agree_with_repeated_sources_and_the_choice_follows_size(graph):
    """Sources repeated 1-3 times count with their multiplicity in every method; the cost
    model searches the whole small demo graph and tiles a large SYNTHETIC grid."""
    from district.lifecircle.engine.placement import place_points
    from district.lifecircle.engine.search import _cheapest_tiles

    placed = place_points(graph, [])[0]
    rng = np.random.default_rng(3)
    base = rng.choice(graph.node_count, size=200, replace=False).astype(np.int32)
    sources = np.concatenate([base, base[:60], base[:25]])
    plain = dijkstra(placed.csr, directed=True, indices=np.unique(sources), limit=400.0)
    expected = np.unique(sources, return_counts=True)[1] @ (plain <= 400.0)
    for method in ("auto", "tiles", "whole"):
        assert np.array_equal(count_within(placed, sources, 400.0, method=method), expected)
    assert _cheapest_tiles(placed, np.unique(sources).astype(np.int64), 400.0) is None
    with pytest.raises(ValueError, match="method"):
        count_within(placed, sources, 400.0, method="fast")

    # SYNTHETIC: a 160 x 160 grid of 40 m blocks, 200 sources, 300 m.
    side = 160
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    index = np.arange(side * side).reshape(side, side)
    u = np.r_[index[:-1, :].ravel(), index[:, :-1].ravel()]
    v = np.r_[index[1:, :].ravel(), index[:, 1:].ravel()]
    lat = np.asarray(31.2 + jj.ravel() * 40.0 / 111_320.0, dtype=np.float64)
    lon = np.asarray(
        121.4 + ii.ravel() * 40.0 / (111_320.0 * np.cos(np.radians(31.2))), dtype=np.float64
    )

    @dataclass
    class Grid:
        node_id: np.ndarray
        lon: np.ndarray
        lat: np.ndarray
        edge_u: np.ndarray
        edge_v: np.ndarray
        length_m: np.ndarray

    grid = build_graph(
        Grid(np.arange(side * side), lon, lat, u, v, great_circle_m(lon[u], lat[u], lon[v], lat[v]))
    )
    big = place_points(grid, [])[0]
    spread = np.unique(rng.choice(grid.node_count, size=200, replace=False)).astype(np.int64)
    assert _cheapest_tiles(big, spread, 300.0) is not None
    whole = count_within(big, spread.astype(np.int32), 300.0, method="whole")
    assert np.array_equal(count_within(big, spread.astype(np.int32), 300.0), whole)


def test_facility_ids_point_to_the_nearest(graph):
    facilities = poi("middle_schools", "middle_school")
    result = measure_access(prepare_scene(graph, facilities), {"middle_school": 1000.0})
    access = result.categories["middle_school"]
    fac = result.scene.facilities["middle_school"]
    measured = ~access.estimated
    # The reported facility is at the reported distance: check a sample by single searches.
    rng = np.random.default_rng(2)
    for origin in rng.choice(np.flatnonzero(measured), 25, replace=False):
        node = fac.anchors.node_a[access.facility[origin]]
        single = dijkstra(result.scene.placed.csr, directed=True, indices=[node])[0]
        assert single[origin] == pytest.approx(access.distance_m[origin], abs=1e-6)


# --- summaries -------------------------------------------------------------------------------


def test_coverage_gaps_and_completeness_hand_computed():
    line = Line()
    graph = build_graph(line)
    facilities = pd.DataFrame(
        {
            "id": ["park-A", "metro-D"],
            "category": ["park", "metro"],
            "lon": [line.lon[0], line.lon[3]],
            "lat": [line.lat[0], line.lat[3]],
        }
    )
    far = at(line, 1, 0.5, north_m=5000.0)
    origins = pd.DataFrame(
        {
            "id": ["h1", "h2", "h3", "h4"],
            "lon": [line.lon[0], line.lon[1], line.lon[3], far[0]],
            "lat": [line.lat[0], line.lat[1], line.lat[3], far[1]],
            "population": [10.0, 30.0, 60.0, 5.0],
        }
    )
    result = measure_access(
        prepare_scene(graph, facilities, origins), {"park": 150.0, "metro": 150.0}
    )
    groups = ["north", "north", "south", "south"]
    coverage = summarise_coverage(result, groups).set_index(["group", "category"])
    # park within 150 m: h1 (0 m), h2 (100 m); h3 is 300 m away; h4 is estimated, far.
    north_park = coverage.loc[("north", "park")]
    assert north_park["covered_network"] == 40.0 and north_park["share_network"] == 1.0
    south_park = coverage.loc[("south", "park")]
    assert south_park["population"] == 65.0
    assert south_park["population_estimated"] == 5.0
    assert south_park["covered_network"] == 0.0 and south_park["covered_estimated"] == 0.0
    # metro at D: h3 (0 m) within; h1 300 m, h2 200 m are not.
    assert coverage.loc[("south", "metro")]["covered_network"] == 60.0
    assert coverage.loc[("north", "metro")]["share_network"] == 0.0
    gaps = list_gaps(summarise_coverage(result, groups))
    assert list(zip(gaps["group"], gaps["category"], strict=True)) == [
        ("south", "park"),
        ("north", "metro"),
        ("south", "metro"),
    ]
    assert gaps["uncovered"].tolist() == [65.0, 40.0, 5.0]
    assert gaps.loc[0, "uncovered_estimated"] == 5.0
    complete = score_completeness(result).set_index("origin_id")
    assert complete.loc["h1", "within_network"] == 1 and complete.loc["h1", "missing"] == "metro"
    assert complete.loc["h3", "missing"] == "park"
    assert complete.loc["h4", "within_network"] == 0
    assert complete.loc["h4", "missing"] == "park,metro"
    with pytest.raises(InputError, match="one group key"):
        summarise_coverage(result, ["north"])


def test_detour_factor_is_measured_on_the_network(graph):
    factor = measure_detour_factor(graph, samples=50)
    assert 1.0 <= factor < 2.0
