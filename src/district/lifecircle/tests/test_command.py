"""``district lifecircle``: the verbs, the analyze contract and its bad input."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

REPO = Path(__file__).resolve().parents[4]
OSM = REPO / "data/osm/changning_roads_2025-08-09.osm"
POI = REPO / "data/poi"


def run(*args: str) -> str:
    out = StringIO()
    call_command("lifecircle", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def facilities_csv(tmp_path):
    frames = []
    for name, code in (("metro_stations", "metro"), ("kindergartens", "kindergarten")):
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
    path = tmp_path / "facilities.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


@pytest.mark.django_db
def test_refresh_coverage_gaps_site_whatif_standards(tmp_path):
    refresh = json.loads(run("refresh", "--json"))
    assert refresh["basis"] == "area" and refresh["origins"] == 681
    assert {c["category"] for c in refresh["coverage"]} >= {"metro", "bus_stop"}
    assert "area coverage" in run("coverage")
    assert len(json.loads(run("gaps", "--category", "metro", "--limit", "3", "--json"))) == 3
    site = json.loads(run("site", "--category", "metro", "--k", "1", "--json"))
    assert site["gap"] == 0 and site["after"]["covered_network"] > site["before"]["covered_network"]
    sites = tmp_path / "sites.csv"  # two candidate plots, one far off the network
    sites.write_text("id,lon,lat\na,121.4300,31.2200\nb,121.4260,31.2150\nc,121.37,31.21\n")
    chosen = json.loads(
        run("site", "--category", "metro", "--k", "1", "--candidates", str(sites), "--json")
    )
    assert chosen["candidates"] == 2 and len(chosen["exact"]["sites"]) == 1
    change = json.loads(run("whatif", "--category", "metro", "--add", "121.43", "31.22", "--json"))
    assert change["action"] == "add" and change["on_network"]
    assert "metro" in run("standards")
    with pytest.raises(CommandError, match="not measured"):
        run("site", "--category", "park", "--k", "1")


@pytest.mark.django_db
def test_analyze_writes_the_contract(facilities_csv, tmp_path):
    out = tmp_path / "out.json"
    run("analyze", "--osm", str(OSM), "--facilities", str(facilities_csv), "--json", str(out))
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["categories"]["metro"]["threshold_m"] == 600
    assert 0 < report["categories"]["metro"]["coverage"] < 1
    rows = report["origins"]
    assert len(rows) == 2 * report["network"]["nodes"]
    assert set(rows[0]) >= {
        "id",
        "category",
        "nearest_m",
        "nearest_facility",
        "within_threshold",
        "estimated",
    }
    assert {w["code"] for w in report["warnings"]} >= {"network_islands"}
    slow = tmp_path / "slow.json"
    run(
        "analyze", "--osm", str(OSM), "--facilities", str(facilities_csv),
        "--speed", "55", "--json", str(slow),
    )  # fmt: skip
    row = next(r for r in json.loads(slow.read_text())["origins"] if r["nearest_m"])
    assert row["walk_minutes"] == pytest.approx(row["nearest_m"] / 55, abs=0.01)


@pytest.mark.django_db
def test_analyze_bad_input(facilities_csv, tmp_path):
    out = str(tmp_path / "out.json")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("id,category,lon,lat\na,cinema,121.43,31.22\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"row 2.*category.*cinema"):
        run("analyze", "--osm", str(OSM), "--facilities", str(unknown), "--json", out)
    far = tmp_path / "far.csv"
    far.write_text("id,category,lon,lat\na,metro,116.40,39.90\n", encoding="utf-8")
    with pytest.raises(CommandError, match="outside the network's area"):
        run("analyze", "--osm", str(OSM), "--facilities", str(far), "--json", out)
    empty_osm = tmp_path / "empty.osm"
    empty_osm.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="31.2" lon="121.4"/></osm>',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="walkable"):
        run("analyze", "--osm", str(empty_osm), "--facilities", str(facilities_csv), "--json", out)
    with pytest.raises(CommandError, match="speed"):
        run(
            "analyze", "--osm", str(OSM), "--facilities", str(facilities_csv),
            "--speed", "0", "--json", out,
        )  # fmt: skip


@pytest.mark.django_db
def test_analyze_warns_about_gcj02_origins(facilities_csv, tmp_path):
    from district.core.coords import convert

    stops = pd.read_csv(POI / "changning_bus_stops_amap.csv")
    stops = stops[stops["lon"] > 121.42].head(200)  # where the network is
    lon, lat = convert(
        stops["lon"].to_numpy(), stops["lat"].to_numpy(), source="wgs84", target="gcj02"
    )
    origins = tmp_path / "origins.csv"
    pd.DataFrame({"id": range(len(lon)), "lon": lon, "lat": lat, "population": 1}).to_csv(
        origins, index=False
    )
    out = tmp_path / "out.json"
    run(
        "analyze", "--osm", str(OSM), "--facilities", str(facilities_csv),
        "--origins", str(origins), "--json", str(out),
    )  # fmt: skip
    warnings = {w["code"] for w in json.loads(out.read_text())["warnings"]}
    assert "origins_gcj02" in warnings


@pytest.mark.slow
@pytest.mark.django_db
def test_analyze_many_networks_as_a_dask_batch(facilities_csv, tmp_path):
    out = tmp_path / "batch.json"
    run(
        "analyze", "--osm", str(OSM), "--osm", str(OSM), "--facilities", str(facilities_csv),
        "--workers", "1", "--json", str(out),
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert report["batch"] == {"scheduler": "local", "networks": 2}
    assert [n["ok"] for n in report["networks"]] == [True, True]
    single = report["networks"][0]["coverage"]["metro"]["coverage"]
    assert report["categories"]["metro"]["coverage"] == pytest.approx(single, abs=1e-4)
    with pytest.raises(CommandError, match="no such file"):
        run(
            "analyze", "--osm", str(OSM), "--osm", str(tmp_path / "missing.osm"),
            "--facilities", str(facilities_csv), "--json", str(out),
        )  # fmt: skip
