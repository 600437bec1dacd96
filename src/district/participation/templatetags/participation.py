"""Template filters of Ning Lai Shuo."""

from __future__ import annotations

from django import template

from district.participation.submission_labels import article_label as _article_label

register = template.Library()


@register.filter
def article_label(number: int) -> str:
    """第二十三条 in Chinese, Article 23 in English."""
    return _article_label(int(number))
