"""Text preparation: masking placeholders and numbers, and jieba word segmentation.

Citizen messages name places and numbers that say nothing about the topic ("A市",
"A3区", phone numbers, dates, house numbers), so :func:`clean_text` replaces them with a
space before any feature sees them. Words come from jieba (精确模式 with its HMM for
unknown words). Each :class:`Segmenter` owns its own ``jieba.Tokenizer``, so adding the
taxonomy's terms as a user dictionary never changes jieba's global default tokenizer that
other code may use.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable

import jieba

# Masked placeholders ("A市", "A3区", "B县"), runs of ASCII or full-width digits, and runs of
# Latin letters (plate numbers, ids, "APP" …).
_MASK = re.compile(r"[A-Z]\d*[市区县]|[0-9０-９]+|[a-zA-Z]+")

_segmenters: dict[tuple[str, ...], Segmenter] = {}
_base: jieba.Tokenizer | None = None
_lock = threading.RLock()


def clean_text(text: str) -> str:
    """``text`` with place placeholders, digits and Latin-letter runs replaced by spaces."""
    return _MASK.sub(" ", text)


class Segmenter:
    """jieba word segmentation with an optional user dictionary of whole terms.

    The user terms (for example the taxonomy's 二级/三级 category names such as 职工医疗保险)
    are added in sorted order with jieba's suggested frequency, so the same terms always
    give the same tokenizer and the same words. Results are memoised per text (up to
    ``cache_size`` texts), since cross-validation segments each message once per fold.
    """

    def __init__(self, user_terms: Iterable[str] = (), *, cache_size: int = 8192) -> None:
        self.user_terms: tuple[str, ...] = tuple(
            sorted({t.strip() for t in user_terms if t.strip()})
        )
        self._tokenizer = _tokenizer_with(self.user_terms)
        self._words = functools.lru_cache(maxsize=cache_size)(self._segment)

    def words(self, text: str) -> list[str]:
        """The words of ``text``, without whitespace tokens."""
        return list(self._words(text))

    def _segment(self, text: str) -> tuple[str, ...]:
        return tuple(w for w in self._tokenizer.lcut(text) if w.strip())


def segmenter_for(user_terms: Iterable[str] = ()) -> Segmenter:
    """A shared :class:`Segmenter` for these user terms."""
    key = tuple(sorted({t.strip() for t in user_terms if t.strip()}))
    with _lock:
        segmenter = _segmenters.get(key)
        if segmenter is None:
            segmenter = Segmenter(key)
            _segmenters[key] = segmenter
        return segmenter


def _tokenizer_with(user_terms: tuple[str, ...]) -> jieba.Tokenizer:
    """A private jieba tokenizer: the default dictionary plus ``user_terms``.

    Loading jieba's dictionary takes 0.5–2 s, so it is loaded once; each tokenizer with user
    terms starts from a copy of the loaded frequency table (``FREQ`` and ``total``, the
    whole state ``Tokenizer.initialize`` builds in jieba 0.42) and adds its terms to it.
    """
    global _base
    with _lock:
        if _base is None:
            jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG
            _base = jieba.Tokenizer()
            _base.initialize()
        base = _base
    if not user_terms:
        return base
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for term in user_terms:
        tokenizer.add_word(term)
    return tokenizer
