"""The text classifier in the app: the model file, suggestions at intake, CSV classification.

The model (``district.cases.classify``) is trained on the labelled citizen messages the
platform vendors (``data/citizen_messages``) and stored as ``DATA_DIR/cases/
classifier.json.gz``. ``district cases train-classifier`` writes it; the same data and seed
give a byte-identical file. When the file is missing, the first suggestion or
``district cases classify`` trains it (about two seconds) and saves it.

The classifier predicts one of the data set's seven first-level labels (城乡建设, 环境保护,
交通运输, 教育文体, 劳动和社会保障, 商贸旅游, 卫生计生). Intake turns a label into the
catalogue's categories carrying that label, ranked by the category names and keywords that
occur in the text, and into the department the routing table gives for the best one.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from district.cases.classify import (
    ClassifiedFile,
    TextClassifier,
    classify_csv,
    train_from_files,
)
from district.cases.services.catalogue import CategoryInfo, catalogue, route
from district.core.errors import ConfigurationError

_lock = threading.Lock()
_model: tuple[str, float, TextClassifier] | None = None
KEYWORD_WEIGHT = 0.5  # a category's own word in the text outweighs most label margins


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "cases" / "classifier.json.gz"


def training_files() -> tuple[Path, Path]:
    folder = Path(settings.DEMO_DATA_DIR) / "citizen_messages"
    return folder / "messages_labelled_train.csv", folder / "label_taxonomy_fj1.csv"


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    sha256: str
    messages: int
    labels: tuple[str, ...]
    features: int


def train_model_file(
    *,
    output: Path | None = None,
    seed: int = 0,
    labelled: Path | None = None,
    taxonomy: Path | None = None,
) -> TrainedModel:
    """Train on the labelled messages and write the model file (atomically)."""
    default_labelled, default_taxonomy = training_files()
    labelled = labelled or default_labelled
    taxonomy = taxonomy if taxonomy is not None else default_taxonomy
    if not Path(labelled).is_file():
        raise ConfigurationError(
            f"The labelled messages {labelled} are missing.",
            field="labelled",
            fix="They ship in the repository's data/citizen_messages; set "
            "DISTRICT_DEMO_DATA_DIR if it lives elsewhere.",
        )
    model = train_from_files(labelled, taxonomy if Path(taxonomy).is_file() else None, seed=seed)
    path = Path(output) if output else model_path()
    model.save(path)
    _forget()
    return TrainedModel(
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        messages=int(model.provenance.get("messages", 0)),
        labels=model.labels,
        features=model.features.width,
    )


def _forget() -> None:
    global _model
    with _lock:
        _model = None


def get_classifier(path: Path | None = None) -> TextClassifier:
    """The model from ``path`` (default: the data directory's), trained first if missing."""
    global _model
    path = Path(path) if path else model_path()
    with _lock:
        if not path.exists():
            if path != model_path():
                return TextClassifier.load(path)  # a DataFileError naming the path
            default_labelled, default_taxonomy = training_files()
            train_from_files(
                default_labelled,
                default_taxonomy if default_taxonomy.is_file() else None,
            ).save(path)
        stamp = path.stat().st_mtime
        if _model is not None and _model[0] == str(path) and _model[1] == stamp:
            return _model[2]
        model = TextClassifier.load(path)
        _model = (str(path), stamp, model)
        return model


def classify_file(
    *, input_path: Path, output_path: Path, model: Path | None = None
) -> ClassifiedFile:
    """``district cases classify``: the CSV contract (see ``classify.batch``)."""
    return classify_csv(input_path, output_path, get_classifier(model))


@dataclass(frozen=True)
class CategorySuggestion:
    label: str
    score: float
    category: CategoryInfo | None
    department_id: int | None


def suggest_categories(
    text: str, *, detail: str = "", cell_code: str = "", subdistrict_code: str = "", k: int = 3
) -> list[CategorySuggestion]:
    """Likely categories (and their department) for the free text of a report.

    Each category scores the classifier's weight for its label plus ``KEYWORD_WEIGHT`` for
    every one of its name and keywords found in the text; among categories of a label with
    no word in the text only the first in catalogue order is offered.
    """
    if not (text or "").strip() and not (detail or "").strip():
        return []
    model = get_classifier()
    weights = dict(model.suggest(text, k=len(model.labels), detail=detail))
    whole = f"{text} {detail}"
    scored: list[tuple[float, int, CategoryInfo]] = []
    seen_plain: set[str] = set()
    for order, info in enumerate(catalogue().services()):
        hits = _hits(info, whole)
        if not hits:
            if info.classifier_label in seen_plain:
                continue
            seen_plain.add(info.classifier_label)
        score = weights.get(info.classifier_label, 0.0) + KEYWORD_WEIGHT * hits
        scored.append((score, order, info))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        CategorySuggestion(
            label=info.classifier_label,
            score=round(score, 4),
            category=info,
            department_id=route(info, cell_code=cell_code, subdistrict_code=subdistrict_code),
        )
        for score, _order, info in scored[:k]
    ]


def _hits(info: CategoryInfo, text: str) -> int:
    words = [info.name, *[w.strip() for w in info.keywords.split(",") if w.strip()]]
    return sum(1 for w in words if w and w in text)
