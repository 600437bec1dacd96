"""GeoJSON and geo API shapes, for validation and the OpenAPI documentation."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema


class Geometry(Schema):
    type: str
    coordinates: Any


class Feature(Schema):
    type: Literal["Feature"]
    geometry: Geometry | None
    properties: dict[str, Any]


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[Feature]


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    colour: str


class LocationOut(Schema):
    lon: float
    lat: float
    in_district: bool
    cell_code: str | None
    subdistrict_code: str | None
    subdistrict_name: str | None


class ErrorOut(Schema):
    ok: bool
    error: str
    errors: dict[str, list[str]]
    status: int
