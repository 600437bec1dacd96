from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from district.core.access import public


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "lifecircle/index.html")
