"""The citizen-message classifier: jieba words, character n-grams and taxonomy keywords
feeding a linear SVM, predicting a message's first-level category (一级分类).

This package is an analytics engine: it imports neither Django nor other apps, so it runs
in plain pytest and under Dask. ``district.cases.services`` calls it.

Typical use::

    messages = read_labelled_messages("data/citizen_messages/messages_labelled_train.csv")
    taxonomy = read_taxonomy("data/citizen_messages/label_taxonomy_fj1.csv")
    model = train_classifier(messages.subjects, messages.details, messages.labels,
                             taxonomy=taxonomy, seed=0)
    model.predict(["小区噪音扰民"], ["楼下商铺夜间施工"])   # -> ["城乡建设"] or another label
    model.save("classifier.json.gz"); TextClassifier.load("classifier.json.gz")
    classify_csv("in.csv", "out.csv", model)            # `district cases classify`
"""

from district.cases.classify.batch import PREDICTED, ClassifiedFile, classify_csv
from district.cases.classify.dataset import (
    ConflictingDuplicate,
    LabelledMessages,
    Table,
    Taxonomy,
    read_labelled_messages,
    read_messages,
    read_taxonomy,
)
from district.cases.classify.evaluation import BaselineClassifier, CvReport, cross_validate
from district.cases.classify.model import (
    DEFAULT_SEED,
    TextClassifier,
    train_classifier,
    train_from_files,
)

__all__ = [
    "DEFAULT_SEED",
    "PREDICTED",
    "BaselineClassifier",
    "ClassifiedFile",
    "ConflictingDuplicate",
    "CvReport",
    "LabelledMessages",
    "Table",
    "Taxonomy",
    "TextClassifier",
    "classify_csv",
    "cross_validate",
    "read_labelled_messages",
    "read_messages",
    "read_taxonomy",
    "train_classifier",
    "train_from_files",
]
