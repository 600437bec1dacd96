"""The pure helpers of draft-law consultation: splitting a draft, grouping similar comments."""

from __future__ import annotations

import pytest

from district.core.errors import InputError
from district.participation.drafting import (
    chinese_number,
    group_similar,
    similarity,
    split_articles,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百零五", 105),
        ("两百", 200),
        ("7", 7),
    ],
)
def test_chinese_numbers(text: str, number: int) -> None:
    assert chinese_number(text) == number


def test_a_draft_splits_into_articles_with_their_chapters() -> None:
    text = """第一章 总则
第一条 为了规范管理，制定本条例。
第二条 本条例适用于全市。
  适用范围另有规定的，从其规定。
第二章 附则
第三条 本条例自公布之日起施行。"""
    articles = split_articles(text)
    assert [a.number for a in articles] == [1, 2, 3]
    assert articles[0].heading == "第一章 总则" and articles[2].heading == "第二章 附则"
    assert articles[1].text == "本条例适用于全市。\n  适用范围另有规定的，从其规定。"
    assert "第二章" not in articles[1].text


def test_english_articles_and_plain_paragraphs() -> None:
    assert [a.text for a in split_articles("Article 1. Scope.\nArticle 2 Entry into force.")] == [
        "Scope.",
        "Entry into force.",
    ]
    assert [a.number for a in split_articles("One.\n\nTwo.\n\n\nThree.")] == [1, 2, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("第一条 甲。\n第三条 丙。", "expected article 2"),
        ("第一条 甲。\n第一条 乙。", "expected article 2"),
        ("第一条\n第二条 乙。", "has no text"),
    ],
)
def test_bad_drafts_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        split_articles(text)
    assert message in str(error.value)


def test_similar_comments_are_grouped() -> None:
    texts = [
        "认领期限一年太短，建议延长到两年。",
        "一年认领期太短，建议延长到两年",
        "禁止使用农药很好。",
        "认领期限太短了，建议两年。",
        "",
    ]
    assert similarity(texts[0], texts[1]) > similarity(texts[0], texts[2])
    assert group_similar(texts) == [[0, 1, 3]]
    assert group_similar(texts, threshold=0.99) == []
    with pytest.raises(InputError):
        group_similar(texts, threshold=0)


def test_the_map_uses_the_platform_palette() -> None:
    from district.core.pdf import PALETTE
    from district.participation import charts

    assert charts.PALETTE == PALETTE


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (23, "二十三"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2020, "二千零二十"),
    ],
)
def test_articles_are_numbered_as_laws_number_them(number: int, text: str) -> None:
    from district.participation.drafting import to_chinese_number

    assert to_chinese_number(number) == text


def test_chinese_numbers_round_trip() -> None:
    from district.participation.drafting import to_chinese_number

    assert all(chinese_number(to_chinese_number(n)) == n for n in range(10_000))
    with pytest.raises(InputError):
        to_chinese_number(10_000)


def test_article_labels_follow_the_language() -> None:
    from django.utils import translation

    from district.participation.submission_labels import article_label

    with translation.override("zh-hans"):
        assert article_label(23) == "第二十三条"
    with translation.override("en"):
        assert article_label(23) == "Article 23"
