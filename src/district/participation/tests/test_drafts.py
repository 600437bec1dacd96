"""Draft-law consultation end to end in the services, and the submission document."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from district.core.errors import ConflictError, InputError, PermissionDeniedError
from district.participation import services
from district.participation.models import ArticleComment, DraftLaw, Notice, OpinionGroup
from district.participation.submission import render_submission_html, render_submission_pdf
from district.participation.tests.conftest import LIAISON

DRAFT = """第一章 总则
第一条 为了保护社区花园，制定本条例。
第二条 居民可以认领种植区域，认领期限一般为一年。
第三条 本条例自公布之日起施行。
"""


@pytest.fixture
def draft(cast: dict[str, Any]) -> DraftLaw:
    return services.create_draft_law(
        by=cast["liaison"],
        channel=LIAISON,
        title="社区花园条例（草案）",
        legislature="市人大常委会法工委",
        text=DRAFT,
        closes_at=timezone.now() + timedelta(days=10),
    )


def test_only_the_liaison_points_staff_open_a_draft(cast: dict[str, Any], draft: DraftLaw) -> None:
    assert [a.number for a in draft.articles.all()] == [1, 2, 3]
    with pytest.raises(PermissionDeniedError):
        services.create_draft_law(
            by=cast["staff"],
            channel=LIAISON,
            title="x",
            legislature="y",
            text=DRAFT,
            closes_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(InputError) as error:
        services.create_draft_law(
            by=cast["liaison"],
            channel=LIAISON,
            title="x",
            legislature="y",
            text=DRAFT,
            closes_at=timezone.now() - timedelta(days=1),
        )
    assert error.value.field == "closes_at"


def test_comments_are_checked(cast: dict[str, Any], draft: DraftLaw) -> None:
    with pytest.raises(PermissionDeniedError):
        services.comment_on_article(draft_id=draft.pk, article=1, by=None, stance="agree")
    with pytest.raises(InputError) as error:
        services.comment_on_article(
            draft_id=draft.pk, article=2, by=cast["alice"], stance="propose"
        )
    assert error.value.field == "proposed_wording"
    with pytest.raises(InputError):
        services.comment_on_article(draft_id=draft.pk, article=2, by=cast["alice"], stance="object")
    with pytest.raises(InputError):
        services.comment_on_article(draft_id=draft.pk, article=2, by=cast["alice"], stance="maybe")
    from district.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        services.comment_on_article(draft_id=draft.pk, article=9, by=cast["alice"], stance="agree")
    assert not ArticleComment.objects.exists()


def test_from_comments_to_submission_to_published_adoption(
    cast: dict[str, Any], draft: DraftLaw
) -> None:
    a = services.comment_on_article(
        draft_id=draft.pk,
        article=2,
        by=cast["alice"],
        stance="propose",
        text="一年太短，建议延长。",
        proposed_wording="认领期限一般为两年。",
    )
    b = services.comment_on_article(
        draft_id=draft.pk,
        article=2,
        by=cast["bob"],
        stance="propose",
        text="一年太短，建议延长到两年。",
        proposed_wording="认领期限一般为二年。",
    )
    services.comment_on_article(
        draft_id=draft.pk, article=1, by=cast["bob"], stance="agree", text="支持"
    )
    services.record_offline_comment(
        draft_id=draft.pk, article=2, by=cast["liaison"], stance="object", text="认领会造成不公平。"
    )
    with pytest.raises(PermissionDeniedError):
        services.record_offline_comment(
            draft_id=draft.pk, article=2, by=cast["alice"], stance="agree"
        )
    suggested = services.suggest_groups(draft)
    assert [
        (article.number, sorted(c.pk for c in comments)) for article, comments in suggested
    ] == [(2, sorted([a.pk, b.pk]))]
    with pytest.raises(InputError):  # a comment of another article
        services.group_comments(
            draft_id=draft.pk, article=1, comment_ids=[a.pk], by=cast["liaison"], summary="x"
        )
    group = services.group_comments(
        draft_id=draft.pk,
        article=2,
        comment_ids=[a.pk, b.pk],
        by=cast["liaison"],
        summary="认领期限延长至两年",
    )
    with pytest.raises(ConflictError):  # comment still open
        services.submit_to_legislature(draft_id=draft.pk, by=cast["liaison"])
    services.close_comment(draft_id=draft.pk, by=cast["liaison"])
    with pytest.raises(ConflictError):
        services.comment_on_article(draft_id=draft.pk, article=1, by=cast["alice"], stance="agree")
    submitted = services.submit_to_legislature(draft_id=draft.pk, by=cast["liaison"])
    snapshot = submitted.submission
    assert snapshot is not None
    assert snapshot["totals"] == {
        "agree": 1,
        "object": 1,
        "propose": 2,
        "total": 4,
        "commenters": 2,
        "offline": 1,
        "groups": 1,
    }
    article2 = snapshot["articles"][1]
    assert article2["counts"] == {"agree": 0, "object": 1, "propose": 2, "total": 3}
    assert article2["groups"][0]["summary"] == "认领期限延长至两年"
    assert article2["groups"][0]["size"] == 2
    assert article2["groups"][0]["wordings"] == ["认领期限一般为两年。", "认领期限一般为二年。"]
    assert [c["text"] for c in article2["ungrouped"]] == ["认领会造成不公平。"]

    # The document: HTML and a PDF whose Chinese text extracts.
    html = render_submission_html(snapshot)
    assert "认领期限延长至两年" in html and "<table" in html
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render_submission_pdf(snapshot))).pages
    )
    assert "认领期限延长至两年" in pdf_text and "社区花园条例" in pdf_text
    assert render_submission_pdf(snapshot) == render_submission_pdf(snapshot)  # reproducible

    with pytest.raises(ConflictError):  # adoption of every opinion first
        services.publish_adoption(
            draft_id=draft.pk,
            by=cast["liaison"],
            final_title="社区花园条例",
            adopted_on=date(2027, 1, 5),
        )
    services.record_adoption(
        draft_id=draft.pk,
        group_id=group.pk,
        by=cast["liaison"],
        adoption="adopted",
        note="第二条改为两年。",
    )
    published, notified = services.publish_adoption(
        draft_id=draft.pk,
        by=cast["liaison"],
        final_title="社区花园条例",
        adopted_on=date(2027, 1, 5),
    )
    assert notified == 2 and published.status == "published"
    assert published.submission["articles"][1]["groups"][0]["adoption"] == "adopted"  # type: ignore[index]
    assert set(
        Notice.objects.filter(kind="draft_outcome").values_list("user__username", flat=True)
    ) == {
        "alice",
        "bob",
    }
    html = render_submission_html(published.submission, adoption=True)  # type: ignore[arg-type]
    assert "第二条改为两年" in html
    assert OpinionGroup.objects.get().adoption == "adopted"


def test_nothing_to_submit_without_opinions(cast: dict[str, Any], draft: DraftLaw) -> None:
    services.close_comment(draft_id=draft.pk, by=cast["liaison"])
    with pytest.raises(ConflictError):
        services.submit_to_legislature(draft_id=draft.pk, by=cast["liaison"])


def test_expired_drafts_close_themselves(cast: dict[str, Any], draft: DraftLaw) -> None:
    assert services.close_expired_drafts(timezone.now() + timedelta(days=11)) == 1
    draft.refresh_from_db()
    assert draft.status == "closed"
