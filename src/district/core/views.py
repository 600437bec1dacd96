"""The platform's own pages: the district map (home) and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from district.core.access import public
from district.geo import services as geo


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {"summary": geo.summarize_district(), "subdistricts": geo.list_subdistricts()},
    )


@public
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok", "database": "<vendor>"}``, after a round trip to the database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": connection.vendor, "error": str(exc)}, status=503
        )
    return JsonResponse({"status": "ok", "database": connection.vendor})
