"""Features of a message: TF-IDF over words and characters, and taxonomy keyword hits.

A message has a short subject (留言主题) and a longer detail (留言详情). Its feature row is
the concatenation of five blocks, all computed from the cleaned text
(:func:`~district.cases.classify.segmentation.clean_text`):

1. subject words: jieba words with the taxonomy's category names as a user dictionary;
2. detail words: the same for the detail;
3. subject characters: character 1- and 2-grams (terms seen in at least 2 training messages);
4. detail characters: the same for the detail;
5. taxonomy keywords: for each label, ``log(1 + hits)``, where hits counts occurrences of
   the label's keywords (subject hits count twice). A label's keywords are the words
   (two characters or more, from jieba without a user dictionary) of its 二级 and 三级
   category names that appear under no other label, e.g. 医疗器械 or 失独 for 卫生计生.
   Words found in more than 20 % of the training messages are left out: they are generic
   (问题 from 网约车问题, 工作, 人员) and would fire on almost any message.

Blocks 1–4 are TF-IDF with sublinear term frequency ``1 + ln(tf)``, smoothed inverse
document frequency ``ln((1 + n) / (1 + df)) + 1`` and L2-normalised rows: the formulas of
scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``, implemented here so that a saved
model is plain vocabularies and numbers with no pickled objects.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse

from district.cases.classify.dataset import OTHER, Taxonomy
from district.cases.classify.segmentation import Segmenter, clean_text, segmenter_for

_WHITESPACE_RUNS = re.compile(r"\s\s+")

WORD_MIN_DF = 1
CHAR_MIN_DF = 2
SUBJECT_KEYWORD_WEIGHT = 2
KEYWORD_MAX_DF = 0.2  # keywords in more than this share of training messages are dropped


@dataclass(frozen=True, eq=False)
class TfidfBlock:
    """One TF-IDF block: the vocabulary (column order) and inverse document frequencies."""

    name: str
    terms: tuple[str, ...]
    idf: npt.NDArray[np.float64]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.terms)})

    @classmethod
    def fit(cls, name: str, documents: Sequence[Sequence[str]], *, min_df: int) -> TfidfBlock:
        """Vocabulary of terms in at least ``min_df`` documents, sorted, with their idf."""
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(set(doc))
        terms = tuple(sorted(t for t, n in df.items() if n >= min_df))
        n_docs = len(documents)
        idf = np.array(
            [math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float64
        )
        return cls(name=name, terms=terms, idf=idf)

    @property
    def width(self) -> int:
        return len(self.terms)

    def transform(self, documents: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Rows of L2-normalised sublinear TF-IDF; unknown terms are ignored."""
        index = self.index
        idf = self.idf
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for doc in documents:
            pairs = sorted((index[t], n) for t, n in Counter(doc).items() if t in index)
            if pairs:
                columns = np.fromiter((c for c, _ in pairs), dtype=np.int64, count=len(pairs))
                counts = np.fromiter((n for _, n in pairs), dtype=np.float64, count=len(pairs))
                values = (1.0 + np.log(counts)) * idf[columns]
                values /= np.sqrt(np.dot(values, values))
                indices.extend(columns.tolist())
                data.extend(values.tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), indptr),
            shape=(len(documents), self.width),
        )


def character_grams(text: str) -> list[str]:
    """Character 1- and 2-grams of ``text`` (lower-cased, whitespace runs collapsed)."""
    text = _WHITESPACE_RUNS.sub(" ", text.lower())
    return [*text, *map(operator.add, text, text[1:])]


def taxonomy_keywords(
    taxonomy: Taxonomy, labels: Sequence[str], segmenter: Segmenter
) -> dict[str, tuple[str, ...]]:
    """Words of each label's category names that belong to that label alone.

    Only the given ``labels`` (those the model predicts) take part, so a word shared with a
    label the model never sees still counts as distinctive.
    """
    wanted = set(labels)
    owners: dict[str, set[str]] = {}
    for label, second, third in taxonomy.rows:
        if label not in wanted:
            continue
        for name in (second, third):
            for word in segmenter.words(name):
                if len(word) >= 2 and word != OTHER:
                    owners.setdefault(word, set()).add(label)
    return {
        label: tuple(sorted(w for w, owner in owners.items() if owner == {label}))
        for label in sorted(wanted)
    }


@dataclass(frozen=True, eq=False)
class FeatureSpace:
    """Everything needed to turn (subject, detail) pairs into a feature matrix."""

    user_terms: tuple[str, ...]
    blocks: tuple[TfidfBlock, ...]
    keyword_labels: tuple[str, ...]
    keywords: Mapping[str, tuple[str, ...]]

    @classmethod
    def fit(
        cls,
        subjects: Sequence[str],
        details: Sequence[str],
        labels: Sequence[str],
        *,
        taxonomy: Taxonomy | None,
    ) -> FeatureSpace:
        """Fit vocabularies on these messages; keywords come from the taxonomy alone."""
        return cls.fit_transform(subjects, details, labels, taxonomy=taxonomy)[0]

    @classmethod
    def fit_transform(
        cls,
        subjects: Sequence[str],
        details: Sequence[str],
        labels: Sequence[str],
        *,
        taxonomy: Taxonomy | None,
    ) -> tuple[FeatureSpace, sparse.csr_matrix]:
        """:meth:`fit` and the training messages' feature matrix, segmenting only once."""
        user_terms = taxonomy.terms() if taxonomy is not None else ()
        prepared = _prepare(subjects, details, user_terms)
        blocks = tuple(
            TfidfBlock.fit(name, documents, min_df=min_df)
            for (name, min_df), documents in zip(_BLOCKS, prepared.documents, strict=True)
        )
        if taxonomy is None:
            keyword_labels: tuple[str, ...] = ()
            keywords: dict[str, tuple[str, ...]] = {}
        else:
            keyword_labels = tuple(sorted(set(labels)))
            keywords = taxonomy_keywords(taxonomy, keyword_labels, segmenter_for(()))
            keywords = _drop_common_keywords(keywords, prepared, KEYWORD_MAX_DF)
        space = cls(
            user_terms=user_terms, blocks=blocks, keyword_labels=keyword_labels, keywords=keywords
        )
        return space, space._matrix(prepared)

    @property
    def width(self) -> int:
        return sum(b.width for b in self.blocks) + len(self.keyword_labels)

    def transform(self, subjects: Sequence[str], details: Sequence[str]) -> sparse.csr_matrix:
        """The feature matrix, one row per message, blocks in the order of the docstring."""
        return self._matrix(_prepare(subjects, details, self.user_terms))

    def _matrix(self, prepared: _Prepared) -> sparse.csr_matrix:
        parts = [
            block.transform(documents)
            for block, documents in zip(self.blocks, prepared.documents, strict=True)
        ]
        if self.keyword_labels:
            parts.append(sparse.csr_matrix(self._keyword_hits(prepared.subjects, prepared.details)))
        return sparse.hstack(parts, format="csr")

    def _keyword_hits(
        self, subjects: Sequence[str], details: Sequence[str]
    ) -> npt.NDArray[np.float64]:
        hits = np.zeros((len(subjects), len(self.keyword_labels)), dtype=np.float64)
        for j, label in enumerate(self.keyword_labels):
            words = self.keywords.get(label, ())
            for i, (subject, detail) in enumerate(zip(subjects, details, strict=True)):
                hits[i, j] = sum(
                    SUBJECT_KEYWORD_WEIGHT * subject.count(w) + detail.count(w) for w in words
                )
        return np.log1p(hits)


# The TF-IDF blocks in feature order: (name, minimum document frequency).
_BLOCKS = (
    ("subject_words", WORD_MIN_DF),
    ("detail_words", WORD_MIN_DF),
    ("subject_chars", CHAR_MIN_DF),
    ("detail_chars", CHAR_MIN_DF),
)


@dataclass(frozen=True)
class _Prepared:
    """Cleaned texts and the token lists of the four TF-IDF blocks."""

    subjects: list[str]
    details: list[str]
    documents: tuple[list[list[str]], ...]


def _prepare(
    subjects: Sequence[str], details: Sequence[str], user_terms: Sequence[str]
) -> _Prepared:
    words = segmenter_for(user_terms)
    subject_clean = [clean_text(s) for s in subjects]
    detail_clean = [clean_text(d) for d in details]
    return _Prepared(
        subjects=subject_clean,
        details=detail_clean,
        documents=(
            [words.words(s) for s in subject_clean],
            [words.words(d) for d in detail_clean],
            [character_grams(s) for s in subject_clean],
            [character_grams(d) for d in detail_clean],
        ),
    )


def _drop_common_keywords(
    keywords: Mapping[str, tuple[str, ...]], prepared: _Prepared, max_df: float
) -> dict[str, tuple[str, ...]]:
    """``keywords`` without those found in more than ``max_df`` of the training messages."""
    texts = [f"{s}\n{d}" for s, d in zip(prepared.subjects, prepared.details, strict=True)]
    limit = max_df * len(texts)
    return {
        label: tuple(w for w in words if sum(w in t for t in texts) <= limit)
        for label, words in keywords.items()
    }
