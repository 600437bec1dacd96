"""Consultations (协商): a question, statements, votes one statement at a time.

Staff open a consultation scoped to the district, a subdistrict or grid cells (or ``cases``
opens one for a hotspot with :func:`open_consultation_for_hotspot`). Statements written by
staff are shown at once; those written by participants wait for moderation. Participants
vote agree (1), disagree (−1) or pass (0) on shown statements; a later vote on the same
statement replaces the earlier one. Every vote bumps the consultation's ``votes_version``,
which tells the stored opinion map (:mod:`.opinion`) that it is out of date.

Bad input is refused with a message that names it: a vote on a statement that is not shown
(awaiting moderation, moderated out, or in another consultation), a vote in a closed
consultation, a vote cast for another participant, a vote value other than 1, −1 or 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from district.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from district.geo import services as geo
from district.participation.models import (
    Channel,
    Consultation,
    Notice,
    OpinionMapResult,
    Participant,
    Statement,
    Vote,
)
from district.participation.services.common import (
    clean_text,
    notify,
    require_channel_staff,
)

MANAGE = "participation.manage_consultation"
STATEMENT_MAX_CHARS = 280
HOTSPOT_PREFIX = "hotspot:"


def get_consultation(consultation_id: int, *, include_drafts: bool = True) -> Consultation:
    queryset = Consultation.objects.select_related("channel")
    if not include_drafts:
        queryset = queryset.visible()
    consultation = queryset.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFoundError(
            f"No consultation has id {consultation_id}.",
            field="consultation",
            value=consultation_id,
        )
    return consultation


def _locked(consultation_id: int) -> Consultation:
    get_consultation(consultation_id)
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("channel")
        .get(pk=consultation_id)
    )


def _scope(scope: str, subdistrict_code: str, cell_codes: Sequence[str]) -> tuple[str, list[str]]:
    """Check the scope; returns the subdistrict code and the cell codes to store."""
    if scope == Consultation.Scope.DISTRICT:
        return "", []
    if scope == Consultation.Scope.SUBDISTRICT:
        codes = {s.code: s for s in geo.list_subdistricts()}
        if subdistrict_code not in codes:
            raise InputError(
                f"{subdistrict_code!r} is not a subdistrict of the district.",
                field="subdistrict_code",
                value=subdistrict_code,
                fix=f"Choose one of: {', '.join(sorted(codes))}.",
            )
        return subdistrict_code, []
    if scope == Consultation.Scope.CELLS:
        cleaned = sorted({c.strip() for c in cell_codes if c.strip()})
        if not cleaned:
            raise InputError(
                "A consultation scoped to grid cells needs at least one cell.",
                field="cell_codes",
                fix="Give the 20-digit codes of the cells.",
            )
        subdistricts = set()
        for code in cleaned:
            cell = geo.get_cell(code)
            subdistricts.add(cell.subdistrict.code if cell.subdistrict else "")
        only = subdistricts.pop() if len(subdistricts) == 1 else ""
        return only, cleaned
    raise InputError(
        f"Scope {scope!r} is not one of {', '.join(Consultation.Scope.values)}.",
        field="scope",
        value=scope,
    )


def _next_number(consultation: Consultation, model: type[Participant] | type[Statement]) -> int:
    current = model.objects.filter(consultation=consultation).aggregate(top=Max("number"))["top"]
    return 0 if current is None else int(current) + 1


def create_consultation_record(
    *,
    title: str,
    question: str,
    description: str = "",
    channel: Channel | None = None,
    scope: str = Consultation.Scope.DISTRICT,
    subdistrict_code: str = "",
    cell_codes: Sequence[str] = (),
    status: str = Consultation.Status.OPEN,
    origin: str = Consultation.Origin.STAFF,
    origin_ref: str = "",
    participant_statements: bool = True,
    seed: int = 0,
    min_votes: int = 7,
    created_by: Any = None,
    attribution: str = "",
    source_url: str = "",
    at: datetime | None = None,
    is_demo: bool = False,
) -> Consultation:
    """Validate and create a consultation (no permission check: callers do that)."""
    title = clean_text(title, field="title", label="Title", max_length=200)
    question = clean_text(question, field="question", label="Question", max_length=2000)
    description = clean_text(
        description, field="description", label="Background", max_length=10000, required=False
    )
    if min_votes < 1:
        raise InputError(
            f"min_votes must be at least 1, got {min_votes}.",
            field="min_votes",
            value=min_votes,
            fix="Polis uses 7.",
        )
    if status not in Consultation.Status.values:
        raise InputError(f"Status {status!r} is unknown.", field="status", value=status)
    subdistrict_code, cells = _scope(scope, subdistrict_code, cell_codes)
    when = at or timezone.now()
    return Consultation.objects.create(
        title=title,
        question=question,
        description=description,
        channel=channel,
        scope=scope,
        subdistrict_code=subdistrict_code,
        cell_codes=cells,
        status=status,
        origin=origin,
        origin_ref=origin_ref,
        participant_statements=participant_statements,
        seed=seed,
        min_votes=min_votes,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        created_at=when,
        opened_at=when if status == Consultation.Status.OPEN else None,
        attribution=attribution,
        source_url=source_url,
        is_demo=is_demo,
    )


@transaction.atomic
def create_consultation(
    *,
    by: Any,
    title: str,
    question: str,
    description: str = "",
    channel: str | None = None,
    scope: str = Consultation.Scope.DISTRICT,
    subdistrict_code: str = "",
    cell_codes: Sequence[str] = (),
    statements: Sequence[str] = (),
    open_now: bool = True,
    participant_statements: bool = True,
    seed: int = 0,
    min_votes: int = 7,
    at: datetime | None = None,
    is_demo: bool = False,
) -> Consultation:
    """Staff open a consultation, optionally with their first statements."""
    target = Channel.objects.filter(code=channel).first() if channel else None
    if channel and target is None:
        raise InputError(f"There is no channel {channel!r}.", field="channel", value=channel)
    require_channel_staff(by, target, MANAGE, "open consultations")
    consultation = create_consultation_record(
        title=title,
        question=question,
        description=description,
        channel=target,
        scope=scope,
        subdistrict_code=subdistrict_code,
        cell_codes=cell_codes,
        status=Consultation.Status.OPEN if open_now else Consultation.Status.DRAFT,
        participant_statements=participant_statements,
        seed=seed,
        min_votes=min_votes,
        created_by=by,
        at=at,
        is_demo=is_demo,
    )
    for text in statements:
        if text.strip():
            _add_statement(consultation, text, user=by, staff=True, at=at)
    return consultation


@transaction.atomic
def set_consultation_status(
    *, consultation_id: int, by: Any, status: str, at: datetime | None = None
) -> Consultation:
    """Open a draft, close an open consultation (closing stores a cold, final map)."""
    consultation = _locked(consultation_id)
    require_channel_staff(by, consultation.channel, MANAGE, "open or close this consultation")
    allowed = {
        Consultation.Status.DRAFT: {Consultation.Status.OPEN},
        Consultation.Status.OPEN: {Consultation.Status.CLOSED},
        Consultation.Status.CLOSED: {Consultation.Status.OPEN},
    }
    if status not in allowed.get(consultation.status, set()):  # type: ignore[call-overload]
        raise ConflictError(
            f"A consultation that is {consultation.get_status_display()} cannot become {status}.",
            field="status",
            value=status,
        )
    when = at or timezone.now()
    consultation.status = status
    if status == Consultation.Status.OPEN:
        consultation.opened_at = consultation.opened_at or when
        consultation.closed_at = None
    else:
        consultation.closed_at = when
    consultation.save(update_fields=["status", "opened_at", "closed_at"])
    if status == Consultation.Status.CLOSED:
        from district.participation.services.opinion import refresh_opinion_map

        refresh_opinion_map(consultation_id=consultation.pk, cold=True)
    return consultation


def participant_for(
    consultation: Consultation, user: Any, *, create: bool = True
) -> Participant | None:
    """The participant that ``user`` is in ``consultation`` (created on first use)."""
    if not getattr(user, "is_authenticated", False):
        return None
    participant = Participant.objects.filter(consultation=consultation, user=user).first()
    if participant is None and create:
        with transaction.atomic():
            # Numbers are handed out one at a time per consultation.
            Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
            participant = Participant.objects.create(
                consultation=consultation,
                number=_next_number(consultation, Participant),
                user=user,
                created_at=timezone.now(),
            )
    return participant


def _add_statement(
    consultation: Consultation,
    text: str,
    *,
    user: Any,
    staff: bool,
    at: datetime | None = None,
    is_meta: bool = False,
) -> Statement:
    text = clean_text(text, field="text", label="Statement", max_length=STATEMENT_MAX_CHARS)
    if consultation.statements.filter(text=text).exists():
        raise ConflictError(
            "This statement is already in the consultation.",
            field="text",
            value=text,
            fix="Vote on the existing statement instead, or say something new.",
        )
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    author = participant_for(consultation, user) if user is not None else None
    when = at or timezone.now()
    return Statement.objects.create(
        consultation=consultation,
        number=_next_number(consultation, Statement),
        text=text,
        author=author,
        by_staff=staff,
        is_meta=is_meta,
        status=Statement.Status.ACCEPTED if staff else Statement.Status.PENDING,
        created_at=when,
        moderated_at=when if staff else None,
        moderated_by=user if staff and getattr(user, "pk", None) else None,
    )


@transaction.atomic
def add_statement(
    *, consultation_id: int, by: Any, text: str, as_staff: bool = False, at: datetime | None = None
) -> Statement:
    """A statement from a participant (awaits moderation) or from staff (shown at once)."""
    consultation = get_consultation(consultation_id)
    if as_staff:
        require_channel_staff(by, consultation.channel, MANAGE, "add statements as staff")
    else:
        if not getattr(by, "is_authenticated", False):
            raise PermissionDeniedError(
                "Log in to write a statement.", fix="Log in, then write your statement."
            )
        if consultation.status != Consultation.Status.OPEN:
            raise ConflictError(
                "This consultation is not open.",
                field="status",
                value=consultation.status,
            )
        if not consultation.participant_statements:
            raise PermissionDeniedError(
                "In this consultation only staff write statements.",
                fix="Vote on the statements shown, or send a suggestion instead.",
            )
    return _add_statement(consultation, text, user=by, staff=as_staff, at=at)


@transaction.atomic
def moderate_statement(
    *, consultation_id: int, number: int, by: Any, accept: bool, at: datetime | None = None
) -> Statement:
    """Show a statement to voters, or moderate it out (its votes then leave the map)."""
    consultation = get_consultation(consultation_id)
    require_channel_staff(by, consultation.channel, MANAGE, "moderate statements")
    statement = _statement(consultation, number)
    statement.status = Statement.Status.ACCEPTED if accept else Statement.Status.REJECTED
    statement.moderated_at = at or timezone.now()
    statement.moderated_by = by
    statement.save(update_fields=["status", "moderated_at", "moderated_by"])
    Consultation.objects.filter(pk=consultation.pk).update(votes_version=F("votes_version") + 1)
    return statement


def _statement(consultation: Consultation, number: int) -> Statement:
    statement = Statement.objects.filter(consultation=consultation, number=number).first()
    if statement is None:
        raise NotFoundError(
            f"Statement {number} is not in consultation {consultation.pk}.",
            field="statement",
            value=number,
            fix="Vote on a statement of this consultation.",
        )
    return statement


def _vote_value(vote: Any) -> int:
    if isinstance(vote, str):
        named = {"agree": 1, "disagree": -1, "pass": 0}
        if vote.strip().lower() in named:
            return named[vote.strip().lower()]
    try:
        value = int(vote)
    except (TypeError, ValueError):
        value = None
    if value not in (-1, 0, 1) or isinstance(vote, bool | float):
        raise InputError(
            f"A vote must be 1 (agree), -1 (disagree) or 0 (pass); got {vote!r}.",
            field="vote",
            value=vote,
            fix="Send agree, disagree or pass.",
        )
    return int(vote)


@transaction.atomic
def cast_vote(
    *,
    consultation_id: int,
    statement: int,
    vote: Any,
    by: Any,
    participant: int | None = None,
    at: datetime | None = None,
) -> Vote:
    """Record ``by``'s vote on a shown statement; a later vote replaces an earlier one.

    ``participant`` (optional) is the participant id the client believes it votes as; it
    must be the caller's own.
    """
    value = _vote_value(vote)
    consultation = get_consultation(consultation_id)
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("Log in to vote.", fix="Log in, then vote.")
    if consultation.status != Consultation.Status.OPEN:
        raise ConflictError(
            f"Consultation {consultation.pk} is {consultation.get_status_display()}: it takes "
            "no votes.",
            field="status",
            value=consultation.status,
        )
    target = _statement(consultation, statement)
    if target.status != Statement.Status.ACCEPTED:
        raise InputError(
            f"Statement {statement} is not shown to voters ({target.get_status_display()}): "
            "votes are taken only on statements shown.",
            field="statement",
            value=statement,
            fix="Vote on the statement the page shows you.",
        )
    own = participant_for(consultation, by)
    if own is None:  # pragma: no cover - by is authenticated, so a participant exists
        raise PermissionDeniedError("Log in to vote.")
    if participant is not None and int(participant) != own.number:
        raise PermissionDeniedError(
            f"You are participant {own.number}; you may not vote as participant {participant}.",
            field="participant",
            value=participant,
            fix="Each person votes only for themselves.",
        )
    when = at or timezone.now()
    existing = Vote.objects.select_for_update().filter(participant=own, statement=target).first()
    if existing is None:
        record = Vote.objects.create(
            consultation=consultation,
            participant=own,
            statement=target,
            value=value,
            voted_at=when,
        )
    else:
        existing.value = value
        existing.voted_at = max(when, existing.voted_at)
        existing.replaced += 1
        existing.save(update_fields=["value", "voted_at", "replaced"])
        record = existing
    Consultation.objects.filter(pk=consultation.pk).update(votes_version=F("votes_version") + 1)
    return record


def next_statement(consultation: Consultation, participant: Participant | None) -> Statement | None:
    """The next shown statement this participant has not voted on, most useful first.

    Order: the routing priority of the last opinion map (Polis's ``priority``), then
    statement id. Everyone sees the same order, so the result is reproducible.
    """
    shown = consultation.statements.filter(status=Statement.Status.ACCEPTED)
    if participant is not None:
        shown = shown.exclude(votes__participant=participant)
    candidates = list(shown.order_by("number"))
    if not candidates:
        return None
    result = OpinionMapResult.objects.filter(consultation=consultation).first()
    priority: dict[str, float] = (result.payload.get("priority", {}) if result else {}) or {}
    return max(candidates, key=lambda s: (priority.get(str(s.number), float("inf")), -s.number))


def shown_statements_left(consultation: Consultation, participant: Participant | None) -> int:
    shown = consultation.statements.filter(status=Statement.Status.ACCEPTED)
    if participant is not None:
        shown = shown.exclude(votes__participant=participant)
    return shown.count()


@transaction.atomic
def open_consultation_for_hotspot(
    *,
    cell_code: str,
    category: str,
    title: str,
    question: str,
    source_ref: str,
    statements: Sequence[str] = (),
    description: str = "",
    opened_by: Any = None,
    at: datetime | None = None,
) -> Consultation:
    """For ``cases``: open a consultation with the residents of a hotspot's grid cell.

    Idempotent on ``source_ref`` (e.g. ``"hotspot:<cell>:<category>:<ISO week>"``): calling
    again returns the consultation already opened. The cell must exist; the consultation is
    open at once, scoped to that cell, with ``statements`` as staff statements.
    """
    ref = source_ref.strip()
    if not ref.startswith(HOTSPOT_PREFIX):
        ref = HOTSPOT_PREFIX + ref
    existing = Consultation.objects.filter(origin_ref=ref).first()
    if existing is not None:
        return existing
    category = clean_text(category, field="category", label="Category", max_length=100)
    consultation = create_consultation_record(
        title=title,
        question=question,
        description=description,
        scope=Consultation.Scope.CELLS,
        cell_codes=[cell_code],
        status=Consultation.Status.OPEN,
        origin=Consultation.Origin.HOTSPOT,
        origin_ref=ref,
        created_by=opened_by,
        at=at,
    )
    for text in statements:
        if text.strip():
            _add_statement(consultation, text, user=opened_by, staff=True, at=at)
    return consultation


@transaction.atomic
def publish_consultation_outcome(
    *, consultation_id: int, by: Any, outcome: str, at: datetime | None = None
) -> Consultation:
    """Say what was done with a consultation's result; every participant with an account is told."""
    consultation = _locked(consultation_id)
    require_channel_staff(by, consultation.channel, MANAGE, "publish the outcome")
    consultation.outcome = clean_text(outcome, field="outcome", label="Outcome", max_length=10000)
    consultation.outcome_at = at or timezone.now()
    consultation.save(update_fields=["outcome", "outcome_at"])
    url = reverse("participation:consultation", args=[consultation.pk])
    users = Participant.objects.filter(consultation=consultation, user__isnull=False)
    for participant in users.select_related("user"):
        notify(
            user=participant.user,
            kind=Notice.Kind.CONSULTATION_OUTCOME,
            subject=consultation.title,
            url=url,
            source_ref=f"participation:consultation:{consultation.pk}:outcome",
            at=consultation.outcome_at,
        )
    return consultation
