"""Draft texts and comments, as plain text: split a draft into articles, find similar comments.

Pure Python with no Django import, like the opinion engine, so it is tested alone.

:func:`split_articles` reads a draft as legislatures publish it: articles start with
``第一条``, ``第二十三条`` … (or ``Article 1``) at the beginning of a line; chapter lines
(``第一章 总则``) are kept as the heading of the articles that follow. A text without article
markers is split into paragraphs, one article each. Article numbers must run 1, 2, 3 …

:func:`group_similar` proposes groups of similar comments for staff to confirm: character
bigrams (which suit Chinese, where words are not separated by spaces) compared by Jaccard
similarity, and single-linkage groups of pairs at or above the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from district.core.errors import InputError

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGITS.update({"七": 7, "八": 8, "九": 9})
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = r"[零〇一二两三四五六七八九十百千\d]+"
_ARTICLE = re.compile(rf"^\s*(?:第\s*({_NUMERAL})\s*条|Article\s+(\d+)\b\.?)\s*", re.MULTILINE)
_CHAPTER = re.compile(
    rf"^[ \t]*(第[ \t]*{_NUMERAL}[ \t]*[章节编].*|Chapter[ \t]+\d+.*)$", re.MULTILINE
)

MAX_ARTICLES = 500


@dataclass(frozen=True)
class ArticleText:
    number: int
    heading: str
    text: str


def chinese_number(text: str) -> int:
    """``"二十三"`` → 23, ``"一百零五"`` → 105, ``"12"`` → 12."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c not in _UNITS for c in text):
        raise InputError(
            f"{text!r} is not a number in Chinese numerals.",
            field="number",
            value=text,
            fix="Write article numbers as 第一条, 第二十三条 … or as digits.",
        )
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:
            total += (digit or 1) * _UNITS[char]
            digit = 0
    return total + digit


_NUMERALS = "零一二三四五六七八九"


def to_chinese_number(number: int) -> str:
    """23 → ``"二十三"``, 105 → ``"一百零五"``, 10 → ``"十"`` (0 to 9,999): article numbers."""
    if not 0 <= number <= 9999:
        raise InputError(
            f"{number} is outside 0–9999.", field="number", value=number, fix="Use 0 to 9999."
        )
    if number < 10:
        return _NUMERALS[number]
    if number < 20:
        return "十" + (_NUMERALS[number - 10] if number > 10 else "")
    text = ""
    pending_zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            if pending_zero and text:
                text += "零"
            text += _NUMERALS[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


def split_articles(text: str) -> list[ArticleText]:
    """The articles of a draft, numbered 1…n, with the chapter each belongs to."""
    if not text or not text.strip():
        raise InputError(
            "The draft text is empty.", field="text", fix="Paste the draft, article by article."
        )
    markers = list(_ARTICLE.finditer(text))
    if not markers:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        return [ArticleText(i, "", p) for i, p in enumerate(paragraphs, start=1)]
    chapters = [(m.start(), m.group(1).strip()) for m in _CHAPTER.finditer(text)]
    articles: list[ArticleText] = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        body = _CHAPTER.sub("", text[marker.end() : end]).strip()
        number = chinese_number(marker.group(1) or marker.group(2))
        expected = len(articles) + 1
        if number != expected:
            raise InputError(
                f"Article {number} follows article {expected - 1}; expected article {expected}.",
                field="text",
                value=marker.group(0).strip(),
                fix="Number the articles 1, 2, 3 … without gaps or repeats.",
            )
        if not body:
            raise InputError(
                f"Article {number} has no text.",
                field="text",
                value=marker.group(0).strip(),
                fix="Give every article its text.",
            )
        chapter = ""
        for start, title in chapters:
            if start < marker.start():
                chapter = title
        articles.append(ArticleText(number, chapter[:100], re.sub(r"[ \t]+\n", "\n", body)))
    if len(articles) > MAX_ARTICLES:
        raise InputError(
            f"The draft has {len(articles)} articles; at most {MAX_ARTICLES} are supported.",
            field="text",
            fix="Split the draft into several consultations.",
        )
    return articles


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the text's letters, digits and CJK characters."""
    kept = "".join(c for c in text.lower() if c.isalnum())
    if len(kept) < 2:
        return frozenset({kept}) if kept else frozenset()
    return frozenset(kept[i : i + 2] for i in range(len(kept) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character bigrams (0 to 1)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def group_similar(texts: Sequence[str], *, threshold: float = 0.3) -> list[list[int]]:
    """Groups (of two or more indexes) of texts linked by similarity ≥ ``threshold``.

    Single linkage: a text joins a group when it is similar enough to any member. Groups
    are ordered by size, then by their first index; indexes inside a group ascend.
    """
    if not 0.0 < threshold <= 1.0:
        raise InputError(
            f"threshold must be in (0, 1], got {threshold}.",
            field="threshold",
            value=threshold,
            fix="0.3 suits short Chinese comments.",
        )
    grams = [bigrams(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(grams)):
        for j in range(i + 1, len(grams)):
            if grams[i] and grams[j]:
                score = len(grams[i] & grams[j]) / len(grams[i] | grams[j])
                if score >= threshold:
                    parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    found = [g for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), g[0]))
