"""Triage by dispatchers and supervisors: merging duplicates (and undoing it), splitting a
report that holds two problems, placing a case on the map, correcting its category, notes.
Same rules as the workflow: lock, check, change, record one event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from district.accounts.models import User
from district.cases.models import OPEN_STATUSES, Case, CaseEvent, Stage, Status
from district.cases.services import access
from district.cases.services.catalogue import get_service, route
from district.cases.services.intake import IntakeResult, create_case
from district.cases.services.timeline import (
    clear_stage,
    enter_stage,
    notice_text,
    notify_reporter,
    record_event,
)
from district.cases.services.workflow import (
    CaseRef,
    _lock,
    _reason,
    _require_status,
    _save,
    _transition,
)
from district.core.errors import ConflictError, InputError
from district.geo import services as geo

# --- duplicates: merge, unmerge, split -----------------------------------------------------------


@transaction.atomic
def merge_case(*, case: CaseRef, into: CaseRef, by: User, reason: str = "") -> Case:
    """Merge a duplicate report into an open case; its reporter will get that case's outcome."""
    access.require(by, "merge_case", "merge cases")
    duplicate = _lock(case, None)
    master = _lock(into, None)
    if duplicate.pk == master.pk:
        raise InputError("A case cannot be merged into itself.", field="into")
    if master.merged_into_id is not None or master.status not in OPEN_STATUSES:
        raise ConflictError(
            f"Case {master.number} is {master.get_status_display()}; merge into an open case.",
            field="into",
            value=master.number,
        )
    _require_status(duplicate, (Status.RECEIVED, Status.REGISTERED), "merged")
    if duplicate.merged_cases.exists():
        raise ConflictError(
            f"Other reports are merged into {duplicate.number}; merge the other way round.",
            field="into",
        )
    reason = _reason(reason, required=False) or notice_text("same_problem", master=master.number)
    now = timezone.now()
    duplicate.merged_into = master
    duplicate.is_repeat = True
    duplicate.department = master.department
    clear_stage(duplicate)
    _transition(
        duplicate,
        CaseEvent.Kind.MERGED,
        to=Status.MERGED,
        now=now,
        by=by,
        reason=reason,
        data={"master": master.number},
    )
    _save(master, now)
    record_event(
        master,
        CaseEvent.Kind.MERGED_IN,
        at=now,
        by=by,
        reason=reason,
        data={"duplicate": duplicate.number},
    )
    notify_reporter(
        duplicate,
        kind="merged",
        text=notice_text("merged", number=duplicate.number, master=master.number),
        at=now,
    )
    return duplicate


@transaction.atomic
def unmerge_case(*, case: CaseRef, by: User, reason: str) -> Case:
    """Undo a merge: the report becomes a case of its own again (back to 受理)."""
    access.require(by, "merge_case", "separate cases")
    reason = _reason(reason)
    case = _lock(case, None)
    _require_status(case, (Status.MERGED,), "separated")
    master = case.merged_into
    now = timezone.now()
    case.merged_into = None
    case.is_repeat = False
    case.department = None
    enter_stage(case, Stage.REGISTER, now)
    _transition(
        case,
        CaseEvent.Kind.UNMERGED,
        to=Status.RECEIVED,
        now=now,
        by=by,
        reason=reason,
        data={"master": master.number if master else ""},
    )
    if master is not None:
        record_event(
            master,
            CaseEvent.Kind.NOTE,
            at=now,
            by=by,
            reason=notice_text("separated", number=case.number, reason=reason),
        )
    return case


def split_case(
    *, case: CaseRef, by: User, category_code: str, description: str, reason: str
) -> IntakeResult:
    """Split off a second problem from a report (same place and reporter, its own case)."""
    access.require(by, "merge_case", "split cases")
    reason = _reason(reason)
    with transaction.atomic():
        original = _lock(case, None)
        if original.status in (Status.REJECTED, Status.MERGED):
            raise ConflictError(
                f"Case {original.number} is {original.get_status_display()}.", field="status"
            )
        result = create_case(
            category_code=category_code,
            channel=original.channel,
            description=description,
            lon=original.lon,
            lat=original.lat,
            address=original.address,
            reporter=original.reporter,
            anonymous=original.anonymous,
            reporter_name=original.reporter_name,
            reporter_phone=original.reporter_phone,
            reporter_email=original.reporter_email,
            source_ref=f"split:{original.number}",
            by=by,
            submitted_by=str(by),
            is_demo=original.is_demo,
        )
        new = result.case
        new.split_from = original
        new.save(update_fields=["split_from"])
        now = timezone.now()
        _save(original, now)
        record_event(
            original, CaseEvent.Kind.SPLIT, at=now, by=by, reason=reason, data={"new": new.number}
        )
        record_event(
            new, CaseEvent.Kind.SPLIT, at=now, by=by, reason=reason, data={"from": original.number}
        )
    return result


# --- corrections: location, category, notes ------------------------------------------------------


@transaction.atomic
def locate_case(
    *, case: CaseRef, by: User, lon: float, lat: float, version: int | None = None
) -> Case:
    """Place a case on the map (an address that matched no known place)."""
    access.require(by, "register_case", "locate cases")
    case = _lock(case, version)
    _require_status(case, (Status.RECEIVED, Status.REGISTERED), "moved")
    location = geo.require_in_district_cached(float(lon), float(lat), field_name="location")
    now = timezone.now()
    case.lon, case.lat = float(lon), float(lat)
    case.cell_code = location.cell_code or ""
    case.subdistrict_code = location.subdistrict_code or ""
    case.subdistrict_name = location.subdistrict_name or ""
    case.located_by = f"pin by {by}"[:120]
    info = get_service(case.category.code)
    case.routed_department_id = route(
        info, cell_code=case.cell_code, subdistrict_code=case.subdistrict_code
    )
    _save(case, now)
    record_event(
        case,
        CaseEvent.Kind.LOCATED,
        at=now,
        by=by,
        public=False,
        data={"cell": case.cell_code, "lon": case.lon, "lat": case.lat},
    )
    return case


@transaction.atomic
def recategorise_case(
    *, case: CaseRef, by: User, category_code: str, reason: str, version: int | None = None
) -> Case:
    """Correct the category before dispatch; the routing and the clock follow the new one."""
    access.require(by, "register_case", "change categories")
    reason = _reason(reason)
    info = get_service(category_code, field_name="category")
    case = _lock(case, version)
    _require_status(case, (Status.RECEIVED, Status.REGISTERED), "recategorised")
    now = timezone.now()
    old = case.category.code
    case.category_id = info.pk
    case.routed_department_id = route(
        info, cell_code=case.cell_code, subdistrict_code=case.subdistrict_code
    )
    enter_stage(case, case.stage or Stage.REGISTER, case.stage_started_at or now)
    _save(case, now)
    record_event(
        case,
        CaseEvent.Kind.RECATEGORISED,
        at=now,
        by=by,
        reason=reason,
        data={"from": old, "to": info.code},
    )
    return case


@transaction.atomic
def add_note(*, case: CaseRef, by: User, text: str, public: bool = False) -> CaseEvent:
    """A note on the timeline (internal unless ``public``)."""
    access.require(by, "view_console", "write notes")
    text = _reason(text, "note")
    case = _lock(case, None)
    access.require_view(by, case)
    now = timezone.now()
    _save(case, now)
    return record_event(case, CaseEvent.Kind.NOTE, at=now, by=by, reason=text, public=public)
