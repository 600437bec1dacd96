"""The lifecircle services on the real Changning geography: refresh, results, standards,
point access, siting and what-if."""

from __future__ import annotations

import math

import pytest

from district.core.errors import ConflictError, InputError, NotFoundError
from district.geo import services as geo
from district.lifecircle import places, results, scenario, services
from district.lifecircle.models import (
    AccessOrigin,
    AccessRun,
    AreaCoverage,
    CategoryStandard,
    OriginAccess,
    PerCapitaStandard,
)

DEMO_CATEGORIES = {"kindergarten", "primary_school", "middle_school", "health", "metro", "bus_stop"}

pytestmark = pytest.mark.django_db


def test_standards_are_seeded_once_and_keep_planners_edits():
    assert services.seed_standards() == 15
    services.update_standard(
        code="metro", threshold_m=800, threshold_minutes=10, basis="local choice", enabled=True
    )
    assert services.seed_standards() == 0
    metro = CategoryStandard.objects.get(code="metro")
    assert (metro.threshold_m, metro.basis) == (800, "local choice")
    assert PerCapitaStandard.objects.get(code="elderly_care_beds").per_1000 == 25
    for bad in ({"threshold_m": 0}, {"threshold_m": 9000}, {"threshold_minutes": 0}):
        values = {"threshold_m": 500, "threshold_minutes": 10} | bad
        with pytest.raises(InputError):
            services.update_standard(code="metro", basis="x", enabled=True, **values)
    with pytest.raises(InputError, match="basis"):
        services.update_standard(
            code="metro", threshold_m=500, threshold_minutes=10, basis=" ", enabled=True
        )
    with pytest.raises(NotFoundError):
        services.update_standard(
            code="nope", threshold_m=500, threshold_minutes=10, basis="x", enabled=True
        )


def test_refresh_stores_area_coverage_with_estimates_apart(refreshed):
    run = refreshed
    assert run.status == AccessRun.Status.DONE
    assert run.origin_kind == AccessRun.OriginKind.AREA
    assert set(run.thresholds) == DEMO_CATEGORIES
    assert run.origins == 681 and 50 < run.origins_on_network < 120
    assert run.network_components[:2] == [3026, 61]
    assert OriginAccess.objects.filter(run=run).count() == 681 * 6
    # The cells' areas add up to the district's.
    district = geo.current_district()
    figures = {f.category: f for f in services.coverage_summary(run=run)}
    assert set(figures) == DEMO_CATEGORIES
    metro = figures["metro"]
    assert metro.weight_total / 1e6 == pytest.approx(district.area_km2, rel=0.01)
    assert metro.basis == "area" and metro.computed_at is not None
    # Network and estimated shares are separate and add up to the share within.
    within = OriginAccess.objects.filter(run=run, category="metro", within=True)
    network_area = sum(a.origin.weight for a in within.filter(estimated=False))
    estimated_area = sum(a.origin.weight for a in within.filter(estimated=True))
    assert metro.covered_network == pytest.approx(network_area)
    assert metro.covered_estimated == pytest.approx(estimated_area)
    assert metro.share_network == pytest.approx(network_area / metro.weight_total)
    assert metro.share_of_measured is not None and 0 < metro.share_of_measured < 1
    # Estimated origins are exactly those off the network (every category has facilities).
    off = OriginAccess.objects.filter(run=run, category="metro", origin__on_network=False)
    assert off.filter(estimated=False).count() == 0
    assert (
        OriginAccess.objects.filter(
            run=run, category="metro", origin__on_network=True, estimated=True
        ).count()
        < 10
    )  # on-network cells in an island without a station
    # Per-cell rows add up to the district row.
    cells = AreaCoverage.objects.filter(run=run, level="cell", category="metro")
    assert cells.count() == 681
    assert sum(c.covered_network for c in cells) == pytest.approx(metro.covered_network)
    # No subdistrict polygons in the demo: no subdistrict rows.
    assert not AreaCoverage.objects.filter(run=run, level="subdistrict").exists()
    # Walking minutes follow the speed.
    row = OriginAccess.objects.filter(run=run, distance_m__isnull=False).first()
    assert row is not None and row.distance_m is not None
    assert row.walk_minutes == pytest.approx(row.distance_m / 80.0, abs=0.01)
    # Completeness: counts of categories within by network.
    origin = AccessOrigin.objects.filter(run=run, on_network=True).first()
    assert origin is not None
    network_within = OriginAccess.objects.filter(origin=origin, within=True, estimated=False)
    assert origin.within_network == network_within.count()
    histogram = results.completeness_histogram(run=run)
    assert sum(r["origins"] for r in histogram) == run.origins_on_network


def test_a_refresh_with_unchanged_inputs_is_skipped_and_older_details_dropped(refreshed):
    again = services.refresh_access(only_if_changed=True)
    assert again.pk == refreshed.pk
    newer = services.refresh_access(trigger="test")
    assert newer.pk != refreshed.pk
    assert not AccessOrigin.objects.filter(run=refreshed).exists()
    assert AreaCoverage.objects.filter(run=refreshed, level="district").count() == 6
    assert not AreaCoverage.objects.filter(run=refreshed, level="cell").exists()
    assert services.latest_run() == newer


def test_a_disabled_category_is_not_measured_and_speed_is_checked(db):
    CategoryStandard.objects.all().delete()
    services.seed_standards()
    CategoryStandard.objects.filter(code="bus_stop").update(enabled=False)
    run = services.refresh_access(speed_m_per_min=55.0)
    assert "bus_stop" not in run.thresholds
    row = OriginAccess.objects.filter(run=run, distance_m__isnull=False).first()
    assert row is not None and row.distance_m is not None
    assert row.walk_minutes == pytest.approx(row.distance_m / 55.0, abs=0.01)
    with pytest.raises(InputError, match="speed"):
        services.refresh_access(speed_m_per_min=0)


def test_homes_make_it_population_coverage(db, tmp_path):
    homes = tmp_path / "homes.csv"  # SYNTHETIC homes, two on the network and one off it
    homes.write_text(
        "id,lon,lat,population,population_60plus\n"
        "h1,121.4300,31.2200,1200,300\n"
        "h2,121.4250,31.2100,800,200\n"
        "h3,121.3700,31.2100,500,100\n",
        encoding="utf-8",
    )
    geo.import_residents(path=homes, synthetic=True)
    run = services.refresh_access()
    assert run.origin_kind == AccessRun.OriginKind.POPULATION and run.origins == 3
    figure = next(f for f in services.coverage_summary(run=run) if f.category == "health")
    assert figure.weight_total == 2500 and figure.basis == "population"
    assert figure.covered_km2 is None
    assert figure.weight_estimated == 500  # the home in the west, off the network
    table = {row.standard.code: row for row in results.per_capita_table()}
    beds = table["elderly_care_beds"]
    assert beds.population == 600 and beds.required == pytest.approx(15)
    assert beds.status == "unknown" and "capacity" in beds.reason


def test_gap_list_is_worst_first_and_never_mixes_estimates(refreshed):
    network = results.gap_list(category="metro", limit=500)
    estimated = results.gap_list(category="metro", estimated=True, limit=500)
    assert network and estimated
    assert not any(g.estimated for g in network)
    assert all(g.estimated for g in estimated)
    distances = [g.distance_m for g in network if g.distance_m is not None]
    assert distances == sorted(distances, reverse=True)
    assert all(g.over_m > 0 for g in network if g.over_m is not None)
    counts = results.gap_counts(run=refreshed)
    assert counts["metro"] == {"network": len(network), "estimated": len(estimated)}
    with pytest.raises(InputError, match="not measured"):
        results.gap_list(category="park")


def test_cells_geojson_colours_every_cell(refreshed):
    data = results.cells_geojson(category="kindergarten")
    assert len(data["features"]) == 681
    props = [f["properties"] for f in data["features"]]
    assert all("minutes" in p for p in props)
    assert {p["estimated"] for p in props} == {True, False}
    assert data["threshold_m"] == 500 and data["basis"] == "area"


def test_results_before_the_first_refresh(db):
    assert services.coverage_summary() == []
    with pytest.raises(NotFoundError, match="No life-circle results"):
        results.gap_list()


def test_access_at_a_point_on_the_network():
    result = places.access_at(lon=121.4300, lat=31.2200)
    assert result["on_network"] and result["snap_m"] < 200
    rows = {r["category"]: r for r in result["categories"]}
    assert set(rows) == DEMO_CATEGORIES
    health = rows["health"]
    assert health["facility"] and not health["estimated"]
    assert health["walk_minutes"] == pytest.approx(health["distance_m"] / 80.0, abs=0.06)
    bands = result["isochrone"]
    assert [b["minutes"] for b in bands] == [5.0, 10.0, 15.0]
    assert bands[0]["street_m"] < bands[1]["street_m"] < bands[2]["street_m"]
    assert not any(b["estimated"] for b in bands)
    slow = places.access_at(lon=121.4300, lat=31.2200, speed_m_per_min=55.0)
    assert slow["isochrone"][2]["street_m"] < bands[2]["street_m"]


def test_access_off_the_network_is_estimated_and_outside_is_refused():
    result = places.access_at(lon=121.3700, lat=31.2100)
    assert not result["on_network"]
    assert all(r["estimated"] for r in result["categories"])
    assert all(b["estimated"] for b in result["isochrone"])
    with pytest.raises(InputError, match="outside"):
        places.access_at(lon=121.60, lat=31.30)


def test_find_place():
    assert places.find_place("121.43, 31.22").lon == 121.43
    assert places.find_place("121.43，31.22").lat == 31.22
    code = geo.grid_geojson()["features"][0]["properties"]["code"]
    assert places.find_place(code).label == code
    metro = places.find_place("中山公园")
    assert "中山公园" in metro.label
    with pytest.raises(NotFoundError, match="No place matches"):
        places.find_place("no such place zzz")
    with pytest.raises(InputError):
        places.find_place("  ")


def test_siting_greedy_and_exact_agree_and_coverage_rises(refreshed):
    study = services.site(category="metro", k=2)
    assert study.exact is not None and study.exact["status"] == "Optimal"
    assert len(study.greedy["sites"]) == 2 and len(study.exact["sites"]) == 2
    assert study.gap == pytest.approx(0.0, abs=1e-9)
    assert study.greedy["covered"] == pytest.approx(study.exact["covered"])
    before, after = study.before, study.after
    assert after["covered_network"] > before["covered_network"]
    # The what-if replay of the exact sites adds what the MIP says it covers.
    assert after["covered_network"] - before["covered_network"] == pytest.approx(
        study.exact["covered"], rel=1e-6
    )
    with pytest.raises(InputError, match="k="):
        services.site(category="metro", k=0)


def test_what_if_add_and_remove(refreshed):
    added = services.what_if(category="kindergarten", add_lon=121.4300, add_lat=31.2200)
    assert added["on_network"] and added["nodes_searched"] > 0
    assert added["after"]["covered_network"] >= added["before"]["covered_network"]
    assert added["after"]["covered_network"] - added["before"]["covered_network"] == (
        pytest.approx(added["newly_within_network"])
    )
    sc = services.scenario_for(refreshed)
    kindergartens = sc.result.scene.facilities["kindergarten"]
    on = kindergartens.id[kindergartens.on_network][0]
    removed = services.what_if(category="kindergarten", remove_id=int(on))
    assert removed["action"] == "remove"
    assert removed["after"]["covered_network"] <= removed["before"]["covered_network"]
    with pytest.raises(NotFoundError):
        services.what_if(category="kindergarten", remove_id=-5)
    with pytest.raises(InputError, match="either"):
        services.what_if(category="kindergarten")


def test_scenario_rebuilt_in_another_process_must_match(refreshed):
    scenario.forget()
    rebuilt = services.scenario_for(refreshed)
    assert rebuilt.signature == refreshed.input_signature
    scenario.forget()
    CategoryStandard.objects.filter(code="metro").update(threshold_m=700)
    AccessRun.objects.filter(pk=refreshed.pk).update(input_signature="changed")
    refreshed.refresh_from_db()
    with pytest.raises(ConflictError, match="Refresh"):
        services.scenario_for(refreshed)
    assert math.isfinite(services.DEFAULT_SPEED)
