"""Who may see and do what with a case.

Roles give permissions (``CasesConfig.role_permissions``); on top of them the object-level
rules live here and every workflow service calls them:

* department staff act only on cases dispatched to their own department;
* verification (核查) must be done by someone outside the department that did the work,
  and never by the person who handled it;
* dispatchers, supervisors and grid workers see every case; department staff see the
  cases of their department (and those they acted on before a case moved on);
* a resident sees the private details (contact, photos, internal notes excluded) of their
  own reports only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from district.accounts.models import User
from district.cases.models import Case, CaseEvent, CaseQuerySet
from district.core.errors import PermissionDeniedError

P = "cases."


def has(user: Any, perm: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(P + perm))


def require(user: Any, perm: str, action: str) -> None:
    if not has(user, perm):
        raise PermissionDeniedError(
            f"You may not {action}: that needs the permission cases.{perm}.",
            fix="Ask an administrator for the right role, or hand the case to a colleague "
            "who has it.",
        )


def sees_all(user: Any) -> bool:
    """Dispatchers, supervisors, grid workers and administrators see every case."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(
        has(user, p)
        for p in ("register_case", "dispatch_case", "supervise_case", "verify_case", "merge_case")
    )


def visible_cases(user: Any) -> CaseQuerySet:
    """The cases a staff member may open in the console."""
    if sees_all(user):
        return Case.objects.all()
    if has(user, "view_console") and getattr(user, "department_id", None):
        acted = CaseEvent.objects.filter(department_id=user.department_id).values("case_id")
        return Case.objects.filter(Q(department_id=user.department_id) | Q(pk__in=acted))
    return Case.objects.none()


def can_view(user: Any, case: Case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


def require_view(user: Any, case: Case) -> None:
    if not can_view(user, case):
        raise PermissionDeniedError(
            f"Case {case.number} is not one of yours.",
            fix="Department staff see the cases dispatched to their department.",
        )


def in_case_department(user: User, case: Case) -> bool:
    return user.department_id is not None and user.department_id == case.department_id


def require_case_department(user: User, case: Case, action: str) -> None:
    if user.is_superuser:
        return
    if not in_case_department(user, case):
        department = case.department.name if case.department else "no department"
        raise PermissionDeniedError(
            f"Case {case.number} is assigned to {department}; you may not {action} it.",
            fix="Only staff of the department the case was dispatched to may do this.",
        )


def can_verify(user: User, case: Case) -> bool:
    if not has(user, "verify_case"):
        return False
    if case.department_id is not None and user.department_id == case.department_id:
        return False
    handler = (
        case.events.filter(kind=CaseEvent.Kind.HANDLED)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    return handler is None or handler != user.pk


def is_reporter(user: Any, case: Case) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and case.reporter_id is not None
        and case.reporter_id == user.pk
    )
