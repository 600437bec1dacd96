"""Suggestions (建议): receipt, routing, the department's published reply and its outcome.

The life of a suggestion::

    submitted ──route──▶ routed ──answer──▶ answered (adopted | partly adopted |
        │                  │                          not adopted + reason | referred)
        └──refer / file as a case──────────▶ answered (referred)

Every step is a :class:`~district.participation.models.SuggestionEvent`, shown as the
public timeline. The reply deadline is counted in working days from receipt
(:mod:`.calendar`), and the reply is on time when it is published by then.

A suggestion that is really a problem to fix becomes a case in ``cases``
(:func:`convert_suggestion_to_case`): the two stay linked by the case number on the
suggestion and by the source reference ``participation:suggestion:<number>`` on the case,
and the cases app reports progress back with :func:`record_case_progress`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from district.accounts.models import Department
from district.cases import services as cases
from district.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from district.geo import services as geo
from district.participation.models import Channel, Notice, Suggestion, SuggestionEvent
from district.participation.services.calendar import reply_deadline
from district.participation.services.common import (
    clean_text,
    is_overseer,
    notify,
    require_channel_staff,
    require_permission,
)

SOURCE_PREFIX = "participation:suggestion:"


def suggestion_source_ref(number: str) -> str:
    """The reference a case made from this suggestion carries."""
    return SOURCE_PREFIX + number


def get_suggestion(number: str) -> Suggestion:
    suggestion = (
        Suggestion.objects.select_related("channel", "department", "author")
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if suggestion is None:
        raise NotFoundError(
            f"No suggestion has number {number!r}.",
            field="number",
            value=number,
            fix="Numbers look like NL2026-000123; check the receipt.",
        )
    return suggestion


def _locked(number: str) -> Suggestion:
    suggestion = get_suggestion(number)
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("channel", "department")
        .get(pk=suggestion.pk)
    )


def _channel(code: str) -> Channel:
    channel = Channel.objects.filter(code=code, active=True).first()
    if channel is None:
        codes = ", ".join(Channel.objects.active().values_list("code", flat=True))
        raise InputError(
            f"There is no open channel {code!r}.",
            field="channel",
            value=code,
            fix=f"Choose one of: {codes}.",
        )
    return channel


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code, active=True).first()
    if department is None:
        raise InputError(
            f"There is no department {code!r}.",
            field="department",
            value=code,
            fix="Choose a department from the list.",
        )
    return department


def _event(
    suggestion: Suggestion,
    kind: str,
    at: datetime,
    *,
    actor: Any = None,
    department: Department | None = None,
    note: str = "",
) -> None:
    SuggestionEvent.objects.create(
        suggestion=suggestion, kind=kind, at=at, actor=actor, department=department, note=note
    )


def _public_url(suggestion: Suggestion) -> str:
    return reverse("participation:suggestion", args=[suggestion.number])


@transaction.atomic
def submit_suggestion(
    *,
    channel: str,
    title: str,
    body: str,
    author: Any = None,
    anonymous: bool = True,
    contact: str = "",
    lon: float | None = None,
    lat: float | None = None,
    at: datetime | None = None,
    is_demo: bool = False,
) -> Suggestion:
    """Receive a suggestion; returns it with its number and reply deadline.

    Without a logged-in ``author`` the suggestion is anonymous. A place is optional; when
    given it must lie in the district and is located to its grid cell.
    """
    target = _channel(channel)
    title = clean_text(title, field="title", label="Title", max_length=120)
    body = clean_text(body, field="body", label="Suggestion", max_length=5000)
    contact = clean_text(contact, field="contact", label="Contact", max_length=60, required=False)
    if author is not None and not getattr(author, "is_authenticated", False):
        author = None
    if author is None and not anonymous:
        raise InputError(
            "A suggestion under your name needs a logged-in account.",
            field="anonymous",
            fix="Log in, or submit it anonymously.",
        )
    cell_code = subdistrict_code = ""
    if (lon is None) != (lat is None):
        raise InputError(
            "A place needs both longitude and latitude.",
            field="location",
            fix="Click the map again, or clear the place.",
        )
    if lon is not None and lat is not None:
        location = geo.require_in_district(lon, lat)
        cell_code = location.cell_code or ""
        subdistrict_code = location.subdistrict_code or ""
    received = at or timezone.now()
    due_at, provisional = reply_deadline(received, target.reply_working_days)
    suggestion = Suggestion.objects.create(
        channel=target,
        title=title,
        body=body,
        author=author,
        anonymous=anonymous or author is None,
        contact=contact,
        lon=lon,
        lat=lat,
        cell_code=cell_code,
        subdistrict_code=subdistrict_code or target.subdistrict_code,
        submitted_at=received,
        due_at=due_at,
        deadline_provisional=provisional,
        is_demo=is_demo,
    )
    suggestion.number = f"NL{timezone.localtime(received).year}-{suggestion.pk:06d}"
    suggestion.save(update_fields=["number"])
    _event(suggestion, SuggestionEvent.Kind.SUBMITTED, received, note=target.name)
    return suggestion


@transaction.atomic
def route_suggestion(
    *, number: str, department: str, by: Any, note: str = "", at: datetime | None = None
) -> Suggestion:
    """Send a suggestion to the department that must answer it (again, to re-route)."""
    suggestion = _locked(number)
    require_channel_staff(
        by, suggestion.channel, "participation.route_suggestion", "route this suggestion"
    )
    if suggestion.status == Suggestion.Status.ANSWERED:
        raise ConflictError(
            f"Suggestion {suggestion.number} is already answered.",
            field="status",
            value=suggestion.status,
            fix="An answered suggestion is not routed again.",
        )
    target = _department(department)
    when = at or timezone.now()
    suggestion.department = target
    suggestion.status = Suggestion.Status.ROUTED
    suggestion.routed_at = when
    suggestion.save(update_fields=["department", "status", "routed_at"])
    note = clean_text(note, field="note", label="Note", max_length=1000, required=False)
    _event(suggestion, SuggestionEvent.Kind.ROUTED, when, actor=by, department=target, note=note)
    return suggestion


def _check_outcome(outcome: str, reason: str, referred_to: str) -> None:
    if outcome not in Suggestion.Outcome.values:
        raise InputError(
            f"Outcome {outcome!r} is not one of {', '.join(Suggestion.Outcome.values)}.",
            field="outcome",
            value=outcome,
            fix="Choose adopted, partly adopted, not adopted or referred.",
        )
    if outcome == Suggestion.Outcome.NOT_ADOPTED and not reason:
        raise InputError(
            "A suggestion that is not adopted needs the reason.",
            field="outcome_reason",
            fix="Explain to the resident why it is not adopted.",
        )
    if outcome == Suggestion.Outcome.REFERRED and not referred_to:
        raise InputError(
            "A referred suggestion needs the body it was referred to.",
            field="referred_to",
            fix="Name the body that will handle it.",
        )


def _publish(
    suggestion: Suggestion,
    *,
    by: Any,
    when: datetime,
    reply: str,
    outcome: str,
    reason: str = "",
    action_taken: str = "",
    referred_to: str = "",
    kind: str = SuggestionEvent.Kind.ANSWERED,
) -> Suggestion:
    suggestion.status = Suggestion.Status.ANSWERED
    suggestion.answered_at = when
    suggestion.reply = reply
    suggestion.outcome = outcome
    suggestion.outcome_reason = reason
    suggestion.action_taken = action_taken
    suggestion.referred_to = referred_to
    suggestion.save()
    _event(suggestion, kind, when, actor=by, department=suggestion.department, note=referred_to)
    if suggestion.author is not None:
        notify(
            user=suggestion.author,
            kind=Notice.Kind.SUGGESTION_ANSWERED,
            subject=f"{suggestion.number} {suggestion.title}",
            url=_public_url(suggestion),
            source_ref=f"{SOURCE_PREFIX}{suggestion.number}:answered",
            at=when,
        )
    return suggestion


@transaction.atomic
def answer_suggestion(
    *,
    number: str,
    by: Any,
    reply: str,
    outcome: str,
    reason: str = "",
    action_taken: str = "",
    referred_to: str = "",
    at: datetime | None = None,
) -> Suggestion:
    """Publish the department's reply with its outcome; the author is notified.

    Only staff of the department the suggestion was routed to (or an overseer) may answer.
    """
    suggestion = _locked(number)
    require_permission(by, "participation.reply_suggestion", "publish replies")
    if suggestion.status != Suggestion.Status.ROUTED:
        raise ConflictError(
            f"Suggestion {suggestion.number} is {suggestion.get_status_display()}: only a "
            "suggestion routed to a department can be answered.",
            field="status",
            value=suggestion.status,
            fix="Route it first, or reload the page.",
        )
    if not is_overseer(by) and getattr(by, "department_id", None) != suggestion.department_id:
        raise PermissionDeniedError(
            f"Suggestion {suggestion.number} is for {suggestion.department}; your account "
            "belongs to another department.",
            field="department",
            fix="Ask the channel to re-route it if it belongs to your department.",
        )
    reply = clean_text(reply, field="reply", label="Reply", max_length=5000)
    reason = clean_text(
        reason, field="outcome_reason", label="Reason", max_length=3000, required=False
    )
    action_taken = clean_text(
        action_taken, field="action_taken", label="What was done", max_length=3000, required=False
    )
    referred_to = clean_text(
        referred_to, field="referred_to", label="Referred to", max_length=200, required=False
    )
    _check_outcome(outcome, reason, referred_to)
    return _publish(
        suggestion,
        by=by,
        when=at or timezone.now(),
        reply=reply,
        outcome=outcome,
        reason=reason,
        action_taken=action_taken,
        referred_to=referred_to,
    )


@transaction.atomic
def refer_suggestion(
    *, number: str, by: Any, referred_to: str, reply: str, at: datetime | None = None
) -> Suggestion:
    """Channel staff pass a suggestion to a body outside the platform, and say so."""
    suggestion = _locked(number)
    require_channel_staff(
        by, suggestion.channel, "participation.route_suggestion", "refer this suggestion"
    )
    if suggestion.status == Suggestion.Status.ANSWERED:
        raise ConflictError(f"Suggestion {suggestion.number} is already answered.", field="status")
    referred_to = clean_text(referred_to, field="referred_to", label="Referred to", max_length=200)
    reply = clean_text(reply, field="reply", label="Reply", max_length=5000)
    return _publish(
        suggestion,
        by=by,
        when=at or timezone.now(),
        reply=reply,
        outcome=Suggestion.Outcome.REFERRED,
        referred_to=referred_to,
        kind=SuggestionEvent.Kind.REFERRED,
    )


@transaction.atomic
def convert_suggestion_to_case(
    *,
    number: str,
    by: Any,
    category: str = "",
    reply: str = "",
    at: datetime | None = None,
) -> Suggestion:
    """File a suggestion that reports a problem as a case in ``cases``, and link the two.

    Calls ``cases.services.create_case`` (channel ``participation``, ``source_ref`` =
    ``participation:suggestion:<number>``, the text, the place, the author). ``category`` is
    a case category code; left empty, the cases classifier's first suggestion for the text
    is used. The case is created in this transaction: if anything fails, neither changes.
    The suggestion is answered as referred, with the case number, and the author is told
    where to follow it.
    """
    suggestion = _locked(number)
    require_channel_staff(
        by, suggestion.channel, "participation.route_suggestion", "file this suggestion as a case"
    )
    if suggestion.status == Suggestion.Status.ANSWERED:
        raise ConflictError(f"Suggestion {suggestion.number} is already answered.", field="status")
    if suggestion.lon is None or suggestion.lat is None:
        raise InputError(
            f"Suggestion {suggestion.number} has no place on the map, and a case needs one.",
            field="case",
            fix="Route the suggestion to a department instead, or ask its author for the place.",
        )
    category = category.strip()
    if not category:
        suggested = cases.suggest_categories(suggestion.title, detail=suggestion.body, k=1)
        if not suggested or suggested[0].category is None:
            raise InputError(
                "No case category could be suggested for this suggestion's text.",
                field="category",
                fix="Choose the case category.",
            )
        category = suggested[0].category.code
    result = cases.create_case(
        category_code=category,
        channel="participation",
        title=suggestion.title,
        description=suggestion.body,
        lon=suggestion.lon,
        lat=suggestion.lat,
        reporter=suggestion.author,
        anonymous=suggestion.anonymous,
        source_ref=suggestion_source_ref(suggestion.number),
        by=by,
    )
    case_ref = result.case.number
    suggestion.case_ref = case_ref
    when = at or timezone.now()
    text = reply.strip() or _(
        "Your suggestion reports a problem to fix, so it has been filed as case %(case)s and "
        "will be handled and tracked there."
    ) % {"case": case_ref}
    return _publish(
        suggestion,
        by=by,
        when=when,
        reply=text,
        outcome=Suggestion.Outcome.REFERRED,
        referred_to=f"cases {case_ref}",
        kind=SuggestionEvent.Kind.CASE,
    )


def _by_source_ref(source_ref: str) -> Suggestion:
    if not source_ref.startswith(SOURCE_PREFIX):
        raise InputError(
            f"{source_ref!r} is not a participation suggestion reference.",
            field="source_ref",
            value=source_ref,
            fix=f"References look like {SOURCE_PREFIX}NL2026-000123.",
        )
    return _locked(source_ref.removeprefix(SOURCE_PREFIX))


@transaction.atomic
def link_suggestion_to_case(
    *, source_ref: str, case_ref: str, at: datetime | None = None
) -> Suggestion:
    """For ``cases``: record that the case ``case_ref`` was made from this suggestion."""
    suggestion = _by_source_ref(source_ref)
    case_ref = clean_text(case_ref, field="case_ref", label="Case", max_length=40)
    if suggestion.case_ref and suggestion.case_ref != case_ref:
        raise ConflictError(
            f"Suggestion {suggestion.number} is already linked to case {suggestion.case_ref}.",
            field="case_ref",
            value=case_ref,
        )
    if suggestion.case_ref != case_ref:
        suggestion.case_ref = case_ref
        suggestion.save(update_fields=["case_ref"])
        _event(suggestion, SuggestionEvent.Kind.CASE, at or timezone.now(), note=case_ref)
    return suggestion


@transaction.atomic
def record_case_progress(
    *,
    source_ref: str,
    case_ref: str,
    status: str,
    note: str = "",
    closed: bool = False,
    at: datetime | None = None,
) -> Suggestion:
    """For ``cases``: the case made from a suggestion moved on (``status`` in its words).

    The step joins the suggestion's public timeline; when ``closed`` the author is told.
    """
    suggestion = _by_source_ref(source_ref)
    if suggestion.case_ref and suggestion.case_ref != case_ref:
        raise ConflictError(
            f"Suggestion {suggestion.number} is linked to case {suggestion.case_ref}, "
            f"not {case_ref}.",
            field="case_ref",
            value=case_ref,
        )
    when = at or timezone.now()
    status = clean_text(status, field="status", label="Status", max_length=100)
    note = clean_text(note, field="note", label="Note", max_length=2000, required=False)
    _event(
        suggestion,
        SuggestionEvent.Kind.CASE_UPDATE,
        when,
        note=f"{case_ref}: {status}" + (f" — {note}" if note else ""),
    )
    if closed and suggestion.author is not None:
        notify(
            user=suggestion.author,
            kind=Notice.Kind.CASE_UPDATE,
            subject=f"{suggestion.number} {suggestion.title}",
            url=_public_url(suggestion),
            source_ref=f"{SOURCE_PREFIX}{suggestion.number}:case-closed",
            at=when,
        )
    return suggestion
