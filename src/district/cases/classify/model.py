"""The message classifier: training, prediction, suggestions, and the model file.

The model is a linear support-vector machine (scikit-learn's ``LinearSVC``, one-vs-rest,
``C=1``, classes weighted inversely to their frequency) over the features of
:mod:`district.cases.classify.features`. Training takes about a second on the 347 vendored
messages; prediction needs only numpy and scipy, not scikit-learn.

A model file is gzip-compressed JSON: vocabularies, idf values, coefficients and
provenance, never a pickle, so loading a file cannot run code. It is reproducible: the same
messages, taxonomy and seed give a byte-identical file on the same library versions,
because every step is deterministic (sorted vocabularies, jieba user words added in sorted
order, liblinear seeded with ``seed``, JSON with sorted keys and exact float repr, gzip with
a zero timestamp and no file name). The provenance records the SHA-256 of the training
data and of the taxonomy, the seed and the library versions, so a file can be checked
against the data it claims to come from.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from district.cases.classify.dataset import Taxonomy, read_labelled_messages, read_taxonomy
from district.cases.classify.features import FeatureSpace, TfidfBlock
from district.core.errors import DataFileError, InputError

MODEL_FORMAT = "district.cases.classify/1"
DEFAULT_SEED = 0
SVM_C = 1.0
SVM_MAX_ITER = 10_000


@dataclass(frozen=True, eq=False)
class TextClassifier:
    """A trained classifier from (subject, detail) to one of ``labels``."""

    labels: tuple[str, ...]
    features: FeatureSpace
    coef: npt.NDArray[np.float64]  # labels × features
    intercept: npt.NDArray[np.float64]  # labels
    provenance: Mapping[str, Any]

    def decision_scores(
        self, subjects: Sequence[str], details: Sequence[str]
    ) -> npt.NDArray[np.float64]:
        """SVM margins, one row per message and one column per label (in ``labels`` order)."""
        _check_messages(subjects, details, allow_empty=True)
        matrix = self.features.transform(subjects, details)
        scores: npt.NDArray[np.float64] = (
            np.asarray(matrix @ self.coef.T, dtype=np.float64) + self.intercept
        )
        return scores

    def predict(self, subjects: Sequence[str], details: Sequence[str]) -> list[str]:
        """The most likely label for each message."""
        _check_messages(subjects, details, allow_empty=False)
        scores = self.decision_scores(subjects, details)
        return [self.labels[int(i)] for i in np.argmax(scores, axis=1)]

    def suggest(self, text: str, k: int = 3, *, detail: str = "") -> list[tuple[str, float]]:
        """The ``k`` best labels for one message, with scores summing to 1 over all labels.

        ``text`` is the subject (or the only text a form has); pass the body as ``detail``.
        Scores are the softmax of the SVM margins: a ranking weight for showing staff the
        likely categories, not a calibrated probability. Empty text gives no suggestions.
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(
                f"k must be a whole number, 1 or more; got {k!r}.",
                field="k",
                value=k,
                fix="Use e.g. 3.",
            )
        if not text.strip() and not detail.strip():
            return []
        margins = self.decision_scores([text], [detail])[0]
        weights = np.exp(margins - margins.max())
        weights /= weights.sum()
        order = sorted(range(len(self.labels)), key=lambda i: (-weights[i], self.labels[i]))
        return [(self.labels[i], float(weights[i])) for i in order[:k]]

    # -- the model file ---------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The model as JSON-ready data (what :meth:`save` writes)."""
        return {
            "format": MODEL_FORMAT,
            "labels": list(self.labels),
            "user_terms": list(self.features.user_terms),
            "blocks": [
                {"name": b.name, "terms": list(b.terms), "idf": b.idf.tolist()}
                for b in self.features.blocks
            ],
            "keyword_labels": list(self.features.keyword_labels),
            "keywords": {k: list(v) for k, v in self.features.keywords.items()},
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "provenance": dict(self.provenance),
        }

    def save(self, path: str | Path) -> None:
        """Write the model file (gzip JSON), atomically: a crash leaves the old file intact."""
        path = Path(path)
        text = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        payload = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            Path(temporary).chmod(0o644)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        """Read a model file written by :meth:`save`."""
        path = Path(path)
        try:
            data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        except FileNotFoundError:
            raise DataFileError(
                "model file not found.",
                path=path,
                fix="Train one first (train_classifier(...).save(path)) or check the path.",
            ) from None
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataFileError(
                f"is not a classifier model file ({error}).",
                path=path,
                fix="Give a file written by TextClassifier.save, or train a new model.",
            ) from None
        return cls.from_json(data, path=path)

    @classmethod
    def from_json(cls, data: Any, *, path: str | Path = "<model>") -> TextClassifier:
        """Rebuild a classifier from :meth:`to_json` data, checking its shape."""
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise DataFileError(
                f"has format {found!r}, not {MODEL_FORMAT!r}.",
                path=path,
                field="format",
                fix="Retrain the model with this version of the platform.",
            )
        try:
            blocks = tuple(
                TfidfBlock(
                    name=str(b["name"]),
                    terms=tuple(str(t) for t in b["terms"]),
                    idf=np.asarray(b["idf"], dtype=np.float64),
                )
                for b in data["blocks"]
            )
            features = FeatureSpace(
                user_terms=tuple(str(t) for t in data["user_terms"]),
                blocks=blocks,
                keyword_labels=tuple(str(t) for t in data["keyword_labels"]),
                keywords={str(k): tuple(str(w) for w in v) for k, v in data["keywords"].items()},
            )
            labels = tuple(str(label) for label in data["labels"])
            coef = np.asarray(data["coef"], dtype=np.float64)
            intercept = np.asarray(data["intercept"], dtype=np.float64)
            provenance = dict(data["provenance"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DataFileError(
                f"is damaged: {error!r}.", path=path, fix="Retrain the model."
            ) from None
        shape = (len(labels), features.width)
        if (
            any(len(b.terms) != len(b.idf) for b in blocks)
            or coef.shape != shape
            or intercept.shape != shape[:1]
        ):
            raise DataFileError(
                "is damaged: its vocabularies and coefficients do not match.",
                path=path,
                fix="Retrain the model.",
            )
        return cls(
            labels=labels, features=features, coef=coef, intercept=intercept, provenance=provenance
        )


def train_classifier(
    subjects: Sequence[str],
    details: Sequence[str],
    labels: Sequence[str],
    *,
    taxonomy: Taxonomy | None = None,
    seed: int = DEFAULT_SEED,
) -> TextClassifier:
    """Train the classifier on labelled messages (and the taxonomy's keywords, if given)."""
    from sklearn.svm import LinearSVC

    _check_messages(subjects, details, allow_empty=False)
    if len(labels) != len(subjects):
        raise InputError(
            f"There are {len(subjects)} messages but {len(labels)} labels.",
            field="labels",
            value=len(labels),
            fix="Give one label per message.",
        )
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise InputError(
            f"Training needs messages of at least two labels; got {classes}.",
            field="labels",
            value=classes,
            fix="Add labelled messages of other categories.",
        )
    features, matrix = FeatureSpace.fit_transform(subjects, details, labels, taxonomy=taxonomy)
    svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=seed, max_iter=SVM_MAX_ITER)
    svm.fit(matrix, np.asarray(labels))
    learned = tuple(str(c) for c in svm.classes_)
    coef = np.asarray(svm.coef_, dtype=np.float64)
    intercept = np.asarray(svm.intercept_, dtype=np.float64)
    if len(learned) == 2:  # one separating hyperplane: margin -w·x for the first class
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    provenance = {
        "seed": seed,
        "messages": len(labels),
        "label_counts": dict(sorted(Counter(labels).items())),
        "data_sha256": _fingerprint(subjects, details, labels),
        "taxonomy_sha256": _fingerprint(*zip(*taxonomy.rows, strict=True)) if taxonomy else None,
        "model": f"LinearSVC(C={SVM_C}, class_weight=balanced, random_state={seed})",
        "versions": {name: _version(name) for name in ("jieba", "scikit-learn", "numpy", "scipy")},
    }
    return TextClassifier(
        labels=learned, features=features, coef=coef, intercept=intercept, provenance=provenance
    )


def train_from_files(
    labelled_csv: str | Path, taxonomy_csv: str | Path | None = None, *, seed: int = DEFAULT_SEED
) -> TextClassifier:
    """Train on a labelled CSV (conflicting duplicates dropped) and an optional taxonomy CSV."""
    messages = read_labelled_messages(labelled_csv)
    taxonomy = read_taxonomy(taxonomy_csv) if taxonomy_csv is not None else None
    return train_classifier(
        messages.subjects, messages.details, messages.labels, taxonomy=taxonomy, seed=seed
    )


def _check_messages(subjects: Sequence[str], details: Sequence[str], *, allow_empty: bool) -> None:
    if isinstance(subjects, str) or isinstance(details, str):
        raise InputError(
            "subjects and details must be sequences of texts, not one text.",
            field="subjects",
            value=subjects if isinstance(subjects, str) else details,
            fix="Wrap a single message in a list: predict([subject], [detail]).",
        )
    if len(subjects) != len(details):
        raise InputError(
            f"There are {len(subjects)} subjects but {len(details)} details.",
            field="details",
            value=len(details),
            fix="Give one detail per subject (an empty string if there is none).",
        )
    for i, (subject, detail) in enumerate(zip(subjects, details, strict=True)):
        if not isinstance(subject, str) or not isinstance(detail, str):
            raise InputError(
                f"Message {i} is not text: {subject!r}, {detail!r}.",
                field="subjects",
                value=i,
                fix="Pass strings (an empty string for a missing part).",
            )
        if not allow_empty and not subject.strip() and not detail.strip():
            raise InputError(
                f"Message {i} has neither a subject nor a detail.",
                field="subjects",
                value=i,
                fix="Drop empty messages before classifying them.",
            )


def _fingerprint(*columns: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for row in zip(*columns, strict=True):
        digest.update("\x1f".join(row).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"
