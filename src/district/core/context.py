"""Template context shared by every page: the navigation of the platform's apps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label): the order of the navigation bar.
NAVIGATION = [
    ("core:home", _("Map")),
    ("cases:index", _("Cases")),
    ("participation:index", _("Ning Lai Shuo")),
    ("lifecircle:index", _("15-minute life circle")),
    ("custody:index", _("Prepaid custody")),
    ("indicators:index", _("Plan scorecard")),
]


def platform(request: HttpRequest) -> dict[str, Any]:
    items = []
    for name, label in NAVIGATION:
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items}
