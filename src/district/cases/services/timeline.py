"""Shared steps of every write: recording a timeline event, starting a timed stage,
notifying people. Used by intake, the workflow and the deadline sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from district.accounts.models import Department, User
from district.cases.models import Case, CaseEvent, DueState, Notification, Stage
from district.cases.services.calendar import deadline_after
from district.cases.services.catalogue import CategoryInfo, catalogue, stage_limit

DUE_SOON_SHARE = 0.8  # a stage is "due soon" once 80 % of its working time has passed

# Notices are written in the district's language (SMS go out in it too).
NOTICES = {
    "closed": gettext_noop("Case %(number)s is closed. Outcome: %(outcome)s"),
    "closed_merged": gettext_noop(
        "Your report %(number)s was handled together with case %(master)s, which is now "
        "closed. Outcome: %(outcome)s"
    ),
    "rejected": gettext_noop("Case %(number)s was not registered: %(reason)s"),
    "merged": gettext_noop(
        "Your report %(number)s concerns the same problem as case %(master)s; it is handled "
        "there and you will be told the outcome."
    ),
    "verification_failed": gettext_noop("Case %(number)s failed verification: %(reason)s"),
    "supervised": gettext_noop("Case %(number)s is under supervision (督办): %(reason)s"),
    "reopened": gettext_noop("Case %(number)s is reopened: %(reason)s"),
    "overdue": gettext_noop("Case %(number)s is overdue (%(stage)s stage)."),
    # Reasons the platform itself writes on a timeline:
    "master_closed": gettext_noop(
        "The case it was merged into, %(master)s, is closed. Outcome: %(outcome)s"
    ),
    "dissatisfied": gettext_noop("The reporter is dissatisfied with the outcome. %(comment)s"),
    "same_problem": gettext_noop("Same problem as case %(master)s."),
    "separated": gettext_noop("%(number)s separated: %(reason)s"),
    "stage_passed": gettext_noop("The stage deadline has passed."),
    "level1": gettext_noop(
        "Overdue: supervised by the district city operation centre (区城运中心督办)."
    ),
    "level2": gettext_noop(
        "Overdue by more than one more stage limit: escalated to the district leadership (提级)."
    ),
    "due_soon": gettext_noop("Less than a fifth of the stage's time is left."),
}


def notice_text(kind: str, **params: object) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(NOTICES[kind]) % params


def actor_label(by: User | None, fallback: str = "") -> str:
    if by is None:
        return fallback or "system"
    return str(by)


def record_event(
    case: Case,
    kind: str,
    *,
    at: datetime,
    by: User | None = None,
    label: str = "",
    reason: str = "",
    public: bool = True,
    from_status: str = "",
    to_status: str = "",
    department: Department | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at,
        actor=by,
        actor_label=actor_label(by, label),
        department=department if department is not None else getattr(by, "department", None),
        from_status=from_status,
        to_status=to_status or case.status,
        reason=reason,
        public=public,
        data=data or {},
    )


def category_info(case: Case) -> CategoryInfo:
    return catalogue().by_pk[case.category_id]


def enter_stage(case: Case, stage: str, at: datetime, *, extra_hours: float = 0.0) -> None:
    """Start the clock of ``stage`` at ``at``: its deadline, the due-soon mark and the time
    after which an overdue case is escalated a second level (one more stage limit)."""
    info = category_info(case)
    limit = stage_limit(info, stage) + extra_hours
    due = deadline_after(at, working_hours=limit)
    soon = deadline_after(at, working_hours=limit * DUE_SOON_SHARE)
    escalate = deadline_after(due.at, working_hours=limit)
    case.stage = stage
    case.stage_started_at = at
    case.stage_due_at = due.at
    case.due_soon_at = soon.at
    case.escalate_at = escalate.at
    case.due_state = DueState.OK
    case.deadline_provisional = due.provisional
    if stage == Stage.HANDLE:
        case.due_at = due.at


def projected_due(info: CategoryInfo, at: datetime) -> tuple[datetime, bool]:
    """The expected completion of a new report: every stage limit up to handling."""
    hours = sum(stage_limit(info, s) for s in (Stage.REGISTER, Stage.DISPATCH, Stage.HANDLE))
    due = deadline_after(at, working_hours=hours)
    return due.at, due.provisional


def clear_stage(case: Case) -> None:
    case.stage = ""
    case.stage_started_at = None
    case.stage_due_at = None
    case.due_soon_at = None
    case.escalate_at = None
    case.due_state = DueState.OK


def notify(
    case: Case,
    *,
    kind: str,
    text: str,
    at: datetime,
    user: User | None = None,
    department: Department | None = None,
    channel: str = Notification.Channel.WEB,
    address: str = "",
) -> Notification:
    return Notification.objects.create(
        case=case,
        user=user,
        department=department,
        channel=channel,
        address=address,
        kind=kind,
        text=text,
        created_at=at,
    )


def notify_reporter(case: Case, *, kind: str, text: str, at: datetime) -> list[Notification]:
    """Tell the reporter: on the web if they have an account, by SMS/e-mail if they left one."""
    sent = []
    if case.reporter_id is not None:
        sent.append(notify(case, kind=kind, text=text, at=at, user=case.reporter))
    if case.reporter_phone:
        sent.append(
            notify(
                case,
                kind=kind,
                text=text,
                at=at,
                channel=Notification.Channel.SMS,
                address=case.reporter_phone,
            )
        )
    elif case.reporter_email:
        sent.append(
            notify(
                case,
                kind=kind,
                text=text,
                at=at,
                channel=Notification.Channel.EMAIL,
                address=case.reporter_email,
            )
        )
    return sent
