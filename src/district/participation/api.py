"""The participation app's JSON API under ``/api/participation/``.

Reads are public (the same data as the public pages, without personal data). Writes need a
logged-in session (with its CSRF token) or an ``X-API-Key`` whose key belongs to a user;
the user is who submits, votes or writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from district.accounts.auth import session_or_key
from district.accounts.models import ApiKey
from district.core.errors import ConflictError, PermissionDeniedError
from district.participation import services
from district.participation.models import Consultation, Statement, Suggestion
from district.participation.schemas import (
    ChannelOut,
    ConsultationOut,
    ErrorOut,
    NextOut,
    OpinionMapOut,
    StatementCreatedOut,
    StatementIn,
    SuggestionIn,
    SuggestionOut,
    SummaryOut,
    VoteIn,
    VoteOut,
)

router = Router(tags=["participation"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _user(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        if auth.user is None:
            raise PermissionDeniedError(
                "This API key belongs to no user, so it cannot submit, vote or write.",
                fix="Use a key created for a user: district accounts create-api-key NAME --user U.",
            )
        return auth.user
    return request.user


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _suggestion(item: Suggestion) -> dict[str, Any]:
    return {
        "number": item.number,
        "url": reverse("participation:suggestion", args=[item.number]),
        "channel": item.channel.code,
        "title": item.title,
        "body": item.body,
        "author": item.public_author,
        "status": item.status,
        "received_at": item.submitted_at.isoformat(),
        "due_at": _iso(item.due_at),
        "deadline_provisional": item.deadline_provisional,
        "department": item.department.code if item.department else None,
        "cell_code": item.cell_code,
        "answered_at": _iso(item.answered_at),
        "answered_on_time": item.answered_on_time,
        "outcome": item.outcome,
        "reply": item.reply,
        "outcome_reason": item.outcome_reason,
        "action_taken": item.action_taken,
        "referred_to": item.referred_to,
        "case_ref": item.case_ref,
        "is_demo": item.is_demo,
    }


@router.get("/summary", response={200: SummaryOut, 400: ErrorOut}, summary="Suggestion figures")
def summary(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Received, answered, answered on time and outcomes for suggestions received in
    ``[start, end)`` (local dates), for one channel or all."""
    return services.suggestion_summary(start=start, end=end, channel=channel).as_dict()


@router.get("/channels", response=list[ChannelOut], summary="The 1+10 matrix of channels")
def channels(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": f.channel.code,
            "kind": f.channel.kind,
            "name": f.channel.name,
            "name_en": f.channel.name_en,
            "subdistrict_code": f.channel.subdistrict_code,
            "national_model": f.channel.national_model,
            "reply_working_days": f.channel.reply_working_days,
            "figures": f.summary.as_dict(),
        }
        for f in services.channel_dashboards()
    ]


@router.post(
    "/suggestions",
    auth=session_or_key,
    response={201: SuggestionOut, **ERRORS},
    summary="Submit a suggestion",
)
def submit(request: HttpRequest, payload: SuggestionIn) -> Status[dict[str, Any]]:
    item = services.submit_suggestion(
        channel=payload.channel,
        title=payload.title,
        body=payload.body,
        author=_user(request),
        anonymous=payload.anonymous,
        contact=payload.contact,
        lon=payload.lon,
        lat=payload.lat,
    )
    return Status(201, _suggestion(item))


@router.get(
    "/suggestions/{number}", response={200: SuggestionOut, 404: ErrorOut}, summary="A suggestion"
)
def suggestion(request: HttpRequest, number: str) -> dict[str, Any]:
    """The public record of a suggestion: its reply, outcome and deadline."""
    return _suggestion(services.get_suggestion(number))


def _consultation(item: Consultation) -> dict[str, Any]:
    shown = item.statements.filter(status=Statement.Status.ACCEPTED).order_by("number")
    return {
        "id": item.pk,
        "url": reverse("participation:consultation", args=[item.pk]),
        "title": item.title,
        "question": item.question,
        "status": item.status,
        "scope": item.scope,
        "subdistrict_code": item.subdistrict_code,
        "cell_codes": list(item.cell_codes),
        "origin": item.origin,
        "channel": item.channel.code if item.channel else None,
        "attribution": item.attribution,
        "is_demo": item.is_demo,
        "statements": [{"id": s.number, "text": s.text, "by_staff": s.by_staff} for s in shown],
    }


def _visible(consultation_id: int) -> Consultation:
    item = services.get_consultation(consultation_id, include_drafts=False)
    return item


@router.get("/consultations", response=list[ConsultationOut], summary="Consultations")
def consultations(request: HttpRequest) -> list[dict[str, Any]]:
    return [_consultation(c) for c in Consultation.objects.visible().select_related("channel")]


@router.get(
    "/consultations/{consultation_id}",
    response={200: ConsultationOut, 404: ErrorOut},
    summary="A consultation and its shown statements",
)
def consultation(request: HttpRequest, consultation_id: int) -> dict[str, Any]:
    return _consultation(_visible(consultation_id))


@router.get(
    "/consultations/{consultation_id}/next",
    auth=session_or_key,
    response={200: NextOut, **ERRORS},
    summary="The next statement for the caller to vote on",
)
def next_statement(request: HttpRequest, consultation_id: int) -> dict[str, Any]:
    item = _visible(consultation_id)
    participant = services.participant_for(item, _user(request), create=False)
    statement = services.next_statement(item, participant)
    return {
        "participant": participant.number if participant else None,
        "statement": (
            {"id": statement.number, "text": statement.text, "by_staff": statement.by_staff}
            if statement
            else None
        ),
        "left": services.shown_statements_left(item, participant),
    }


@router.post(
    "/consultations/{consultation_id}/votes",
    auth=session_or_key,
    response={200: VoteOut, **ERRORS},
    summary="Vote on a statement (the last vote counts)",
)
def vote(request: HttpRequest, consultation_id: int, payload: VoteIn) -> dict[str, Any]:
    record = services.cast_vote(
        consultation_id=_visible(consultation_id).pk,
        statement=payload.statement,
        vote=payload.vote,
        by=_user(request),
        participant=payload.participant,
    )
    return {
        "ok": True,
        "participant": record.participant.number,
        "statement": record.statement.number,
        "vote": record.value,
        "replaced": record.replaced,
    }


@router.post(
    "/consultations/{consultation_id}/statements",
    auth=session_or_key,
    response={201: StatementCreatedOut, **ERRORS},
    summary="Write a statement (shown after moderation)",
)
def write_statement(
    request: HttpRequest, consultation_id: int, payload: StatementIn
) -> Status[dict[str, Any]]:
    statement = services.add_statement(
        consultation_id=_visible(consultation_id).pk, by=_user(request), text=payload.text
    )
    return Status(201, {"id": statement.number, "status": statement.status})


@router.get(
    "/consultations/{consultation_id}/opinion-map",
    response={200: OpinionMapOut, 404: ErrorOut, 409: ErrorOut},
    summary="The opinion map",
)
def opinion_map(request: HttpRequest, consultation_id: int) -> dict[str, Any]:
    """Groups, consensus and representative statements (ids are Polis ids), with the
    statistics, positions and parameters in ``details``."""
    item = _visible(consultation_id)
    result = services.current_opinion_map(item)
    if result is None:
        raise ConflictError("The opinion map is being computed.", fix="Try again in a minute.")
    payload = dict(result.payload)
    return {
        "consultation": item.pk,
        "computed_at": result.computed_at.isoformat(),
        "status": result.status,
        "reason": payload.get("reason"),
        "k": result.k,
        "groups": payload.get("groups", {}),
        "consensus": payload.get("consensus", {"agree": [], "disagree": []}),
        "repness": payload.get("repness", {}),
        "n_participants": result.n_participants,
        "n_votes": result.n_votes,
        "parameters": payload.get("parameters", {}),
        "details": {
            key: payload[key]
            for key in (
                "silhouette_by_k",
                "group_sizes",
                "consensus_stats",
                "repness_stats",
                "statements",
                "points",
            )
            if key in payload
        },
    }
