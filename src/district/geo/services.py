"""The geo app's write path and the reads other apps use.

Imports validate the whole file before writing anything and run in one transaction, so a
bad row leaves the database as it was; each import is recorded as a ``DataImport``.
Re-importing the same data updates rather than duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from district.core.coords import SYSTEMS, CoordinateSystem, check_lon_lat, convert
from district.core.errors import (
    ConfigurationError,
    DataFileError,
    InputError,
    NotFoundError,
)
from district.geo import grid as gridlib
from district.geo.categories import CATEGORIES, CODES, DROP, map_amap_path
from district.geo.models import (
    DataImport,
    District,
    Facility,
    FacilityCategory,
    GridCell,
    NetworkEdge,
    NetworkNode,
    ResidentArea,
    Subdistrict,
)
from district.geo.osm import connected_components, read_walk_network

BATCH = 2000
DEFAULT_MARGIN_M = 2000.0  # facilities this close to the district still serve its residents
NETWORK_REACH_M = 300.0  # a cell is "reached" by the network if a node lies this close


# --- reports ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import read, kept and skipped (by reason)."""

    kind: str
    file_name: str
    rows_read: int = 0
    rows_kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file_name,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "skipped": dict(self.skipped),
            "notes": self.notes,
        }

    def summary(self) -> str:
        text = (
            f"{self.kind}: {self.rows_kept:,} kept of {self.rows_read:,} read from {self.file_name}"
        )
        if self.skipped:
            reasons = ", ".join(f"{n:,} {reason}" for reason, n in self.skipped.most_common())
            text += f"; skipped {reasons}"
        return text


def _record(report: ImportReport, path: Path) -> None:
    DataImport.objects.create(
        kind=report.kind,
        file_name=report.file_name,
        sha256=_sha256(path),
        rows_read=report.rows_read,
        rows_kept=report.rows_kept,
        skipped=dict(report.skipped),
        notes="\n".join(report.notes),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _require_file(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File not found: {path}", field="file", value=str(path))
    return path


def _check_crs(crs: str) -> CoordinateSystem:
    if crs not in SYSTEMS:
        raise InputError(
            f"Unknown coordinate system {crs!r}",
            field="crs",
            value=crs,
            fix=f"Use one of {', '.join(SYSTEMS)}.",
        )
    return crs


# --- the district ---------------------------------------------------------------------------


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


def _read_geojson_geometries(path: Path) -> list[tuple[BaseGeometry, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(
            "is not UTF-8 text", path=path, fix="Save the file as UTF-8 GeoJSON."
        ) from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})", path=path
        ) from exc
    if not isinstance(data, dict):
        raise DataFileError("is not a GeoJSON object", path=path)
    if data.get("type") == "FeatureCollection":
        features = data.get("features") or []
    elif data.get("type") == "Feature":
        features = [data]
    elif data.get("type") in ("Polygon", "MultiPolygon"):
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    else:
        raise DataFileError(
            f"has GeoJSON type {data.get('type')!r}",
            path=path,
            field="type",
            fix="Give a FeatureCollection, a Feature or a (Multi)Polygon.",
        )
    result = []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry")
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise DataFileError(
                f"feature {number} has no Polygon or MultiPolygon geometry",
                path=path,
                row=number,
                field="geometry",
            )
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, IndexError) as exc:
            raise DataFileError(
                f"feature {number} has a malformed geometry ({exc})",
                path=path,
                row=number,
                field="geometry",
            ) from exc
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        result.append((geom, feature.get("properties") or {}))
    if not result:
        raise DataFileError("has no features", path=path)
    return result


def _check_wgs84_bounds(geom: BaseGeometry, path: Path, row: int | None = None) -> None:
    minx, miny, maxx, maxy = geom.bounds
    for lon, lat in ((minx, miny), (maxx, maxy)):
        problem = check_lon_lat(lon, lat)
        if problem:
            raise DataFileError(
                f"{problem} (bounds {minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f})",
                path=path,
                row=row,
                field="geometry",
            )


def _convert_geometry(geom: BaseGeometry, crs: CoordinateSystem) -> BaseGeometry:
    if crs == "wgs84":
        return geom

    def conv(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[Any, Any]:
        return convert(np.asarray(x), np.asarray(y), source=crs, target="wgs84")

    return shapely.transform(geom, conv, interleaved=False)


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


# --- subdistricts -------------------------------------------------------------------------

SUBDISTRICT_COLUMNS = ("official_code_2023", "name_zh", "name_en", "type")


def _open_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV as (line number, row); the header is line 1."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise DataFileError("is empty: no header row", path=path)
            for row in reader:
                if None in row:
                    raise DataFileError(
                        f"has {len(reader.fieldnames) + len(row[None])} values where the header "
                        f"has {len(reader.fieldnames)} columns",
                        path=path,
                        row=reader.line_num,
                    )
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"is not UTF-8 text (byte {exc.start})",
            path=path,
            fix="Save it as UTF-8 (Excel: CSV UTF-8).",
        ) from exc
    except csv.Error as exc:
        raise DataFileError(f"is not a readable CSV ({exc})", path=path) from exc


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [name.strip() for name in next(csv.reader(handle), [])]
    except UnicodeDecodeError as exc:
        raise DataFileError("is not UTF-8 text", path=path, fix="Save it as UTF-8.") from exc


def _require_columns(path: Path, required: tuple[str, ...]) -> list[str]:
    header = _header(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(
            f"lacks the column(s) {', '.join(missing)} (it has: {', '.join(header) or 'none'})",
            path=path,
            row=1,
            field=missing[0],
        )
    return header


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


# --- the grid -------------------------------------------------------------------------------


@transaction.atomic
def build_grid(*, cell_m: int | None = None) -> ImportReport:
    """(Re)build the unit grid over the boundary, and re-attach facilities and residents."""
    cell_m = int(cell_m or settings.GRID_CELL_M)
    district = current_district()
    boundary = shape(district.boundary)
    lattice = gridlib.lattice_for(boundary, cell_m)
    subdistricts = [
        (s, shape(s.boundary)) for s in Subdistrict.objects.filter(boundary__isnull=False)
    ]
    report = ImportReport("grid", f"{cell_m} m lattice")
    cells = []
    for cell in gridlib.tessellate(boundary, lattice):
        centre = cell.geometry_wgs84.representative_point()
        owner = next((s for s, g in subdistricts if g.contains(centre)), None)
        code = gridlib.grid_code(
            object_type=settings.GRID_OBJECT_TYPE,
            adcode=district.adcode,
            street=owner.street_code if owner else "000",
            index=cell.index,
        )
        cells.append(
            GridCell(
                district=district,
                code=code,
                lattice_index=cell.index,
                row=cell.row,
                column=cell.column,
                cell_m=cell_m,
                subdistrict=owner,
                geometry=mapping(cell.geometry_wgs84),
                centre_lon=centre.x,
                centre_lat=centre.y,
                area_m2=cell.area_m2,
            )
        )
    GridCell.objects.filter(district=district).delete()
    GridCell.objects.bulk_create(cells, batch_size=BATCH)
    report.rows_read = lattice.columns * lattice.rows
    report.rows_kept = len(cells)
    report.skipped["lattice squares outside the boundary"] = report.rows_read - len(cells)
    if not subdistricts:
        report.notes.append("No subdistrict polygons are loaded: grid codes carry subdistrict 000.")
    _reattach_cells()
    _record_virtual(report)
    return report


def _record_virtual(report: ImportReport) -> None:
    DataImport.objects.create(
        kind=report.kind,
        file_name=report.file_name,
        sha256="",
        rows_read=report.rows_read,
        rows_kept=report.rows_kept,
        skipped=dict(report.skipped),
        notes="\n".join(report.notes),
    )


@dataclass(frozen=True)
class _CellIndex:
    lattice: gridlib.Lattice
    cells: dict[int, int]  # lattice index -> GridCell pk


def _cell_index() -> _CellIndex | None:
    district = District.objects.order_by("pk").first()
    first = GridCell.objects.filter(district=district).first() if district else None
    if district is None or first is None:
        return None
    lattice = gridlib.lattice_for(shape(district.boundary), first.cell_m)
    cells = dict(GridCell.objects.filter(district=district).values_list("lattice_index", "pk"))
    return _CellIndex(lattice, cells)


def _cells_for(
    index: _CellIndex | None, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> list[int | None]:
    if index is None or len(lon) == 0:
        return [None] * len(lon)
    forward = Transformer.from_crs(4326, index.lattice.epsg, always_xy=True)
    xs, ys = forward.transform(lon, lat)
    result: list[int | None] = []
    for x, y in zip(np.atleast_1d(xs), np.atleast_1d(ys), strict=True):
        lattice_index = index.lattice.index_of(float(x), float(y))
        result.append(index.cells.get(lattice_index) if lattice_index is not None else None)
    return result


def _cells_inside(
    index: _CellIndex | None, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> list[int | None]:
    """The grid cell of each point, None outside the district."""
    inside = shapely.contains_xy(district_geometry(), lon, lat)
    cells = _cells_for(index, lon, lat)
    return [cell if is_inside else None for cell, is_inside in zip(cells, inside, strict=True)]


class _Located(Protocol):
    lon: float
    lat: float
    cell_id: int | None


def _assign_cells(index: _CellIndex | None, objects: Sequence[_Located]) -> None:
    """Set each object's grid cell from its point (None outside the district)."""
    cells = _cells_inside(
        index, np.array([o.lon for o in objects]), np.array([o.lat for o in objects])
    )
    for obj, cell in zip(objects, cells, strict=True):
        obj.cell_id = cell


def _reattach_cells() -> None:
    index = _cell_index()
    facilities = list(Facility.objects.only("pk", "lon", "lat"))
    _assign_cells(index, facilities)
    Facility.objects.bulk_update(facilities, ["cell"], batch_size=BATCH)
    residents = list(ResidentArea.objects.only("pk", "lon", "lat"))
    _assign_cells(index, residents)
    ResidentArea.objects.bulk_update(residents, ["cell"], batch_size=BATCH)


# --- locating points ------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a point lies in the district."""

    lon: float
    lat: float
    in_district: bool
    cell_code: str | None
    subdistrict_code: str | None
    subdistrict_name: str | None


def locate(lon: float, lat: float) -> Location:
    """The grid cell and subdistrict of a WGS-84 point (None outside the district)."""
    problem = check_lon_lat(lon, lat)
    if problem:
        raise InputError(f"({lon}, {lat}): {problem}", field="location", value=(lon, lat))
    inside = bool(shapely.contains_xy(district_geometry(), lon, lat))
    cell = None
    if inside:
        index = _cell_index()
        pk = _cells_for(index, np.array([lon]), np.array([lat]))[0]
        if pk is not None:
            cell = GridCell.objects.select_related("subdistrict").get(pk=pk)
    sub = cell.subdistrict if cell else None
    return Location(
        lon=lon,
        lat=lat,
        in_district=inside,
        cell_code=cell.code if cell else None,
        subdistrict_code=sub.code if sub else None,
        subdistrict_name=sub.name if sub else None,
    )


def require_in_district(lon: float, lat: float, *, field_name: str = "location") -> Location:
    """Like :func:`locate`, but a point outside the district is an error that says so."""
    location = locate(lon, lat)
    if not location.in_district:
        district = current_district()
        raise InputError(
            f"The point ({lon:.6f}, {lat:.6f}) lies outside {district.name} ({district.name_en})",
            field=field_name,
            value=(lon, lat),
            fix="Place the pin inside the district boundary shown on the map.",
        )
    return location


# --- facilities -----------------------------------------------------------------------------


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


def _parse_float(value: str, path: Path, line: int, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise DataFileError(
            f"{value!r} is not a number", path=path, row=line, field=column
        ) from None
    if not math.isfinite(number):
        raise DataFileError(f"{value!r} is not a finite number", path=path, row=line, field=column)
    return number


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


# --- the walking network --------------------------------------------------------------------


@transaction.atomic
def import_osm(*, path: Path) -> ImportReport:
    """Replace the walking network with the walkable ways of an OSM XML or PBF file."""
    path = _require_file(path)
    network = read_walk_network(path)
    pieces = connected_components(network)
    report = ImportReport("walking network", path.name)
    report.rows_kept = network.ways_kept
    report.rows_read = network.ways_kept + sum(network.ways_dropped.values())
    for reason, count in network.ways_dropped.items():
        if count:
            report.skipped[f"ways: {reason.replace('_', ' ')}"] += count
    n_nodes, n_edges = network.node_count, network.edge_count
    NetworkEdge.objects.all().delete()
    NetworkNode.objects.all().delete()
    NetworkNode.objects.bulk_create(
        (
            NetworkNode(
                osm_id=int(network.node_id[i]),
                lon=float(network.lon[i]),
                lat=float(network.lat[i]),
                component=int(pieces.labels[i]),
            )
            for i in range(n_nodes)
        ),
        batch_size=BATCH,
    )
    lon, lat = network.lon, network.lat
    u, v = network.edge_u, network.edge_v
    NetworkEdge.objects.bulk_create(
        (
            NetworkEdge(
                u_id=int(network.node_id[u[i]]),
                v_id=int(network.node_id[v[i]]),
                osm_way_id=int(network.way_id[i]),
                highway=str(network.highway[i])[:40],
                name=str(network.name[i])[:200],
                length_m=float(network.length_m[i]),
                min_lon=float(min(lon[u[i]], lon[v[i]])),
                min_lat=float(min(lat[u[i]], lat[v[i]])),
                max_lon=float(max(lon[u[i]], lon[v[i]])),
                max_lat=float(max(lat[u[i]], lat[v[i]])),
            )
            for i in range(n_edges)
        ),
        batch_size=BATCH,
    )
    sizes = [int(size) for size in pieces.sizes]
    report.notes.append(
        f"{n_nodes:,} nodes, {n_edges:,} edges, {float(network.length_m.sum()) / 1000:.1f} km, "
        f"{len(sizes)} connected piece(s) of sizes "
        + ", ".join(str(size) for size in sizes[:10])
        + (" …" if len(sizes) > 10 else "")
    )
    if network.missing_node_refs:
        report.notes.append(
            f"{network.missing_node_refs:,} node references of kept ways were not in the file "
            "(a clipped extract); those ways were cut there."
        )
    _record(report, path)
    return report


@dataclass(frozen=True)
class NetworkArrays:
    """The stored walking network as arrays, for the analytics engines."""

    node_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    component: NDArray[np.int64]
    edge_u: NDArray[np.int64]  # index into the node arrays
    edge_v: NDArray[np.int64]
    edge_length_m: NDArray[np.float64]


def network_arrays() -> NetworkArrays:
    nodes = np.array(
        list(
            NetworkNode.objects.order_by("osm_id").values_list("osm_id", "lon", "lat", "component")
        ),
        dtype=np.float64,
    ).reshape(-1, 4)
    node_id = nodes[:, 0].astype(np.int64)
    edges = np.array(
        list(NetworkEdge.objects.values_list("u_id", "v_id", "length_m")), dtype=np.float64
    ).reshape(-1, 3)
    u = np.searchsorted(node_id, edges[:, 0].astype(np.int64))
    v = np.searchsorted(node_id, edges[:, 1].astype(np.int64))
    return NetworkArrays(
        node_id=node_id,
        lon=nodes[:, 1],
        lat=nodes[:, 2],
        component=nodes[:, 3].astype(np.int64),
        edge_u=u.astype(np.int64),
        edge_v=v.astype(np.int64),
        edge_length_m=edges[:, 2],
    )


# --- residents ------------------------------------------------------------------------------


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


# --- summaries and GeoJSON ------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str
    name_en: str
    colour: str
    in_district: int
    in_margin: int


@dataclass(frozen=True)
class DistrictSummary:
    """Counts and coverage of the loaded geography, for `district geo info` and the map."""

    loaded: bool
    name: str = ""
    name_en: str = ""
    adcode: str = ""
    area_km2: float = 0.0
    subdistricts: int = 0
    subdistricts_with_boundary: int = 0
    cells: int = 0
    cell_m: int | None = None
    cells_reached_by_network: int = 0
    network_nodes: int = 0
    network_edges: int = 0
    network_km: float = 0.0
    network_components: int = 0
    network_bounds: tuple[float, float, float, float] | None = None
    facilities: tuple[CategoryCount, ...] = ()
    residents: int = 0
    population: int = 0
    residents_synthetic: bool = False

    @property
    def network_reach_share(self) -> float:
        return self.cells_reached_by_network / self.cells if self.cells else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "facilities"}
        data["facilities"] = [c.__dict__ for c in self.facilities]
        data["network_reach_share"] = round(self.network_reach_share, 4)
        data["network_reach_m"] = NETWORK_REACH_M
        return data


def _cells_reached(cells: list[tuple[float, float]]) -> int:
    nodes = list(NetworkNode.objects.values_list("lon", "lat"))
    if not nodes or not cells:
        return 0
    district = current_district()
    centre = ((district.min_lon + district.max_lon) / 2, (district.min_lat + district.max_lat) / 2)
    forward = Transformer.from_crs(4326, gridlib.utm_epsg(*centre), always_xy=True)
    nx, ny = forward.transform(*np.array(nodes).T)
    cx, cy = forward.transform(*np.array(cells).T)
    distance, _ = cKDTree(np.column_stack([nx, ny])).query(np.column_stack([cx, cy]))
    return int((distance <= NETWORK_REACH_M).sum())


def summarize_district() -> DistrictSummary:
    district = District.objects.order_by("pk").first()
    if district is None:
        return DistrictSummary(loaded=False)
    cells = list(GridCell.objects.filter(district=district).values_list("centre_lon", "centre_lat"))
    first_cell = GridCell.objects.filter(district=district).first()
    edges = NetworkEdge.objects.aggregate(n=Count("pk"), length=Sum("length_m"))
    bounds = NetworkNode.objects.aggregate(
        min_lon=Min("lon"),
        min_lat=Min("lat"),
        max_lon=Max("lon"),
        max_lat=Max("lat"),
    )
    counts = {
        row["category"]: row
        for row in Facility.objects.values("category").annotate(
            inside=Count("pk", filter=Q(in_district=True)),
            margin=Count("pk", filter=Q(in_district=False)),
        )
    }
    facilities = tuple(
        CategoryCount(
            c.code,
            c.name,
            c.name_en,
            c.colour,
            counts.get(c.code, {}).get("inside", 0),
            counts.get(c.code, {}).get("margin", 0),
        )
        for c in FacilityCategory.objects.all()
    )
    residents = ResidentArea.objects.aggregate(n=Count("pk"), population=Sum("population"))
    n_nodes = NetworkNode.objects.count()
    components = (
        NetworkNode.objects.order_by("-component").values_list("component", flat=True).first()
    )
    return DistrictSummary(
        loaded=True,
        name=district.name,
        name_en=district.name_en,
        adcode=district.adcode,
        area_km2=district.area_km2,
        subdistricts=Subdistrict.objects.count(),
        subdistricts_with_boundary=Subdistrict.objects.filter(boundary__isnull=False).count(),
        cells=len(cells),
        cell_m=first_cell.cell_m if first_cell else None,
        cells_reached_by_network=_cells_reached(cells),
        network_nodes=n_nodes,
        network_edges=edges["n"] or 0,
        network_km=(edges["length"] or 0.0) / 1000,
        network_components=(components + 1) if components is not None and n_nodes else 0,
        network_bounds=(
            (bounds["min_lon"], bounds["min_lat"], bounds["max_lon"], bounds["max_lat"])
            if n_nodes
            else None
        ),
        facilities=facilities,
        residents=residents["n"] or 0,
        population=residents["population"] or 0,
        residents_synthetic=ResidentArea.objects.filter(synthetic=True).exists(),
    )


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, **extra}


def district_geojson() -> dict[str, Any]:
    district = current_district()
    return _collection(
        [
            _feature(
                district.boundary,
                {
                    "adcode": district.adcode,
                    "name": district.name,
                    "name_en": district.name_en,
                    "area_km2": round(district.area_km2, 2),
                    "source": district.source,
                },
            )
        ]
    )


def subdistricts_geojson() -> dict[str, Any]:
    features = [
        _feature(
            s.boundary,
            {
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "kind": s.kind,
                "osm_relation_id": s.osm_relation_id,
                "employment_2023": s.employment_2023,
                "has_boundary": s.boundary is not None,
            },
        )
        for s in Subdistrict.objects.all()
    ]
    return _collection(features)


def grid_geojson() -> dict[str, Any]:
    features = [
        _feature(
            geometry,
            {
                "code": code,
                "row": row,
                "column": column,
                "subdistrict": sub,
                "area_m2": round(area),
            },
        )
        for code, geometry, row, column, sub, area in GridCell.objects.values_list(
            "code", "geometry", "row", "column", "subdistrict__code", "area_m2"
        )
    ]
    return _collection(features)


def facilities_geojson(category: str | None = None) -> dict[str, Any]:
    queryset = Facility.objects.all()
    if category:
        check_category(category)
        queryset = queryset.filter(category_id=category)
    features = [
        _feature(
            {"type": "Point", "coordinates": [lon, lat]},
            {
                "id": pk,
                "category": cat,
                "name": name,
                "address": address,
                "capacity": capacity,
                "in_district": in_district,
                "source": source,
            },
        )
        for pk, cat, name, address, lon, lat, capacity, in_district, source in queryset.values_list(
            "pk",
            "category_id",
            "name",
            "address",
            "lon",
            "lat",
            "capacity",
            "in_district",
            "source",
        )
    ]
    return _collection(features)


MAX_NETWORK_EDGES = 50_000


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``min_lon,min_lat,max_lon,max_lat``."""
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(
            f"bbox {text!r} is not four numbers",
            field="bbox",
            value=text,
            fix="Use bbox=min_lon,min_lat,max_lon,max_lat in WGS-84 degrees.",
        )
    min_lon, min_lat, max_lon, max_lat = values
    if min_lon > max_lon or min_lat > max_lat:
        raise InputError(
            f"bbox {text!r} has its minimum above its maximum",
            field="bbox",
            value=text,
            fix="Give min_lon,min_lat,max_lon,max_lat.",
        )
    for lon, lat in ((min_lon, min_lat), (max_lon, max_lat)):
        problem = check_lon_lat(lon, lat)
        if problem:
            raise InputError(f"bbox {text!r}: {problem}", field="bbox", value=text)
    return min_lon, min_lat, max_lon, max_lat


def network_geojson(bbox: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    queryset = NetworkEdge.objects.all()
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        queryset = queryset.filter(
            max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat
        )
    total = queryset.count()
    if total > MAX_NETWORK_EDGES:
        raise InputError(
            f"The area holds {total:,} network edges, more than {MAX_NETWORK_EDGES:,} at once",
            field="bbox",
            fix="Ask for a smaller bbox.",
        )
    nodes = dict(
        (pk, (lon, lat)) for pk, lon, lat in NetworkNode.objects.values_list("osm_id", "lon", "lat")
    )
    features = [
        _feature(
            {"type": "LineString", "coordinates": [nodes[u], nodes[v]]},
            {"way": way, "highway": highway, "name": name, "length_m": round(length, 1)},
        )
        for u, v, way, highway, name, length in queryset.values_list(
            "u_id", "v_id", "osm_way_id", "highway", "name", "length_m"
        )
    ]
    return _collection(features)


def facility_categories() -> list[FacilityCategory]:
    return list(FacilityCategory.objects.all())


def get_cell(code: str) -> GridCell:
    try:
        return GridCell.objects.select_related("subdistrict").get(code=code)
    except GridCell.DoesNotExist:
        raise NotFoundError(f"No grid cell has code {code!r}", field="cell", value=code) from None


def list_subdistricts() -> list[Subdistrict]:
    return list(Subdistrict.objects.all())


# --- a cached locator for hot paths (case intake) -------------------------------------------

LOCATOR_CACHE_S = 60.0


@dataclass(frozen=True)
class _Locator:
    boundary: BaseGeometry
    district_name: str
    district_name_en: str
    lattice: gridlib.Lattice | None
    forward: Transformer | None
    # lattice index → (cell code, subdistrict code, subdistrict name)
    cells: dict[int, tuple[str, str | None, str | None]]


_locator: tuple[float, _Locator] | None = None


def _build_locator() -> _Locator:
    district = current_district()
    index = _cell_index()
    cells: dict[int, tuple[str, str | None, str | None]] = {}
    if index is not None:
        by_pk = {
            pk: (code, sub_code, sub_name)
            for pk, code, sub_code, sub_name in GridCell.objects.filter(
                pk__in=list(index.cells.values())
            ).values_list("pk", "code", "subdistrict__code", "subdistrict__name")
        }
        cells = {i: by_pk[pk] for i, pk in index.cells.items() if pk in by_pk}
    return _Locator(
        boundary=district_geometry(),
        district_name=district.name,
        district_name_en=district.name_en,
        lattice=index.lattice if index else None,
        forward=Transformer.from_crs(4326, index.lattice.epsg, always_xy=True) if index else None,
        cells=cells,
    )


def require_in_district_cached(lon: float, lat: float, *, field_name: str = "location") -> Location:
    """:func:`require_in_district` for hot paths such as case intake: the boundary, the
    lattice and the cell table are read once and kept in the process for up to
    ``LOCATOR_CACHE_S`` seconds, so locating a point runs no query. A boundary or grid
    replaced by another process is seen within that time."""
    global _locator
    import time

    problem = check_lon_lat(lon, lat)
    if problem:
        raise InputError(f"({lon}, {lat}): {problem}", field="location", value=(lon, lat))
    now = time.monotonic()
    cached = _locator
    if cached is None or now - cached[0] > LOCATOR_CACHE_S:
        cached = (now, _build_locator())
        _locator = cached
    locator = cached[1]
    if not shapely.contains_xy(locator.boundary, lon, lat):
        raise InputError(
            f"The point ({lon:.6f}, {lat:.6f}) lies outside {locator.district_name} "
            f"({locator.district_name_en})",
            field=field_name,
            value=(lon, lat),
            fix="Place the pin inside the district boundary shown on the map.",
        )
    cell: tuple[str, str | None, str | None] | None = None
    if locator.lattice is not None and locator.forward is not None:
        x, y = locator.forward.transform(lon, lat)
        lattice_index = locator.lattice.index_of(float(x), float(y))
        cell = locator.cells.get(lattice_index) if lattice_index is not None else None
    return Location(
        lon=lon,
        lat=lat,
        in_district=True,
        cell_code=cell[0] if cell else None,
        subdistrict_code=cell[1] if cell else None,
        subdistrict_name=cell[2] if cell else None,
    )


def forget_locator() -> None:
    """Drop the cached locator (after importing a boundary or building a grid in tests)."""
    global _locator
    _locator = None
