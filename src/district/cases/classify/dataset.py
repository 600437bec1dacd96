"""Reading the message files: labelled training messages, the taxonomy, messages to classify.

The formats are those of the 2020 Teddy Cup (泰迪杯) 智慧政务 data the platform vendors:

* labelled messages: ``留言编号,留言用户,留言主题,留言时间,留言详情,一级分类``; only
  ``留言主题`` (subject), ``留言详情`` (detail) and ``一级分类`` (first-level label) are
  required, ``留言编号`` (message id) is used to find duplicated messages;
* the taxonomy (附件1): ``一级分类,二级分类,三级分类``;
* messages to classify: any columns, of which ``留言主题`` and ``留言详情`` are required.

Files must be UTF-8 (a byte-order mark is accepted). Every problem raises
:class:`~district.core.errors.DataFileError` naming the file, the row (the header is row 1,
as a spreadsheet shows it) and the field.

Duplicated message ids: a message filed twice with the same label is kept once. A message
filed twice with different labels (in the vendored data, id 37042 "望B市职工医疗保险费能在网上
查询" is labelled both 城乡建设 and 劳动和社会保障) is dropped by default: the same text with
two answers teaches the model nothing, and in cross-validation the two copies could fall
into different folds, one training and one scoring against the other. The dropped ids are
reported in :attr:`LabelledMessages.conflicts`; ``on_conflict="error"`` refuses the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from district.core.errors import DataFileError

SUBJECT = "留言主题"
DETAIL = "留言详情"
LABEL = "一级分类"
MESSAGE_ID = "留言编号"
TAXONOMY_COLUMNS = ("一级分类", "二级分类", "三级分类")
OTHER = "其他"  # the "other" category at every level of the taxonomy


@dataclass(frozen=True)
class Table:
    """A CSV file read as text: its header and rows (each row as long as the header)."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> tuple[str, ...]:
        index = self.header.index(name)
        return tuple(row[index] for row in self.rows)


@dataclass(frozen=True)
class ConflictingDuplicate:
    """A message id that appears on several rows with different labels."""

    message_id: str
    labels: tuple[str, ...]
    rows: tuple[int, ...]


@dataclass(frozen=True)
class LabelledMessages:
    """Training messages: parallel tuples, one entry per kept message."""

    ids: tuple[str, ...]
    subjects: tuple[str, ...]
    details: tuple[str, ...]
    labels: tuple[str, ...]
    conflicts: tuple[ConflictingDuplicate, ...] = ()
    repeated_rows: int = 0  # exact repeats (same id and label) dropped

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Taxonomy:
    """The three-level category taxonomy: rows of (一级, 二级, 三级)."""

    rows: tuple[tuple[str, str, str], ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """First-level labels, sorted."""
        return tuple(sorted({row[0] for row in self.rows}))

    def terms(self) -> tuple[str, ...]:
        """All second- and third-level names except 其他, sorted."""
        return tuple(sorted({t for row in self.rows for t in row[1:] if t and t != OTHER}))

    def terms_by_label(self) -> dict[str, tuple[str, ...]]:
        """Second- and third-level names (except 其他) under each first-level label."""
        grouped: dict[str, set[str]] = {}
        for label, *names in self.rows:
            grouped.setdefault(label, set()).update(n for n in names if n and n != OTHER)
        return {label: tuple(sorted(names)) for label, names in sorted(grouped.items())}


def read_table(path: str | Path, *, required: Sequence[str]) -> Table:
    """Read a UTF-8 CSV file strictly: known encoding, required columns, rectangular rows."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(
            "file not found.", path=path, fix="Check the path and try again."
        ) from None
    except OSError as error:
        raise DataFileError(
            f"cannot be read ({error.strerror}).", path=path, fix="Check the file's permissions."
        ) from None
    text = _decode(raw, path)
    if not text.strip():
        raise DataFileError(
            "the file is empty.",
            path=path,
            fix=f"Give a CSV file whose first row names the columns ({', '.join(required)}).",
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as error:
        raise DataFileError(
            f"is not valid CSV near line {reader.line_num}: {error}.",
            path=path,
            row=len(records) + 1,
            fix="A field holding a comma, a quote or a line break must be in double quotes.",
        ) from None
    header = tuple(name.strip() for name in records[0])
    duplicated = sorted({n for n in header if header.count(n) > 1 and n})
    if duplicated:
        raise DataFileError(
            f"the header names column {duplicated[0]!r} more than once.",
            path=path,
            row=1,
            field=duplicated[0],
            fix="Give each column a unique name.",
        )
    missing = [name for name in required if name not in header]
    if missing:
        raise DataFileError(
            f"the header lacks the column {missing[0]!r}; it has {', '.join(header) or 'none'}.",
            path=path,
            row=1,
            field=missing[0],
            fix=f"The file needs the columns {', '.join(required)} (UTF-8, comma-separated).",
        )
    rows: list[tuple[str, ...]] = []
    for number, record in enumerate(records[1:], start=2):
        if not record:
            continue  # a blank line
        if len(record) != len(header):
            raise DataFileError(
                f"has {len(record)} fields where the header has {len(header)}.",
                path=path,
                row=number,
                fix="Check for an unquoted comma or a missing field in this row.",
            )
        rows.append(tuple(record))
    return Table(path=path, header=header, rows=tuple(rows))


def read_labelled_messages(
    path: str | Path, *, on_conflict: Literal["drop", "error"] = "drop"
) -> LabelledMessages:
    """Training messages from a labelled CSV (see the module docstring for duplicates)."""
    table = read_table(path, required=(SUBJECT, DETAIL, LABEL))
    if not table.rows:
        raise DataFileError(
            "has a header but no messages.", path=table.path, fix="Add labelled messages."
        )
    has_ids = MESSAGE_ID in table.header
    subjects = table.column(SUBJECT)
    details = table.column(DETAIL)
    labels = tuple(label.strip() for label in table.column(LABEL))
    ids = table.column(MESSAGE_ID) if has_ids else tuple(str(i) for i in range(len(labels)))
    for index, (subject, detail, label) in enumerate(zip(subjects, details, labels, strict=True)):
        _check_text(table.path, index, subject, detail)
        if not label:
            raise DataFileError(
                "the label is empty.",
                path=table.path,
                row=index + 2,
                field=LABEL,
                fix="Give every message its first-level category (一级分类).",
            )
    rows_by_id: dict[str, list[int]] = {}
    for index, message_id in enumerate(ids):
        rows_by_id.setdefault(message_id.strip(), []).append(index)
    keep: list[int] = []
    conflicts: list[ConflictingDuplicate] = []
    repeated = 0
    for message_id, indexes in rows_by_id.items():
        distinct = sorted({labels[i] for i in indexes})
        if len(distinct) == 1:
            keep.append(indexes[0])
            repeated += len(indexes) - 1
            continue
        conflict = ConflictingDuplicate(
            message_id=message_id,
            labels=tuple(distinct),
            rows=tuple(i + 2 for i in indexes),
        )
        if on_conflict == "error":
            raise DataFileError(
                f"message {message_id} appears on rows "
                f"{', '.join(str(r) for r in conflict.rows)} with different labels "
                f"({', '.join(distinct)}).",
                path=table.path,
                row=conflict.rows[0],
                field=MESSAGE_ID,
                value=message_id,
                fix="Keep one row with the right label.",
            )
        conflicts.append(conflict)
    keep.sort()
    return LabelledMessages(
        ids=tuple(ids[i].strip() for i in keep),
        subjects=tuple(subjects[i] for i in keep),
        details=tuple(details[i] for i in keep),
        labels=tuple(labels[i] for i in keep),
        conflicts=tuple(conflicts),
        repeated_rows=repeated,
    )


def read_taxonomy(path: str | Path) -> Taxonomy:
    """The three-level taxonomy CSV (``一级分类,二级分类,三级分类``)."""
    table = read_table(path, required=TAXONOMY_COLUMNS)
    indexes = [table.header.index(c) for c in TAXONOMY_COLUMNS]
    rows: list[tuple[str, str, str]] = []
    for number, record in enumerate(table.rows, start=2):
        first, second, third = (record[i].strip() for i in indexes)
        if not first:
            raise DataFileError(
                "the first-level category is empty.",
                path=table.path,
                row=number,
                field=TAXONOMY_COLUMNS[0],
                fix="Every taxonomy row needs its 一级分类.",
            )
        rows.append((first, second, third))
    if not rows:
        raise DataFileError(
            "has a header but no categories.", path=table.path, fix="Add the taxonomy rows."
        )
    return Taxonomy(rows=tuple(rows))


def read_messages(path: str | Path) -> Table:
    """Messages to classify: all columns kept, ``留言主题`` and ``留言详情`` required.

    A row whose subject and detail are both empty is refused, naming its row.
    """
    table = read_table(path, required=(SUBJECT, DETAIL))
    subjects = table.column(SUBJECT)
    details = table.column(DETAIL)
    for index, (subject, detail) in enumerate(zip(subjects, details, strict=True)):
        _check_text(table.path, index, subject, detail)
    return table


def _check_text(path: Path, index: int, subject: str, detail: str) -> None:
    if not subject.strip() and not detail.strip():
        raise DataFileError(
            f"both {SUBJECT} and {DETAIL} are empty.",
            path=path,
            row=index + 2,
            field=SUBJECT,
            fix="Give each message a subject or a detail, or delete the row.",
        )


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("gb18030")
            hint = " It decodes as GBK/GB18030 (a common export encoding in China)."
        except UnicodeDecodeError:
            pass
        raise DataFileError(
            f"is not UTF-8: byte 0x{raw[error.start]:02x} at line {line} cannot be decoded.{hint}",
            path=path,
            row=None,
            fix="Save the file as UTF-8 (e.g. `iconv -f GB18030 -t UTF-8 in.csv > out.csv`).",
        ) from None
