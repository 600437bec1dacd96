"""Facilities: categories and the CSV import (Amap paths or platform codes)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from district.core.coords import check_lon_lat, convert
from district.core.errors import DataFileError, InputError
from district.geo import grid as gridlib
from district.geo.categories import CATEGORIES, CODES, DROP, map_amap_path
from district.geo.models import Facility, FacilityCategory
from district.geo.services.boundary import district_geometry
from district.geo.services.cells import _cell_index, _cells_for
from district.geo.services.files import (
    BATCH,
    DEFAULT_MARGIN_M,
    ImportReport,
    _check_crs,
    _open_csv,
    _parse_float,
    _record,
    _require_columns,
    _require_file,
)


def sync_categories() -> None:
    """Create or update the platform's facility categories (idempotent)."""
    for position, category in enumerate(CATEGORIES):
        FacilityCategory.objects.update_or_create(
            code=category.code,
            defaults={
                "name": category.name,
                "name_en": category.name_en,
                "colour": category.colour,
                "position": position,
            },
        )


def check_category(code: str, *, field_name: str = "category") -> str:
    if code not in CODES:
        raise InputError(
            f"Unknown facility category {code!r}",
            field=field_name,
            value=code,
            fix=f"Use one of: {', '.join(sorted(CODES))}.",
        )
    return code


def _margin_area(margin_m: float) -> tuple[BaseGeometry, int]:
    boundary = district_geometry()
    centre = boundary.centroid
    epsg = gridlib.utm_epsg(centre.x, centre.y)
    area = gridlib.to_metres(boundary, epsg).buffer(margin_m)
    shapely.prepare(area)
    return area, epsg


@dataclass
class _FacilityRow:
    line: int
    category: str
    name: str
    address: str
    lon: float
    lat: float
    capacity: int | None
    capacity_unit: str
    source_type: str


def _facility_category(
    row: dict[str, str], wanted: str | None, path: Path, line: int
) -> tuple[str | None, str | None]:
    """(category, skip reason) for one row."""
    type_path = row.get("type", "")
    if type_path:
        mapped = map_amap_path(type_path)
        if mapped == DROP:
            return None, "veterinary clinics"
        if wanted is None:
            return (mapped, None) if mapped else (None, "Amap paths with no platform category")
        if mapped is not None and mapped != wanted:
            return None, f"rows of another category ({mapped})"
        if mapped is None:
            return None, "Amap paths with no platform category"
        return wanted, None
    if wanted is not None:
        return wanted, None
    code = row.get("category", "")
    if not code:
        raise DataFileError(
            "has no category",
            path=path,
            row=line,
            field="category",
            fix="Fill the 'category' column, or pass --category.",
        )
    if code not in CODES:
        raise DataFileError(
            f"unknown category {code!r}",
            path=path,
            row=line,
            field="category",
            fix=f"Use one of: {', '.join(sorted(CODES))}.",
        )
    return code, None


@transaction.atomic
def import_facilities(
    *,
    path: Path,
    category: str | None = None,
    crs: str = "wgs84",
    margin_m: float = DEFAULT_MARGIN_M,
    clip: bool = False,
    source: str = "",
) -> ImportReport:
    """Import facilities from a CSV with ``name`` (or ``id``), ``lon`` and ``lat`` columns.

    The category comes from ``category`` (one platform code for the whole file), else from a
    ``category`` column, else from an Amap ``type`` path (veterinary clinics dropped).
    Points beyond ``margin_m`` of the district are an error naming the row, unless ``clip``
    skips them. Optional columns: ``address``, ``capacity``, ``capacity_unit``.
    """
    path = _require_file(path)
    if category is not None:
        check_category(category)
    system = _check_crs(crs)
    header = _require_columns(path, ("lon", "lat"))
    if "name" not in header and "id" not in header:
        raise DataFileError("needs a 'name' or an 'id' column", path=path, row=1, field="name")
    if category is None and "category" not in header and "type" not in header:
        raise InputError(
            f"{path}: the file has neither a 'category' nor an Amap 'type' column",
            field="category",
            fix="Pass --category CODE for the whole file.",
        )
    sync_categories()
    report = ImportReport("facilities", path.name)
    parsed: list[_FacilityRow] = []
    for line, row in _open_csv(path):
        report.rows_read += 1
        code, reason = _facility_category(row, category, path, line)
        if code is None:
            report.skipped[reason or "unmapped"] += 1
            continue
        lon = _parse_float(row["lon"], path, line, "lon")
        lat = _parse_float(row["lat"], path, line, "lat")
        problem = check_lon_lat(lon, lat)
        if problem:
            raise DataFileError(f"({lon}, {lat}): {problem}", path=path, row=line, field="lon")
        capacity = None
        if row.get("capacity"):
            if not row["capacity"].isdigit():
                raise DataFileError(
                    f"{row['capacity']!r} is not a whole number",
                    path=path,
                    row=line,
                    field="capacity",
                )
            capacity = int(row["capacity"])
        name = row.get("name") or row.get("id", "")
        if not name:
            raise DataFileError("is empty", path=path, row=line, field="name")
        parsed.append(
            _FacilityRow(
                line,
                code,
                name[:200],
                row.get("address", "")[:300],
                lon,
                lat,
                capacity,
                row.get("capacity_unit", "")[:40],
                row.get("type", "")[:200],
            )
        )
    if parsed:
        lon_arr = np.array([r.lon for r in parsed])
        lat_arr = np.array([r.lat for r in parsed])
        lon_arr, lat_arr = convert(lon_arr, lat_arr, source=system, target="wgs84")
        for r, x, y in zip(parsed, lon_arr, lat_arr, strict=True):
            r.lon, r.lat = float(x), float(y)
        area, epsg = _margin_area(margin_m)
        xs, ys = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon_arr, lat_arr)
        near = shapely.contains_xy(area, xs, ys)
        inside = shapely.contains_xy(district_geometry(), lon_arr, lat_arr)
        if not near.all() and not clip:
            first = parsed[int(np.argmin(near))]
            raise DataFileError(
                f"({first.lon:.6f}, {first.lat:.6f}) lies more than {margin_m:,.0f} m outside "
                "the district",
                path=path,
                row=first.line,
                field="lon",
                fix="Check the coordinate system (--crs), or pass --clip to skip such rows.",
            )
        cells = _cells_for(_cell_index(), lon_arr, lat_arr)
    else:
        near = inside = np.zeros(0, dtype=bool)
        cells = []
    seen: set[str] = set()
    objects = []
    for r, is_near, is_inside, cell in zip(parsed, near, inside, cells, strict=True):
        if not is_near:
            report.skipped[f"more than {margin_m:,.0f} m outside the district"] += 1
            continue
        key = hashlib.sha1(
            f"{r.category}|{r.name}|{r.lon:.6f}|{r.lat:.6f}".encode(), usedforsecurity=False
        ).hexdigest()
        if key in seen:
            report.skipped["duplicates within the file"] += 1
            continue
        seen.add(key)
        objects.append(
            Facility(
                category_id=r.category,
                name=r.name,
                address=r.address,
                lon=r.lon,
                lat=r.lat,
                capacity=r.capacity,
                capacity_unit=r.capacity_unit,
                in_district=bool(is_inside),
                cell_id=cell if is_inside else None,
                source=(source or path.name)[:300],
                source_type=r.source_type,
                source_key=key,
            )
        )
    Facility.objects.bulk_create(
        objects,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["source_key"],
        update_fields=[
            "name",
            "address",
            "lon",
            "lat",
            "capacity",
            "capacity_unit",
            "in_district",
            "cell",
            "source",
            "source_type",
            "imported_at",
        ],
    )
    report.rows_kept = len(objects)
    by_category = Counter(o.category_id for o in objects)
    report.notes.append(
        "by category: " + ", ".join(f"{code} {n}" for code, n in sorted(by_category.items()))
    )
    report.notes.append(
        f"{sum(o.in_district for o in objects)} inside the district, "
        f"{sum(not o.in_district for o in objects)} in the {margin_m:,.0f} m margin"
    )
    _record(report, path)
    return report


def facility_categories() -> list[FacilityCategory]:
    return list(FacilityCategory.objects.all())
