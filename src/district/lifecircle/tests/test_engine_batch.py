"""The Dask batch runner: many networks in one job, equal to running them one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from district.core.errors import InputError
from district.geo.osm import read_walk_network
from district.lifecircle.engine import (
    BatchJob,
    build_graph,
    combine_coverage,
    measure_access,
    prepare_scene,
    run_batch,
    summarise_coverage,
)
from district.lifecircle.engine.batch import analyse_job

REPO = Path(__file__).resolve().parents[4]
VENDORED = REPO / "data/osm/changning_roads_2025-08-09.osm"
POI = REPO / "data/poi"
THRESHOLDS = {"kindergarten": 500.0, "metro": 600.0}


def facilities() -> pd.DataFrame:
    frames = []
    for code, name in (("kindergarten", "kindergartens"), ("metro", "metro_stations")):
        frame = pd.read_csv(POI / f"changning_{name}_amap.csv")
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"{code}-{i}" for i in range(len(frame))],
                    "category": code,
                    "lon": frame["lon"],
                    "lat": frame["lat"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_batch_equals_direct_runs():
    network = read_walk_network(VENDORED)
    table = facilities()
    rng = np.random.default_rng(0)
    homes = pd.DataFrame(  # SYNTHETIC homes
        {
            "id": [f"h{i}" for i in range(60)],
            "lon": rng.uniform(121.41, 121.445, 60),
            "lat": rng.uniform(31.2, 31.245, 60),
            "population": rng.integers(1, 500, 60),
        }
    )
    groups = np.where(homes["lat"] > 31.22, "north", "south")
    jobs = [
        BatchJob("nodes", network, table),
        BatchJob("homes", VENDORED, table, homes, groups.tolist()),
        BatchJob("broken", VENDORED, table.assign(lat=999.0)),  # not WGS-84
    ]
    outcomes = run_batch(
        jobs,
        thresholds_m=THRESHOLDS,
        read_network=read_walk_network,
        n_workers=1,
        threads_per_worker=2,
        processes=False,
    )
    assert [o.name for o in outcomes] == ["nodes", "homes", "broken"]
    nodes, homes_out, broken = outcomes
    assert nodes.ok and homes_out.ok and not broken.ok
    assert broken.error is not None and "lat=999.0" in broken.error
    assert nodes.components == 7 and nodes.origins == 3128
    graph = build_graph(network)
    direct = summarise_coverage(
        measure_access(prepare_scene(graph, table, homes), THRESHOLDS), groups
    )
    assert homes_out.coverage is not None
    got = homes_out.coverage.drop(columns="job").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, direct)
    combined = combine_coverage(outcomes)
    assert set(combined["job"]) == {"nodes", "homes"}


def test_job_errors_are_reported_not_raised():
    outcome = analyse_job(BatchJob("x", VENDORED, facilities()), thresholds_m=THRESHOLDS)
    assert outcome.error is not None and "no reader" in outcome.error


def test_duplicate_job_names_are_refused():
    job = BatchJob("same", VENDORED, facilities())
    with pytest.raises(InputError, match="same name"):
        run_batch([job, job], processes=False)
    assert run_batch([], processes=False) == []
