"""The cases app's JSON API under ``/api/cases/`` (Open311 has its own at ``/open311/v2/``).

* ``GET /suggest`` (public): categories suggested from a report's text and open cases it
  may repeat; the report form calls it as the resident types.
* ``GET /categories`` (public): the catalogue.
* ``GET /calendar`` (public): the working-day calendar's years and its warning.
* ``GET /kpis``, ``GET /hotspots``, ``GET /merchant-complaints`` (a logged-in user with the
  KPI permission, or an API key): the figures the other apps and the district's dashboards
  read.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from district.accounts.auth import session_or_key
from district.accounts.models import ApiKey, Department
from district.cases import services
from district.cases.open311.views import mask_personal
from district.cases.services import access
from district.core.errors import InputError, PermissionDeniedError

router = Router(tags=["cases"])


class CategorySuggestionOut(Schema):
    code: str
    name: str
    label: str
    score: float
    department: str | None


class DuplicateOut(Schema):
    number: str
    title: str
    status: str
    score: float
    distance_m: float | None = Field(description="null when the report or the case has no point")
    text_similarity: float = Field(description="character-bigram cosine similarity, 0 to 1")
    basis: Literal["near", "near_and_similar", "similar_text"] = Field(
        description="why it is suggested: near (within the category's radius), near with "
        "very similar text, or very similar text only (at any distance)"
    )


class SuggestOut(Schema):
    categories: list[CategorySuggestionOut]
    duplicates: list[DuplicateOut]


@router.get("/suggest", response=SuggestOut, summary="Suggestions for a report being written")
def suggest(
    request: HttpRequest,
    text: str,
    category: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> dict[str, Any]:
    """Likely categories (jieba + linear SVM classifier, then the catalogue) with their
    department, and open cases of the chosen category that the report may repeat: nearby
    ones (with ``lon`` and ``lat``), and ones with very similar text at any distance."""
    text = text.strip()[:4000]
    if not text:
        raise InputError("text is empty.", field="text", fix="Send the report's text.")
    departments = dict(Department.objects.values_list("pk", "name"))
    cell = ""
    if lon is not None and lat is not None:
        from district.geo import services as geo

        try:
            cell = geo.require_in_district_cached(lon, lat).cell_code or ""
        except InputError:
            cell = ""
    categories = [
        {
            "code": s.category.code,
            "name": s.category.name,
            "label": s.label,
            "score": round(s.score, 4),
            "department": departments.get(s.department_id) if s.department_id else None,
        }
        for s in services.suggest_categories(text, cell_code=cell)
        if s.category is not None
    ]
    duplicates = [
        {
            "number": d.number,
            "title": mask_personal(d.title),
            "status": d.status,
            "score": d.score,
            "distance_m": None if d.distance_m is None else round(d.distance_m, 1),
            "text_similarity": round(d.text_similarity, 3),
            "basis": d.basis,
        }
        for d in services.suggest_duplicates_for(
            category_code=category or (str(categories[0]["code"]) if categories else ""),
            lon=lon,
            lat=lat,
            text=text,
        )
    ]
    return {"categories": categories, "duplicates": duplicates}


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    major: str | None
    classifier_label: str
    limits: dict[str, float]
    requires_booking: bool


@router.get("/categories", response=list[CategoryOut], summary="The catalogue")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "kind": c.kind,
            "major": c.parent_code,
            "classifier_label": c.classifier_label,
            "limits": dict(c.limits),
            "requires_booking": c.requires_booking,
        }
        for c in services.catalogue().by_code.values()
        if c.active
    ]


class CalendarOut(Schema):
    known_years: list[int]
    missing_years: list[int]
    warning: str


@router.get("/calendar", response=CalendarOut, summary="The working-day calendar")
def calendar(request: HttpRequest) -> dict[str, Any]:
    status = services.calendar_status()
    return {
        "known_years": list(status.known_years),
        "missing_years": list(status.missing_years),
        "warning": status.warning,
    }


def _require_kpis(request: HttpRequest) -> None:
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        if auth.user is None or auth.user.has_perm("cases.view_kpis"):
            return
    elif access.has(request.user, "view_kpis"):
        return
    raise PermissionDeniedError("These figures need the permission cases.view_kpis.")


class KpiOut(Schema):
    key: str
    name: str
    received: int
    closed: int
    on_time_rate: float | None
    satisfaction_rate: float | None
    repeat_rate: float | None
    mean_handling_working_hours: float | None
    rated: int
    repeats: int
    overdue_now: int


class KpiReportOut(Schema):
    start: date
    end: date
    total: KpiOut
    by_department: list[KpiOut]
    by_subdistrict: list[KpiOut]


@router.get("/kpis", response=KpiReportOut, auth=session_or_key, summary="KPIs of a period")
def kpis(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    """On-time completion, satisfaction, repeat complaints and mean handling time (working
    hours), per department and subdistrict, for the dates ``start``–``end`` inclusive."""
    _require_kpis(request)
    return services.kpi_report(start=start, end=end).as_dict()


class HotspotOut(Schema):
    cell_code: str
    category_code: str
    category_name: str
    week_start: date
    observed: int
    expected: float
    p_value: float
    flag: bool


@router.get("/hotspots", response=list[HotspotOut], auth=session_or_key, summary="Hotspots")
def hotspots(
    request: HttpRequest, week: date | None = None, flagged_only: bool = False
) -> list[dict[str, Any]]:
    _require_kpis(request)
    report = services.hotspots(week=week, flagged_only=flagged_only)
    return [
        {
            "cell_code": r.cell_code,
            "category_code": r.category_code,
            "category_name": r.category_name,
            "week_start": r.week_start,
            "observed": r.observed,
            "expected": round(r.expected, 4),
            "p_value": r.p_value,
            "flag": r.flag,
        }
        for r in report.rows
    ]


class ComplaintOut(Schema):
    number: str
    received_at: str
    category_code: str
    category_name: str
    status: str
    subject_name: str


class ComplaintsOut(Schema):
    count: int
    open_count: int
    complaints: list[ComplaintOut]


@router.get(
    "/merchant-complaints",
    response=ComplaintsOut,
    auth=session_or_key,
    summary="Complaints about a merchant",
)
def merchant_complaints(
    request: HttpRequest, start: date, end: date, licence: str = "", name: str = ""
) -> dict[str, Any]:
    """Cases naming a merchant (by licence or name) in a period, without personal data."""
    _require_kpis(request)
    found = services.complaints_about_merchant(start=start, end=end, licence=licence, name=name)
    return {
        "count": found.count,
        "open_count": found.open_count,
        "complaints": [
            {**c.__dict__, "received_at": c.received_at.isoformat()} for c in found.complaints
        ],
    }
