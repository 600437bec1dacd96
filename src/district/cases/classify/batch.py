"""Classifying a CSV file of messages into a new CSV file (``district cases classify``).

The command's contract: read a UTF-8 CSV with the columns ``留言主题`` and ``留言详情``
(other columns are kept as they are), and write the same rows, in the same order, with a
column ``predicted`` holding one of the model's first-level labels. If the input already
has a ``predicted`` column, its values are replaced in place. Every row is classified
before the output file is opened, so a bad input file leaves no output behind.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from district.cases.classify.dataset import DETAIL, SUBJECT, read_messages
from district.cases.classify.model import TextClassifier

PREDICTED = "predicted"


@dataclass(frozen=True)
class ClassifiedFile:
    """What :func:`classify_csv` did: rows written and how many went to each label."""

    input_path: Path
    output_path: Path
    rows: int
    label_counts: dict[str, int]


def classify_csv(
    input_path: str | Path, output_path: str | Path, classifier: TextClassifier
) -> ClassifiedFile:
    """Classify every row of ``input_path``; write them to ``output_path`` with ``predicted``."""
    table = read_messages(input_path)
    predictions = (
        classifier.predict(list(table.column(SUBJECT)), list(table.column(DETAIL)))
        if table.rows
        else []
    )
    if PREDICTED in table.header:
        at = table.header.index(PREDICTED)
        header = table.header
        rows = [
            (*row[:at], label, *row[at + 1 :])
            for row, label in zip(table.rows, predictions, strict=True)
        ]
    else:
        header = (*table.header, PREDICTED)
        rows = [(*row, label) for row, label in zip(table.rows, predictions, strict=True)]
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return ClassifiedFile(
        input_path=table.path,
        output_path=output,
        rows=len(rows),
        label_counts=dict(sorted(Counter(predictions).items())),
    )
