"""The staff console: the queue, the case page with its actions, the overdue board."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from district.accounts.auth import permission_required, user_has_role
from district.accounts.models import Department, User
from district.cases import forms as f
from district.cases import services
from district.cases.models import (
    OPEN_STATUSES,
    Case,
    DueState,
    ExtensionRequest,
    Status,
)
from district.cases.services import access
from district.cases.views.common import base_context, language, to_json
from district.core.errors import DistrictError, InputError, NotFoundError
from district.geo import services as geo

PAGE_SIZE = 50


def _my_queue(user: User, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """What each role works on first."""
    if user.is_superuser:
        return queryset.filter(status__in=OPEN_STATUSES)
    wanted = Q()
    if access.has(user, "register_case") or access.has(user, "dispatch_case"):
        wanted |= Q(status__in=[Status.RECEIVED, Status.REGISTERED])
        wanted |= Q(status=Status.DISPATCHED, extensions__state=ExtensionRequest.State.PENDING)
    if access.has(user, "handle_case") and user.department_id:
        wanted |= Q(status=Status.DISPATCHED, department_id=user.department_id)
    if access.has(user, "verify_case"):
        verify = Q(status=Status.HANDLED)
        if user.department_id:
            verify &= ~Q(department_id=user.department_id)
        wanted |= verify
    if access.has(user, "supervise_case"):
        wanted |= Q(status__in=OPEN_STATUSES, due_state__in=[DueState.OVERDUE, DueState.DUE_SOON])
    if not wanted:
        return queryset.none()
    return queryset.filter(wanted).distinct()


@require_GET
@permission_required("cases.view_console")
def console(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = f.QueueFilterForm(request.GET or None, language=language())
    data = form.cleaned_data if form.is_valid() else {}
    queue = data.get("queue") or "mine"
    queryset: QuerySet[Case] = access.visible_cases(user).with_related()
    if request.GET.get("synthetic") != "1":
        queryset = queryset.filter(is_synthetic=False)
    if queue == "mine":
        queryset = _my_queue(user, queryset)
    elif queue == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("category"):
        code = data["category"]
        queryset = queryset.filter(Q(category__code=code) | Q(category__parent__code=code))
    if data.get("department"):
        queryset = queryset.filter(department__code=data["department"])
    if data.get("due_state"):
        queryset = queryset.filter(due_state=data["due_state"])
    if data.get("channel"):
        queryset = queryset.filter(channel=data["channel"])
    if data.get("q"):
        text = data["q"].strip()
        queryset = queryset.filter(
            Q(number=services.normalise_number(text))
            | Q(title__icontains=text)
            | Q(description__icontains=text)
        )
    queryset = queryset.annotate(
        urgency=When_(
            When(due_state=DueState.OVERDUE, then=Value(0)),
            When(due_state=DueState.DUE_SOON, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("urgency", "stage_due_at", "-received_at")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/console.html",
        base_context(request, form=form, page=page, queue=queue, query=query.urlencode()),
    )


def _actions(user: User, case: Case) -> dict[str, bool]:
    """Which action forms to show (the services check again on submit)."""
    status = case.status
    handles = access.has(user, "handle_case") and (
        user.is_superuser or access.in_case_department(user, case)
    )
    return {
        "register": access.has(user, "register_case") and status == Status.RECEIVED,
        "reject": access.has(user, "register_case") and status == Status.RECEIVED,
        "locate": access.has(user, "register_case")
        and status in (Status.RECEIVED, Status.REGISTERED),
        "recategorise": access.has(user, "register_case")
        and status in (Status.RECEIVED, Status.REGISTERED),
        "dispatch": access.has(user, "dispatch_case") and status == Status.REGISTERED,
        "handle": handles and status == Status.DISPATCHED,
        "return": handles and status == Status.DISPATCHED,
        "extension": handles and status == Status.DISPATCHED,
        "verify": status == Status.HANDLED and access.can_verify(user, case),
        "supervise": access.has(user, "supervise_case") and status in OPEN_STATUSES,
        "escalate": access.has(user, "supervise_case")
        and status in OPEN_STATUSES
        and case.escalation_level < 2,
        "reopen": access.has(user, "supervise_case") and status == Status.CLOSED,
        "merge": access.has(user, "merge_case") and status in (Status.RECEIVED, Status.REGISTERED),
        "unmerge": access.has(user, "merge_case") and status == Status.MERGED,
        "split": access.has(user, "merge_case") and status in OPEN_STATUSES,
        "decide": access.has(user, "decide_extension")
        and not access.in_case_department(user, case),
        "note": True,
    }


def _map_data(case: Case) -> dict[str, Any]:
    cell = None
    if case.cell_code:
        try:
            cell = geo.get_cell(case.cell_code).geometry
        except NotFoundError:
            cell = None
    return {
        "point": [case.lon, case.lat] if case.lon is not None else None,
        "cell": cell,
        "cell_code": case.cell_code,
        "number": case.number,
    }


@require_GET
@permission_required("cases.view_console")
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    case = services.get_case(number)
    access.require_view(user, case)
    actions = _actions(user, case)
    lang = language()
    version = {"version": case.version}
    forms = {
        "register": f.ReasonForm(initial=version, prefix="register"),
        "reject": f.ReasonForm(initial=version, prefix="reject"),
        "dispatch": f.DispatchForm(
            initial={
                **version,
                "department": case.routed_department.code if case.routed_department else None,
            },
            prefix="dispatch",
        ),
        "return": f.ReasonForm(initial=version, prefix="return"),
        "handle": f.HandleForm(initial=version, prefix="handle"),
        "extension": f.ExtensionForm(initial=version, prefix="extension"),
        "verify": f.VerifyForm(initial=version, prefix="verify"),
        "supervise": f.ReasonForm(prefix="supervise"),
        "escalate": f.ReasonForm(prefix="escalate"),
        "reopen": f.ReasonForm(initial=version, prefix="reopen"),
        "merge": f.MergeForm(prefix="merge"),
        "unmerge": f.ReasonForm(prefix="unmerge"),
        "split": f.SplitForm(prefix="split", language=lang),
        "recategorise": f.RecategoriseForm(initial=version, prefix="recategorise", language=lang),
        "locate": f.LocateForm(
            initial={**version, "lon": case.lon, "lat": case.lat}, prefix="locate"
        ),
        "note": f.NoteForm(prefix="note"),
        "decide": f.DecideExtensionForm(prefix="decide"),
    }
    duplicates = []
    if actions["merge"]:
        duplicates = services.suggest_duplicates_for(
            category_code=case.category.code,
            lon=case.lon,
            lat=case.lat,
            text=f"{case.title} {case.description}",
            at=case.received_at,
            exclude_number=case.number,
        )
    suggestions = []
    if actions["register"] or actions["recategorise"]:
        try:
            suggestions = services.suggest_categories(
                case.title,
                detail=case.description,
                cell_code=case.cell_code,
                subdistrict_code=case.subdistrict_code,
            )
        except DistrictError:
            suggestions = []
    departments = {d.pk: d for d in Department.objects.all()}
    show_contact = not case.anonymous or access.sees_all(user)
    return render(
        request,
        "cases/case.html",
        base_context(
            request,
            case=case,
            events=case.events.select_related("actor", "department").prefetch_related("photos"),
            photos=case.photos.filter(event__isnull=True),
            extensions=case.extensions.select_related("requested_by", "decided_by"),
            merged=case.merged_cases.all(),
            actions=actions,
            forms=forms,
            duplicates=duplicates,
            suggestions=suggestions,
            departments=departments,
            map_data=to_json(_map_data(case)),
            show_contact=show_contact,
            category_info=services.catalogue().by_pk.get(case.category_id),
            now=timezone.now(),
        ),
    )


def _run(form: Any, call: Callable[[dict[str, Any]], Any]) -> Any:
    if not form.is_valid():
        problems = "; ".join(
            f"{name}: {', '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        )
        raise InputError(problems, fix=_("Correct the form and send it again."))
    return call(form.cleaned_data)


@require_POST
@permission_required("cases.view_console")
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One workflow step from the case page; the service decides, the page reports."""
    user = request.user
    assert isinstance(user, User)
    post, files = request.POST, request.FILES
    lang = language()
    target = redirect("cases:case", number=services.normalise_number(number))
    handlers: dict[str, Callable[[], Any]] = {
        "register": lambda: _run(
            f.ReasonForm(post, prefix="register"),
            lambda d: services.register_case(
                case=number, by=user, reason=d["reason"], version=d["version"]
            ),
        ),
        "reject": lambda: _run(
            f.ReasonForm(post, prefix="reject"),
            lambda d: services.reject_case(
                case=number, by=user, reason=d["reason"], version=d["version"]
            ),
        ),
        "dispatch": lambda: _run(
            f.DispatchForm(post, prefix="dispatch"),
            lambda d: services.dispatch_case(
                case=number,
                by=user,
                department_code=d["department"].code,
                note=d["reason"],
                version=d["version"],
            ),
        ),
        "return": lambda: _run(
            f.ReasonForm(post, prefix="return"),
            lambda d: services.return_case(
                case=number, by=user, reason=d["reason"], version=d["version"]
            ),
        ),
        "handle": lambda: _run(
            f.HandleForm(post, files, prefix="handle"),
            lambda d: services.handle_case(
                case=number, by=user, note=d["reason"], photos=d["photos"], version=d["version"]
            ),
        ),
        "extension": lambda: _run(
            f.ExtensionForm(post, prefix="extension"),
            lambda d: services.request_extension(
                case=number, by=user, hours=d["hours"], reason=d["reason"], version=d["version"]
            ),
        ),
        "verify": lambda: _run(
            f.VerifyForm(post, files, prefix="verify"),
            lambda d: services.verify_case(
                case=number,
                by=user,
                passed=d["passed"],
                note=d["reason"],
                photos=d["photos"],
                version=d["version"],
            ),
        ),
        "supervise": lambda: _run(
            f.ReasonForm(post, prefix="supervise"),
            lambda d: services.supervise_case(case=number, by=user, note=d["reason"]),
        ),
        "escalate": lambda: _run(
            f.ReasonForm(post, prefix="escalate"),
            lambda d: services.escalate_case(case=number, by=user, reason=d["reason"]),
        ),
        "reopen": lambda: _run(
            f.ReasonForm(post, prefix="reopen"),
            lambda d: services.reopen_case(
                case=number, by=user, reason=d["reason"], version=d["version"]
            ),
        ),
        "merge": lambda: _run(
            f.MergeForm(post, prefix="merge"),
            lambda d: services.merge_case(case=number, into=d["into"], by=user, reason=d["reason"]),
        ),
        "unmerge": lambda: _run(
            f.ReasonForm(post, prefix="unmerge"),
            lambda d: services.unmerge_case(case=number, by=user, reason=d["reason"]),
        ),
        "split": lambda: _run(
            f.SplitForm(post, prefix="split", language=lang),
            lambda d: services.split_case(
                case=number,
                by=user,
                category_code=d["category"],
                description=d["description"],
                reason=d["reason"],
            ),
        ),
        "recategorise": lambda: _run(
            f.RecategoriseForm(post, prefix="recategorise", language=lang),
            lambda d: services.recategorise_case(
                case=number,
                by=user,
                category_code=d["category"],
                reason=d["reason"],
                version=d["version"],
            ),
        ),
        "locate": lambda: _run(
            f.LocateForm(post, prefix="locate"),
            lambda d: services.locate_case(
                case=number, by=user, lon=d["lon"], lat=d["lat"], version=d["version"]
            ),
        ),
        "note": lambda: _run(
            f.NoteForm(post, prefix="note"),
            lambda d: services.add_note(case=number, by=user, text=d["reason"], public=d["public"]),
        ),
    }
    handler = handlers.get(action)
    if handler is None:
        raise NotFoundError(f"Unknown action {action!r}.", field="action")
    try:
        result = handler()
    except DistrictError as error:
        messages.error(request, str(error))
        return target
    messages.success(
        request, _("Done: %(action)s.") % {"action": _ACTION_LABELS.get(action, action)}
    )
    if action == "split" and result is not None:
        return redirect("cases:case", number=result.case.number)
    if action == "merge":
        return redirect("cases:case", number=services.normalise_number(post.get("merge-into", "")))
    return target


_ACTION_LABELS = {
    "register": "立案 register",
    "reject": "不予立案 refuse",
    "dispatch": "派遣 dispatch",
    "return": "回退 return",
    "handle": "处置 handled",
    "extension": "延期申请 extension requested",
    "verify": "核查 verification",
    "supervise": "督办 supervision",
    "escalate": "提级 escalation",
    "reopen": "reopen",
    "merge": "merge",
    "unmerge": "separate",
    "split": "split",
    "recategorise": "category changed",
    "locate": "located",
    "note": "note",
}


@require_POST
@permission_required("cases.decide_extension")
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    request_row = ExtensionRequest.objects.select_related("case").filter(pk=pk).first()
    if request_row is None:
        raise NotFoundError(f"No extension request {pk}.", field="request")
    form = f.DecideExtensionForm(request.POST, prefix="decide")
    try:
        _run(
            form,
            lambda d: services.decide_extension(
                request_id=pk, by=user, approve=d["approve"], note=d["reason"]
            ),
        )
    except DistrictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("cases:case", number=request_row.case.number)


@require_GET
@permission_required("cases.view_console")
def board(request: HttpRequest) -> HttpResponse:
    """The supervisor's board: overdue and due-soon cases by department and level."""
    user = request.user
    queryset = access.visible_cases(user).filter(status__in=OPEN_STATUSES)
    if request.GET.get("synthetic") != "1":
        queryset = queryset.filter(is_synthetic=False)
    late = queryset.filter(due_state__in=[DueState.OVERDUE, DueState.DUE_SOON]).with_related()
    by_department = (
        queryset.values("department__code", "department__name")
        .annotate(
            overdue=Count("pk", filter=Q(due_state=DueState.OVERDUE)),
            due_soon=Count("pk", filter=Q(due_state=DueState.DUE_SOON)),
            open=Count("pk"),
            escalated=Count("pk", filter=Q(escalation_level__gte=1)),
        )
        .order_by("-overdue", "-due_soon", "department__code")
    )
    return render(
        request,
        "cases/board.html",
        base_context(
            request,
            late=late.order_by("-escalation_level", "stage_due_at")[:200],
            by_department=by_department,
            supervisor=user_has_role(user, "supervisor"),
            now=timezone.now(),
        ),
    )
