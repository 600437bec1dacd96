"""The unit grid (单元网格) and locating points in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from district.core.coords import check_lon_lat
from district.core.errors import InputError, NotFoundError
from district.geo import grid as gridlib
from district.geo.models import District, Facility, GridCell, ResidentArea, Subdistrict
from district.geo.services.boundary import current_district, district_geometry
from district.geo.services.files import BATCH, ImportReport, _record_virtual


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


def get_cell(code: str) -> GridCell:
    try:
        return GridCell.objects.select_related("subdistrict").get(code=code)
    except GridCell.DoesNotExist:
        raise NotFoundError(f"No grid cell has code {code!r}", field="cell", value=code) from None


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
