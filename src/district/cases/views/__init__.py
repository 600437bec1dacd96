"""The cases screens: the resident's side (public), the staff console, analytics, and the
catalogue, routing and calendar pages."""

from district.cases.views.analytics import (
    hotspot_consultation,
    hotspots,
    initiative,
    initiatives,
    kpis,
)
from district.cases.views.console import act, board, case_detail, console, decide_extension
from district.cases.views.manage import calendar, catalogue, routing
from district.cases.views.public import (
    index,
    mine,
    photo,
    rate,
    received,
    report,
    track,
    track_case,
)

__all__ = [
    "act",
    "board",
    "calendar",
    "case_detail",
    "catalogue",
    "console",
    "decide_extension",
    "hotspot_consultation",
    "hotspots",
    "index",
    "initiative",
    "initiatives",
    "kpis",
    "mine",
    "photo",
    "rate",
    "received",
    "report",
    "routing",
    "track",
    "track_case",
]
