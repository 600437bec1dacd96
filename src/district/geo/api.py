"""GeoJSON endpoints under ``/api/geo/`` (WGS-84 longitude/latitude). Public: the geography
holds no personal data."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from district.geo import services
from district.geo.schemas import CategoryOut, ErrorOut, FeatureCollection, LocationOut

router = Router(tags=["geo"])

GEOJSON = "application/geo+json"


def _geojson(payload: dict[str, Any]) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, content_type=GEOJSON)


@router.get("/district", response={200: FeatureCollection, 500: ErrorOut}, summary="The boundary")
def district(request: HttpRequest) -> HttpResponse:
    """The district boundary as a one-feature FeatureCollection."""
    return _geojson(services.district_geojson())


@router.get("/subdistricts", response=FeatureCollection, summary="Subdistricts and towns")
def subdistricts(request: HttpRequest) -> HttpResponse:
    """Every subdistrict with its official code; ``geometry`` is null where no polygon is
    loaded (``has_boundary`` false)."""
    return _geojson(services.subdistricts_geojson())


@router.get("/grid", response=FeatureCollection, summary="Unit grid cells")
def grid(request: HttpRequest) -> HttpResponse:
    """The grid cells clipped to the boundary, each with its 20-digit code."""
    return _geojson(services.grid_geojson())


@router.get("/facilities", response={200: FeatureCollection, 400: ErrorOut}, summary="Facilities")
def facilities(request: HttpRequest, category: str | None = None) -> HttpResponse:
    """Facilities as points, optionally of one category (see ``/api/geo/categories``)."""
    return _geojson(services.facilities_geojson(category or None))


@router.get("/network", response={200: FeatureCollection, 400: ErrorOut}, summary="Walking network")
def network(request: HttpRequest, bbox: str | None = None) -> HttpResponse:
    """Walkable edges as LineStrings; ``bbox=min_lon,min_lat,max_lon,max_lat`` limits the
    area."""
    return _geojson(services.network_geojson(services.parse_bbox(bbox) if bbox else None))


@router.get("/categories", response=list[CategoryOut], summary="Facility categories")
def categories(request: HttpRequest) -> list[Any]:
    return services.facility_categories()


@router.get("/locate", response={200: LocationOut, 400: ErrorOut}, summary="Locate a point")
def locate(request: HttpRequest, lon: float, lat: float) -> Any:
    """The grid cell and subdistrict of a WGS-84 point; ``in_district`` false outside."""
    return services.locate(lon, lat)


@router.get("/summary", summary="What is loaded")
def summary(request: HttpRequest) -> dict[str, Any]:
    """Counts and coverage of the loaded geography."""
    return services.summarize_district().as_dict()
