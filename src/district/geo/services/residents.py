"""Homes with population (importable; absent in the demo)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction

from district.core.coords import check_lon_lat, convert
from district.core.errors import DataFileError
from district.geo.models import ResidentArea
from district.geo.services.boundary import district_geometry
from district.geo.services.cells import _cell_index, _cells_for
from district.geo.services.files import (
    ImportReport,
    _check_crs,
    _open_csv,
    _parse_float,
    _record,
    _require_columns,
    _require_file,
)


@transaction.atomic
def import_residents(
    *, path: Path, crs: str = "wgs84", source: str = "", synthetic: bool = False
) -> ImportReport:
    """Import homes with population: CSV ``id,lon,lat,population[,population_60plus]``."""
    path = _require_file(path)
    system = _check_crs(crs)
    _require_columns(path, ("id", "lon", "lat", "population"))
    report = ImportReport("residents", path.name)
    rows = []
    for line, row in _open_csv(path):
        report.rows_read += 1
        if not row["id"]:
            raise DataFileError("is empty", path=path, row=line, field="id")
        lon = _parse_float(row["lon"], path, line, "lon")
        lat = _parse_float(row["lat"], path, line, "lat")
        problem = check_lon_lat(lon, lat)
        if problem:
            raise DataFileError(f"({lon}, {lat}): {problem}", path=path, row=line, field="lon")
        counts: dict[str, int | None] = {}
        for column in ("population", "population_60plus"):
            value = row.get(column, "")
            if column == "population_60plus" and not value:
                counts[column] = None
                continue
            if not value.isdigit():
                raise DataFileError(
                    f"{value!r} is not a whole number ≥ 0", path=path, row=line, field=column
                )
            counts[column] = int(value)
        if counts["population_60plus"] is not None and counts["population_60plus"] > (
            counts["population"] or 0
        ):
            raise DataFileError(
                "exceeds the population", path=path, row=line, field="population_60plus"
            )
        rows.append((line, row["id"], lon, lat, counts))
    if not rows:
        raise DataFileError("has no rows", path=path)
    lon_arr, lat_arr = convert(
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
        source=system,
        target="wgs84",
    )
    inside = shapely.contains_xy(district_geometry(), lon_arr, lat_arr)
    cells = _cells_for(_cell_index(), lon_arr, lat_arr)
    for (line, _id, _x, _y, _c), is_inside in zip(rows, inside, strict=True):
        if not is_inside:
            raise DataFileError(
                "lies outside the district",
                path=path,
                row=line,
                field="lon",
                fix="Residents are the district's own; check the coordinate system (--crs).",
            )
    for (_line, ext_id, _x, _y, counts), x, y, cell in zip(
        rows, lon_arr, lat_arr, cells, strict=True
    ):
        ResidentArea.objects.update_or_create(
            external_id=ext_id,
            defaults={
                "lon": float(x),
                "lat": float(y),
                "population": counts["population"],
                "population_60plus": counts["population_60plus"],
                "cell_id": cell,
                "synthetic": synthetic,
                "source": (source or path.name)[:300],
            },
        )
        report.rows_kept += 1
    _record(report, path)
    return report


@dataclass(frozen=True)
class ResidentPoint:
    """A home (or residential area) with its population, for the analytics apps."""

    external_id: str
    lon: float
    lat: float
    population: int
    population_60plus: int | None
    cell_code: str | None
    subdistrict_code: str | None
    synthetic: bool


def resident_points() -> list[ResidentPoint]:
    """Every loaded home with its population, grid cell and subdistrict (WGS-84)."""
    return [
        ResidentPoint(ext, lon, lat, pop, pop60, cell, sub, synthetic)
        for ext, lon, lat, pop, pop60, cell, sub, synthetic in ResidentArea.objects.order_by(
            "external_id"
        ).values_list(
            "external_id",
            "lon",
            "lat",
            "population",
            "population_60plus",
            "cell__code",
            "cell__subdistrict__code",
            "synthetic",
        )
    ]
