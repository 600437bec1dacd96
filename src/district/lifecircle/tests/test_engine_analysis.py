"""The ``district lifecircle analyze`` contract, and the GCJ-02 check behind its warning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from district.core.errors import DataFileError
from district.geo.osm import read_walk_network
from district.lifecircle.engine import (
    analyze,
    build_graph,
    check_coordinates,
    gcj02_to_wgs84,
    read_facilities_csv,
    read_origins_csv,
    wgs84_to_gcj02,
    write_json,
)

REPO = Path(__file__).resolve().parents[4]
VENDORED = REPO / "data/osm/changning_roads_2025-08-09.osm"
POI = REPO / "data/poi"
SOURCES = {
    "kindergarten": "kindergartens",
    "metro": "metro_stations",
    "bus_stop": "bus_stops",
}


@pytest.fixture(scope="module")
def network():
    return read_walk_network(VENDORED)


@pytest.fixture(scope="module")
def graph(network):
    return build_graph(network)


def facilities_table() -> pd.DataFrame:
    frames = []
    for code, name in SOURCES.items():
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


@pytest.fixture(scope="module")
def facilities_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "facilities.csv"
    facilities_table().to_csv(path, index=False)
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_report_has_the_contracted_shape(network, graph, facilities_csv, tmp_path):
    report = analyze(network, facilities_csv, graph=graph)
    assert set(report["categories"]) == set(SOURCES)
    kindergarten = report["categories"]["kindergarten"]
    assert kindergarten["threshold_m"] == 500.0
    assert kindergarten["name_zh"] == "幼儿园"
    assert 0.0 < kindergarten["coverage"] < 1.0
    assert kindergarten["facilities"] == 266
    # One entry per origin (the network's nodes, with their OSM ids) and category.
    origins = report["origins"]
    assert len(origins) == graph.node_count * len(SOURCES)
    node_ids = set(graph.node_id.tolist())
    assert {row["id"] for row in origins} == node_ids
    first = origins[0]
    assert set(first) >= {
        "id",
        "category",
        "nearest_m",
        "nearest_facility",
        "within_threshold",
        "estimated",
    }
    measured = [r for r in origins if r["category"] == "metro" and not r["estimated"]]
    assert all(r["within_threshold"] == (r["nearest_m"] <= 600.0) for r in measured)
    assert all(
        r["walk_minutes"] == pytest.approx(r["nearest_m"] / 80.0, abs=0.01) for r in measured
    )
    codes = {w["code"] for w in report["warnings"]}
    assert "network_islands" in codes and "facilities_off_network" in codes
    islands = next(w for w in report["warnings"] if w["code"] == "network_islands")
    assert islands["sizes"][:2] == [3026, 61]
    # Shares of the whole population: network and estimated never mixed.
    estimated = sum(
        1
        for r in origins
        if r["category"] == "kindergarten" and r["estimated"] and r["within_threshold"]
    )
    assert kindergarten["covered_estimated"] == estimated
    out = tmp_path / "out.json"
    write_json(report, out)
    assert json.loads(out.read_text(encoding="utf-8"))["categories"]["metro"]["threshold_m"] == 600


def test_speed_changes_minutes_not_coverage(network, graph, facilities_csv):
    slow = analyze(network, facilities_csv, graph=graph, speed_m_per_min=55.0)
    fast = analyze(network, facilities_csv, graph=graph)
    assert slow["categories"]["metro"]["coverage"] == fast["categories"]["metro"]["coverage"]
    row = next(r for r in slow["origins"] if r["nearest_m"] is not None)
    assert row["walk_minutes"] == pytest.approx(row["nearest_m"] / 55.0, abs=0.01)


def test_origins_csv(network, graph, facilities_csv, tmp_path):
    rng = np.random.default_rng(1)
    homes = pd.DataFrame(  # SYNTHETIC homes
        {
            "id": [f"h{i}" for i in range(40)],
            "lon": rng.uniform(121.41, 121.445, 40),
            "lat": rng.uniform(31.2, 31.245, 40),
            "population": rng.integers(1, 900, 40),
        }
    )
    homes.loc[0, ["lon", "lat"]] = [121.36, 31.21]  # west Changning: no network there
    path = tmp_path / "homes.csv"
    homes.to_csv(path, index=False)
    report = analyze(network, facilities_csv, path, graph=graph)
    assert len(report["origins"]) == 40 * len(SOURCES)
    west = [r for r in report["origins"] if r["id"] == "h0"]
    assert all(r["estimated"] for r in west)
    assert west[0]["snap_m"] > 200
    assert "origins_off_network" in {w["code"] for w in report["warnings"]}
    population = report["categories"]["bus_stop"]["population"]
    assert population == pytest.approx(float(homes["population"].sum()))


def test_unknown_category_names_the_row(tmp_path):
    path = write(
        tmp_path,
        "f.csv",
        "id,category,lon,lat\na,kindergarten,121.42,31.22\nb,gym,121.43,31.22\n",
    )
    with pytest.raises(DataFileError) as caught:
        read_facilities_csv(path)
    error = caught.value
    assert error.row == 3 and error.field == "category"
    assert "'gym'" in str(error) and "f.csv" in str(error) and "kindergarten" in str(error)


@pytest.mark.parametrize(
    ("text", "field", "row"),
    [
        ("id,category,lon\na,park,121.4\n", "lat", 1),
        ("id,category,lon,lat\na,park,121.4,north\n", "lat", 2),
        ("id,category,lon,lat\na,park,121.4,31.2\nb,park,300,31.2\n", "lon", 3),
        ("id,category,lon,lat\na,park,121.4,31.2\na,park,121.41,31.2\n", "id", 3),
        ("id,category,lon,lat\n,park,121.4,31.2\n", "id", 2),
    ],
)
def test_bad_facility_rows(tmp_path, text, field, row):
    with pytest.raises(DataFileError) as caught:
        read_facilities_csv(write(tmp_path, "bad.csv", text))
    assert (caught.value.field, caught.value.row) == (field, row)


def test_bad_origin_rows(tmp_path):
    with pytest.raises(DataFileError) as caught:
        read_origins_csv(write(tmp_path, "o.csv", "id,lon,lat,population\na,121.4,31.2,-3\n"))
    assert caught.value.field == "population" and caught.value.row == 2
    with pytest.raises(DataFileError, match="no such file"):
        read_origins_csv(tmp_path / "missing.csv")
    with pytest.raises(DataFileError, match="UTF-8"):
        path = tmp_path / "gbk.csv"
        path.write_bytes("id,lon,lat\n长宁,121.4,31.2\n".encode("gbk"))
        read_origins_csv(path)


def test_facilities_outside_the_network_are_refused(network, graph, tmp_path):
    path = write(tmp_path, "west.csv", "id,category,lon,lat\na,park,121.36,31.21\n")
    with pytest.raises(DataFileError, match="outside the network's area"):
        analyze(network, path, graph=graph)


def test_gcj02_facilities_get_a_warning(network, graph, tmp_path):
    table = facilities_table()
    table = table[table["category"] == "bus_stop"].copy()
    clean = tmp_path / "wgs.csv"
    table.to_csv(clean, index=False)
    assert "facilities_gcj02" not in {
        w["code"] for w in analyze(network, clean, graph=graph)["warnings"]
    }
    lon, lat = wgs84_to_gcj02(table["lon"].to_numpy(), table["lat"].to_numpy())
    table["lon"], table["lat"] = lon, lat
    shifted = tmp_path / "gcj.csv"
    table.to_csv(shifted, index=False)
    warning = next(
        w
        for w in analyze(network, shifted, graph=graph)["warnings"]
        if w["code"] == "facilities_gcj02"
    )
    assert warning["median_snap_m"] > 3 * warning["median_snap_if_gcj02_m"]
    assert "GCJ-02" in warning["message"]


def test_gcj02_formula_matches_published_values():
    # hutool CoordinateUtilTest (after wandergis/coordtransform): (116.404, 39.915) in Beijing.
    lon, lat = wgs84_to_gcj02(np.array([116.404]), np.array([39.915]))
    assert lon[0] == pytest.approx(116.41024449916938, abs=1e-12)
    assert lat[0] == pytest.approx(39.91640428150164, abs=1e-12)
    back = gcj02_to_wgs84(lon, lat)
    assert back[0][0] == pytest.approx(116.404, abs=1e-9)
    assert back[1][0] == pytest.approx(39.915, abs=1e-9)


@pytest.mark.parametrize("name", ["bus_stops", "metro_stations", "kindergartens", "medical"])
def test_coordinate_check_raises_no_false_alarm_on_real_wgs84(graph, name):
    frame = pd.read_csv(POI / f"changning_{name}_amap.csv")
    check = check_coordinates(graph, frame["lon"].to_numpy(), frame["lat"].to_numpy())
    assert not check.suspect_gcj02
