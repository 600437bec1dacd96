"""What is within walking reach of a place: the resident page's question.

Measured on demand for one point (the engine places it on the network with the
facilities, one search per category), with the 5/10/15-minute isochrone from the point's
snapped position; off the network, distances and the isochrone are estimates, flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from district.core.errors import InputError, NotFoundError
from district.geo import services as geo
from district.lifecircle import scenario as scenarios
from district.lifecircle.engine import AccessParams, measure_access, prepare_scene
from district.lifecircle.engine.isochrone import estimated_disc, isochrone
from district.lifecircle.services import (
    DEFAULT_SPEED,
    check_speed,
    measured_thresholds,
    standards,
)

ISOCHRONE_MINUTES = (5.0, 10.0, 15.0)


@dataclass(frozen=True)
class Place:
    lon: float
    lat: float
    label: str


def find_place(query: str) -> Place:
    """A place from what a resident typed: ``lon, lat`` (WGS-84), a grid-cell code, or
    part of a facility's name (the first match, inside the district first)."""
    text = query.strip()
    if not text:
        raise InputError(
            "Type a place",
            field="q",
            fix="Type a school, clinic or metro station name, a grid code, or lon, lat.",
        )
    parts = text.replace("，", ",").replace(" ", ",").split(",")
    numbers = [p for p in parts if p]
    if len(numbers) == 2:
        try:
            lon, lat = float(numbers[0]), float(numbers[1])
        except ValueError:
            pass
        else:
            geo.require_in_district(lon, lat, field_name="q")
            return Place(lon, lat, f"{lon:.5f}, {lat:.5f}")
    if text.isdigit() and len(text) == 20:
        cell = geo.get_cell(text)
        return Place(cell.centre_lon, cell.centre_lat, text)
    needle = text.lower()
    best: tuple[int, Place] | None = None
    for feature in geo.facilities_geojson()["features"]:
        props = feature["properties"]
        name = props["name"] or ""
        if needle in name.lower():
            lon, lat = feature["geometry"]["coordinates"]
            rank = (0 if props["in_district"] else 2) + (0 if name.lower() == needle else 1)
            if best is None or rank < best[0]:
                best = (rank, Place(lon, lat, name))
    if best is None:
        raise NotFoundError(
            f"No place matches {text!r}",
            field="q",
            value=text,
            fix="Try a school, clinic or metro station name, or click the map.",
        )
    return best[1]


def access_at(
    *,
    lon: float,
    lat: float,
    speed_m_per_min: float = DEFAULT_SPEED,
    minutes: tuple[float, ...] = ISOCHRONE_MINUTES,
) -> dict[str, Any]:
    """What is within walking reach of a point: every category's nearest facility and
    walking time, and the 5/10/15-minute isochrone (estimated off the network)."""
    speed = check_speed(speed_m_per_min)
    location = geo.require_in_district(lon, lat)
    thresholds = measured_thresholds()
    params = AccessParams()
    graph = scenarios.network_graph()
    facilities, names = scenarios.facilities_frame(list(thresholds))
    present = set(facilities["category"])
    thresholds = {code: metres for code, metres in thresholds.items() if code in present}
    if not thresholds:
        raise NotFoundError(
            "No facilities are loaded",
            field="category",
            fix="Import facilities with `district geo import-facilities` (or run the demo).",
        )
    scene = prepare_scene(
        graph,
        facilities[["id", "category", "lon", "lat"]],
        pd.DataFrame({"id": ["here"], "lon": [lon], "lat": [lat]}),
        params=params,
    )
    result = measure_access(scene, thresholds)
    table = {s.code: s for s in standards()}
    rows = []
    for code, access in result.categories.items():
        fac = scene.facilities.get(code)
        distance = float(access.distance_m[0])
        index = int(access.facility[0])
        fac_id = int(fac.id[index]) if fac is not None and index >= 0 else None
        known = math.isfinite(distance)
        standard = table[code]
        rows.append(
            {
                "category": code,
                "name": standard.name,
                "name_en": standard.name_en,
                "threshold_m": standard.threshold_m,
                "threshold_minutes": round(standard.threshold_m / speed, 1),
                "distance_m": round(distance, 1) if known else None,
                "walk_minutes": round(distance / speed, 1) if known else None,
                "within": bool(known and distance <= standard.threshold_m),
                "estimated": bool(access.estimated[0]),
                "facility_id": fac_id,
                "facility": names.get(fac_id, "") if fac_id is not None else "",
                "facility_lon": float(fac.lon[index]) if fac is not None and index >= 0 else None,
                "facility_lat": float(fac.lat[index]) if fac is not None and index >= 0 else None,
                "count_within": int(access.count[0]),
            }
        )
    on_network = bool(scene.origins.on_network[0])
    if on_network:
        bands = isochrone(scene, 0, minutes=minutes, speed_m_per_min=speed)
    else:
        bands = estimated_disc(scene, 0, minutes=minutes, speed_m_per_min=speed)
    return {
        "lon": lon,
        "lat": lat,
        "cell": location.cell_code,
        "subdistrict": location.subdistrict_name,
        "on_network": on_network,
        "snap_m": round(float(scene.origins.snap_m[0]), 1),
        "speed_m_per_min": speed,
        "detour_factor": params.detour_factor,
        "snap_tolerance_m": params.snap_tolerance_m,
        "within": sum(1 for r in rows if r["within"] and not r["estimated"]),
        "categories": rows,
        "isochrone": [
            {
                "minutes": b.minutes,
                "limit_m": b.limit_m,
                "street_m": round(b.street_m, 1),
                "area_km2": round(b.area_km2, 3),
                "estimated": b.estimated,
                "lines": b.lines,
                "area": b.area,
            }
            for b in bands
        ],
    }
