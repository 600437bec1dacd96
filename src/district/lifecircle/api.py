"""The lifecircle app's JSON API under ``/api/lifecircle/``.

Public (no personal data): ``/access`` (what is within walking reach of a point),
``/coverage`` (district figures) and ``/standards``. For planners and API keys: ``/cells``
(grid cells with walking times, GeoJSON) and ``/gaps``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from district.accounts.auth import session_or_key, user_has_role
from district.core.errors import PermissionDeniedError
from district.lifecircle import places, results, services

router = Router(tags=["lifecircle"])

PLANNERS = ("planner", "administrator")


def _planner(request: HttpRequest) -> None:
    """A logged-in user must be a planner; an API key is enough on its own."""
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and not user_has_role(user, *PLANNERS):
        raise PermissionDeniedError("This data is for planners. Log in with such an account.")


@router.get("/access", summary="What is within walking reach of a point")
def access(
    request: HttpRequest, lon: float, lat: float, speed: float = services.DEFAULT_SPEED
) -> dict[str, Any]:
    """Every measured category's nearest facility, network distance and walking time from
    a WGS-84 point, and the 5/10/15-minute isochrone (GeoJSON lines and areas). Off the
    street network, distances and the isochrone are estimates (``estimated: true``)."""
    return places.access_at(lon=lon, lat=lat, speed_m_per_min=speed)


@router.get("/coverage", summary="District coverage per category")
def coverage(request: HttpRequest) -> list[dict[str, Any]]:
    """Share within the threshold by network distance (``share_network``) and, kept apart,
    by estimated distance; ``basis`` says whether it is population or area coverage."""
    return [f.as_dict() for f in services.coverage_summary()]


@router.get("/standards", summary="Categories, thresholds and their basis")
def standards(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": s.code,
            "name": s.name,
            "name_en": s.name_en,
            "threshold_m": s.threshold_m,
            "threshold_minutes": s.threshold_minutes,
            "tier": s.tier,
            "measured": s.enabled,
            "basis": s.basis,
        }
        for s in services.standards()
    ]


@router.get("/cells", auth=session_or_key, summary="Grid cells with walking times (GeoJSON)")
def cells(request: HttpRequest, category: str) -> HttpResponse:
    """Each grid cell with the walking time from its centre to the nearest facility of
    ``category``, whether it is within the threshold, whether it was estimated, and its
    completeness score."""
    _planner(request)
    payload = results.cells_geojson(category=category)
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        content_type="application/geo+json",
    )


@router.get("/gaps", auth=session_or_key, summary="Origins outside the threshold")
def gaps(
    request: HttpRequest, category: str | None = None, estimated: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Worst first; ``estimated=true`` lists the origins whose distance is estimated (the
    two are never mixed)."""
    _planner(request)
    return [
        g.__dict__
        for g in results.gap_list(category=category, estimated=estimated, limit=min(limit, 1000))
    ]
