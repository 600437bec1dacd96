"""The scorecard's JSON API under ``/api/indicators/``.

Reading is public (the figures are public data). Recording a figure needs a logged-in
planner or an API key of a user with ``indicators.add_value``; it adds a revision and never
edits one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from district.accounts.auth import session_or_key
from district.core.errors import NotFoundError, PermissionDeniedError
from district.indicators import live, services
from district.indicators.checks import findings_as_json
from district.indicators.models import Indicator, LiveFigure, Milestone, Project, Value
from district.indicators.schemas import (
    ErrorOut,
    FindingsOut,
    IndicatorOut,
    LiveOut,
    ProjectOut,
    ValueIn,
    ValueOut,
)

router = Router(tags=["indicators"])


def _value(row: Value, current: set[int]) -> dict[str, Any]:
    claim = services.engine_claim(row)
    return {
        "id": row.code,
        "revision": row.revision,
        "indicator": row.indicator.code,
        "value": row.value_text,
        "unit": row.unit,
        "qualifier": row.qualifier,
        "period_start": row.period_start or None,
        "period_end": row.period_end,
        "statement": claim.statement(),
        "value_in_indicator_unit": row.value,
        "low": row.low,
        "high": row.high,
        "source": row.source.code,
        "sentence": row.sentence,
        "note": row.note,
        "recorded_on": row.recorded_on.isoformat(),
        "current": row.pk in current,
    }


def _indicator(row: Indicator, values: list[Value], current: set[int]) -> dict[str, Any]:
    return {
        "code": row.code,
        "area": row.area,
        "name_en": row.name_en,
        "name_zh": row.name_zh,
        "unit": row.unit,
        "direction": row.direction,
        "measure": row.measure,
        "of": row.of.code if row.of else None,
        "whole": row.whole.code if row.whole else None,
        "formula": row.formula_en,
        "values": [_value(v, current) for v in values],
    }


@router.get("/indicators", response=list[IndicatorOut], summary="Indicators and current values")
def indicators(request: HttpRequest, area: str | None = None) -> list[dict[str, Any]]:
    """Every indicator (of one area, if given) with its current values."""
    rows = Indicator.objects.select_related("of", "whole")
    if area:
        rows = rows.filter(area=area)
    values: dict[int, list[Value]] = {}
    current_rows = Value.objects.current().select_related("indicator", "source")
    for value in current_rows.order_by("code"):
        values.setdefault(value.indicator_id, []).append(value)
    current = {v.pk for vs in values.values() for v in vs}
    return [_indicator(row, values.get(row.pk, []), current) for row in rows]


@router.get(
    "/indicators/{code}",
    response={200: IndicatorOut, 404: ErrorOut},
    summary="One indicator with every revision of its values",
)
def indicator(request: HttpRequest, code: str) -> dict[str, Any]:
    row = Indicator.objects.select_related("of", "whole").filter(code=code).first()
    if row is None:
        raise NotFoundError(f"There is no indicator '{code}'", field="code", value=code)
    history = list(
        Value.objects.filter(indicator=row)
        .select_related("indicator", "source")
        .order_by("code", "revision")
    )
    current = set(Value.objects.filter(indicator=row).current().values_list("pk", flat=True))
    return _indicator(row, history, current)


@router.get("/findings", response=FindingsOut, summary="Consistency findings")
def findings(request: HttpRequest) -> dict[str, Any]:
    """What ``district indicators check --json`` prints, over the stored figures."""
    return findings_as_json(services.findings())


@router.get("/targets", summary="Targets with their trajectories")
def targets(request: HttpRequest) -> dict[str, Any]:
    return {"targets": [a.as_dict() for a in services.assessments()]}


@router.get("/live", response=list[LiveOut], summary="Live figures from the platform")
def live_figures(request: HttpRequest) -> list[dict[str, Any]]:
    """The latest live figures, and the providers still waiting for their app's function."""
    latest: dict[str, list[LiveFigure]] = {}
    for figure in LiveFigure.objects.latest_each().select_related("indicator"):
        latest.setdefault(figure.indicator.code, []).append(figure)
    out: list[dict[str, Any]] = []
    for provider in live.providers():
        figures = latest.get(provider.indicator, [])
        if not figures:
            out.append(
                {"indicator": provider.indicator, "function": provider.dotted, "status": "waiting"}
            )
        for figure in figures:
            out.append(
                {
                    "indicator": provider.indicator,
                    "function": figure.provider,
                    "status": "ok",
                    "breakdown": figure.breakdown or None,
                    "value": figure.value,
                    "unit": figure.unit,
                    "computed_at": figure.computed_at.isoformat(),
                    "first_computed_at": figure.first_computed_at.isoformat(),
                }
            )
    return out


def _milestone(row: Milestone) -> dict[str, Any]:
    return {
        "position": row.position,
        "title_en": row.title_en,
        "title_zh": row.title_zh,
        "status": row.status,
        "due": row.due or None,
        "reached_on": row.reached_on.isoformat() if row.reached_on else None,
    }


@router.get("/projects", response=list[ProjectOut], summary="Projects and milestones")
def projects(request: HttpRequest) -> list[dict[str, Any]]:
    rows = Project.objects.prefetch_related("indicators", "milestones")
    return [
        {
            "id": p.code,
            "kind": p.kind,
            "category": p.category,
            "name_en": p.name_en,
            "name_zh": p.name_zh,
            "status": p.status,
            "example": p.is_example,
            "lon": p.lon,
            "lat": p.lat,
            "cell": p.cell_code or None,
            "subdistrict": p.subdistrict_code or None,
            "indicators": [i.code for i in p.indicators.all()],
            "sentence": p.sentence,
            "milestones": [_milestone(m) for m in p.milestones.all()],
        }
        for p in rows
    ]


@router.post(
    "/values",
    auth=session_or_key,
    response={201: ValueOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Record a figure or its next revision",
)
def record_value(request: HttpRequest, payload: ValueIn) -> HttpResponse:
    auth = getattr(request, "auth", None)
    user = getattr(auth, "user", None) or request.user
    if not user.has_perm("indicators.add_value"):
        raise PermissionDeniedError(
            "Recording figures needs the permission indicators.add_value (planners have it)."
        )
    row = services.record_value(user=user, **payload.dict())
    row = Value.objects.select_related("indicator", "source").get(pk=row.pk)
    body = ValueOut(**_value(row, {row.pk})).model_dump()
    return JsonResponse(body, status=201, json_dumps_params={"ensure_ascii": False})
