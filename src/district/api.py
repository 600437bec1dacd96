"""The platform's JSON API (django-ninja), with OpenAPI documentation at ``/api/docs``.

Each app contributes one router from its ``api.py``; errors follow the platform's one shape
``{"ok": false, "error", "errors", "status"}``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from district.cases.api import router as cases_router
from district.core.errors import DistrictError
from district.custody.api import router as custody_router
from district.geo.api import router as geo_router
from district.indicators.api import router as indicators_router
from district.lifecircle.api import router as lifecircle_router
from district.participation.api import router as participation_router

api = NinjaAPI(
    title="district",
    version="1",
    description=(
        "JSON API of the district platform. GeoJSON is WGS-84 longitude/latitude; dates are "
        "ISO 8601 with their offset (+08:00). Open311 GeoReport v2 lives at /open311/v2/."
    ),
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/geo/", geo_router)
api.add_router("/cases/", cases_router)
api.add_router("/participation/", participation_router)
api.add_router("/lifecircle/", lifecircle_router)
api.add_router("/custody/", custody_router)
api.add_router("/indicators/", indicators_router)


@api.exception_handler(DistrictError)
def district_error(request: HttpRequest, exc: DistrictError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path")]
        errors.setdefault(".".join(loc) or "request", []).append(str(item.get("msg", "invalid")))
    summary = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in errors.items())
    body = {"ok": False, "error": f"Invalid request: {summary}", "errors": errors, "status": 400}
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "ok": False,
        "error": "Authentication required: log in, or send an API key in the X-API-Key header.",
        "errors": {},
        "status": 401,
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body = {"ok": False, "error": str(exc), "errors": {}, "status": exc.status_code}
    return api.create_response(request, body, status=exc.status_code)
