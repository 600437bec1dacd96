"""Draft-law consultation: comment per article, staff grouping, the submission, adoption."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from district.accounts.auth import permission_required
from district.core.access import public
from district.core.errors import DistrictError, InputError, PermissionDeniedError
from district.participation import services
from district.participation.forms import (
    AdoptionForm,
    CommentForm,
    DraftForm,
    PublishForm,
    add_service_error,
)
from district.participation.models import ArticleComment, DraftLaw, OpinionGroup

MANAGE = "participation.manage_draftlaw"


@public
@require_GET
def drafts(request: HttpRequest) -> HttpResponse:
    services.close_expired_drafts()
    return render(
        request,
        "participation/drafts.html",
        {
            "drafts": DraftLaw.objects.select_related("channel")
            .annotate(n_comments=Count("articles__comments"))
            .order_by("-opens_at", "-pk"),
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE)
def draft_new(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.POST or None, initial={"channel": "liaison-hongqiao"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        closes = timezone.make_aware(datetime.combine(data["closes_on"], time(23, 59, 59)))
        try:
            draft = services.create_draft_law(
                by=request.user,
                channel=data["channel"],
                title=data["title"],
                legislature=data["legislature"],
                summary=data["summary"],
                text=data["text"],
                closes_at=closes,
            )
        except DistrictError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The draft is open for comment."))
            return redirect("participation:draft", pk=draft.pk)
    return render(request, "participation/draft_form.html", {"form": form})


def _articles(draft: DraftLaw) -> Any:
    return draft.articles.annotate(
        n_agree=Count("comments", filter=Q(comments__stance="agree")),
        n_object=Count("comments", filter=Q(comments__stance="object")),
        n_propose=Count("comments", filter=Q(comments__stance="propose")),
    ).order_by("number")


@public
@require_GET
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    services.close_expired_drafts()
    item = services.get_draft(pk)
    mine: dict[int, list[ArticleComment]] = {}
    if request.user.is_authenticated:
        for comment in ArticleComment.objects.filter(article__draft=item, author=request.user):
            mine.setdefault(comment.article_id, []).append(comment)
    groups = None
    if item.status == DraftLaw.Status.PUBLISHED and item.submission:
        groups = [
            (
                article,
                [
                    {**g, "adoption_label": OpinionGroup.Adoption(g["adoption"]).label}
                    for g in article["groups"]
                ],
            )
            for article in item.submission["articles"]
            if article["groups"]
        ]
    articles = list(_articles(item))
    for article in articles:
        article.my_comments = mine.get(article.pk, [])
    return render(
        request,
        "participation/draft.html",
        {
            "draft": item,
            "articles": articles,
            "form": CommentForm(),
            "open": item.status == DraftLaw.Status.OPEN,
            "can_manage": services.is_channel_staff(request.user, item.channel)
            and request.user.has_perm(MANAGE),
            "adopted_groups": groups,
        },
    )


@require_POST
@login_required
def draft_comment(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.get_draft(pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    else:
        data = form.cleaned_data
        try:
            services.comment_on_article(
                draft_id=item.pk,
                article=data["article"],
                by=request.user,
                stance=data["stance"],
                text=data["text"],
                proposed_wording=data["proposed_wording"],
            )
        except DistrictError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Thank you: your opinion on article %(n)s is recorded.") % {"n": data["article"]},
            )
    url = reverse("participation:draft", args=[item.pk])
    return redirect(f"{url}#article-{request.POST.get('article', '')}")


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            raise InputError(
                f"{value!r} is not a comment id.", field="comment_ids", value=value
            ) from None
    return ids


def _manage_action(request: HttpRequest, item: DraftLaw, action: str) -> None:
    post = request.POST
    by = request.user
    if action == "group":
        services.group_comments(
            draft_id=item.pk,
            article=int(post.get("article", "0") or 0),
            comment_ids=_ids(post.getlist("comment")),
            by=by,
            summary=post.get("summary", ""),
            group_id=int(post["group"]) if post.get("group") else None,
        )
    elif action == "ungroup":
        services.ungroup_comment(comment_id=int(post.get("comment", "0") or 0), by=by)
    elif action == "offline":
        services.record_offline_comment(
            draft_id=item.pk,
            article=int(post.get("article", "0") or 0),
            by=by,
            stance=post.get("stance", ""),
            text=post.get("text", ""),
            proposed_wording=post.get("proposed_wording", ""),
        )
    elif action == "close":
        services.close_comment(draft_id=item.pk, by=by)
    elif action == "submit":
        services.submit_to_legislature(draft_id=item.pk, by=by)
    elif action == "adoption":
        form = AdoptionForm(post)
        if not form.is_valid():
            raise InputError("Choose whether the law adopted the opinion.", field="adoption")
        services.record_adoption(
            draft_id=item.pk,
            group_id=form.cleaned_data["group"],
            by=by,
            adoption=form.cleaned_data["adoption"],
            note=form.cleaned_data["note"],
        )
    elif action == "publish":
        publish = PublishForm(post)
        if not publish.is_valid():
            raise InputError(
                "Give the title of the law as passed and the date it was passed.",
                field="final_title",
            )
        _draft, notified = services.publish_adoption(
            draft_id=item.pk,
            by=by,
            final_title=publish.cleaned_data["final_title"],
            adopted_on=publish.cleaned_data["adopted_on"],
            note=publish.cleaned_data["note"],
        )
        messages.info(request, _("%(n)s residents who commented were told.") % {"n": notified})
    else:
        raise InputError(f"Unknown action {action!r}.", field="action", value=action)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE)
def draft_manage(request: HttpRequest, pk: int) -> HttpResponse:
    services.close_expired_drafts()
    item = services.get_draft(pk)
    if not services.is_channel_staff(request.user, item.channel):
        raise PermissionDeniedError(
            f"Only staff of {item.channel} may manage this draft.",
            fix="Ask an administrator to add you to the liaison point's staff.",
        )
    if request.method == "POST":
        try:
            _manage_action(request, item, request.POST.get("action", ""))
        except DistrictError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
        return redirect("participation:draft_manage", pk=item.pk)
    articles = []
    for article in item.articles.prefetch_related("comments", "groups__comments"):
        articles.append(
            {
                "article": article,
                "ungrouped": [c for c in article.comments.all() if c.group_id is None],
                "groups": list(article.groups.all()),
            }
        )
    return render(
        request,
        "participation/draft_manage.html",
        {
            "draft": item,
            "articles": articles,
            "suggested": services.suggest_groups(item),
            "stances": ArticleComment.Stance.choices,
            "adoption_choices": AdoptionForm.base_fields["adoption"].choices,  # type: ignore[attr-defined]
            "publish_form": PublishForm(initial={"final_title": item.title}),
            "editable": item.status in (DraftLaw.Status.OPEN, DraftLaw.Status.CLOSED),
        },
    )


def _snapshot(request: HttpRequest, item: DraftLaw) -> tuple[dict[str, Any], bool]:
    """The frozen submission, or (staff only) a preview from the live data."""
    if item.submission is not None:
        return item.submission, item.status == DraftLaw.Status.PUBLISHED
    if services.is_channel_staff(request.user, item.channel) and request.user.has_perm(MANAGE):
        return services.submission_snapshot(item), False
    raise PermissionDeniedError(
        "The submission is published once it has been sent to the legislature.",
        fix="Come back after the comment period.",
    )


@public
@require_GET
def submission_html(request: HttpRequest, pk: int) -> HttpResponse:
    from district.participation.submission import render_submission_html

    item = services.get_draft(pk)
    snapshot, adoption = _snapshot(request, item)
    response = HttpResponse(render_submission_html(snapshot, adoption=adoption))
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="submission-{item.pk}.html"'
    return response


@public
@require_GET
def submission_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    # Imported here: reportlab takes a while to load, and only this page needs it.
    from district.participation.submission import render_submission_pdf

    item = services.get_draft(pk)
    snapshot, adoption = _snapshot(request, item)
    response = HttpResponse(
        render_submission_pdf(snapshot, adoption=adoption), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="submission-{item.pk}.pdf"'
    return response
