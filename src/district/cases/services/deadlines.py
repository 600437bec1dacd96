"""The deadline sweep: mark cases due soon and overdue, and escalate them.

``district worker`` runs :func:`sweep_deadlines` every five minutes (``CasesConfig.
periodic_tasks``); ``district cases sweep`` runs it by hand. Each stage's clock was set when
the case entered the stage (``enter_stage``): the deadline, the moment 80 % of the working
time has passed (due soon) and the moment one more stage limit has passed after the
deadline (second escalation). The sweep is therefore a few indexed queries, and running it
twice changes nothing the second time:

* due soon → ``due_state = due_soon`` and a "deadline near" event;
* overdue → ``due_state = overdue``, escalation to level 1 (the district city operation
  centre, 督办) and a notice to the department;
* still overdue one more stage limit later → level 2 (district leadership, 提级).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from district.cases.models import OPEN_STATUSES, Case, CaseEvent, DueState, Notification, Stage
from district.cases.services.calendar import calendar_status
from district.cases.services.catalogue import catalogue
from district.cases.services.timeline import enter_stage, notice_text, projected_due

BATCH = 500
SWEEP_LABEL = "deadline sweep"


@dataclass(frozen=True)
class SweepReport:
    due_soon: int
    overdue: int
    escalated: int
    calendar_warning: str

    def as_dict(self) -> dict[str, object]:
        return {
            "due_soon": self.due_soon,
            "overdue": self.overdue,
            "escalated": self.escalated,
            "calendar_warning": self.calendar_warning,
        }


def _events(cases: list[Case], kind: str, now: datetime, reason: str, **data: object) -> None:
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                kind=kind,
                at=now,
                actor_label=SWEEP_LABEL,
                department=case.department,
                from_status=case.status,
                to_status=case.status,
                reason=reason,
                public=False,
                data={"stage": case.stage, **data},
            )
            for case in cases
        ]
    )


def _batch(queryset: object) -> list[Case]:
    return list(queryset.select_for_update(of=("self",))[:BATCH])  # type: ignore[attr-defined]


def sweep_deadlines(*, now: datetime | None = None) -> SweepReport:
    """Mark and escalate what is due; safe to run from several workers at once."""
    now = now or timezone.now()
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    fields = ["due_state", "escalation_level", "version", "updated_at"]
    while True:
        with transaction.atomic():
            cases = _batch(
                Case.objects.filter(status__in=OPEN_STATUSES, stage_due_at__lte=now)
                .exclude(due_state=DueState.OVERDUE)
                .select_related("department")
                .order_by("stage_due_at", "pk")
            )
            if not cases:
                break
            raised = []
            for case in cases:
                case.due_state = DueState.OVERDUE
                if case.escalation_level < 1:
                    case.escalation_level = 1
                    raised.append(case)
                case.version += 1
                case.updated_at = now
            Case.objects.bulk_update(cases, fields)
            _events(cases, CaseEvent.Kind.OVERDUE, now, notice_text("stage_passed"))
            _events(
                raised,
                CaseEvent.Kind.ESCALATED,
                now,
                notice_text("level1"),
                level=1,
            )
            Notification.objects.bulk_create(
                [
                    Notification(
                        case=case,
                        department=case.department,
                        kind="overdue",
                        text=notice_text(
                            "overdue", number=case.number, stage=case.get_stage_display()
                        ),
                        created_at=now,
                    )
                    for case in cases
                    if case.department_id is not None
                ]
            )
            counts["overdue"] += len(cases)
            counts["escalated"] += len(raised)
    while True:
        with transaction.atomic():
            cases = _batch(
                Case.objects.filter(
                    status__in=OPEN_STATUSES,
                    due_state=DueState.OVERDUE,
                    escalate_at__lte=now,
                    escalation_level__lt=2,
                ).order_by("escalate_at", "pk")
            )
            if not cases:
                break
            for case in cases:
                case.escalation_level = 2
                case.version += 1
                case.updated_at = now
            Case.objects.bulk_update(cases, fields)
            _events(
                cases,
                CaseEvent.Kind.ESCALATED,
                now,
                notice_text("level2"),
                level=2,
            )
            counts["escalated"] += len(cases)
    while True:
        with transaction.atomic():
            cases = _batch(
                Case.objects.filter(
                    status__in=OPEN_STATUSES,
                    due_state=DueState.OK,
                    due_soon_at__lte=now,
                    stage_due_at__gt=now,
                ).order_by("due_soon_at", "pk")
            )
            if not cases:
                break
            for case in cases:
                case.due_state = DueState.DUE_SOON
                case.version += 1
                case.updated_at = now
            Case.objects.bulk_update(cases, fields)
            _events(
                cases,
                CaseEvent.Kind.DUE_SOON,
                now,
                notice_text("due_soon"),
            )
            counts["due_soon"] += len(cases)
    return SweepReport(calendar_warning=calendar_status().warning, **counts)


@transaction.atomic
def recompute_provisional_deadlines(*, now: datetime | None = None) -> int:
    """Recount the deadlines of open cases that were provisional (after a year is entered)."""
    now = now or timezone.now()
    cases = list(
        Case.objects.select_for_update(of=("self",)).filter(
            status__in=OPEN_STATUSES, deadline_provisional=True
        )
    )
    cat = catalogue()
    for case in cases:
        if not case.stage or case.stage_started_at is None:
            continue
        extra = case.extension_hours if case.stage == Stage.HANDLE else 0.0
        enter_stage(case, case.stage, case.stage_started_at, extra_hours=extra)
        if case.stage != Stage.HANDLE and case.category_id in cat.by_pk:
            due, provisional = projected_due(cat.by_pk[case.category_id], case.received_at)
            case.due_at = due
            case.deadline_provisional = case.deadline_provisional or provisional
        if case.stage_due_at and case.stage_due_at <= now:
            case.due_state = DueState.OVERDUE
        elif case.due_soon_at and case.due_soon_at <= now:
            case.due_state = DueState.DUE_SOON
        case.version += 1
        case.updated_at = now
    Case.objects.bulk_update(
        cases,
        [
            "stage_due_at",
            "due_soon_at",
            "escalate_at",
            "due_at",
            "due_state",
            "deadline_provisional",
            "version",
            "updated_at",
        ],
        batch_size=BATCH,
    )
    return len(cases)
