"""Cross-validation of the classifier, and the plain baseline it is measured against.

:func:`cross_validate` runs stratified k-fold cross-validation (scikit-learn's
``StratifiedKFold`` with shuffling and a fixed seed). Everything the model learns from
data (vocabularies, idf values, class weights, coefficients) is fitted inside each fold on
that fold's training part only; the taxonomy keywords come from the taxonomy file, which
holds no messages. The report gives macro-F1 per fold and its mean (the headline figure),
and per-class F1 over the pooled out-of-fold predictions.

The baseline (``model="baseline"``) is the plain recipe the platform must beat: jieba
words of subject and detail joined, default TF-IDF, default ``LinearSVC``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from district.cases.classify.dataset import Taxonomy
from district.cases.classify.model import DEFAULT_SEED, train_classifier
from district.cases.classify.segmentation import segmenter_for
from district.core.errors import InputError

ModelName = Literal["district", "baseline"]


@dataclass(frozen=True)
class CvReport:
    """The result of a k-fold cross-validation."""

    model: str
    folds: int
    seed: int
    messages: int
    labels: tuple[str, ...]
    macro_f1: float  # mean of the per-fold macro-F1
    macro_f1_folds: tuple[float, ...]
    per_class_f1: dict[str, float]  # over the pooled out-of-fold predictions
    predictions: tuple[str, ...]  # out-of-fold prediction for every message, in input order

    @property
    def macro_f1_std(self) -> float:
        return float(np.std(self.macro_f1_folds))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the predictions)."""
        return {
            "model": self.model,
            "folds": self.folds,
            "seed": self.seed,
            "messages": self.messages,
            "macro_f1": round(self.macro_f1, 4),
            "macro_f1_std": round(self.macro_f1_std, 4),
            "macro_f1_folds": [round(f, 4) for f in self.macro_f1_folds],
            "per_class_f1": {k: round(v, 4) for k, v in self.per_class_f1.items()},
        }


class BaselineClassifier:
    """jieba words + default TF-IDF + default linear SVM (the figure to beat)."""

    def __init__(self, *, seed: int = DEFAULT_SEED) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        self._words = segmenter_for(())
        self._pipeline = make_pipeline(
            TfidfVectorizer(analyzer=self._analyse), LinearSVC(random_state=seed)
        )

    def _analyse(self, text: str) -> list[str]:
        return self._words.words(text)

    def fit(
        self, subjects: Sequence[str], details: Sequence[str], labels: Sequence[str]
    ) -> BaselineClassifier:
        self._pipeline.fit(_join(subjects, details), list(labels))
        return self

    def predict(self, subjects: Sequence[str], details: Sequence[str]) -> list[str]:
        return [str(p) for p in self._pipeline.predict(_join(subjects, details))]


def cross_validate(
    subjects: Sequence[str],
    details: Sequence[str],
    labels: Sequence[str],
    *,
    taxonomy: Taxonomy | None = None,
    folds: int = 5,
    seed: int = DEFAULT_SEED,
    model: ModelName = "district",
) -> CvReport:
    """Stratified ``folds``-fold cross-validation of ``model`` with a fixed ``seed``.

    ``seed`` fixes both the fold assignment and the model's own seed, so a run is
    repeatable. Every class needs at least ``folds`` messages.
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    if not len(subjects) == len(details) == len(labels):
        raise InputError(
            f"Got {len(subjects)} subjects, {len(details)} details and {len(labels)} labels.",
            field="labels",
            value=len(labels),
            fix="Give one subject, detail and label per message.",
        )
    if model not in ("district", "baseline"):
        raise InputError(
            f"Unknown model {model!r}.",
            field="model",
            value=model,
            fix="Use 'district' or 'baseline'.",
        )
    y = np.asarray(labels)
    classes = tuple(sorted(set(labels)))
    smallest = min(int((y == c).sum()) for c in classes)
    if folds < 2 or smallest < folds:
        raise InputError(
            f"{folds}-fold cross-validation needs at least {folds} messages per label; the "
            f"smallest label has {smallest}.",
            field="folds",
            value=folds,
            fix="Use fewer folds or add messages.",
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = np.empty(len(y), dtype=object)
    fold_scores: list[float] = []
    for train, test in splitter.split(np.zeros(len(y)), y):
        train_subjects = [subjects[i] for i in train]
        train_details = [details[i] for i in train]
        test_subjects = [subjects[i] for i in test]
        test_details = [details[i] for i in test]
        if model == "district":
            fitted = train_classifier(
                train_subjects, train_details, y[train].tolist(), taxonomy=taxonomy, seed=seed
            )
            fold_predictions = fitted.predict(test_subjects, test_details)
        else:
            baseline = BaselineClassifier(seed=seed).fit(
                train_subjects, train_details, y[train].tolist()
            )
            fold_predictions = baseline.predict(test_subjects, test_details)
        predicted[test] = fold_predictions
        fold_scores.append(
            float(
                f1_score(
                    y[test],
                    fold_predictions,
                    labels=list(classes),
                    average="macro",
                    zero_division=0,
                )
            )
        )
    per_class = f1_score(
        y, predicted.astype(str), labels=list(classes), average=None, zero_division=0
    )
    return CvReport(
        model=model,
        folds=folds,
        seed=seed,
        messages=len(y),
        labels=classes,
        macro_f1=float(np.mean(fold_scores)),
        macro_f1_folds=tuple(fold_scores),
        per_class_f1={c: float(f) for c, f in zip(classes, per_class, strict=True)},
        predictions=tuple(str(p) for p in predicted),
    )


def _join(subjects: Sequence[str], details: Sequence[str]) -> list[str]:
    return [f"{s}\n{d}" for s, d in zip(subjects, details, strict=True)]
