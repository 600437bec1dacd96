"""Polis openData folders, read and written.

A Polis export (the ``openData`` repository, a Polis report's CSV download) is a folder:

``comments.csv``
    ``timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated,
    comment-body``; ``moderated`` is 1 (accepted), 0 (not yet moderated) or −1 (moderated
    out, hidden from voting and from the opinion map's statement lists).
``votes.csv``
    ``timestamp, datetime, comment-id, voter-id, vote``: every vote ever cast, agree = 1,
    disagree = −1, pass = 0; a participant who changed their mind has several rows.
``participants-votes.csv``
    ``participant, group-id, n-comments, n-votes, n-agree, n-disagree``, then one column per
    comment id holding that participant's vote or nothing.
``summary.csv``
    ``key,value`` rows: topic, url, views, voters, comments, groups, description, ….

:func:`read_polis_folder` returns a :class:`PolisConversation` of DataFrames with exactly
those columns. Votes are reduced to the last one per participant and comment by timestamp
(a tie goes to the later row), and ``duplicate_votes`` says how many rows that dropped.
:func:`write_polis_folder` writes the same files back; reading them again gives equal
frames, and red-dwarf's own CSV models read them too.

A malformed file raises :class:`~district.core.errors.DataFileError` naming the file, the
row and the field. Rows are numbered as a spreadsheet shows them: the header is row 1 and
the first record row 2 (a record whose text spans several lines still counts once).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from district.core.errors import DataFileError
from district.participation.opinion import OpinionMap, VoteTable, compute_opinion_map

COMMENTS_FILE = "comments.csv"
VOTES_FILE = "votes.csv"
PARTICIPANTS_VOTES_FILE = "participants-votes.csv"
SUMMARY_FILE = "summary.csv"

VOTES_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
COMMENTS_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")

MODERATED_OUT = -1  # 已屏蔽 moderated out
#: How Polis prints a vote's time (Java's ``Date.toString``), e.g. ``Tue Jun 30 15:49:52 CST 2015``.
POLIS_DATETIME_FORMAT = "%a %b %d %H:%M:%S %Z %Y"

_FIRST_ROW = 2  # the header is row 1


@dataclass(frozen=True, eq=False)
class PolisConversation:
    """The four files of a Polis openData folder, as DataFrames with the files' columns."""

    comments: pd.DataFrame
    votes: pd.DataFrame
    """One row per participant and comment: the last vote (duplicates already dropped)."""
    participants_votes: pd.DataFrame | None = None
    summary: dict[str, str] = field(default_factory=dict)
    duplicate_votes: int = 0
    """Rows of ``votes.csv`` dropped because a later vote on the same comment superseded them."""

    def vote_table(self) -> VoteTable:
        """The votes as the opinion engine takes them."""
        return VoteTable.from_arrays(
            self.votes["voter-id"].to_numpy(np.int64),
            self.votes["comment-id"].to_numpy(np.int64),
            self.votes["vote"].to_numpy(np.int64),
            self.votes["timestamp"].to_numpy(np.int64),
        )

    def moderated_out_ids(self) -> list[int]:
        """Comment ids a moderator hid (``moderated == -1``)."""
        hidden = self.comments.loc[self.comments["moderated"] == MODERATED_OUT, "comment-id"]
        return sorted(int(c) for c in hidden)


def read_polis_folder(folder: str | Path) -> PolisConversation:
    """Read a Polis openData folder; ``comments.csv`` and ``votes.csv`` are required."""
    root = Path(folder)
    if not root.is_dir():
        raise DataFileError(
            "is not a folder.",
            path=root,
            fix="Give the folder that holds comments.csv and votes.csv.",
        )
    votes, duplicates = read_votes_csv(root / VOTES_FILE)
    comments = read_comments_csv(root / COMMENTS_FILE)
    participants_path = root / PARTICIPANTS_VOTES_FILE
    summary_path = root / SUMMARY_FILE
    return PolisConversation(
        comments=comments,
        votes=votes,
        participants_votes=(
            read_participants_votes_csv(participants_path) if participants_path.exists() else None
        ),
        summary=read_summary_csv(summary_path) if summary_path.exists() else {},
        duplicate_votes=duplicates,
    )


def read_votes_csv(path: str | Path) -> tuple[pd.DataFrame, int]:
    """``votes.csv`` with one vote per participant and comment, and the rows dropped."""
    raw = _read_text_table(path, required=("timestamp", "comment-id", "voter-id", "vote"))
    if "datetime" not in raw.columns:
        raw["datetime"] = ""
    frame = pd.DataFrame(
        {
            "timestamp": _integers(raw, "timestamp", path),
            "datetime": raw["datetime"].astype(str),
            "comment-id": _integers(raw, "comment-id", path, minimum=0),
            "voter-id": _integers(raw, "voter-id", path, minimum=0),
            "vote": _integers(raw, "vote", path, allowed=(-1, 0, 1)),
        }
    )
    return _last_votes(frame)


def read_comments_csv(path: str | Path) -> pd.DataFrame:
    """``comments.csv`` with typed columns; comment ids must be unique."""
    required = tuple(c for c in COMMENTS_COLUMNS if c != "datetime")
    raw = _read_text_table(path, required=required)
    if "datetime" not in raw.columns:
        raw["datetime"] = ""
    frame = pd.DataFrame(
        {
            "timestamp": _integers(raw, "timestamp", path),
            "datetime": raw["datetime"].astype(str),
            "comment-id": _integers(raw, "comment-id", path, minimum=0),
            "author-id": _integers(raw, "author-id", path, minimum=0),
            "agrees": _integers(raw, "agrees", path, minimum=0),
            "disagrees": _integers(raw, "disagrees", path, minimum=0),
            "moderated": _integers(raw, "moderated", path, allowed=(-1, 0, 1)),
            "comment-body": raw["comment-body"].astype(str),
        }
    )
    repeated = frame["comment-id"].duplicated()
    if repeated.any():
        index = int(np.flatnonzero(repeated.to_numpy())[0])
        value = int(frame["comment-id"].iloc[index])
        raise DataFileError(
            f"comment id {value} appears twice.",
            path=path,
            row=index + _FIRST_ROW,
            field="comment-id",
            value=value,
            fix="Each comment needs its own id.",
        )
    return frame


def read_participants_votes_csv(path: str | Path) -> pd.DataFrame:
    """``participants-votes.csv``: counts, the Polis group (NA if none) and every vote."""
    raw = _read_text_table(path, required=PARTICIPANT_COLUMNS)
    statement_columns = [c for c in raw.columns if c not in PARTICIPANT_COLUMNS]
    for column in statement_columns:
        if not re.fullmatch(r"\d+", column):
            raise DataFileError(
                f"column '{column}' is not a comment id.",
                path=path,
                row=1,
                field=column,
                value=column,
                fix="After the six count columns every column is named by a comment id.",
            )
    counts = _integer_block(
        raw, [PARTICIPANT_COLUMNS[0], *PARTICIPANT_COLUMNS[2:]], path, minimum=0
    )
    group = _integers(raw, "group-id", path, minimum=0, blank=True)
    votes = _integer_block(raw, statement_columns, path, allowed=(-1, 0, 1), blank=True)
    frame = pd.concat([counts, group, votes], axis=1)
    return frame.loc[:, [*PARTICIPANT_COLUMNS, *statement_columns]]


def read_summary_csv(path: str | Path) -> dict[str, str]:
    """``summary.csv`` as an ordered ``{key: value}``; values may span several lines."""
    rows = _csv_rows(path)
    summary: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if not row:
            continue
        if len(row) != 2:
            raise DataFileError(
                f"a summary row needs a key and a value, found {len(row)} field(s).",
                path=path,
                row=number,
                field=row[0] if row else None,
                fix="Write one 'key,value' per row; quote values that contain commas.",
            )
        key, value = row
        if key in summary:
            raise DataFileError(
                f"key '{key}' appears twice.",
                path=path,
                row=number,
                field=key,
                fix="Keep one row per key.",
            )
        summary[key] = value
    return summary


def write_polis_folder(conversation: PolisConversation, folder: str | Path) -> list[Path]:
    """Write the conversation as a Polis openData folder; returns the files written.

    ``participants-votes.csv`` is derived from the votes and comments when the
    conversation has none, and ``summary.csv`` is written only when there is a summary.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    written = [root / COMMENTS_FILE, root / VOTES_FILE, root / PARTICIPANTS_VOTES_FILE]
    _write_frame(conversation.comments.loc[:, list(COMMENTS_COLUMNS)], written[0])
    _write_frame(conversation.votes.loc[:, list(VOTES_COLUMNS)], written[1])
    participants = conversation.participants_votes
    if participants is None:
        participants = participants_votes_frame(conversation.votes, conversation.comments)
    _write_frame(participants, written[2])
    if conversation.summary:
        path = root / SUMMARY_FILE
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerows(conversation.summary.items())
        written.append(path)
    return written


def votes_frame(votes: VoteTable, *, timezone: str = "Asia/Shanghai") -> pd.DataFrame:
    """A ``votes.csv`` frame for the platform's own votes, ordered by time.

    The ``datetime`` column is written as Polis writes it (``Tue Jun 30 15:49:52 CST 2015``)
    in the given zone.
    """
    order = np.argsort(votes.timestamps_ms, kind="stable")
    zone = ZoneInfo(timezone)
    stamps = votes.timestamps_ms[order]
    texts = [
        datetime.fromtimestamp(ms / 1000, tz=zone).strftime(POLIS_DATETIME_FORMAT)
        for ms in stamps.tolist()
    ]
    return pd.DataFrame(
        {
            "timestamp": stamps.astype(np.int64),
            "datetime": pd.Series(texts, dtype=str),
            "comment-id": votes.statement_ids[order].astype(np.int64),
            "voter-id": votes.participant_ids[order].astype(np.int64),
            "vote": votes.votes[order].astype(np.int64),
        }
    )


def participants_votes_frame(
    votes: pd.DataFrame,
    comments: pd.DataFrame,
    *,
    groups: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    """Build ``participants-votes.csv`` from the votes, the comments and optional groups.

    ``groups`` maps participant id to group index (for example ``OpinionMap.groups()``);
    participants without a group get an empty ``group-id``.
    """
    voters = votes["voter-id"].to_numpy(np.int64)
    statements = votes["comment-id"].to_numpy(np.int64)
    values = votes["vote"].to_numpy(np.int64)
    authors = comments["author-id"].to_numpy(np.int64)
    participant_ids = np.unique(voters)
    statement_ids = np.unique(statements)  # as Polis: comments nobody voted on get no column
    row = np.searchsorted(participant_ids, voters)
    column = np.searchsorted(statement_ids, statements)
    n, m = participant_ids.size, statement_ids.size
    cells = np.zeros((n, m), dtype=np.int64)
    cells[row, column] = values
    missing = np.ones((n, m), dtype=bool)
    missing[row, column] = False
    n_comments = np.bincount(
        np.searchsorted(participant_ids, authors[np.isin(authors, participant_ids)]), minlength=n
    )
    group_values = [None if groups is None else groups.get(int(p)) for p in participant_ids]
    data: dict[str, Any] = {
        "participant": participant_ids,
        "group-id": pd.array(group_values, dtype="Int64"),
        "n-comments": n_comments.astype(np.int64),
        "n-votes": np.bincount(row, minlength=n).astype(np.int64),
        "n-agree": np.bincount(row[values == 1], minlength=n).astype(np.int64),
        "n-disagree": np.bincount(row[values == -1], minlength=n).astype(np.int64),
    }
    for j, statement in enumerate(statement_ids.tolist()):
        data[str(statement)] = pd.arrays.IntegerArray(cells[:, j].copy(), missing[:, j].copy())
    return pd.DataFrame(data)


def cluster_polis_folder(
    folder: str | Path, *, seed: int = 0, min_votes: int = 7
) -> dict[str, Any]:
    """``district participation cluster DIR --json OUT``: the report for a Polis folder.

    Moderated-out comments are excluded as Polis excludes them. The result is
    ``{"k", "groups": {participant id: group}, "consensus": {"agree": [...], "disagree":
    [...]}, "repness": {group: [comment ids, most representative first]}}``, with string
    keys so that it serialises to JSON unchanged.
    """
    return opinion_map_for_folder(folder, seed=seed, min_votes=min_votes).to_report()


def opinion_map_for_folder(folder: str | Path, *, seed: int = 0, min_votes: int = 7) -> OpinionMap:
    """The full opinion map of a Polis folder (moderated-out comments excluded)."""
    conversation = read_polis_folder(folder)
    return compute_opinion_map(
        conversation.vote_table(),
        moderated_out=conversation.moderated_out_ids(),
        seed=seed,
        min_votes=min_votes,
    )


def _read_text_table(path: str | Path, *, required: Sequence[str]) -> pd.DataFrame:
    """Every cell as text, with the required columns checked."""
    location = Path(path)
    if not location.is_file():
        raise DataFileError(
            "is missing.", path=location, fix=f"A Polis export has a {location.name}."
        )
    try:
        frame = pd.read_csv(
            location,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError as exc:
        raise DataFileError(
            "is empty.", path=location, row=1, fix="The first row must name the columns."
        ) from exc
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise DataFileError(
            f"cannot be read as CSV ({exc}).",
            path=location,
            row=int(line.group(1)) if line else None,
            fix="Every row needs as many fields as the header; quote text with commas.",
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"is not UTF-8 text (byte {exc.start}).",
            path=location,
            fix="Save the file as UTF-8.",
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(
            f"has no column {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(c) for c in frame.columns)}.",
            path=location,
            row=1,
            field=missing[0],
            fix=f"The Polis columns are: {', '.join(required)}.",
        )
    return frame


def _integers(
    raw: pd.DataFrame,
    column: str,
    path: str | Path,
    *,
    minimum: int | None = None,
    allowed: Sequence[int] | None = None,
    blank: bool = False,
) -> pd.Series:
    """Parse a text column as integers, naming the first bad cell."""
    block = _integer_block(raw, [column], path, minimum=minimum, allowed=allowed, blank=blank)
    return block[column]


def _integer_block(
    raw: pd.DataFrame,
    columns: Sequence[str],
    path: str | Path,
    *,
    minimum: int | None = None,
    allowed: Sequence[int] | None = None,
    blank: bool = False,
) -> pd.DataFrame:
    """Parse text columns as integers (nullable ``Int64`` when ``blank``).

    The fast path converts the whole block with one numpy cast; only when that fails, or a
    value is out of range, is the block searched cell by cell for the first bad one.
    """
    cells = raw.loc[:, list(columns)].to_numpy(dtype=object)
    empty = cells == "" if blank else np.zeros(cells.shape, dtype=bool)
    try:
        values = np.where(empty, "0", cells).astype(np.int64)
    except (ValueError, TypeError, OverflowError):
        values = None
    if values is not None:
        bad = np.zeros(values.shape, dtype=bool)
        if minimum is not None:
            bad |= values < minimum
        if allowed is not None:
            bad |= ~np.isin(values, list(allowed))
        bad &= ~empty
        if not bad.any():
            data: dict[str, Any] = {}
            for j, column in enumerate(columns):
                if blank:
                    data[column] = pd.arrays.IntegerArray(values[:, j], empty[:, j].copy())
                else:
                    data[column] = values[:, j]
            return pd.DataFrame(data, index=raw.index)
    for column in columns:
        _diagnose_integers(raw, column, path, minimum=minimum, allowed=allowed, blank=blank)
    raise DataFileError(  # pragma: no cover - the search above always finds the cell
        f"a cell in {', '.join(columns)} is not a valid integer.", path=path
    )


def _diagnose_integers(
    raw: pd.DataFrame,
    column: str,
    path: str | Path,
    *,
    minimum: int | None,
    allowed: Sequence[int] | None,
    blank: bool,
) -> None:
    """Raise :class:`DataFileError` for the first cell of ``column`` that is not valid."""
    for index, cell in enumerate(raw[column].tolist()):
        text = str(cell).strip()
        if blank and text == "":
            continue
        try:
            number = float(text)
            valid = number == int(number)
        except (ValueError, OverflowError):
            valid = False
        if valid and minimum is not None and number < minimum:
            valid = False
        if valid and allowed is not None and number not in allowed:
            valid = False
        if valid:
            continue
        if allowed is not None:
            expected = "one of " + ", ".join(str(a) for a in allowed)
        elif minimum is not None:
            expected = f"a whole number of at least {minimum}"
        else:
            expected = "a whole number"
        raise DataFileError(
            f"expected {expected}, found {cell!r}.",
            path=path,
            row=index + _FIRST_ROW,
            field=column,
            value=cell,
            fix="Correct the cell" + (" or leave it empty." if blank else "."),
        )


def _last_votes(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep the last vote per (voter, comment) by timestamp, later row on a tie."""
    if frame.empty:
        return frame.reset_index(drop=True), 0
    # Rank rows by (timestamp, row): VoteTable keeps the greatest stamp, so giving it the
    # ranks as stamps keeps the latest vote, and the later row on a tie.
    rank = np.lexsort((np.arange(len(frame)), frame["timestamp"].to_numpy()))
    position = np.empty(len(frame), dtype=np.int64)
    position[rank] = np.arange(len(frame))
    table = VoteTable.from_arrays(
        frame["voter-id"].to_numpy(),
        frame["comment-id"].to_numpy(),
        np.zeros(len(frame), dtype=np.int64),
        position,
    )
    kept_rows = np.sort(rank[table.timestamps_ms])
    return frame.iloc[kept_rows].reset_index(drop=True), table.duplicates_dropped


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _csv_rows(path: str | Path) -> list[list[str]]:
    location = Path(path)
    try:
        with location.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    except FileNotFoundError as exc:
        raise DataFileError("is missing.", path=location) from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"is not UTF-8 text (byte {exc.start}).", path=location, fix="Save it as UTF-8."
        ) from exc
    except csv.Error as exc:
        raise DataFileError(f"cannot be read as CSV ({exc}).", path=location) from exc
