"""Benchmark: the lifecircle engine against pandana, networkx, igraph and the scipy floor.

The work, the same for every tool: for 8 facility categories, the network distance from
every node to the nearest facility and the number of facilities within the category's
threshold (the standards table: 300–1,000 m). Facilities sit on network nodes so that every
tool sees the same problem (pandana and the networkx/igraph recipes snap to nodes).

Networks:

* ``demo``: the demo network, the vendored ``data/osm/changning_roads_2025-08-09.osm``
  (eastern Changning, about 3,100 walkable nodes);
* ``shared``: the larger real extract ``../shared/data/osm/shanghai_central_roads_2025-08-09.osm``
  (21,786 nodes, central Shanghai), when that file is present (skipped, with a note,
  otherwise).
  Facilities on both: the real Amap POIs of six categories (kindergarten, primary and
  middle school, health, metro, bus stop) inside the network's box, snapped to the nearest
  node, plus two **synthetic** categories (elderly_care, park: 300 random nodes each), as
  no real list exists;
* ``grid``: a **synthetic** 224 × 224 jittered grid (~40 m spacing, 8 % of edges removed, 50,176
  nodes), with 300 random facility nodes per category.

Timed: our whole refresh (build the graph, snap and place the facilities, 8 categories);
pandana including its preprocessing (contraction hierarchies, ``precompute``); networkx and
igraph; and the floor: bare ``scipy.sparse.csgraph.dijkstra`` calls on the same CSR arrays
(one ``min_only`` call and one ``limit`` call per category). Then a one-facility what-if
(add and remove) on the 50,000-node grid, checked against a full recompute.

The ratios use the median wall time of ``--repeat`` interleaved runs of ours and the
floor; the best (minimum) runs and the CPU time of this process are reported beside them,
as the machine is shared. The refresh on a graph built before (the platform keeps it while
the network is unchanged, ``scenario.network_graph``) is reported too, but the targets are
judged on the whole refresh, graph build included.

Run: ``PYTHONPATH=src python benchmarks/lifecircle.py [--networks demo,shared,grid]`` (all
three by default; several minutes on 2 cores, most of it pandana's preprocessing on the
grid; add ``--quick`` to skip networkx and igraph). The what-if runs with the grid. The
last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from district.geo.osm import great_circle_m, read_walk_network
from district.lifecircle.engine import (
    add_facility,
    build_graph,
    measure_access,
    prepare_scene,
    remove_facility,
)
from district.lifecircle.engine.standards import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
SHARED_OSM = ROOT.parent / "shared/data/osm/shanghai_central_roads_2025-08-09.osm"
VENDORED_OSM = ROOT / "data/osm/changning_roads_2025-08-09.osm"
SHARED_POI = ROOT.parent / "shared/data/poi"
VENDORED_POI = ROOT / "data/poi"

CODES = [
    "kindergarten",
    "primary_school",
    "middle_school",
    "health",
    "metro",
    "bus_stop",
    "elderly_care",
    "park",
]
REAL_POI = {
    "kindergarten": "kindergartens",
    "primary_school": "primary_schools",
    "middle_school": "middle_schools",
    "health": "medical",
    "metro": "metro_stations",
    "bus_stop": "bus_stops",
}
THRESHOLDS = {code: CATEGORIES[code].threshold_m for code in CODES}
PANDANA_NEAREST_CAP_M = 3000.0

FacilityNodes = dict[str, npt.NDArray[np.int64]]


@dataclass(frozen=True)
class SyntheticGrid:
    """A synthetic walking network (a jittered grid); labelled synthetic wherever shown."""

    node_id: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int32]
    edge_v: npt.NDArray[np.int32]
    length_m: npt.NDArray[np.float64]


def make_grid(
    side: int = 224, spacing_m: float = 40.0, drop: float = 0.08, seed: int = 7
) -> SyntheticGrid:
    """SYNTHETIC: a side × side grid near Changning, jittered ±8 m, ``drop`` of edges cut."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = ii.ravel() * spacing_m + rng.uniform(-8, 8, side * side)
    y = jj.ravel() * spacing_m + rng.uniform(-8, 8, side * side)
    lat0, lon0 = 31.16, 121.36
    lat = lat0 + y / 111_320.0
    lon = lon0 + x / (111_320.0 * np.cos(np.radians(lat0)))
    index = np.arange(side * side).reshape(side, side)
    u = np.r_[index[:-1, :].ravel(), index[:, :-1].ravel()]
    v = np.r_[index[1:, :].ravel(), index[:, 1:].ravel()]
    keep = rng.random(u.shape[0]) > drop
    u, v = u[keep].astype(np.int32), v[keep].astype(np.int32)
    return SyntheticGrid(
        node_id=np.arange(side * side, dtype=np.int64),
        lon=lon,
        lat=lat,
        edge_u=u,
        edge_v=v,
        length_m=great_circle_m(lon[u], lat[u], lon[v], lat[v]),
    )


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence C-level stdout (pandana prints progress from C++)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class Timing:
    """Wall and CPU (this process) seconds and minor page faults of repeated runs of one
    work. The faults show memory the run took fresh from the system: the works share one
    heap, so one work's allocations can leave the next to pay them (see docs/lifecircle.md)."""

    wall: list[float]
    cpu: list[float]
    faults: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def faults_median(self) -> float:
        return statistics.median(self.faults)


def interleaved(repeat: int, *works: Callable[[], Any]) -> list[tuple[Timing, Any]]:
    """Wall and CPU times of ``repeat`` runs of each work, the runs taken in turn (so load
    from other processes hits every tool alike), after one warm-up each; with the last
    result of each."""
    results = [work() for work in works]
    timings = [Timing([], [], []) for _ in works]
    for _ in range(repeat):
        for i, work in enumerate(works):
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            cpu = time.process_time()
            started = time.perf_counter()
            results[i] = work()
            timings[i].wall.append(time.perf_counter() - started)
            timings[i].cpu.append(time.process_time() - cpu)
            timings[i].faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
    return list(zip(timings, results, strict=True))


def real_facilities(graph: Any, rng: np.random.Generator) -> tuple[FacilityNodes, str]:
    """Real Amap POIs inside the network's box, snapped to the nearest node; 2 synthetic."""
    source = SHARED_POI if SHARED_POI.is_dir() else VENDORED_POI
    prefix = "shanghai" if source == SHARED_POI else "changning"
    tree = cKDTree(np.column_stack([graph.x_m, graph.y_m]))
    west, east = graph.lon.min(), graph.lon.max()
    south, north = graph.lat.min(), graph.lat.max()
    out: FacilityNodes = {}
    for code, name in REAL_POI.items():
        frame = pd.read_csv(source / f"{prefix}_{name}_amap.csv")
        if code == "health":  # the geo app's mapping drops veterinary clinics
            frame = frame[~frame["type"].astype(str).str.contains("动物医疗")]
        inside = frame["lon"].between(west, east) & frame["lat"].between(south, north)
        frame = frame[inside]
        x, y = graph.project(frame["lon"].to_numpy(), frame["lat"].to_numpy())
        _, nodes = tree.query(np.column_stack([x, y]))
        out[code] = np.asarray(nodes, dtype=np.int64)
    for code in ("elderly_care", "park"):  # SYNTHETIC: no real list exists
        out[code] = rng.choice(graph.node_count, size=300, replace=False).astype(np.int64)
    return out, str(
        source.relative_to(ROOT.parent) if source == SHARED_POI else source.relative_to(ROOT)
    )


def synthetic_facilities(graph: Any, rng: np.random.Generator) -> FacilityNodes:
    """SYNTHETIC: 300 random facility nodes per category."""
    return {
        code: rng.choice(graph.node_count, size=300, replace=False).astype(np.int64)
        for code in CODES
    }


def facility_frame(graph: Any, nodes: FacilityNodes) -> pd.DataFrame:
    rows = []
    for code, idx in nodes.items():
        rows.append(
            pd.DataFrame(
                {
                    "id": [f"{code}-{i}" for i in range(idx.shape[0])],
                    "category": code,
                    "lon": graph.lon[idx],
                    "lat": graph.lat[idx],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


# --- the tools ------------------------------------------------------------------------------


def run_ours(network: Any, facilities: pd.DataFrame) -> tuple[dict[str, Any], Any]:
    graph = build_graph(network)
    scene = prepare_scene(graph, facilities)
    result = measure_access(scene, THRESHOLDS)
    out = {
        code: (access.distance_m, access.count, access.estimated)
        for code, access in result.categories.items()
    }
    return out, result


def run_ours_warm(graph: Any, facilities: pd.DataFrame) -> Any:
    """The refresh on a graph built before (the platform keeps the built graph, and the
    snapping index on it, while the network is unchanged). Reported, not the target."""
    return measure_access(prepare_scene(graph, facilities), THRESHOLDS)


def run_floor(graph: Any, nodes: FacilityNodes) -> None:
    csr = graph.csr
    for code in CODES:
        src = np.unique(nodes[code])
        dijkstra(csr, directed=True, indices=src, min_only=True)
        dijkstra(csr, directed=True, indices=src, limit=THRESHOLDS[code])


def run_floor_with_counts(graph: Any, nodes: FacilityNodes) -> None:
    csr = graph.csr
    for code in CODES:
        src = np.unique(nodes[code])
        dijkstra(csr, directed=True, indices=src, min_only=True)
        d = dijkstra(csr, directed=True, indices=src, limit=THRESHOLDS[code])
        (d <= THRESHOLDS[code]).sum(axis=0)


def run_pandana(graph: Any, nodes: FacilityNodes) -> dict[str, Any]:
    import pandana

    with quiet():
        net = pandana.Network(
            pd.Series(graph.x_m),
            pd.Series(graph.y_m),
            pd.Series(graph.edge_u.astype(np.int64)),
            pd.Series(graph.edge_v.astype(np.int64)),
            pd.DataFrame({"length": graph.edge_length_m}),
            twoway=True,
        )
        net.precompute(max(THRESHOLDS.values()))
        out = {}
        for code in CODES:
            idx = nodes[code]
            net.set_pois(
                code,
                maxdist=PANDANA_NEAREST_CAP_M,
                maxitems=1,
                x_col=pd.Series(graph.x_m[idx]),
                y_col=pd.Series(graph.y_m[idx]),
            )
            nearest = net.nearest_pois(PANDANA_NEAREST_CAP_M, code, num_pois=1)
            net.set(pd.Series(idx), name=code)
            count = net.aggregate(THRESHOLDS[code], type="count", decay="flat", name=code)
            out[code] = (nearest[1].to_numpy(), count.to_numpy())
    return out


def run_networkx(graph: Any, nodes: FacilityNodes) -> dict[str, Any]:
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(graph.node_count))
    g.add_weighted_edges_from(
        zip(graph.edge_u.tolist(), graph.edge_v.tolist(), graph.edge_length_m.tolist(), strict=True)
    )
    out = {}
    for code in CODES:
        idx = np.unique(nodes[code]).tolist()
        near = nx.multi_source_dijkstra_path_length(g, idx)
        dist = np.full(graph.node_count, np.inf)
        dist[list(near)] = list(near.values())
        count = np.zeros(graph.node_count, dtype=np.int64)
        mult = np.bincount(nodes[code], minlength=graph.node_count)
        for s in idx:
            ball = nx.single_source_dijkstra_path_length(g, s, cutoff=THRESHOLDS[code])
            count[list(ball)] += mult[s]
        out[code] = (dist, count)
    return out


def run_igraph(graph: Any, nodes: FacilityNodes) -> dict[str, Any]:
    import igraph

    n = graph.node_count
    edges = np.column_stack([graph.edge_u, graph.edge_v]).tolist()
    weights = graph.edge_length_m.tolist()
    out = {}
    g = igraph.Graph(n=n, edges=edges, directed=False)
    for code in CODES:
        idx = np.unique(nodes[code])
        # Nearest: one search from a virtual source tied to every facility at length 0.
        gv = g.copy()
        gv.add_vertices(1)
        gv.add_edges([(n, int(i)) for i in idx])
        dist = np.asarray(gv.distances(source=[n], weights=weights + [0.0] * idx.shape[0])[0][:n])
        # Counts: igraph has no distance cutoff, so full searches in chunks.
        count = np.zeros(n, dtype=np.int64)
        mult = np.bincount(nodes[code], minlength=n)
        for lo in range(0, idx.shape[0], 64):
            part = idx[lo : lo + 64]
            d = np.asarray(g.distances(source=part.tolist(), weights=weights))
            count += (mult[part][:, None] * (d <= THRESHOLDS[code])).sum(axis=0)
        out[code] = (dist, count)
    return out


# --- comparison -----------------------------------------------------------------------------


def compare(
    ours: dict[str, Any], other: dict[str, Any], *, cap_m: float | None = None
) -> dict[str, Any]:
    """Largest distance difference (where both are network distances) and count mismatches."""
    worst = 0.0
    mismatched = 0
    checked = 0
    for code in CODES:
        dist, count, estimated = ours[code]
        o_dist, o_count = other[code]
        o_dist = np.asarray(o_dist, dtype=np.float64)
        net = ~estimated & np.isfinite(o_dist)
        if cap_m is not None:
            net &= (o_dist < cap_m) & (dist < cap_m)
        if net.any():
            worst = max(worst, float(np.max(np.abs(dist[net] - o_dist[net]))))
        mismatched += int(np.sum(count[~estimated] != np.asarray(o_count)[~estimated]))
        checked += int((~estimated).sum())
    return {"max_abs_diff_m": worst, "count_mismatches": mismatched, "nodes_checked": checked}


def whatif_trials(network: Any, nodes: FacilityNodes, trials: int, seed: int) -> dict[str, Any]:
    """Median time of one add and one remove on the grid, and agreement with a full run."""
    rng = np.random.default_rng(seed)
    graph = build_graph(network)
    frame = facility_frame(graph, nodes)
    result = measure_access(prepare_scene(graph, frame), THRESHOLDS)
    add_ms: list[float] = []
    remove_ms: list[float] = []
    searched: list[int] = []
    code = "middle_school"  # the 1,000 m threshold: the largest searches
    for _ in range(trials):
        i = int(rng.integers(graph.node_count))
        lon = float(graph.lon[i] + rng.uniform(-2e-4, 2e-4))
        lat = float(graph.lat[i] + rng.uniform(-2e-4, 2e-4))
        started = time.perf_counter()
        change = add_facility(result, code, lon=lon, lat=lat, facility_id="new")
        add_ms.append((time.perf_counter() - started) * 1000)
        searched.append(change.nodes_searched)
        j = int(rng.integers(nodes[code].shape[0]))
        started = time.perf_counter()
        remove_facility(result, code, facility_index=j)
        remove_ms.append((time.perf_counter() - started) * 1000)
    # One check against a full recompute (add then remove, on the last site).
    extra = pd.DataFrame({"id": ["new"], "category": [code], "lon": [lon], "lat": [lat]})
    full = measure_access(
        prepare_scene(graph, pd.concat([frame, extra], ignore_index=True)), THRESHOLDS
    ).categories[code]
    inc = change.result.categories[code]
    equal_add = bool(
        np.allclose(inc.distance_m, full.distance_m, rtol=0, atol=1e-6)
        and np.array_equal(inc.count, full.count)
    )
    removed = remove_facility(result, code, facility_index=j).result.categories[code]
    full_r = measure_access(
        prepare_scene(graph, frame.drop(index=frame.index[frame["category"] == code][j])),
        THRESHOLDS,
    ).categories[code]
    equal_remove = bool(
        np.allclose(removed.distance_m, full_r.distance_m, rtol=0, atol=1e-6)
        and np.array_equal(removed.count, full_r.count)
    )
    return {
        "category": code,
        "threshold_m": THRESHOLDS[code],
        "add_ms_median": statistics.median(add_ms),
        "remove_ms_median": statistics.median(remove_ms),
        "add_ms_max": max(add_ms),
        "nodes_searched_median": int(statistics.median(searched)),
        "equal_to_full_recompute": equal_add and equal_remove,
    }


def bench_network(
    label: str, network: Any, nodes_for: Callable[[Any], FacilityNodes], args: argparse.Namespace
) -> dict[str, Any]:
    graph = build_graph(network)
    nodes = nodes_for(graph)
    frame = facility_frame(graph, nodes)
    counts = {code: int(idx.shape[0]) for code, idx in nodes.items()}
    print(
        f"\n== {label}: {graph.node_count:,} nodes, {graph.edge_count:,} edges; facilities {counts}"
    )
    warm_graph = build_graph(network)
    (
        (time_ours, (ours, _)),
        (time_warm, _),
        (time_floor, _),
        (time_floor_counts, _),
    ) = interleaved(
        args.repeat,
        lambda: run_ours(network, frame),
        lambda: run_ours_warm(warm_graph, frame),
        lambda: run_floor(graph, nodes),
        lambda: run_floor_with_counts(graph, nodes),
    )
    t_ours, t_floor, t_floor_counts = time_ours.median, time_floor.median, time_floor_counts.median
    print(
        f"ours (whole refresh)         {t_ours * 1000:9.1f} ms  "
        f"(best {time_ours.best * 1000:.1f}, CPU {time_ours.cpu_median * 1000:.1f}, "
        f"page faults {time_ours.faults_median:.0f}; graph already built, as the platform "
        f"keeps it: {time_warm.median * 1000:.1f})"
    )
    print(
        f"scipy floor (bare dijkstra)  {t_floor * 1000:9.1f} ms  "
        f"(best {time_floor.best * 1000:.1f}, CPU {time_floor.cpu_median * 1000:.1f}, "
        f"page faults {time_floor.faults_median:.0f}; "
        f"with count reduction {t_floor_counts * 1000:.1f} ms)"
    )
    started = time.perf_counter()
    pandana_out = run_pandana(graph, nodes)
    t_pandana = time.perf_counter() - started
    print(f"pandana (incl. CH+precompute){t_pandana * 1000:9.1f} ms")
    row: dict[str, Any] = {
        "network": label,
        "nodes": graph.node_count,
        "edges": graph.edge_count,
        "facilities": counts,
        "repeat": args.repeat,
        "ours_ms": t_ours * 1000,
        "ours_best_ms": time_ours.best * 1000,
        "ours_cpu_ms": time_ours.cpu_median * 1000,
        "ours_page_faults": time_ours.faults_median,
        "ours_graph_built_ms": time_warm.median * 1000,
        "scipy_floor_ms": t_floor * 1000,
        "scipy_floor_best_ms": time_floor.best * 1000,
        "scipy_floor_cpu_ms": time_floor.cpu_median * 1000,
        "scipy_floor_page_faults": time_floor.faults_median,
        "scipy_floor_with_counts_ms": t_floor_counts * 1000,
        "pandana_ms": t_pandana * 1000,
        "speedup_vs_pandana": t_pandana / t_ours,
        "ratio_to_scipy_floor": t_ours / t_floor,
        "ratio_to_scipy_floor_best": time_ours.best / time_floor.best,
        "ratio_to_scipy_floor_cpu": time_ours.cpu_median / time_floor.cpu_median,
        "vs_pandana": compare(ours, pandana_out, cap_m=PANDANA_NEAREST_CAP_M),
    }
    if not args.quick:
        started = time.perf_counter()
        nx_out = run_networkx(graph, nodes)
        t_nx = time.perf_counter() - started
        started = time.perf_counter()
        ig_out = run_igraph(graph, nodes)
        t_ig = time.perf_counter() - started
        print(f"networkx                     {t_nx * 1000:9.1f} ms")
        print(f"igraph                       {t_ig * 1000:9.1f} ms")
        row |= {
            "networkx_ms": t_nx * 1000,
            "igraph_ms": t_ig * 1000,
            "speedup_vs_networkx": t_nx / t_ours,
            "speedup_vs_igraph": t_ig / t_ours,
            "vs_networkx": compare(ours, nx_out),
            "vs_igraph": compare(ours, ig_out),
        }
        print(f"vs networkx: {row['vs_networkx']}; vs igraph: {row['vs_igraph']}")
    print(f"vs pandana (nearest capped at {PANDANA_NEAREST_CAP_M:.0f} m): {row['vs_pandana']}")
    print(
        f"ratios: {row['speedup_vs_pandana']:.1f}x faster than pandana, "
        f"{row['ratio_to_scipy_floor']:.2f}x the scipy floor (medians of {args.repeat} "
        f"interleaved runs; best runs {row['ratio_to_scipy_floor_best']:.2f}x, "
        f"CPU time {row['ratio_to_scipy_floor_cpu']:.2f}x)"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per tool (median)")
    parser.add_argument("--quick", action="store_true", help="skip networkx and igraph")
    parser.add_argument("--whatif-trials", type=int, default=20)
    parser.add_argument(
        "--networks",
        default="demo,shared,grid",
        help="comma list of demo (the vendored demo network), shared (the larger extract "
        "in ../shared, when present) and grid (the SYNTHETIC 50,000-node grid)",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(20251128)

    wanted = [n.strip() for n in args.networks.split(",") if n.strip()]
    unknown = sorted(set(wanted) - {"demo", "shared", "grid"})
    if unknown or not wanted:
        parser.error(f"--networks takes demo, shared and grid; got {args.networks!r}")
    poi_source: list[str] = []

    def demo_nodes(graph: Any) -> FacilityNodes:
        nodes, source = real_facilities(graph, rng)
        poi_source.append(source)
        return nodes

    rows = []
    for name, osm in (("demo", VENDORED_OSM), ("shared", SHARED_OSM)):
        if name not in wanted:
            continue
        if not osm.is_file():
            print(f"\n-- {name}: {osm} is not here; skipped")
            continue
        kind = "vendored demo network" if name == "demo" else "shared full extract"
        rows.append(
            bench_network(f"real OSM {osm.name} ({kind})", read_walk_network(osm), demo_nodes, args)
        )
        print(
            f"   facilities: real Amap POIs from {poi_source[-1]} (+ elderly_care, park SYNTHETIC)"
        )
    whatif: dict[str, Any] = {}
    if "grid" in wanted:
        grid = make_grid()
        rows.append(
            bench_network(
                "SYNTHETIC 224x224 grid", grid, lambda g: synthetic_facilities(g, rng), args
            )
        )
        grid_graph = build_graph(grid)
        whatif = whatif_trials(grid, synthetic_facilities(grid_graph, rng), args.whatif_trials, 5)
        print(
            f"\nwhat-if on the SYNTHETIC grid ({whatif['category']}, "
            f"{whatif['threshold_m']:.0f} m): "
            f"add {whatif['add_ms_median']:.2f} ms (max {whatif['add_ms_max']:.2f}), "
            f"remove {whatif['remove_ms_median']:.2f} ms, "
            f"equal to a full recompute: {whatif['equal_to_full_recompute']}"
        )
    if not rows:
        parser.error("no network to run")
    diffs = [r[k]["max_abs_diff_m"] for r in rows for k in ("vs_networkx",) if k in r]
    summary = {
        "speedup_vs_pandana": min(r["speedup_vs_pandana"] for r in rows),
        "ratio_to_scipy_floor": max(r["ratio_to_scipy_floor"] for r in rows),
        "whatif_ms": whatif.get("add_ms_median"),
        "whatif_remove_ms": whatif.get("remove_ms_median"),
        "whatif_equal_to_full": whatif.get("equal_to_full_recompute"),
        "max_abs_diff_vs_networkx_m": max(diffs) if diffs else None,
        "networks": rows,
    }
    print(json.dumps(summary, ensure_ascii=False, default=float))


if __name__ == "__main__":
    main()
