"""The district's data page: what is loaded, where it comes from, what is missing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from district.core.access import public
from district.geo.models import DataImport, Subdistrict
from district.geo.services import summarize_district


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "geo/index.html",
        {
            "summary": summarize_district(),
            "subdistricts": Subdistrict.objects.all(),
            "imports": DataImport.objects.all()[:30],
        },
    )
