"""Draft-law consultation (立法征询) at a grassroots legislative liaison point.

The path: staff put a draft out for comment, split into articles (:func:`create_draft_law`);
residents comment on an article — agree, object, or propose a wording
(:func:`comment_on_article`), and staff record what is said at meetings
(:func:`record_offline_comment`); after the deadline staff group similar comments under a
representative opinion (:func:`group_comments`, helped by :func:`suggest_groups`); the
submission to the legislature, with counts per article and the representative opinions, is
frozen when sent (:func:`submit_to_legislature`) and downloadable as HTML and PDF; when the
law is passed staff record which opinions it adopted (:func:`record_adoption`) and publish
that back to everyone who commented (:func:`publish_adoption`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from district.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from district.participation.drafting import group_similar, split_articles
from district.participation.models import (
    Article,
    ArticleComment,
    Channel,
    DraftLaw,
    Notice,
    OpinionGroup,
)
from district.participation.services.common import clean_text, notify, require_channel_staff

MANAGE = "participation.manage_draftlaw"
SAMPLE_WORDINGS = 3


def get_draft(draft_id: int) -> DraftLaw:
    draft = DraftLaw.objects.select_related("channel").filter(pk=draft_id).first()
    if draft is None:
        raise NotFoundError(f"No draft law has id {draft_id}.", field="draft", value=draft_id)
    return draft


def _locked(draft_id: int) -> DraftLaw:
    get_draft(draft_id)
    return (
        DraftLaw.objects.select_for_update(of=("self",)).select_related("channel").get(pk=draft_id)
    )


def _article(draft: DraftLaw, number: int) -> Article:
    article = Article.objects.filter(draft=draft, number=number).first()
    if article is None:
        raise NotFoundError(
            f"The draft has no article {number}.",
            field="article",
            value=number,
            fix=f"Articles run from 1 to {draft.articles.count()}.",
        )
    return article


def _require_staff(by: Any, draft: DraftLaw, action: str) -> None:
    require_channel_staff(by, draft.channel, MANAGE, action)


def _require_status(draft: DraftLaw, *statuses: str, action: str) -> None:
    if draft.status not in statuses:
        raise ConflictError(
            f"The draft is {draft.get_status_display()}: it is too early or too late to {action}.",
            field="status",
            value=draft.status,
        )


@transaction.atomic
def create_draft_law(
    *,
    by: Any,
    channel: str,
    title: str,
    legislature: str,
    text: str,
    closes_at: datetime,
    summary: str = "",
    opens_at: datetime | None = None,
    is_demo: bool = False,
) -> DraftLaw:
    """Put a draft out for comment; ``text`` is split into its articles (第一条 …)."""
    target = Channel.objects.filter(code=channel).first()
    if target is None:
        raise InputError(f"There is no channel {channel!r}.", field="channel", value=channel)
    require_channel_staff(by, target, MANAGE, "open draft-law consultations")
    title = clean_text(title, field="title", label="Title", max_length=200)
    legislature = clean_text(legislature, field="legislature", label="Legislature", max_length=200)
    summary = clean_text(summary, field="summary", label="Summary", max_length=5000, required=False)
    articles = split_articles(text)
    opens = opens_at or timezone.now()
    if closes_at <= opens:
        raise InputError(
            f"The comment period closes ({closes_at:%Y-%m-%d %H:%M}) before it opens "
            f"({opens:%Y-%m-%d %H:%M}).",
            field="closes_at",
            value=closes_at.isoformat(),
            fix="Give a closing time after the opening.",
        )
    draft = DraftLaw.objects.create(
        title=title,
        legislature=legislature,
        summary=summary,
        channel=target,
        status=DraftLaw.Status.OPEN,
        opens_at=opens,
        closes_at=closes_at,
        created_by=by,
        is_demo=is_demo,
    )
    Article.objects.bulk_create(
        [Article(draft=draft, number=a.number, heading=a.heading, text=a.text) for a in articles]
    )
    return draft


def _check_comment(stance: str, text: str, proposed_wording: str) -> tuple[str, str]:
    if stance not in ArticleComment.Stance.values:
        raise InputError(
            f"Stance {stance!r} is not one of {', '.join(ArticleComment.Stance.values)}.",
            field="stance",
            value=stance,
            fix="Choose agree, object or propose a wording.",
        )
    text = clean_text(text, field="text", label="Comment", max_length=3000, required=False)
    wording = clean_text(
        proposed_wording,
        field="proposed_wording",
        label="Proposed wording",
        max_length=3000,
        required=stance == ArticleComment.Stance.PROPOSE,
    )
    if stance == ArticleComment.Stance.OBJECT and not text:
        raise InputError(
            "An objection needs its reason.",
            field="text",
            fix="Say what is wrong with the article.",
        )
    return text, wording


@transaction.atomic
def comment_on_article(
    *,
    draft_id: int,
    article: int,
    by: Any,
    stance: str,
    text: str = "",
    proposed_wording: str = "",
    at: datetime | None = None,
) -> ArticleComment:
    """A resident's comment on one article while the draft is open for comment."""
    draft = get_draft(draft_id)
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError(
            "Log in to comment, so that you can be told which opinions the law adopted.",
            fix="Log in, then comment.",
        )
    when = at or timezone.now()
    if draft.status != DraftLaw.Status.OPEN or not draft.opens_at <= when < draft.closes_at:
        raise ConflictError(
            "Comment on this draft is closed (it ran until "
            f"{timezone.localtime(draft.closes_at):%Y-%m-%d %H:%M}).",
            field="status",
            value=draft.status,
        )
    target = _article(draft, article)
    text, wording = _check_comment(stance, text, proposed_wording)
    return ArticleComment.objects.create(
        article=target,
        author=by,
        source=ArticleComment.Source.ONLINE,
        stance=stance,
        text=text,
        proposed_wording=wording,
        created_at=when,
    )


@transaction.atomic
def record_offline_comment(
    *,
    draft_id: int,
    article: int,
    by: Any,
    stance: str,
    text: str = "",
    proposed_wording: str = "",
    at: datetime | None = None,
) -> ArticleComment:
    """Staff record an opinion given at a meeting or in the opinion box (座谈会、意见箱)."""
    draft = get_draft(draft_id)
    _require_staff(by, draft, "record opinions")
    _require_status(draft, DraftLaw.Status.OPEN, DraftLaw.Status.CLOSED, action="record opinions")
    target = _article(draft, article)
    text, wording = _check_comment(stance, text, proposed_wording)
    return ArticleComment.objects.create(
        article=target,
        author=None,
        source=ArticleComment.Source.OFFLINE,
        stance=stance,
        text=text,
        proposed_wording=wording,
        created_at=at or timezone.now(),
        recorded_by=by,
    )


@transaction.atomic
def close_comment(*, draft_id: int, by: Any, at: datetime | None = None) -> DraftLaw:
    """End the comment period now (it also ends by itself at ``closes_at``)."""
    draft = _locked(draft_id)
    _require_staff(by, draft, "close comment")
    _require_status(draft, DraftLaw.Status.OPEN, action="close comment")
    when = at or timezone.now()
    draft.status = DraftLaw.Status.CLOSED
    if when < draft.closes_at:
        draft.closes_at = max(when, draft.opens_at + timedelta(seconds=1))
    draft.save(update_fields=["status", "closes_at"])
    return draft


def close_expired_drafts(now: datetime | None = None) -> int:
    """Mark drafts whose comment period has ended as closed; returns how many."""
    moment = now or timezone.now()
    return DraftLaw.objects.filter(status=DraftLaw.Status.OPEN, closes_at__lte=moment).update(
        status=DraftLaw.Status.CLOSED
    )


@transaction.atomic
def group_comments(
    *,
    draft_id: int,
    article: int,
    comment_ids: Sequence[int],
    by: Any,
    summary: str = "",
    group_id: int | None = None,
    at: datetime | None = None,
) -> OpinionGroup:
    """Put similar comments of one article under one representative opinion.

    With ``group_id`` the comments join that group; otherwise a new group is made with
    ``summary`` as its representative opinion.
    """
    draft = get_draft(draft_id)
    _require_staff(by, draft, "group comments")
    _require_status(draft, DraftLaw.Status.OPEN, DraftLaw.Status.CLOSED, action="group comments")
    target = _article(draft, article)
    ids = sorted({int(i) for i in comment_ids})
    comments = list(ArticleComment.objects.filter(pk__in=ids))
    if not ids or len(comments) != len(ids):
        missing = sorted(set(ids) - {c.pk for c in comments}) or ids
        raise InputError(
            f"Comment(s) {missing[:5]} do not exist." if ids else "No comments were chosen.",
            field="comment_ids",
            value=missing[:5],
            fix="Tick the comments to group.",
        )
    foreign = [c.pk for c in comments if c.article_id != target.pk]
    if foreign:
        raise InputError(
            f"Comment(s) {foreign[:5]} are on another article.",
            field="comment_ids",
            value=foreign[:5],
            fix="Group comments on one article at a time.",
        )
    if group_id is not None:
        group = OpinionGroup.objects.filter(pk=group_id, article=target).first()
        if group is None:
            raise NotFoundError(
                f"Article {article} has no opinion group {group_id}.", field="group", value=group_id
            )
        if summary.strip():
            group.summary = clean_text(
                summary, field="summary", label="Representative opinion", max_length=3000
            )
            group.save(update_fields=["summary"])
    else:
        group = OpinionGroup.objects.create(
            article=target,
            summary=clean_text(
                summary, field="summary", label="Representative opinion", max_length=3000
            ),
            created_by=by,
            created_at=at or timezone.now(),
        )
    ArticleComment.objects.filter(pk__in=ids).update(group=group)
    return group


@transaction.atomic
def ungroup_comment(*, comment_id: int, by: Any) -> ArticleComment:
    comment = (
        ArticleComment.objects.select_related("article__draft__channel")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise NotFoundError(f"No comment has id {comment_id}.", field="comment", value=comment_id)
    draft = comment.article.draft
    _require_staff(by, draft, "group comments")
    _require_status(draft, DraftLaw.Status.OPEN, DraftLaw.Status.CLOSED, action="regroup comments")
    old_group = comment.group
    comment.group = None
    comment.save(update_fields=["group"])
    if old_group is not None and not old_group.comments.exists():
        old_group.delete()
    return comment


def suggest_groups(
    draft: DraftLaw, *, threshold: float = 0.3
) -> list[tuple[Article, list[ArticleComment]]]:
    """Ungrouped comments that look alike, per article, for staff to confirm."""
    suggestions = []
    for article in draft.articles.all():
        comments = list(article.comments.filter(group__isnull=True).order_by("pk"))
        texts = [f"{c.text} {c.proposed_wording}" for c in comments]
        for indexes in group_similar(texts, threshold=threshold):
            suggestions.append((article, [comments[i] for i in indexes]))
    return suggestions


def _stance_counts(queryset: Any) -> dict[str, int]:
    counts = queryset.aggregate(
        agree=Count("pk", filter=Q(stance=ArticleComment.Stance.AGREE)),
        object=Count("pk", filter=Q(stance=ArticleComment.Stance.OBJECT)),
        propose=Count("pk", filter=Q(stance=ArticleComment.Stance.PROPOSE)),
        total=Count("pk"),
    )
    return {key: int(value) for key, value in counts.items()}


def submission_snapshot(draft: DraftLaw, *, at: datetime | None = None) -> dict[str, Any]:
    """The submission's content: counts per article and the representative opinions.

    Opinion groups are listed by size; comments not grouped are counted and their proposed
    wordings listed, so nothing said is left out.
    """
    articles = []
    for article in draft.articles.all():
        comments = article.comments.all()
        groups = []
        for group in article.groups.annotate(size=Count("comments")).order_by("-size", "pk"):
            members = group.comments.all()
            wordings = [c.proposed_wording for c in members.order_by("pk") if c.proposed_wording][
                :SAMPLE_WORDINGS
            ]
            groups.append(
                {
                    "id": group.pk,
                    "summary": group.summary,
                    "size": int(group.size),
                    "stances": _stance_counts(members),
                    "wordings": wordings,
                    "adoption": group.adoption,
                    "adoption_note": group.adoption_note,
                }
            )
        loose = comments.filter(group__isnull=True).order_by("pk")
        articles.append(
            {
                "number": article.number,
                "heading": article.heading,
                "text": article.text,
                "counts": _stance_counts(comments),
                "commenters": comments.exclude(author__isnull=True)
                .values("author")
                .distinct()
                .count(),
                "offline": comments.filter(source=ArticleComment.Source.OFFLINE).count(),
                "groups": groups,
                "ungrouped": [
                    {
                        "stance": c.stance,
                        "text": c.text,
                        "proposed_wording": c.proposed_wording,
                    }
                    for c in loose
                ],
            }
        )
    all_comments = ArticleComment.objects.filter(article__draft=draft)
    return {
        "draft_id": draft.pk,
        "title": draft.title,
        "legislature": draft.legislature,
        "channel": draft.channel.name,
        "channel_en": draft.channel.name_en,
        "opens_at": draft.opens_at.isoformat(),
        "closes_at": draft.closes_at.isoformat(),
        "generated_at": (at or timezone.now()).isoformat(),
        "totals": {
            **_stance_counts(all_comments),
            "commenters": all_comments.exclude(author__isnull=True)
            .values("author")
            .distinct()
            .count(),
            "offline": all_comments.filter(source=ArticleComment.Source.OFFLINE).count(),
            "groups": OpinionGroup.objects.filter(article__draft=draft).count(),
        },
        "articles": articles,
        "is_demo": draft.is_demo,
    }


@transaction.atomic
def submit_to_legislature(*, draft_id: int, by: Any, at: datetime | None = None) -> DraftLaw:
    """Freeze the submission as sent; the comment period must be over."""
    draft = _locked(draft_id)
    _require_staff(by, draft, "submit opinions to the legislature")
    close_expired_drafts(at)
    draft.refresh_from_db()
    _require_status(draft, DraftLaw.Status.CLOSED, action="submit (close comment first)")
    when = at or timezone.now()
    if not ArticleComment.objects.filter(article__draft=draft).exists():
        raise ConflictError(
            "No opinions were received, so there is nothing to submit.",
            field="comments",
            fix="Record the opinions collected at meetings first.",
        )
    draft.submission = submission_snapshot(draft, at=when)
    draft.submitted_at = when
    draft.status = DraftLaw.Status.SUBMITTED
    draft.save(update_fields=["submission", "submitted_at", "status"])
    return draft


@transaction.atomic
def record_adoption(
    *, draft_id: int, group_id: int, by: Any, adoption: str, note: str = ""
) -> OpinionGroup:
    """Record whether the law as passed adopted a representative opinion."""
    draft = get_draft(draft_id)
    _require_staff(by, draft, "record adoption")
    _require_status(draft, DraftLaw.Status.SUBMITTED, action="record adoption")
    group = OpinionGroup.objects.filter(pk=group_id, article__draft=draft).first()
    if group is None:
        raise NotFoundError(
            f"The draft has no opinion group {group_id}.", field="group", value=group_id
        )
    if adoption not in OpinionGroup.Adoption.values:
        raise InputError(
            f"Adoption {adoption!r} is not one of {', '.join(OpinionGroup.Adoption.values)}.",
            field="adoption",
            value=adoption,
        )
    group.adoption = adoption
    group.adoption_note = clean_text(
        note, field="note", label="Note", max_length=3000, required=False
    )
    group.save(update_fields=["adoption", "adoption_note"])
    return group


def _with_adoption(draft: DraftLaw) -> dict[str, Any]:
    """The frozen submission with each opinion's adoption as recorded."""
    snapshot = dict(draft.submission or {})
    recorded = {
        g.pk: (g.adoption, g.adoption_note)
        for g in OpinionGroup.objects.filter(article__draft=draft)
    }
    articles = []
    for article in snapshot.get("articles", []):
        groups = []
        for group in article["groups"]:
            adoption, note = recorded.get(group["id"], (group["adoption"], group["adoption_note"]))
            groups.append({**group, "adoption": adoption, "adoption_note": note})
        articles.append({**article, "groups": groups})
    snapshot["articles"] = articles
    return snapshot


@transaction.atomic
def publish_adoption(
    *,
    draft_id: int,
    by: Any,
    final_title: str,
    adopted_on: date,
    note: str = "",
    at: datetime | None = None,
) -> tuple[DraftLaw, int]:
    """Publish which opinions the law adopted; everyone who commented online is told.

    Returns the draft and the number of people notified. Every opinion group must have its
    adoption recorded first.
    """
    draft = _locked(draft_id)
    _require_staff(by, draft, "publish the adoption")
    _require_status(draft, DraftLaw.Status.SUBMITTED, action="publish the adoption")
    pending = OpinionGroup.objects.filter(
        article__draft=draft, adoption=OpinionGroup.Adoption.PENDING
    ).count()
    if pending:
        raise ConflictError(
            f"{pending} representative opinion(s) have no adoption recorded.",
            field="adoption",
            value=pending,
            fix="Record for each opinion whether the law adopted it.",
        )
    when = at or timezone.now()
    draft.final_title = clean_text(
        final_title, field="final_title", label="Title of the law", max_length=200
    )
    draft.final_adopted_on = adopted_on
    draft.final_note = clean_text(
        note, field="final_note", label="Note", max_length=5000, required=False
    )
    draft.published_at = when
    draft.status = DraftLaw.Status.PUBLISHED
    draft.submission = _with_adoption(draft)
    draft.save()
    url = reverse("participation:draft", args=[draft.pk])
    notified = 0
    commenters = (
        ArticleComment.objects.filter(article__draft=draft, author__isnull=False)
        .values_list("author", flat=True)
        .distinct()
    )
    for user in get_user_model().objects.filter(pk__in=list(commenters)):
        notified += notify(
            user=user,
            kind=Notice.Kind.DRAFT_OUTCOME,
            subject=draft.final_title,
            url=url,
            source_ref=f"participation:draft:{draft.pk}:published",
            at=when,
        )
    return draft, notified
