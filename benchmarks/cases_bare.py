"""The benchmark's URLconf: the platform's own URLs plus bare baseline views.

Each bare view does the least Django can do for the same job, through the same HTTP stack
and middleware, so that ``benchmarks/cases.py`` can divide our time by theirs:

* ``bench/insert``: read the same form-encoded body and do one ORM INSERT of a case row;
* ``bench/select/<number>``: one SELECT of a case by its number, as JSON;
* ``bench/kpi-sql``: the KPI page's SQL aggregates (per department, per subdistrict, overdue
  now), run as raw SQL, the rows returned as JSON;
* ``bench/hotspot-sql``: the hotspot page's GROUP BY cell × category × week, raw SQL.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from district.cases.models import Case

CATEGORY: dict[str, int] = {}


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    data = request.POST
    now = timezone.now()
    case = Case.objects.create(
        number=f"BARE-{secrets.token_hex(6)}",
        token=secrets.token_hex(16),
        category_id=CATEGORY["pk"],
        channel="open311",
        title=data.get("description", "")[:30],
        description=data.get("description", ""),
        lon=float(data["long"]),
        lat=float(data["lat"]),
        received_at=now,
        received_week=now.date(),
        updated_at=now,
        is_synthetic=True,
    )
    return JsonResponse([{"service_request_id": case.number}], safe=False, status=201)


def bare_select(request: HttpRequest, number: str) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, status, description, received_at, lon, lat FROM cases_case "
            "WHERE number = %s",
            [number],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse([], safe=False, status=404)
    keys = ("service_request_id", "status", "description", "requested_datetime", "long", "lat")
    return HttpResponse(json.dumps([dict(zip(keys, row, strict=True))], default=str))


def kpi_sql(start: date, end: date) -> list[tuple[str, list[Any]]]:
    """The KPI page's aggregates as (SQL, params), taken from the ORM the page runs."""
    from django.db.models import Count, Q

    from district.cases.models import OPEN_STATUSES, DueState
    from district.cases.services.analytics import kpi_queryset_filters

    received, closed, rated = kpi_queryset_filters(start, end)
    statements = []
    for group in ("department_id", "subdistrict_code"):
        from django.db.models import Sum

        queryset = (
            Case.objects.filter(received | closed | rated)
            .values(group)
            .annotate(
                received=Count("pk", filter=received),
                repeats=Count("pk", filter=received & Q(is_repeat=True)),
                synthetic=Count("pk", filter=received & Q(is_synthetic=True)),
                closed=Count("pk", filter=closed),
                closed_on_time=Count("pk", filter=closed & Q(on_time=True)),
                handling_hours_sum=Sum("handling_working_hours", filter=closed),
                handling_hours_n=Count("handling_working_hours", filter=closed),
                rated=Count("pk", filter=rated),
                satisfied=Count("pk", filter=rated & Q(rating__in=["satisfied", "basic"])),
            )
            .order_by(group)
        )
        sql, params = queryset.query.sql_with_params()
        statements.append((sql, list(params)))
    overdue = (
        Case.objects.filter(status__in=OPEN_STATUSES, due_state=DueState.OVERDUE)
        .values_list("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    sql, params = overdue.query.sql_with_params()
    statements.append((sql, list(params)))
    return statements


def bare_kpi(request: HttpRequest) -> HttpResponse:
    end = timezone.localdate()
    start = end - timedelta(days=89)
    result = []
    with connection.cursor() as cursor:
        for sql, params in kpi_sql(start, end):
            cursor.execute(sql, params)
            result.append(cursor.fetchall())
    return HttpResponse(json.dumps(result, default=str), content_type="application/json")


def bare_hotspot(request: HttpRequest) -> HttpResponse:
    week = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    first = week - timedelta(weeks=8)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cell_code, category_id, received_week, COUNT(*) FROM cases_case "
            "WHERE received_week >= %s AND received_week <= %s AND cell_code <> '' "
            "AND status <> 'rejected' GROUP BY cell_code, category_id, received_week",
            [first, week],
        )
        rows = cursor.fetchall()
    return HttpResponse(json.dumps(rows, default=str), content_type="application/json")


urlpatterns = [
    path("bench/insert", bare_insert),
    path("bench/select/<str:number>", bare_select),
    path("bench/kpi-sql", bare_kpi),
    path("bench/hotspot-sql", bare_hotspot),
    path("", include("district.urls")),
]
