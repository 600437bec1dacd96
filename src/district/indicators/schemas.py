"""JSON shapes of the scorecard API, for validation and the OpenAPI documentation."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    ok: bool
    error: str
    errors: dict[str, list[str]]
    status: int


class ValueOut(Schema):
    id: str
    revision: int
    indicator: str
    value: str
    unit: str
    qualifier: str
    period_start: str | None
    period_end: str
    statement: str
    value_in_indicator_unit: float
    low: float | None
    high: float | None
    source: str
    sentence: str
    note: str
    recorded_on: str
    current: bool


class IndicatorOut(Schema):
    code: str
    area: str
    name_en: str
    name_zh: str
    unit: str
    direction: str
    measure: str
    of: str | None
    whole: str | None
    formula: str
    values: list[ValueOut]


class ClaimOut(Schema):
    id: str
    statement: str
    sentence: str
    source: str


class FindingOut(Schema):
    check: str
    title: str
    claims: list[dict[str, Any]]
    consistent: bool
    explanation: str
    derived: list[dict[str, Any]]


class FindingsOut(Schema):
    findings: list[FindingOut]


class LiveOut(Schema):
    indicator: str
    function: str
    status: str
    breakdown: str | None = None
    value: float | None = None
    unit: str | None = None
    computed_at: str | None = None
    first_computed_at: str | None = None


class MilestoneOut(Schema):
    position: int
    title_en: str
    title_zh: str
    status: str
    due: str | None
    reached_on: str | None


class ProjectOut(Schema):
    id: str
    kind: str
    category: str
    name_en: str
    name_zh: str
    status: str
    example: bool
    lon: float | None
    lat: float | None
    cell: str | None
    subdistrict: str | None
    indicators: list[str]
    sentence: str
    milestones: list[MilestoneOut]


class ValueIn(Schema):
    code: str
    indicator: str | None = None
    value: str
    unit: str
    qualifier: str = "exact"
    period_start: str = ""
    period_end: str
    price_basis: str = ""
    source: str
    sentence: str
    note: str = ""
