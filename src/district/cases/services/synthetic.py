"""Synthetic cases for scale tests, benchmarks and the demo's KPI and hotspot pages.

Every row is flagged ``is_synthetic`` (shown as synthetic wherever it appears) and numbered
``SYN-…``; Open311 lists leave them out. They are generated from a seed, so the same seed
and count give the same cases. The generator writes the figures KPIs read directly
(``on_time``, ``handling_working_hours``, ``rating``, ``is_repeat``) instead of replaying
the workflow; wall-clock times are derived from working hours at 7 working hours per 24
hours, an approximation that is good enough for load and display and is why these cases
are never mixed into real figures without the label.

Regenerating replaces the earlier synthetic cases.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from district.cases.models import (
    Case,
    CaseEvent,
    Channel,
    DueState,
    ExtensionRequest,
    Notification,
    Photo,
    Rating,
    Stage,
    Status,
)
from district.cases.services.catalogue import catalogue, route, stage_limit
from district.cases.services.intake import week_start
from district.core.errors import ConfigurationError, InputError
from district.geo import services as geo

BATCH = 5000
WALL_PER_WORKING_HOUR = 24.0 / 7.0


@dataclass(frozen=True)
class SyntheticReport:
    deleted: int
    created: int
    first: datetime | None
    last: datetime | None
    hotspots: list[tuple[str, str]]


def delete_synthetic() -> int:
    """Remove every synthetic case (and anything recorded on them)."""
    ids = Case.objects.filter(is_synthetic=True).values("pk")
    with transaction.atomic():
        CaseEvent.objects.filter(case__in=ids).delete()
        Photo.objects.filter(case__in=ids).delete()
        Notification.objects.filter(case__in=ids).delete()
        ExtensionRequest.objects.filter(case__in=ids).delete()
        Case.objects.filter(merged_into__in=ids).update(merged_into=None)
        Case.objects.filter(split_from__in=ids).update(split_from=None)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Case._meta.db_table} WHERE is_synthetic = %s",
                [True],
            )
            return int(cursor.rowcount or 0)


def _cells() -> list[tuple[str, float, float]]:
    cells = []
    for feature in geo.grid_geojson()["features"]:
        ring = feature["geometry"]["coordinates"]
        while isinstance(ring[0][0], list):
            ring = ring[0]
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        cells.append((feature["properties"]["code"], sum(xs) / len(xs), sum(ys) / len(ys)))
    if not cells:
        raise ConfigurationError(
            "No grid cells are loaded.", fix="Run `district demo` (or build the grid) first."
        )
    return cells


def _write(rows: list[Case]) -> None:
    """Insert the rows: PostgreSQL's COPY when available (about five times faster at a
    million rows), ``bulk_create`` otherwise."""
    if connection.vendor != "postgresql":
        Case.objects.bulk_create(rows, batch_size=BATCH)
        return
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {Case._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = getattr(row, f.attname)
                    if f.get_internal_type() == "JSONField":
                        value = json.dumps(value, ensure_ascii=False)
                    values.append(value)
                copy.write_row(values)


def generate_synthetic_cases(
    *,
    count: int,
    seed: int = 0,
    weeks: int = 104,
    end: datetime | None = None,
    hotspot_pairs: int = 3,
    progress: Callable[[int], None] | None = None,
) -> SyntheticReport:
    """Generate ``count`` synthetic cases over the ``weeks`` before ``end`` (default now),
    plus a burst in ``hotspot_pairs`` cell × category pairs in the last week."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0 or count > 20_000_000:
        raise InputError(
            f"count {count!r} is not a number of cases between 0 and 20,000,000.",
            field="cases",
            value=count,
        )
    end = end or timezone.now()
    deleted = delete_synthetic()
    rng = np.random.default_rng(seed)
    cells = _cells()
    services = [s for s in catalogue().services() if not s.requires_booking]
    if not services:
        raise ConfigurationError(
            "The catalogue is empty.",
            fix="Run `district demo` or `district cases import-catalogue`.",
        )
    cell_weight = rng.gamma(0.6, 1.0, size=len(cells))
    cell_weight /= cell_weight.sum()
    service_weight = rng.gamma(1.2, 1.0, size=len(services))
    service_weight /= service_weight.sum()
    span_s = weeks * 7 * 24 * 3600
    start = end - timedelta(seconds=span_s)
    routes: dict[tuple[int, str], int | None] = {}
    burst: list[tuple[int, int]] = []
    for _ in range(hotspot_pairs):
        burst.append((int(rng.integers(len(cells))), int(rng.integers(len(services)))))
    burst_rows = [(c, s) for c, s in burst for _ in range(int(rng.integers(6, 11)))]
    total = count + (len(burst_rows) if count else 0)
    created = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    index = 0
    while index < total:
        n = min(BATCH, total - index)
        cell_idx = rng.choice(len(cells), size=n, p=cell_weight)
        service_idx = rng.choice(len(services), size=n, p=service_weight)
        offsets = rng.random(n) * span_s
        for j in range(n):
            k = index + j
            if k >= count:
                c, s = burst_rows[k - count]
                cell_idx[j], service_idx[j] = c, s
                offsets[j] = span_s - rng.random() * 5 * 24 * 3600
        rows = []
        uniform = rng.random((n, 6))
        for j in range(n):
            k = index + j
            code, lon, lat = cells[int(cell_idx[j])]
            info = services[int(service_idx[j])]
            received = start + timedelta(seconds=float(offsets[j]))
            key = (info.pk, code)
            if key not in routes:
                routes[key] = route(info, cell_code=code, subdistrict_code="")
            department = routes[key]
            limit = stage_limit(info, Stage.HANDLE)
            age_h = (end - received).total_seconds() / 3600.0
            u = uniform[j]
            status = Status.CLOSED
            if u[0] < 0.02:
                status = Status.REJECTED
            elif age_h < 5 * 24 and u[0] < 0.6:
                status = [Status.RECEIVED, Status.REGISTERED, Status.DISPATCHED, Status.HANDLED][
                    int(u[1] * 4)
                ]
            dispatched = received + timedelta(hours=0.5 + 3 * float(u[2]))
            handling_h = round(float(limit * math.exp(rng.normal(-0.5, 0.6))), 2)
            handled = dispatched + timedelta(hours=handling_h * WALL_PER_WORKING_HOUR)
            due = dispatched + timedelta(hours=limit * WALL_PER_WORKING_HOUR)
            closed = handled + timedelta(hours=1 + 6 * float(u[3]))
            if status == Status.CLOSED and closed > end:
                status = Status.HANDLED
            rating = ""
            rated = None
            if status == Status.CLOSED and u[4] < 0.7:
                rating = (
                    Rating.SATISFIED
                    if u[5] < 0.75
                    else Rating.BASIC
                    if u[5] < 0.9
                    else Rating.DISSATISFIED
                )
                rated = min(end, closed + timedelta(hours=2 + 20 * float(u[2])))
            in_work = status in (Status.DISPATCHED, Status.HANDLED, Status.CLOSED)
            rows.append(
                Case(
                    number=f"SYN-{k:08d}",
                    token=f"syn{seed:04d}{k:025d}",
                    category_id=info.pk,
                    channel=Channel.HOTLINE if u[3] < 0.6 else Channel.WEB,
                    status=status,
                    title=f"{info.name}（合成数据）",
                    description=f"合成数据 synthetic case {k}: {info.name}",
                    lon=lon,
                    lat=lat,
                    cell_code=code,
                    department_id=department if in_work else None,
                    routed_department_id=department,
                    received_at=received,
                    received_week=week_start(received),
                    registered_at=received + timedelta(minutes=20)
                    if status != Status.RECEIVED
                    else None,
                    dispatched_at=dispatched if in_work else None,
                    handled_at=handled if status in (Status.HANDLED, Status.CLOSED) else None,
                    closed_at=closed if status == Status.CLOSED else None,
                    updated_at=min(end, closed),
                    due_at=due,
                    stage=Stage.VERIFY if status == Status.HANDLED else "",
                    due_state=DueState.OVERDUE
                    if status in (Status.DISPATCHED, Status.HANDLED) and due < end
                    else DueState.OK,
                    on_time=(handling_h <= limit) if status == Status.CLOSED else None,
                    handling_working_hours=handling_h if status == Status.CLOSED else None,
                    total_working_hours=round(handling_h + 1.5, 2)
                    if status == Status.CLOSED
                    else None,
                    is_repeat=bool(u[1] < 0.08),
                    rating=rating,
                    rated_at=rated,
                    outcome="已处置（合成数据）" if status == Status.CLOSED else "",
                    is_synthetic=True,
                )
            )
            first_seen = received if first_seen is None or received < first_seen else first_seen
            last_seen = received if last_seen is None or received > last_seen else last_seen
        with transaction.atomic():
            _write(rows)
        created += n
        index += n
        if progress:
            progress(created)
    return SyntheticReport(
        deleted=deleted,
        created=created,
        first=first_seen,
        last=last_seen,
        hotspots=[(cells[c][0], services[s].code) for c, s in burst] if count else [],
    )
