"""One place that turns a :class:`~district.core.errors.DistrictError` into a response.

HTML requests get the error page; JSON requests (``/api/``, ``Accept: application/json``,
htmx fragments that ask for JSON) get ``{"ok": false, "error", "errors", "status"}``.
Open311 renders its own error list in ``district.cases.open311``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render

from district.core.errors import DistrictError


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def render_error(request: HttpRequest, error: DistrictError) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(request, "core/error.html", {"error": error}, status=error.status)


class DistrictErrorMiddleware:
    """Render a DistrictError raised by any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DistrictError):
            return render_error(request, exception)
        return None


class PublicDataGZipMiddleware(GZipMiddleware):
    """Compress the public GeoJSON endpoints (a few MB of geometry) and nothing else.

    HTML pages are left alone: compressing pages that carry CSRF tokens next to
    user-controlled text opens them to BREACH-style attacks.
    """

    prefixes = ("/api/geo/",)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not request.path.startswith(self.prefixes):
            return response
        return super().process_response(request, response)
