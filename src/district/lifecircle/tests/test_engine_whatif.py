"""What-if: adding or removing one facility equals a full recompute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from district.core.errors import InputError, NotFoundError
from district.geo.osm import read_walk_network
from district.lifecircle.engine import (
    add_facility,
    build_graph,
    measure_access,
    prepare_scene,
    remove_facility,
)

REPO = Path(__file__).resolve().parents[4]
VENDORED = REPO / "data/osm/changning_roads_2025-08-09.osm"
POI = REPO / "data/poi"


@pytest.fixture(scope="module")
def graph():
    return build_graph(read_walk_network(VENDORED))


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
    """SYNTHETIC homes over the network's area."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": [f"home-{i}" for i in range(count)],
            "lon": rng.uniform(121.405, 121.447, count),
            "lat": rng.uniform(31.19, 31.25, count),
            "population": rng.integers(10, 800, count).astype(float),
        }
    )


def assert_same(incremental, full, code):
    a = incremental.categories[code]
    b = full.categories[code]
    assert np.array_equal(np.isnan(a.distance_m), np.isnan(b.distance_m))
    known = ~np.isnan(a.distance_m)
    assert np.allclose(a.distance_m[known], b.distance_m[known], rtol=0, atol=1e-6)
    assert np.array_equal(a.count, b.count)
    assert np.array_equal(a.estimated, b.estimated)
    ids_a = incremental.scene.facilities[code].id[np.maximum(a.facility, 0)]
    ids_b = full.scene.facilities[code].id[np.maximum(b.facility, 0)]
    assert np.array_equal(
        np.where(a.facility >= 0, ids_a, None), np.where(b.facility >= 0, ids_b, None)
    )


CASES = [("primary_schools", "primary_school", 500.0), ("metro_stations", "metro", 600.0)]


@pytest.mark.parametrize("with_origins", [False, True])
@pytest.mark.parametrize(("name", "code", "threshold"), CASES)
def test_add_equals_full_recompute(graph, name, code, threshold, with_origins):
    facilities = poi(name, code)
    origins = synthetic_origins(250, seed=3) if with_origins else None
    base = measure_access(prepare_scene(graph, facilities, origins), {code: threshold})
    rng = np.random.default_rng(17)
    nodes = rng.choice(graph.node_count, 6, replace=False)
    for k, i in enumerate(nodes):
        # Near a node but off it, so the new site usually falls inside an edge.
        lon = float(graph.lon[i] + rng.uniform(-3e-4, 3e-4))
        lat = float(graph.lat[i] + rng.uniform(-3e-4, 3e-4))
        change = add_facility(base, code, lon=lon, lat=lat, facility_id=f"new-{k}")
        extra = pd.DataFrame({"id": [f"new-{k}"], "category": [code], "lon": [lon], "lat": [lat]})
        full = measure_access(
            prepare_scene(graph, pd.concat([facilities, extra], ignore_index=True), origins),
            {code: threshold},
        )
        assert_same(change.result, full, code)
        assert change.on_network


@pytest.mark.parametrize("with_origins", [False, True])
@pytest.mark.parametrize(("name", "code", "threshold"), CASES)
def test_remove_equals_full_recompute(graph, name, code, threshold, with_origins):
    facilities = poi(name, code)
    origins = synthetic_origins(250, seed=5) if with_origins else None
    base = measure_access(prepare_scene(graph, facilities, origins), {code: threshold})
    on_network = np.flatnonzero(base.scene.facilities[code].on_network)
    for j in np.random.default_rng(9).choice(on_network, 5, replace=False):
        change = remove_facility(base, code, facility_id=facilities["id"][j])
        full = measure_access(
            prepare_scene(graph, facilities.drop(index=j), origins), {code: threshold}
        )
        assert_same(change.result, full, code)
        # Only the nodes whose nearest facility it was are recomputed.
        was_nearest = base.categories[code].node_facility == j
        assert change.nodes_recomputed == int(was_nearest.sum())


def test_sparse_category_search_grows_beyond_the_threshold(graph):
    # Metro: 16 stations on the network; a new one improves nodes far beyond 600 m.
    facilities = poi("metro_stations", "metro")
    base = measure_access(prepare_scene(graph, facilities), {"metro": 600.0})
    access = base.categories["metro"]
    far = int(np.argmax(np.where(access.estimated, -1.0, access.distance_m)))
    change = add_facility(
        base, "metro", lon=float(graph.lon[far]), lat=float(graph.lat[far]), facility_id="new-0"
    )
    new = change.result.categories["metro"]
    near_new = (new.node_facility == change.facility_index) & (new.node_distance_m <= 600.0)
    assert change.nodes_recomputed > int(near_new.sum())
    extra = pd.DataFrame(
        {"id": ["new-0"], "category": ["metro"], "lon": [graph.lon[far]], "lat": [graph.lat[far]]}
    )
    full = measure_access(
        prepare_scene(graph, pd.concat([facilities, extra], ignore_index=True)), {"metro": 600.0}
    )
    assert_same(change.result, full, "metro")
    assert change.population_newly_within > 0


def test_chained_what_ifs_return_to_the_start(graph):
    facilities = poi("kindergartens", "kindergarten")
    base = measure_access(prepare_scene(graph, facilities), {"kindergarten": 500.0})
    first = add_facility(base, "kindergarten", lon=121.425, lat=31.215, facility_id="a")
    second = add_facility(first.result, "kindergarten", lon=121.43, lat=31.225, facility_id="b")
    third = remove_facility(second.result, "kindergarten", facility_id="a")
    back = remove_facility(third.result, "kindergarten", facility_id="b")
    assert_same(back.result, base, "kindergarten")
    steps = (first, second, third, back)
    assert sum(step.population_newly_within for step in steps) == pytest.approx(0.0)
    assert first.population_newly_within >= 0 >= back.population_newly_within


def test_removing_the_last_facility_leaves_distances_unknown(graph):
    metro = poi("metro_stations", "metro")
    on_network = prepare_scene(graph, metro).facilities["metro"].on_network
    one = metro.iloc[[int(np.flatnonzero(on_network)[0])]]
    base = measure_access(prepare_scene(graph, one), {"metro": 600.0})
    assert base.scene.facilities["metro"].on_network.all()
    change = remove_facility(base, "metro", facility_index=0)
    metro = change.result.categories["metro"]
    assert np.isnan(metro.distance_m).all() and not metro.estimated.any()
    assert (metro.count == 0).all() and (metro.facility == -1).all()


def test_off_network_site_changes_estimates_only(graph):
    facilities = poi("primary_schools", "primary_school")
    origins = synthetic_origins(200, seed=8)
    base = measure_access(prepare_scene(graph, facilities, origins), {"primary_school": 500.0})
    # 3 km west of the network's area: beyond the snap tolerance.
    change = add_facility(base, "primary_school", lon=121.37, lat=31.22, facility_id="west")
    assert not change.on_network and change.nodes_searched == 0
    before = base.categories["primary_school"]
    after = change.result.categories["primary_school"]
    measured = ~before.estimated
    assert np.array_equal(before.distance_m[measured], after.distance_m[measured])
    extra = pd.DataFrame(
        {"id": ["west"], "category": ["primary_school"], "lon": [121.37], "lat": [31.22]}
    )
    full = measure_access(
        prepare_scene(graph, pd.concat([facilities, extra], ignore_index=True), origins),
        {"primary_school": 500.0},
    )
    assert_same(change.result, full, "primary_school")


def test_what_if_errors(graph):
    base = measure_access(prepare_scene(graph, poi("metro_stations", "metro")), {"metro": 600.0})
    with pytest.raises(InputError, match="not measured"):
        add_facility(base, "park", lon=121.42, lat=31.22)
    with pytest.raises(NotFoundError, match="no active metro facility"):
        remove_facility(base, "metro", facility_id="nowhere")
    removed = remove_facility(base, "metro", facility_index=0)
    with pytest.raises(NotFoundError):
        remove_facility(removed.result, "metro", facility_index=0)


def test_first_facility_of_an_empty_category(graph):
    metro = poi("metro_stations", "metro")
    thresholds = {"metro": 600.0, "park": 300.0}
    base = measure_access(prepare_scene(graph, metro), thresholds)
    assert np.isnan(base.categories["park"].distance_m).all()
    change = add_facility(base, "park", lon=121.43, lat=31.22, facility_id="p1")
    park = pd.DataFrame({"id": ["p1"], "category": ["park"], "lon": [121.43], "lat": [31.22]})
    full = measure_access(
        prepare_scene(graph, pd.concat([metro, park], ignore_index=True)), thresholds
    )
    assert_same(change.result, full, "park")
    assert change.population_newly_within > 0
