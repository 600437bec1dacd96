"""The district boundary and its subdistricts (街道/镇)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import shapely
from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from district.core.errors import ConfigurationError, DataFileError
from district.geo import grid as gridlib
from district.geo.models import District, Subdistrict
from district.geo.services.files import (
    ImportReport,
    _check_crs,
    _check_wgs84_bounds,
    _convert_geometry,
    _open_csv,
    _read_geojson_geometries,
    _record,
    _require_columns,
    _require_file,
)


def current_district() -> District:
    """The district this deployment serves."""
    district = District.objects.order_by("pk").first()
    if district is None:
        raise ConfigurationError(
            "No district is loaded.",
            fix="Run `district demo`, or `district geo import-boundary FILE`.",
        )
    return district


@lru_cache(maxsize=4)
def _prepared_boundary(district_pk: int, updated_at: str) -> BaseGeometry:
    geometry = shape(District.objects.get(pk=district_pk).boundary)
    shapely.prepare(geometry)
    return geometry


def district_geometry() -> BaseGeometry:
    """The boundary as a prepared shapely geometry (cached per boundary version)."""
    district = current_district()
    return _prepared_boundary(district.pk, district.updated_at.isoformat())


def _area_km2(geom: BaseGeometry) -> float:
    centre = geom.centroid
    return float(gridlib.to_metres(geom, gridlib.utm_epsg(centre.x, centre.y)).area / 1e6)


@transaction.atomic
def import_boundary(
    *,
    path: Path,
    crs: str = "wgs84",
    adcode: str | None = None,
    name: str | None = None,
    name_en: str | None = None,
    source: str = "",
) -> District:
    """Load (or replace) the district boundary from a GeoJSON file."""
    path = _require_file(path)
    system = _check_crs(crs)
    features = _read_geojson_geometries(path)
    if len(features) != 1:
        raise DataFileError(
            f"has {len(features)} features; a district boundary is one feature",
            path=path,
            fix="Keep only the district's own feature.",
        )
    geom, props = features[0]
    geom = _convert_geometry(geom, system)
    _check_wgs84_bounds(geom, path, 1)
    adcode = adcode or str(props.get("adcode") or "")
    name = name or str(props.get("name") or "")
    name_en = name_en or str(props.get("name_en") or "")
    if not (len(adcode) == 6 and adcode.isdigit()):
        raise DataFileError(
            f"the administrative code {adcode!r} is not 6 digits",
            path=path,
            row=1,
            field="adcode",
            fix="Add an 'adcode' property or pass --adcode.",
        )
    if not name:
        raise DataFileError(
            "the district has no name", path=path, row=1, field="name", fix="Pass --name."
        )
    minx, miny, maxx, maxy = geom.bounds
    district, _created = District.objects.update_or_create(
        adcode=adcode,
        defaults={
            "name": name,
            "name_en": name_en or name,
            "boundary": mapping(geom),
            "area_km2": _area_km2(geom),
            "min_lon": minx,
            "min_lat": miny,
            "max_lon": maxx,
            "max_lat": maxy,
            "source": source or path.name,
        },
    )
    # One district per deployment: a boundary for another code replaces the old one.
    District.objects.exclude(pk=district.pk).delete()
    report = ImportReport("boundary", path.name, rows_read=1, rows_kept=1)
    report.notes.append(f"{name} ({adcode}), {district.area_km2:.2f} km², from {system}")
    _record(report, path)
    return district


SUBDISTRICT_COLUMNS = ("official_code_2023", "name_zh", "name_en", "type")


@transaction.atomic
def import_subdistricts(*, path: Path, source: str = "") -> ImportReport:
    """Load the subdistricts and towns from the reference CSV (official 12-digit codes)."""
    path = _require_file(path)
    district = current_district()
    header = _require_columns(path, SUBDISTRICT_COLUMNS)
    report = ImportReport("subdistricts", path.name)
    rows = []
    for line, row in _open_csv(path):
        report.rows_read += 1
        code = row["official_code_2023"]
        if not (len(code) == 12 and code.isdigit()):
            raise DataFileError(
                f"code {code!r} is not 12 digits", path=path, row=line, field="official_code_2023"
            )
        if not code.startswith(district.adcode):
            raise DataFileError(
                f"code {code} is not in district {district.adcode}",
                path=path,
                row=line,
                field="official_code_2023",
            )
        kind = row["type"]
        if kind not in Subdistrict.Kind.values:
            raise DataFileError(
                f"type {kind!r} is neither 'street' nor 'town'", path=path, row=line, field="type"
            )
        for column in ("name_zh", "name_en"):
            if not row[column]:
                raise DataFileError("is empty", path=path, row=line, field=column)
        relation = row.get("osm_relation_id", "")
        employment = row.get("employment_2023_econ_census", "")
        for column, value in (
            ("osm_relation_id", relation),
            ("employment_2023_econ_census", employment),
        ):
            if value and not value.isdigit():
                raise DataFileError(
                    f"{value!r} is not a whole number", path=path, row=line, field=column
                )
        rows.append(
            (
                code,
                {
                    "district": district,
                    "name": row["name_zh"],
                    "name_en": row["name_en"],
                    "kind": kind,
                    "osm_relation_id": int(relation) if relation else None,
                    "employment_2023": int(employment) if employment else None,
                    "source": source or path.name,
                },
            )
        )
    if "employment_2023_econ_census" in header:
        report.notes.append(
            "employment_2023 counts jobs located in the subdistrict (2023 economic census), "
            "not residents."
        )
    for code, defaults in rows:
        Subdistrict.objects.update_or_create(code=code, defaults=defaults)
        report.rows_kept += 1
    _record(report, path)
    return report


@transaction.atomic
def import_subdistrict_boundaries(*, path: Path, crs: str = "wgs84") -> ImportReport:
    """Attach polygons to subdistricts: GeoJSON features with a ``code`` property."""
    path = _require_file(path)
    system = _check_crs(crs)
    report = ImportReport("subdistrict boundaries", path.name)
    updates = []
    for number, (geom, props) in enumerate(_read_geojson_geometries(path), start=1):
        report.rows_read += 1
        code = str(props.get("code") or props.get("official_code_2023") or "")
        try:
            subdistrict = Subdistrict.objects.get(code=code)
        except Subdistrict.DoesNotExist:
            raise DataFileError(
                f"code {code!r} is not a loaded subdistrict",
                path=path,
                row=number,
                field="code",
                fix="Import the subdistrict list first (district geo import-subdistricts).",
            ) from None
        geom = _convert_geometry(geom, system)
        _check_wgs84_bounds(geom, path, number)
        updates.append((subdistrict, mapping(geom)))
    for subdistrict, geometry in updates:
        subdistrict.boundary = geometry
        subdistrict.save(update_fields=["boundary"])
        report.rows_kept += 1
    report.notes.append("Rebuild the grid (district geo build-grid) to use them in grid codes.")
    _record(report, path)
    return report


def list_subdistricts() -> list[Subdistrict]:
    return list(Subdistrict.objects.all())
