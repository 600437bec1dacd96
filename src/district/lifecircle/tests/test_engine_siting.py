"""Siting: greedy and exact MCLP against brute force, and against what-if on real data."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_array

from district.core.errors import InputError
from district.geo.osm import read_walk_network
from district.lifecircle.engine import (
    CoverageProblem,
    add_facility,
    build_graph,
    measure_access,
    prepare_scene,
    site_facilities,
    solve_exact,
    solve_greedy,
)
from district.lifecircle.engine.siting import coverage_mask, merge_demands, reduce_sites

REPO = Path(__file__).resolve().parents[4]
VENDORED = REPO / "data/osm/changning_roads_2025-08-09.osm"
POI = REPO / "data/poi"
GREEDY_BOUND = 1.0 - 1.0 / math.e


def brute_force(cover: np.ndarray, weight: np.ndarray, k: int) -> float:
    sites = range(cover.shape[0])
    best = 0.0
    for chosen in itertools.combinations(sites, min(k, cover.shape[0])):
        best = max(best, float(weight[cover[list(chosen)].any(axis=0)].sum()))
    return best


def random_problems(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        sites = int(rng.integers(3, 10))
        demands = int(rng.integers(4, 25))
        cover = rng.random((sites, demands)) < rng.uniform(0.1, 0.5)
        weight = rng.integers(1, 500, demands).astype(float)
        yield cover, weight, int(rng.integers(1, 4))


def test_exact_equals_brute_force_and_greedy_keeps_its_bound():
    for cover, weight, k in random_problems(40, seed=1):
        problem = CoverageProblem(cover=csr_array(cover), weight=weight)
        optimum = brute_force(cover, weight, k)
        exact = solve_exact(problem, k)
        greedy = solve_greedy(problem, k)
        assert exact.covered == pytest.approx(optimum)
        assert exact.status == "Optimal"
        assert len(exact.sites) <= k and len(greedy.sites) <= k
        assert greedy.covered <= exact.covered + 1e-9
        assert greedy.covered >= GREEDY_BOUND * exact.covered - 1e-9
        assert sum(greedy.gains) == pytest.approx(greedy.covered)
        assert float(weight[coverage_mask(problem, greedy.sites)].sum()) == pytest.approx(
            greedy.covered
        )


def test_reductions_keep_the_optimum():
    for cover, weight, k in random_problems(30, seed=2):
        problem = CoverageProblem(cover=csr_array(cover), weight=weight)
        merged, group = merge_demands(problem)
        # Merged demands keep the total weight of every coverable demand.
        coverable = cover.any(axis=0)
        assert merged.weight.sum() == pytest.approx(weight[coverable].sum())
        assert (group[~coverable] == -1).all()
        keep = reduce_sites(merged)
        reduced = CoverageProblem(
            cover=csr_array(merged.cover.toarray()[keep]), weight=merged.weight
        )
        assert solve_exact(reduced, k).covered == pytest.approx(brute_force(cover, weight, k))


def test_greedy_can_lose_and_the_gap_is_reported():
    # S0 covers four demands of weight 1; S1 and S2 split them and add one of weight 1.5 each.
    cover = np.array(
        [
            [1, 1, 1, 1, 0, 0],
            [1, 1, 0, 0, 1, 0],
            [0, 0, 1, 1, 0, 1],
        ],
        dtype=bool,
    )
    weight = np.array([1, 1, 1, 1, 1.5, 1.5])
    problem = CoverageProblem(cover=csr_array(cover), weight=weight)
    greedy = solve_greedy(problem, 2)
    exact = solve_exact(problem, 2)
    assert greedy.sites[0] == 0 and greedy.covered == pytest.approx(5.5)
    assert set(exact.sites) == {1, 2} and exact.covered == pytest.approx(7.0)
    assert exact.bound == pytest.approx(7.0)
    assert greedy.covered / exact.covered == pytest.approx(5.5 / 7.0)
    assert greedy.covered / exact.covered >= GREEDY_BOUND


def test_degenerate_problems():
    empty = CoverageProblem(cover=csr_array((0, 0), dtype=bool), weight=np.zeros(0))
    assert solve_greedy(empty, 3).covered == 0.0
    assert solve_exact(empty, 3).covered == 0.0
    one = CoverageProblem(cover=csr_array(np.array([[True, False]])), weight=np.array([5.0, 9.0]))
    assert solve_greedy(one, 0).sites == ()
    assert solve_exact(one, 5).covered == 5.0
    with pytest.raises(InputError, match="k=-1"):
        solve_greedy(one, -1)


@pytest.fixture(scope="module")
def kindergarten_result():
    graph = build_graph(read_walk_network(VENDORED))
    frame = pd.read_csv(POI / "changning_kindergartens_amap.csv")
    facilities = pd.DataFrame(
        {
            "id": [f"k-{i}" for i in range(len(frame))],
            "category": "kindergarten",
            "lon": frame["lon"],
            "lat": frame["lat"],
        }
    )
    return measure_access(prepare_scene(graph, facilities), {"kindergarten": 500.0})


def test_siting_on_the_network_agrees_with_what_if(kindergarten_result):
    result = kindergarten_result
    proposal = site_facilities(result, "kindergarten", 3)
    assert proposal.exact is not None and proposal.exact.status == "Optimal"
    assert proposal.greedy.covered <= proposal.exact.covered <= proposal.exact.bound + 1e-6
    assert proposal.gap is not None and 0.0 <= proposal.gap <= 1.0 - GREEDY_BOUND
    # Demand: network nodes not within 500 m by network distance (island nodes, estimated
    # for want of a kindergarten in their island, included) that some site can reach.
    access = result.categories["kindergarten"]
    uncovered = int((~(access.within & ~access.estimated)).sum())
    assert 0 < proposal.demand_population <= uncovered
    # Building the proposed kindergartens one by one covers exactly what the MIP promised
    # (by network distance; estimates of off-network homes may move too, but do not count).
    current = result
    gained = 0.0
    for site in proposal.proposals("exact"):
        change = add_facility(current, "kindergarten", lon=site["lon"], lat=site["lat"])
        gained += change.population_newly_within
        assert change.population_newly_within_estimated >= 0
        # A candidate is a network node: the new facility sits exactly on it.
        anchors = change.result.scene.facilities["kindergarten"].anchors
        assert anchors.dist_a[-1] == 0.0 and anchors.node_a[-1] == anchors.node_b[-1]
        current = change.result
    assert gained == pytest.approx(proposal.exact.covered)
    ranks = [site["rank"] for site in proposal.proposals("greedy")]
    assert ranks == list(range(1, len(ranks) + 1))


def test_siting_with_given_candidates(kindergarten_result):
    # Two candidate sites on the network and one 3 km west of it (dropped and counted).
    proposal = site_facilities(
        kindergarten_result,
        "kindergarten",
        1,
        candidates_lon=[121.4305, 121.4352, 121.37],
        candidates_lat=[31.2062, 31.2265, 31.22],
    )
    assert proposal.candidates_off_network == 1
    assert proposal.candidate_lon.shape == (2,)
    assert (proposal.candidate_node_id == -1).all()
    assert proposal.exact is not None
    assert proposal.greedy.covered == pytest.approx(proposal.exact.covered)
    with pytest.raises(InputError, match="not measured"):
        site_facilities(kindergarten_result, "park", 1)
