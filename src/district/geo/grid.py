"""The unit-grid tessellation (单元网格) and its codes.

Cells are squares of ``cell_m`` metres on a lattice in the district's UTM zone, anchored at
multiples of ``cell_m`` below the boundary's south-west corner, and clipped to the
boundary. A cell's code follows the 20-digit layout of CJ/T 349-2010 (see
``docs/geo.md``)::

    OOOOOO AAAAAA SSS NNNNN
    │      │      │   └ 5 digits: the cell's lattice index, row * columns + column. The
    │      │      │     standard splits these into a 3-digit community and a 2-digit
    │      │      │     sequence; with no community polygons loaded, the platform numbers
    │      │      │     cells district-wide so codes stay unique and stable.
    │      │      └ 3 digits: subdistrict (街道) code, digits 7-9 of its 12-digit code, or
    │      │        000 while no subdistrict polygon contains the cell's centre
    │      └ 6 digits: the district's administrative code (GB/T 2260), e.g. 310105
    └ 6 digits: object type, DISTRICT_GRID_OBJECT_TYPE

The same boundary and cell size always give the same lattice, so the codes are stable.
This module imports nothing from Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer
from shapely import Polygon, box, transform
from shapely.geometry.base import BaseGeometry

from district.core.errors import InputError

MAX_CELLS = 100_000  # the 5-digit index


@lru_cache(maxsize=8)
def utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the UTM zone containing (lon, lat), e.g. 32651 for Shanghai."""
    zone = int((lon + 180.0) // 6.0) + 1
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=8)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    inverse = Transformer.from_crs(epsg, 4326, always_xy=True)
    return forward, inverse


def to_metres(geometry: BaseGeometry, epsg: int) -> BaseGeometry:
    return transform(geometry, _transformers(epsg)[0].transform, interleaved=False)


def to_degrees(geometry: BaseGeometry, epsg: int) -> BaseGeometry:
    return transform(geometry, _transformers(epsg)[1].transform, interleaved=False)


@dataclass(frozen=True)
class Lattice:
    """A square lattice in a projected CRS."""

    epsg: int
    origin_x: float
    origin_y: float
    cell_m: float
    columns: int
    rows: int

    def index_of(self, x: float, y: float) -> int | None:
        """The lattice index of the cell containing projected point (x, y), or None."""
        col = math.floor((x - self.origin_x) / self.cell_m)
        row = math.floor((y - self.origin_y) / self.cell_m)
        if 0 <= col < self.columns and 0 <= row < self.rows:
            return row * self.columns + col
        return None

    def index_of_lonlat(self, lon: float, lat: float) -> int | None:
        x, y = _transformers(self.epsg)[0].transform(lon, lat)
        return self.index_of(x, y)

    def square(self, index: int) -> Polygon:
        row, col = divmod(index, self.columns)
        x0 = self.origin_x + col * self.cell_m
        y0 = self.origin_y + row * self.cell_m
        return box(x0, y0, x0 + self.cell_m, y0 + self.cell_m)


def lattice_for(boundary_wgs84: BaseGeometry, cell_m: float) -> Lattice:
    if not cell_m > 0:
        raise InputError("The cell size must be positive", field="cell_m", value=cell_m)
    centre = boundary_wgs84.centroid
    epsg = utm_epsg(centre.x, centre.y)
    minx, miny, maxx, maxy = to_metres(boundary_wgs84, epsg).bounds
    origin_x = math.floor(minx / cell_m) * cell_m
    origin_y = math.floor(miny / cell_m) * cell_m
    columns = math.ceil((maxx - origin_x) / cell_m)
    rows = math.ceil((maxy - origin_y) / cell_m)
    if columns * rows > MAX_CELLS:
        raise InputError(
            f"A {cell_m:g} m grid over this district needs {columns * rows:,} lattice cells, "
            f"more than the {MAX_CELLS:,} the 5-digit grid code can number",
            field="cell_m",
            value=cell_m,
            fix="Use larger cells.",
        )
    return Lattice(epsg, origin_x, origin_y, float(cell_m), columns, rows)


@dataclass(frozen=True)
class CellShape:
    index: int
    row: int
    column: int
    geometry_wgs84: BaseGeometry  # Polygon or MultiPolygon, clipped to the boundary
    area_m2: float


def tessellate(boundary_wgs84: BaseGeometry, lattice: Lattice) -> list[CellShape]:
    """Every lattice square that overlaps the boundary, clipped to it."""
    boundary_m = to_metres(boundary_wgs84, lattice.epsg)
    cells = []
    for index in range(lattice.columns * lattice.rows):
        square = lattice.square(index)
        if not square.intersects(boundary_m):
            continue
        clipped = square.intersection(boundary_m)
        if clipped.is_empty or clipped.area < 1.0:
            continue
        row, column = divmod(index, lattice.columns)
        cells.append(
            CellShape(index, row, column, to_degrees(clipped, lattice.epsg), float(clipped.area))
        )
    return cells


def grid_code(*, object_type: str, adcode: str, street: str, index: int) -> str:
    """The 20-digit code of a cell (layout in the module docstring)."""
    if len(object_type) != 6 or len(adcode) != 6 or len(street) != 3:
        raise InputError(
            "A grid code needs a 6-digit object type, a 6-digit district code and a 3-digit "
            f"subdistrict code; got {object_type!r}, {adcode!r}, {street!r}",
            field="adcode",
            value=adcode,
        )
    if not 0 <= index < MAX_CELLS:
        raise InputError("The cell index must fit in 5 digits", field="index", value=index)
    return f"{object_type}{adcode}{street}{index:05d}"
