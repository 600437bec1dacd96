"""Suggestions: the resident's form and public page, the staff queue and actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from district.accounts.auth import role_required, user_has_role
from district.core.access import public
from district.core.errors import DistrictError, InputError, PermissionDeniedError
from district.participation import services
from district.participation.forms import (
    AnswerForm,
    CaseForm,
    ReferForm,
    RouteForm,
    SuggestionForm,
    TrackForm,
    add_service_error,
)
from district.participation.models import Channel, Suggestion

STAFF_ROLES = ("dispatcher", "supervisor", "department_staff", "administrator")


@public
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    initial = {"channel": request.GET.get("channel", "platform")}
    form = SuggestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion = services.submit_suggestion(
                channel=data["channel"],
                title=data["title"],
                body=data["body"],
                author=request.user if request.user.is_authenticated else None,
                anonymous=data["anonymous"] or not request.user.is_authenticated,
                contact=data["contact"],
                lon=data["lon"],
                lat=data["lat"],
            )
        except InputError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Received. Your suggestion number is %(number)s; keep it to follow the reply.")
                % {"number": suggestion.number},
            )
            return redirect("participation:suggestion", number=suggestion.number)
    return render(request, "participation/suggest.html", {"form": form})


def _can_see_private(user: Any, suggestion: Suggestion) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if suggestion.author_id == user.pk:
        return True
    return (
        services.is_channel_staff(user, suggestion.channel)
        and user.has_perm("participation.route_suggestion")
    ) or (
        suggestion.department_id is not None
        and suggestion.department_id == getattr(user, "department_id", None)
        and user.has_perm("participation.reply_suggestion")
    )


@public
@require_GET
def suggestion(request: HttpRequest, number: str) -> HttpResponse:
    """The public page: what was suggested, where it went, the reply and the outcome."""
    item = services.get_suggestion(number)
    return render(
        request,
        "participation/suggestion.html",
        {
            "suggestion": item,
            "events": item.events.select_related("department"),
            "private": _can_see_private(request.user, item),
            "staff_view": _can_act(request.user, item),
        },
    )


@public
@require_GET
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        try:
            item = services.get_suggestion(form.cleaned_data["number"])
        except DistrictError as error:
            add_service_error(form, error)
        else:
            return redirect("participation:suggestion", number=item.number)
    return render(request, "participation/track.html", {"form": form})


def _queue(user: Any) -> Any:
    queryset = Suggestion.objects.select_related("channel", "department")
    if services.is_overseer(user):
        return queryset
    mine = Q(pk__in=[])
    if user.has_perm("participation.route_suggestion"):
        mine |= Q(channel__in=Channel.objects.staffed_by(user))
    if user.has_perm("participation.reply_suggestion") and user.department_id:
        mine |= Q(department_id=user.department_id)
    return queryset.filter(mine)


@require_GET
@role_required(*STAFF_ROLES)
def staff_queue(request: HttpRequest) -> HttpResponse:
    """Suggestions the user's channels and department must act on."""
    status = request.GET.get("status", "open")
    queryset = _queue(request.user)
    if status == "open":
        queryset = queryset.open()
    elif status in Suggestion.Status.values:
        queryset = queryset.filter(status=status)
    if request.GET.get("overdue"):
        queryset = queryset.open().filter(due_at__lt=timezone.now())
    channel = request.GET.get("channel", "")
    if channel:
        queryset = queryset.filter(channel__code=channel)
    return render(
        request,
        "participation/staff_queue.html",
        {
            "page": Paginator(queryset.order_by("due_at", "pk"), 30).get_page(
                request.GET.get("page")
            ),
            "status": status,
            "statuses": Suggestion.Status.choices,
            "channel": channel,
            "channels": Channel.objects.active(),
            "overdue": bool(request.GET.get("overdue")),
            "now": timezone.now(),
            "missing_years": services.missing_calendar_years(),
        },
    )


def _can_act(user: Any, item: Suggestion) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(_queue(user).filter(pk=item.pk).exists())


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def staff_suggestion(request: HttpRequest, number: str) -> HttpResponse:
    item = services.get_suggestion(number)
    if not _can_act(request.user, item):
        raise PermissionDeniedError(
            f"Suggestion {item.number} belongs to {item.channel}; you are not its staff "
            "and it is not with your department.",
            fix="Open it from your own queue.",
        )
    action = request.POST.get("action", "")
    forms = {
        "route": RouteForm(request.POST if action == "route" else None),
        "answer": AnswerForm(request.POST if action == "answer" else None),
        "refer": ReferForm(request.POST if action == "refer" else None),
        "case": CaseForm(request.POST if action == "case" else None),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        data = form.cleaned_data
        try:
            if action == "route":
                services.route_suggestion(
                    number=item.number,
                    department=data["department"],
                    by=request.user,
                    note=data["note"],
                )
            elif action == "answer":
                services.answer_suggestion(
                    number=item.number,
                    by=request.user,
                    reply=data["reply"],
                    outcome=data["outcome"],
                    reason=data["outcome_reason"],
                    action_taken=data["action_taken"],
                    referred_to=data["referred_to"],
                )
            elif action == "refer":
                services.refer_suggestion(
                    number=item.number,
                    by=request.user,
                    referred_to=data["referred_to"],
                    reply=data["reply"],
                )
            else:
                services.convert_suggestion_to_case(
                    number=item.number,
                    by=request.user,
                    category=data["category"],
                    reply=data["reply"],
                )
        except (InputError, PermissionDeniedError) as error:
            add_service_error(form, error)
        except DistrictError as error:
            messages.error(request, str(error))
            return redirect("participation:staff_suggestion", number=item.number)
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:staff_suggestion", number=item.number)
    item.refresh_from_db()
    user = request.user
    return render(
        request,
        "participation/staff_suggestion.html",
        {
            "suggestion": item,
            "events": item.events.select_related("department", "actor"),
            "forms": forms,
            "action": action,
            "can_route": services.is_channel_staff(user, item.channel)
            and user.has_perm("participation.route_suggestion"),
            "can_answer": user.has_perm("participation.reply_suggestion")
            and (
                services.is_overseer(user)
                or getattr(user, "department_id", None) == item.department_id
            ),
            "is_supervisor": user_has_role(user, "supervisor"),
        },
    )
