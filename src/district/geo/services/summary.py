"""Counts, coverage and GeoJSON of the loaded geography."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Max, Min, Q, Sum
from pyproj import Transformer
from scipy.spatial import cKDTree

from district.core.coords import check_lon_lat
from district.core.errors import InputError
from district.geo import grid as gridlib
from district.geo.models import (
    District,
    Facility,
    FacilityCategory,
    GridCell,
    NetworkEdge,
    NetworkNode,
    ResidentArea,
    Subdistrict,
)
from district.geo.services.boundary import current_district
from district.geo.services.facilities import check_category
from district.geo.services.files import NETWORK_REACH_M


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
