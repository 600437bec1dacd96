"""JSON shapes of the participation API (validation and the OpenAPI documentation)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    ok: bool = False
    error: str
    errors: dict[str, list[str]]
    status: int


class SummaryOut(Schema):
    """Suggestion figures; ``on_time_rate`` = answered on time ÷ (answered + open overdue)."""

    start: str | None
    end: str | None
    channel: str | None
    received: int
    answered: int
    answered_on_time: int
    open_overdue: int
    open_not_due: int
    adopted: int
    partly_adopted: int
    not_adopted: int
    referred: int
    on_time_rate: float | None
    computed_at: str


class ChannelOut(Schema):
    code: str
    kind: str
    name: str
    name_en: str
    subdistrict_code: str
    national_model: bool
    reply_working_days: int
    figures: SummaryOut


class SuggestionIn(Schema):
    channel: str = Field(..., examples=["platform"])
    title: str = Field(..., max_length=120)
    body: str = Field(..., max_length=5000)
    anonymous: bool = True
    contact: str = Field("", max_length=60, description="Shown to staff only.")
    lon: float | None = None
    lat: float | None = None


class SuggestionOut(Schema):
    """A suggestion as the public sees it: no contact, no exact point."""

    number: str
    url: str
    channel: str
    title: str
    body: str
    author: str
    status: str
    received_at: str
    due_at: str | None
    deadline_provisional: bool
    department: str | None
    cell_code: str
    answered_at: str | None
    answered_on_time: bool | None
    outcome: str
    reply: str
    outcome_reason: str
    action_taken: str
    referred_to: str
    case_ref: str
    is_demo: bool


class StatementOut(Schema):
    id: int = Field(..., description="The Polis comment id.")
    text: str
    by_staff: bool


class ConsultationOut(Schema):
    id: int
    url: str
    title: str
    question: str
    status: str
    scope: str
    subdistrict_code: str
    cell_codes: list[str]
    origin: str
    channel: str | None
    attribution: str
    is_demo: bool
    statements: list[StatementOut]


class NextOut(Schema):
    participant: int | None
    statement: StatementOut | None
    left: int


class VoteIn(Schema):
    statement: int = Field(..., description="The statement (Polis comment) id.")
    vote: int | str = Field(..., description="1 / agree, -1 / disagree, 0 / pass.")
    participant: int | None = Field(
        None, description="Optional: the caller's own participant id; any other is refused."
    )


class VoteOut(Schema):
    ok: bool = True
    participant: int
    statement: int
    vote: int
    replaced: int = Field(..., description="Earlier votes on this statement the last one replaced.")


class StatementIn(Schema):
    text: str = Field(..., max_length=280)


class StatementCreatedOut(Schema):
    id: int
    status: str


class OpinionMapOut(Schema):
    """The ``district participation cluster`` report, plus statistics and positions."""

    consultation: int
    computed_at: str
    status: str
    reason: str | None
    k: int
    groups: dict[str, int]
    consensus: dict[str, list[int]]
    repness: dict[str, list[int]]
    n_participants: int
    n_votes: int
    parameters: dict[str, Any]
    details: dict[str, Any]
