"""The front page, the channel dashboards, the accountability page and "my participation"."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from district.core.access import public
from district.core.errors import InputError
from district.participation import services
from district.participation.models import (
    ArticleComment,
    Channel,
    Consultation,
    DraftLaw,
    Notice,
    Participant,
    Suggestion,
)


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/index.html",
        {
            "channels": Channel.objects.active(),
            "summary": services.suggestion_summary(),
            "consultations": Consultation.objects.visible().filter(status=Consultation.Status.OPEN)[
                :5
            ],
            "drafts": DraftLaw.objects.filter(status=DraftLaw.Status.OPEN)[:5],
            "recent": Suggestion.objects.answered()
            .select_related("channel", "department")
            .order_by("-answered_at")[:5],
        },
    )


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise InputError(
            f"Year {raw!r} is not a year.", field="year", value=raw, fix="Give e.g. 2026."
        )
    return int(raw)


@public
@require_GET
def channels(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    start = date(year, 1, 1) if year else None
    end = date(year + 1, 1, 1) if year else None
    return render(
        request,
        "participation/channels.html",
        {
            "figures": services.channel_dashboards(start=start, end=end),
            "total": services.suggestion_summary(start=start, end=end),
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        },
    )


@public
@require_GET
def channel(request: HttpRequest, code: str) -> HttpResponse:
    target = services.get_channel(code)
    year = _year(request)
    start = date(year, 1, 1) if year else None
    end = date(year + 1, 1, 1) if year else None
    suggestions = (
        Suggestion.objects.filter(channel=target)
        .select_related("department")
        .order_by("-submitted_at")
    )
    return render(
        request,
        "participation/channel.html",
        {
            "channel": target,
            "summary": services.suggestion_summary(start=start, end=end, channel=code),
            "page": Paginator(suggestions, 25).get_page(request.GET.get("page")),
            "staff": target.staff.all(),
            "consultations": target.consultations.visible(),
            "drafts": target.draft_laws.all(),
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        },
    )


@public
@require_GET
def accountability(request: HttpRequest) -> HttpResponse:
    """Every suggestion, consultation and draft law with its outcome and what was done."""
    kind = request.GET.get("kind", "suggestions")
    if kind not in ("suggestions", "consultations", "drafts"):
        kind = "suggestions"
    outcome = request.GET.get("outcome", "")
    suggestions = Suggestion.objects.select_related("channel", "department").order_by(
        "-submitted_at"
    )
    if outcome in Suggestion.Outcome.values:
        suggestions = suggestions.filter(outcome=outcome)
    elif outcome == "open":
        suggestions = suggestions.open()
    return render(
        request,
        "participation/accountability.html",
        {
            "kind": kind,
            "outcome": outcome,
            "outcomes": Suggestion.Outcome.choices,
            "page": Paginator(suggestions, 30).get_page(request.GET.get("page")),
            "consultations": Consultation.objects.visible().select_related("channel"),
            "drafts": DraftLaw.objects.select_related("channel"),
            "summary": services.suggestion_summary(),
        },
    )


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    notices = Notice.objects.filter(user=user)
    unread = list(notices.filter(read_at__isnull=True).values_list("pk", flat=True))
    response = render(
        request,
        "participation/mine.html",
        {
            "notices": notices[:50],
            "unread": set(unread),
            "suggestions": Suggestion.objects.filter(author=user).select_related("channel"),
            "consultations": Consultation.objects.filter(
                pk__in=Participant.objects.filter(user=user).values("consultation")
            ),
            "drafts": DraftLaw.objects.filter(
                pk__in=ArticleComment.objects.filter(author=user).values("article__draft")
            ),
        },
    )
    if unread:
        services.mark_notices_read(user=user, notice_ids=unread, at=timezone.now())
    return response
