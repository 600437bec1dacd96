"""Helpers shared by the cases views: language, maps, the sub-navigation."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from district.cases.services import access
from district.cases.services.calendar import calendar_status


def language() -> str:
    return translation.get_language() or "zh-hans"


# (url name, label, permission or None for everyone, public)
SECTIONS = [
    ("cases:report", _("Report a problem"), None),
    ("cases:track", _("Track a case"), None),
    ("cases:mine", _("My reports"), "authenticated"),
    ("cases:console", _("Console"), "view_console"),
    ("cases:board", _("Overdue board"), "view_console"),
    ("cases:kpis", _("KPIs"), "view_kpis"),
    ("cases:hotspots", _("Hotspots"), "view_kpis"),
    ("cases:initiatives", _("Targeted initiatives"), "view_kpis"),
    ("cases:catalogue", _("Catalogue"), "view_console"),
    ("cases:routing", _("Routing table"), "edit_routing"),
    ("cases:calendar", _("Working-day calendar"), "view_console"),
]


def sections(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    items = []
    for name, label, needs in SECTIONS:
        if needs == "authenticated" and not user.is_authenticated:
            continue
        if needs not in (None, "authenticated") and not access.has(user, needs):
            continue
        url = reverse(name)
        items.append({"url": url, "label": label, "active": request.path == url})
    return items


def staff_warning(request: HttpRequest) -> str:
    """The calendar warning, for staff only."""
    if not access.has(request.user, "view_console"):
        return ""
    return calendar_status().warning


def base_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "cases_sections": sections(request),
        "calendar_warning": staff_warning(request),
        **extra,
    }


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
