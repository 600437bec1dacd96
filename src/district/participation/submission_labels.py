"""How an article is named: 第二十三条 in Chinese, Article 23 in English."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from district.participation.drafting import to_chinese_number


def article_label(number: int) -> str:
    if (get_language() or "").startswith("zh"):
        return f"第{to_chinese_number(number)}条"
    return _("Article %(number)s") % {"number": number}
