"""KPI, hotspot and targeted-initiative pages."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import permission_required
from district.accounts.models import User
from district.cases import charts, services
from district.cases.forms import CampaignForm, HotspotForm, PeriodForm
from district.cases.models import Campaign
from district.cases.services import access
from district.cases.views.common import base_context, language, to_json
from district.core.errors import DistrictError, InputError
from district.geo import services as geo

_GRID_CACHE_S = 300.0
_grid: tuple[float, dict[str, Any]] | None = None


def _cell_geometries() -> dict[str, Any]:
    """Grid cell code → GeoJSON geometry, kept for five minutes (the grid rarely changes)."""
    global _grid
    now = time.monotonic()
    if _grid is None or now - _grid[0] > _GRID_CACHE_S:
        features = geo.grid_geojson()["features"]
        _grid = (now, {f["properties"]["code"]: f["geometry"] for f in features})
    return _grid[1]


ON_TIME_TARGET = 0.90  # 按时办结率 > 90 %, a usual municipal assessment threshold
SATISFACTION_TARGET = 0.85  # 满意率 ≥ 85 %


@require_GET
@permission_required("cases.view_kpis")
def kpis(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    report = services.kpi_report(start=start, end=end)
    named = [r for r in report.by_department if r.key]
    return render(
        request,
        "cases/kpis.html",
        base_context(
            request,
            form=form,
            report=report,
            start=start,
            end=end,
            on_time_chart=charts.bar_chart(
                [(r.name, r.on_time_rate) for r in named],
                title=_("On-time completion rate by department"),
                maximum=1.0,
                target=ON_TIME_TARGET,
            ),
            satisfaction_chart=charts.bar_chart(
                [(r.name, r.satisfaction_rate) for r in named],
                title=_("Satisfaction rate by department"),
                maximum=1.0,
                target=SATISFACTION_TARGET,
            ),
            hours_chart=charts.bar_chart(
                [(r.name, r.mean_handling_hours) for r in named],
                title=_("Mean handling time (working hours) by department"),
                percent=False,
            ),
            on_time_target=ON_TIME_TARGET,
            satisfaction_target=SATISFACTION_TARGET,
        ),
    )


@require_GET
@permission_required("cases.view_kpis")
def hotspots(request: HttpRequest) -> HttpResponse:
    form = HotspotForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    report = services.hotspots(
        week=data.get("week") or None,
        history_weeks=data.get("history_weeks") or 8,
        min_count=data.get("min_count") or 3,
        alpha=data.get("alpha") or 0.01,
        limit=200,
    )
    english = language() == "en"
    cells = {r.cell_code for r in report.rows}
    features = []
    geometries = _cell_geometries()
    by_cell: dict[str, list[Any]] = {}
    for r in report.rows:
        by_cell.setdefault(r.cell_code, []).append(r)
    for code in sorted(cells):
        if code not in geometries:
            continue
        rows = by_cell[code]
        best = max(rows, key=lambda r: (r.flag, r.score))
        features.append(
            {
                "type": "Feature",
                "geometry": geometries[code],
                "properties": {
                    "code": code,
                    "flag": any(r.flag for r in rows),
                    "score": round(best.score, 2),
                    "observed": sum(r.observed for r in rows),
                    "lines": [
                        f"{r.category_name_en if english else r.category_name}: {r.observed} "
                        f"(≈{r.expected:.1f})" + (" ⚑" if r.flag else "")
                        for r in sorted(rows, key=lambda r: -r.score)[:5]
                    ],
                },
            }
        )
    table = [
        {
            "row": r,
            "spark": charts.sparkline(r.history, title=f"{r.cell_code} {r.category_code}"),
        }
        for r in report.rows[: (200 if request.GET.get("all") else 40)]
    ]
    weeks = (
        [
            (report.week_start - timedelta(weeks=report.history_weeks - i), 0)
            for i in range(report.history_weeks + 1)
        ]
        if report.week_start
        else []
    )
    return render(
        request,
        "cases/hotspots.html",
        base_context(
            request,
            form=form,
            report=report,
            rows=table,
            weeks=weeks,
            map_data=to_json({"type": "FeatureCollection", "features": features}),
            can_consult=access.has(request.user, "edit_routing"),
        ),
    )


@require_POST
@permission_required("cases.edit_routing")
def hotspot_consultation(request: HttpRequest) -> HttpResponse:
    """Open (or find) the consultation asking a hotspot's residents what to do."""
    user = request.user
    assert isinstance(user, User)
    try:
        week = date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        raise InputError(
            f"week {request.POST.get('week', '')!r} is not a date.",
            field="week",
            fix="Open the consultation from a row of the hotspot table.",
        ) from None
    pk = services.open_hotspot_consultation(
        cell_code=request.POST.get("cell_code", ""),
        category_code=request.POST.get("category_code", ""),
        week_start=week,
        by=user,
    )
    return redirect("participation:consultation", pk=pk)


@require_http_methods(["GET", "POST"])
@permission_required("cases.view_kpis")
def initiatives(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    can_edit = access.has(user, "edit_routing")
    form = CampaignForm(request.POST or None, language=language()) if can_edit else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You may not create targeted initiatives."))
            return redirect("cases:initiatives")
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.create_campaign(
                    name=data["name"],
                    description=data.get("description", ""),
                    category_codes=list(data["categories"]),
                    subdistrict_codes=_codes(data.get("subdistricts", "")),
                    cell_codes=_codes(data.get("cells", "")),
                    starts_on=data["starts_on"],
                    ends_on=data.get("ends_on"),
                    compare_weeks=data.get("compare_weeks") or 8,
                    by=user,
                )
            except DistrictError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Initiative saved."))
                return redirect("cases:initiative", pk=campaign.pk)
    results = [services.campaign_result(c) for c in Campaign.objects.prefetch_related("categories")]
    return render(
        request,
        "cases/initiatives.html",
        base_context(request, results=results, form=form),
    )


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


@require_GET
@permission_required("cases.view_kpis")
def initiative(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.prefetch_related("categories"), pk=pk)
    result = services.campaign_result(campaign)
    marked = services.this_week(campaign.starts_on)
    context: dict[str, Any] = {
        "result": result,
        "campaign": campaign,
        "chart": charts.week_columns(
            result.weekly, title=_("Reports per week before and after the start"), marked=marked
        ),
    }
    return render(request, "cases/initiative.html", base_context(request, **context))
