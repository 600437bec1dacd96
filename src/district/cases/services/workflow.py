"""The workflow: 受理 → 立案 → 派遣 → 处置 → 核查 → 结案, with 回退, 延期, 督办, 提级 and reopening.

Every function here locks the case row, checks the caller's permission and the case's
state, optionally checks the ``version`` the caller's form was built from (a stale form is
a :class:`ConflictError`, not a silent overwrite), changes the case, restarts the stage
clock where the stage changes, and records one timeline event with who, when and why
(and photos where the step takes them).

Closing needs an on-site verification by someone outside the department that did the
work (:func:`verify_case`). When a case closes, every case merged into it closes with it
and all their reporters are told the outcome.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from district.accounts.models import Department, User
from district.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    DueState,
    ExtensionRequest,
    Rating,
    Stage,
    Status,
)
from district.cases.services import access
from district.cases.services.calendar import deadline_after, working_hours_between
from district.cases.services.catalogue import (
    MAX_EXTENSION_HOURS,
)
from district.cases.services.intake import (
    check_access_key,
    normalise_number,
)
from district.cases.services.photos import UploadedPhoto, checked_photos, photo_batch
from district.cases.services.timeline import (
    clear_stage,
    enter_stage,
    notice_text,
    notify,
    notify_reporter,
    record_event,
)
from district.core.errors import (
    ConflictError,
    DistrictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)

logger = logging.getLogger(__name__)

CaseRef = Case | str


def get_case(ref: CaseRef) -> Case:
    """A case by number (as people type it) or the case itself, re-read."""
    number = ref.number if isinstance(ref, Case) else normalise_number(ref)
    case = Case.objects.with_related().filter(number=number).first()
    if case is None:
        raise NotFoundError(
            f"There is no case {number!r}.",
            field="number",
            value=number,
            fix="Check the number on your receipt (six digits, a dash, six letters or digits).",
        )
    return case


def _lock(ref: CaseRef, version: int | None) -> Case:
    number = ref.number if isinstance(ref, Case) else normalise_number(ref)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "department", "reporter")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFoundError(f"There is no case {number!r}.", field="number", value=number)
    if version is not None and int(version) != case.version:
        raise ConflictError(
            f"Case {case.number} changed since you opened it (it is now "
            f"{case.get_status_display()}).",
            field="version",
            value=version,
            fix="Reload the case page to see the latest state, then act again.",
        )
    return case


def _require_status(case: Case, allowed: tuple[str, ...], action: str) -> None:
    if case.status not in allowed:
        raise ConflictError(
            f"Case {case.number} is {case.get_status_display()}; it cannot be {action} now.",
            field="status",
            value=case.status,
            fix="Reload the case page: someone may have acted on it already.",
        )


def _reason(text: str, field: str = "reason", *, required: bool = True, limit: int = 2000) -> str:
    text = (text or "").strip()
    if required and not text:
        raise InputError(
            f"A {field} is required for this step.",
            field=field,
            fix="Write a sentence that says why: it goes into the case's timeline.",
        )
    if len(text) > limit:
        raise InputError(
            f"The {field} has {len(text):,} characters; at most {limit:,}.",
            field=field,
            fix="Shorten it.",
        )
    return text


def _save(case: Case, now: datetime) -> None:
    case.version += 1
    case.updated_at = now
    case.save()


def _transition(
    case: Case,
    kind: str,
    *,
    to: str,
    now: datetime,
    by: User | None,
    reason: str = "",
    public: bool = True,
    data: dict[str, Any] | None = None,
    label: str = "",
) -> CaseEvent:
    before = case.status
    case.status = to
    _save(case, now)
    return record_event(
        case,
        kind,
        at=now,
        by=by,
        label=label,
        reason=reason,
        public=public,
        from_status=before,
        to_status=to,
        data=data,
    )


def _attach(
    photos: Any, case: Case, event: CaseEvent, checked: list[tuple[bytes, str, str]], by: User
) -> None:
    for content, content_type, extension in checked:
        photos.save(
            case=case,
            content=content,
            content_type=content_type,
            extension=extension,
            event=event,
            by=by,
            public=True,
        )


# --- 立案 register ----------------------------------------------------------------------------


@transaction.atomic
def register_case(*, case: CaseRef, by: User, reason: str = "", version: int | None = None) -> Case:
    """立案: the dispatcher accepts the report as a case; the dispatch clock starts."""
    access.require(by, "register_case", "register cases")
    case = _lock(case, version)
    _require_status(case, (Status.RECEIVED,), "registered")
    if not case.cell_code:
        raise InputError(
            f"Case {case.number} has no location yet.",
            field="location",
            fix="Place it on the map first (the address could not be matched to a place).",
        )
    now = timezone.now()
    case.registered_at = now
    enter_stage(case, Stage.DISPATCH, now)
    _transition(
        case,
        CaseEvent.Kind.REGISTERED,
        to=Status.REGISTERED,
        now=now,
        by=by,
        reason=_reason(reason, required=False),
    )
    return case


@transaction.atomic
def reject_case(*, case: CaseRef, by: User, reason: str, version: int | None = None) -> Case:
    """不予立案: the report is not a case (outside the remit, not a problem, a test)."""
    access.require(by, "register_case", "refuse cases")
    reason = _reason(reason)
    case = _lock(case, version)
    _require_status(case, (Status.RECEIVED,), "refused")
    now = timezone.now()
    clear_stage(case)
    case.outcome = reason
    _transition(case, CaseEvent.Kind.REJECTED, to=Status.REJECTED, now=now, by=by, reason=reason)
    notify_reporter(
        case,
        kind="rejected",
        text=notice_text("rejected", number=case.number, reason=reason),
        at=now,
    )
    return case


# --- 派遣 dispatch and 回退 return ---------------------------------------------------------------


def _department(code: str | None, case: Case) -> Department:
    if code:
        department = Department.objects.filter(code=code, active=True).first()
        if department is None:
            raise InputError(
                f"Unknown department {code!r}.",
                field="department",
                value=code,
                fix="Pick an active department from the list.",
            )
        return department
    if case.routed_department_id:
        return Department.objects.get(pk=case.routed_department_id)
    raise InputError(
        "No department chosen and the routing table has none for this case.",
        field="department",
        fix="Pick the responsible department.",
    )


@transaction.atomic
def dispatch_case(
    *,
    case: CaseRef,
    by: User,
    department_code: str | None = None,
    note: str = "",
    version: int | None = None,
) -> Case:
    """派遣: send the case to the responsible department (the routing table's by default)."""
    access.require(by, "dispatch_case", "dispatch cases")
    case = _lock(case, version)
    _require_status(case, (Status.REGISTERED,), "dispatched")
    department = _department(department_code, case)
    now = timezone.now()
    case.department = department
    if case.dispatched_at is None:
        case.dispatched_at = now
    enter_stage(case, Stage.HANDLE, now, extra_hours=case.extension_hours)
    _transition(
        case,
        CaseEvent.Kind.DISPATCHED,
        to=Status.DISPATCHED,
        now=now,
        by=by,
        reason=_reason(note, "note", required=False),
        data={"department": department.code, "department_name": department.name},
    )
    return case


@transaction.atomic
def return_case(*, case: CaseRef, by: User, reason: str, version: int | None = None) -> Case:
    """回退: the department says the case is not theirs and sends it back to the dispatcher."""
    access.require(by, "handle_case", "return cases")
    reason = _reason(reason)
    case = _lock(case, version)
    _require_status(case, (Status.DISPATCHED,), "returned")
    access.require_case_department(by, case, "return")
    now = timezone.now()
    department = case.department
    case.return_count += 1
    case.department = None
    enter_stage(case, Stage.DISPATCH, now)
    event = _transition(
        case,
        CaseEvent.Kind.RETURNED,
        to=Status.REGISTERED,
        now=now,
        by=by,
        reason=reason,
        data={"department": department.code if department else ""},
    )
    event.department = department
    event.save(update_fields=["department"])
    return case


# --- 处置 handle and 延期 extensions -------------------------------------------------------------


@transaction.atomic
def handle_case(
    *,
    case: CaseRef,
    by: User,
    note: str,
    photos: list[UploadedPhoto] | None = None,
    version: int | None = None,
) -> Case:
    """处置: the department reports the work done (with photos); verification is next."""
    access.require(by, "handle_case", "handle cases")
    note = _reason(note, "note")
    checked = checked_photos(photos)
    with photo_batch() as batch:
        case = _lock(case, version)
        _require_status(case, (Status.DISPATCHED,), "marked handled")
        access.require_case_department(by, case, "handle")
        now = timezone.now()
        case.handled_at = now
        case.outcome = note
        enter_stage(case, Stage.VERIFY, now)
        event = _transition(
            case, CaseEvent.Kind.HANDLED, to=Status.HANDLED, now=now, by=by, reason=note
        )
        _attach(batch, case, event, checked, by)
    return case


@transaction.atomic
def request_extension(
    *, case: CaseRef, by: User, hours: float, reason: str, version: int | None = None
) -> ExtensionRequest:
    """延期申请: the department asks for more working hours, with a reason."""
    access.require(by, "handle_case", "ask for extensions")
    reason = _reason(reason)
    try:
        hours = float(hours)
    except (TypeError, ValueError):
        raise InputError(f"hours {hours!r} is not a number.", field="hours") from None
    case = _lock(case, version)
    _require_status(case, (Status.DISPATCHED,), "extended")
    access.require_case_department(by, case, "ask for an extension of")
    left = MAX_EXTENSION_HOURS - case.extension_hours
    if not 0 < hours <= left:
        raise InputError(
            f"{hours:g} working hours is not possible: extensions of a case add up to at most "
            f"{MAX_EXTENSION_HOURS:g} hours (10 working days) and {left:g} remain.",
            field="hours",
            value=hours,
            fix=f"Ask for between 1 and {left:g} working hours, or escalate the case.",
        )
    if case.extensions.filter(state=ExtensionRequest.State.PENDING).exists():
        raise ConflictError(
            f"Case {case.number} already has an extension request waiting for a decision.",
            field="hours",
            fix="Wait for the decision on the first request.",
        )
    now = timezone.now()
    request = ExtensionRequest.objects.create(
        case=case, hours=hours, reason=reason, requested_by=by, requested_at=now
    )
    _save(case, now)
    record_event(
        case,
        CaseEvent.Kind.EXTENSION_REQUESTED,
        at=now,
        by=by,
        reason=reason,
        data={"hours": hours, "request": request.pk},
    )
    return request


@transaction.atomic
def decide_extension(
    *, request_id: int, by: User, approve: bool, note: str = ""
) -> ExtensionRequest:
    """延期审批: a supervisor or dispatcher approves (the deadline moves) or refuses."""
    access.require(by, "decide_extension", "decide extension requests")
    request = (
        ExtensionRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFoundError(f"No extension request {request_id}.", field="request")
    if request.state != ExtensionRequest.State.PENDING:
        raise ConflictError(
            f"The extension request was already {request.get_state_display()}.",
            field="request",
            fix="Reload the case page.",
        )
    case = _lock(request.case, None)
    if access.in_case_department(by, case):
        raise PermissionDeniedError(
            "The department handling a case cannot approve its own extension.",
            fix="A supervisor or dispatcher outside the department decides.",
        )
    note = _reason(note, "note", required=not approve)
    now = timezone.now()
    request.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
    request.decided_by = by
    request.decided_at = now
    request.decision_note = note
    request.save()
    if approve:
        case.extension_hours += request.hours
        if case.due_at is not None:
            extended = deadline_after(case.due_at, working_hours=request.hours)
            case.due_at = extended.at
            case.deadline_provisional = case.deadline_provisional or extended.provisional
        if case.status == Status.DISPATCHED and case.stage_due_at is not None:
            case.stage_due_at = deadline_after(case.stage_due_at, working_hours=request.hours).at
            case.due_soon_at = deadline_after(
                case.due_soon_at or now, working_hours=request.hours
            ).at
            case.escalate_at = deadline_after(
                case.escalate_at or now, working_hours=request.hours
            ).at
            if case.stage_due_at > now:
                case.due_state = DueState.DUE_SOON if case.due_soon_at <= now else DueState.OK
    _save(case, now)
    record_event(
        case,
        CaseEvent.Kind.EXTENSION_APPROVED if approve else CaseEvent.Kind.EXTENSION_REFUSED,
        at=now,
        by=by,
        reason=note,
        data={"hours": request.hours, "request": request.pk},
    )
    return request


# --- 核查 verify and 结案 close ------------------------------------------------------------------


@transaction.atomic
def verify_case(
    *,
    case: CaseRef,
    by: User,
    passed: bool,
    note: str,
    photos: list[UploadedPhoto] | None = None,
    version: int | None = None,
) -> Case:
    """核查: an on-site check by someone outside the handling department. Passed closes the
    case (结案); failed sends it back to the department with a fresh handling clock."""
    access.require(by, "verify_case", "verify cases")
    note = _reason(note, "note")
    checked = checked_photos(photos)
    with photo_batch() as batch:
        case = _lock(case, version)
        _require_status(case, (Status.HANDLED,), "verified")
        if not access.can_verify(by, case):
            raise PermissionDeniedError(
                f"You cannot verify case {case.number}: verification must be done by someone "
                "outside the department that did the work, and not by the person who handled it.",
                fix="Ask a grid worker or a supervisor of another unit to check on site.",
            )
        now = timezone.now()
        if passed:
            event = _close(case, now=now, by=by, note=note)
        else:
            case.reopen_count += 1
            enter_stage(case, Stage.HANDLE, now)
            event = _transition(
                case,
                CaseEvent.Kind.VERIFICATION_FAILED,
                to=Status.DISPATCHED,
                now=now,
                by=by,
                reason=note,
            )
            if case.department is not None:
                notify(
                    case,
                    kind="verification_failed",
                    text=notice_text("verification_failed", number=case.number, reason=note),
                    at=now,
                    department=case.department,
                )
        _attach(batch, case, event, checked, by)
    return case


def _close(case: Case, *, now: datetime, by: User | None, note: str) -> CaseEvent:
    case.closed_at = now
    handled = case.handled_at or now
    case.on_time = case.due_at is None or handled <= case.due_at
    if case.dispatched_at is not None:
        case.handling_working_hours = round(working_hours_between(case.dispatched_at, handled), 3)
    case.total_working_hours = round(working_hours_between(case.received_at, now), 3)
    clear_stage(case)
    event = _transition(
        case, CaseEvent.Kind.VERIFIED, to=Status.CLOSED, now=now, by=by, reason=note
    )
    outcome = case.outcome or note
    text = notice_text("closed", number=case.number, outcome=outcome)
    notify_reporter(case, kind="closed", text=text, at=now)
    _report_closed_to_source(case, outcome=outcome, now=now)
    for child in Case.objects.select_for_update().filter(merged_into=case):
        child.outcome = outcome
        child.department = case.department
        child.closed_at = now
        _save(child, now)
        record_event(
            child,
            CaseEvent.Kind.CLOSED,
            at=now,
            by=by,
            reason=notice_text("master_closed", master=case.number, outcome=outcome),
            data={"master": case.number},
        )
        notify_reporter(
            child,
            kind="closed",
            text=notice_text(
                "closed_merged", number=child.number, master=case.number, outcome=outcome
            ),
            at=now,
        )
        _report_closed_to_source(child, outcome=outcome, now=now)
    return event


PARTICIPATION_PREFIX = "participation:suggestion:"


def _report_closed_to_source(case: Case, *, outcome: str, now: datetime) -> None:
    """Tell the app a case came from that it is closed: a Ning Lai Shuo suggestion's author
    follows the case on the suggestion's public timeline."""
    if not case.source_ref.startswith(PARTICIPATION_PREFIX):
        return
    # participation imports cases' services at module level; importing it here, when a
    # case closes, keeps the two apps free of an import cycle.
    from district.participation import services as participation

    try:
        participation.record_case_progress(
            source_ref=case.source_ref,
            case_ref=case.number,
            status=str(Status.CLOSED.label),
            note=outcome[:2000],
            closed=True,
            at=now,
        )
    except DistrictError as exc:  # a stale reference must not stop the case from closing
        logger.warning("case %s: could not report to %s: %s", case.number, case.source_ref, exc)


# --- 督办 supervise, 提级 escalate, reopen -------------------------------------------------------


@transaction.atomic
def supervise_case(*, case: CaseRef, by: User, note: str) -> Case:
    """督办: a supervisor presses the department (recorded and notified)."""
    access.require(by, "supervise_case", "supervise cases")
    note = _reason(note, "note")
    case = _lock(case, None)
    _require_status(case, OPEN_STATUSES, "supervised")
    now = timezone.now()
    case.supervision_count += 1
    _save(case, now)
    record_event(case, CaseEvent.Kind.SUPERVISED, at=now, by=by, reason=note)
    if case.department is not None:
        notify(
            case,
            kind="supervised",
            text=notice_text("supervised", number=case.number, reason=note),
            at=now,
            department=case.department,
        )
    return case


ESCALATION_LEVELS = {
    0: "department",
    1: "district city operation centre (区城运中心)",
    2: "district leadership (区领导)",
}


@transaction.atomic
def escalate_case(*, case: CaseRef, by: User | None, reason: str, automatic: bool = False) -> Case:
    """提级: raise the case one level: department → district centre → district leadership."""
    if not automatic:
        access.require(by, "supervise_case", "escalate cases")
    reason = _reason(reason)
    case = _lock(case, None)
    _require_status(case, OPEN_STATUSES, "escalated")
    if case.escalation_level >= 2:
        raise ConflictError(
            f"Case {case.number} is already at the highest level ({ESCALATION_LEVELS[2]}).",
            field="escalation_level",
            fix="Supervise it instead.",
        )
    now = timezone.now()
    case.escalation_level += 1
    _save(case, now)
    record_event(
        case,
        CaseEvent.Kind.ESCALATED,
        at=now,
        by=by,
        label="deadline sweep" if automatic else "",
        reason=reason,
        data={"level": case.escalation_level, "to": ESCALATION_LEVELS[case.escalation_level]},
    )
    return case


def _reopen(case: Case, *, now: datetime, by: User | None, reason: str, label: str = "") -> None:
    case.reopen_count += 1
    case.is_repeat = True
    case.closed_at = None
    case.on_time = None
    case.handling_working_hours = None
    case.total_working_hours = None
    enter_stage(case, Stage.HANDLE, now)
    _transition(
        case,
        CaseEvent.Kind.REOPENED,
        to=Status.DISPATCHED,
        now=now,
        by=by,
        reason=reason,
        label=label,
    )
    if case.department is not None:
        notify(
            case,
            kind="reopened",
            text=notice_text("reopened", number=case.number, reason=reason),
            at=now,
            department=case.department,
        )


@transaction.atomic
def reopen_case(*, case: CaseRef, by: User, reason: str, version: int | None = None) -> Case:
    """A supervisor reopens a closed case (the problem came back)."""
    access.require(by, "supervise_case", "reopen cases")
    reason = _reason(reason)
    case = _lock(case, version)
    _require_status(case, (Status.CLOSED,), "reopened")
    if case.department is None:
        raise ConflictError(f"Case {case.number} was never dispatched.", field="status")
    _reopen(case, now=timezone.now(), by=by, reason=reason)
    return case


# --- satisfaction --------------------------------------------------------------------------------


@transaction.atomic
def rate_case(
    *,
    case: CaseRef,
    rating: str,
    comment: str = "",
    by: User | None = None,
    access_key: str = "",
) -> Case:
    """The reporter rates the outcome of a closed case. "Dissatisfied" reopens it, once."""
    if rating not in Rating.values:
        raise InputError(
            f"rating {rating!r} is not one of {', '.join(Rating.values)}.",
            field="rating",
            value=rating,
            fix="Choose satisfied, basically satisfied or dissatisfied.",
        )
    comment = _reason(comment, "comment", required=False, limit=1000)
    case = _lock(case, None)
    if not (access.is_reporter(by, case) or check_access_key(case, access_key)):
        raise PermissionDeniedError(
            f"Only the person who reported case {case.number} may rate it.",
            fix="Log in with the account you reported with, or open the private link on "
            "your receipt.",
        )
    _require_status(case, (Status.CLOSED,), "rated")
    if case.rated_at is not None and case.rated_at >= (case.closed_at or case.rated_at):
        raise ConflictError(
            f"Case {case.number} has already been rated.",
            field="rating",
            fix="A case is rated once each time it closes.",
        )
    now = timezone.now()
    case.rating = rating
    case.rated_at = now
    _save(case, now)
    record_event(
        case,
        CaseEvent.Kind.RATED,
        at=now,
        by=by,
        label="reporter",
        reason=comment,
        public=False,
        data={"rating": rating},
    )
    if rating == Rating.DISSATISFIED and not case.dissatisfied_reopen_used:
        case.dissatisfied_reopen_used = True
        _reopen(
            case,
            now=now,
            by=None,
            label="reporter",
            reason=notice_text("dissatisfied", comment=comment).strip(),
        )
    return case
