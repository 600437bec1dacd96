"""Polis openData folders: the vendored exports read, written back and read again."""

from __future__ import annotations

import csv
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from district.core.errors import DataFileError
from district.participation.opinion import VoteTable
from district.participation.polisdata import (
    PolisConversation,
    cluster_polis_folder,
    participants_votes_frame,
    read_polis_folder,
    read_summary_csv,
    votes_frame,
    write_polis_folder,
)

DATA = Path(__file__).resolve().parents[4] / "data" / "polis"

# Counted independently with pandas: rows, duplicate (voter, comment) rows, comments and
# comments with moderated = -1.
EXPECTED = {
    "15-per-hour-seattle": (2995, 123, 54, 23),
    "brexit-consensus": (5312, 9, 50, 0),
    "scoop-hivemind.biodiversity": (29802, 83, 316, 162),
    "vtaiwan.uberx": (49997, 554, 197, 78),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vendored_exports_read_with_duplicates_resolved(name: str) -> None:
    rows, duplicates, comments, moderated_out = EXPECTED[name]
    conversation = read_polis_folder(DATA / name)
    assert conversation.duplicate_votes == duplicates
    assert len(conversation.votes) == rows - duplicates
    assert not conversation.votes.duplicated(["voter-id", "comment-id"]).any()
    assert len(conversation.comments) == comments
    assert len(conversation.moderated_out_ids()) == moderated_out
    assert conversation.participants_votes is not None
    assert int(conversation.summary["voters"]) == conversation.votes["voter-id"].nunique()
    assert list(conversation.votes.columns) == [
        "timestamp",
        "datetime",
        "comment-id",
        "voter-id",
        "vote",
    ]
    table = conversation.vote_table()
    assert len(table) == len(conversation.votes) and table.duplicates_dropped == 0


def test_the_last_vote_wins() -> None:
    conversation = read_polis_folder(DATA / "15-per-hour-seattle")
    raw = pd.read_csv(DATA / "15-per-hour-seattle" / "votes.csv")
    last = raw.sort_values("timestamp", kind="stable").drop_duplicates(
        ["voter-id", "comment-id"], keep="last"
    )
    ours = conversation.votes.set_index(["voter-id", "comment-id"])["vote"].sort_index()
    reference = last.set_index(["voter-id", "comment-id"])["vote"].sort_index()
    pd.testing.assert_series_equal(ours, reference, check_dtype=False)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_round_trip_is_exact(name: str, tmp_path: Path) -> None:
    source = DATA / name
    conversation = read_polis_folder(source)
    write_polis_folder(conversation, tmp_path)
    again = read_polis_folder(tmp_path)
    pd.testing.assert_frame_equal(again.comments, conversation.comments)
    pd.testing.assert_frame_equal(again.votes, conversation.votes)
    assert conversation.participants_votes is not None and again.participants_votes is not None
    pd.testing.assert_frame_equal(again.participants_votes, conversation.participants_votes)
    assert again.summary == conversation.summary
    assert again.duplicate_votes == 0
    # Byte for byte: the unchanged files equal Polis's, and votes.csv is Polis's minus the
    # superseded rows.
    for file in ("comments.csv", "participants-votes.csv", "summary.csv"):
        assert (tmp_path / file).read_bytes() == (source / file).read_bytes(), file
    original = (source / "votes.csv").read_text(encoding="utf-8").splitlines()
    written = (tmp_path / "votes.csv").read_text(encoding="utf-8").splitlines()
    assert written[0] == original[0]
    assert len(written) == len(original) - conversation.duplicate_votes
    assert set(written) <= set(original)


def test_reddwarf_reads_what_we_write(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reddwarf.models import Statement, Vote

    conversation = read_polis_folder(DATA / "brexit-consensus")
    write_polis_folder(conversation, tmp_path)
    # red-dwarf's CSV loader: csv.DictReader rows validated by its pydantic models.
    with (tmp_path / "votes.csv").open(encoding="utf-8") as handle:
        votes = [Vote(**row).model_dump(mode="json") for row in csv.DictReader(handle)]
    with (tmp_path / "comments.csv").open(encoding="utf-8") as handle:
        statements = [Statement(**row) for row in csv.DictReader(handle)]
    theirs = VoteTable.from_records(votes)
    ours = conversation.vote_table()
    np.testing.assert_array_equal(theirs.participant_ids, ours.participant_ids)
    np.testing.assert_array_equal(theirs.statement_ids, ours.statement_ids)
    np.testing.assert_array_equal(theirs.votes, ours.votes)
    assert [s.statement_id for s in statements] == conversation.comments["comment-id"].tolist()
    assert [s.txt for s in statements] == conversation.comments["comment-body"].tolist()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_participants_votes_rebuilt_from_votes_equal_polis(name: str) -> None:
    conversation = read_polis_folder(DATA / name)
    assert conversation.participants_votes is not None
    polis = conversation.participants_votes.sort_values("participant").reset_index(drop=True)
    ours = participants_votes_frame(conversation.votes, conversation.comments)
    pd.testing.assert_frame_equal(ours.drop(columns="group-id"), polis.drop(columns="group-id"))


def test_export_of_platform_votes_with_groups(tmp_path: Path) -> None:
    votes = VoteTable.from_arrays([5, 5, 9], [0, 1, 0], [1, -1, 0], [1435654192085] * 3)
    frame = votes_frame(votes)
    # 08:49:52 UTC is 15:49:52 in Polis's WIB export and 16:49:52 in Shanghai.
    assert frame["datetime"].tolist() == ["Tue Jun 30 16:49:52 CST 2015"] * 3
    comments = pd.DataFrame(
        {
            "timestamp": [1435654000000, 1435654000001],
            "datetime": ["", ""],
            "comment-id": [0, 1],
            "author-id": [9, 9],
            "agrees": [1, 0],
            "disagrees": [0, 1],
            "moderated": [1, -1],
            "comment-body": ["步行 15 分钟内要有菜场, 对吗?", 'A "quoted"\nsecond line'],
        }
    )
    participants = participants_votes_frame(frame, comments, groups={5: 1})
    assert participants["group-id"].tolist() == [1, pd.NA]
    assert participants["n-comments"].tolist() == [0, 2]
    conversation = PolisConversation(
        comments=comments, votes=frame, participants_votes=participants, summary={"topic": "测试"}
    )
    write_polis_folder(conversation, tmp_path)
    again = read_polis_folder(tmp_path)
    pd.testing.assert_frame_equal(again.comments, comments, check_dtype=False)
    assert again.comments["comment-body"].tolist() == comments["comment-body"].tolist()
    assert again.participants_votes is not None
    assert again.participants_votes["group-id"].tolist() == [1, pd.NA]
    assert again.moderated_out_ids() == [1]
    assert again.summary == {"topic": "测试"}


def test_cluster_report_follows_the_cli_contract() -> None:
    report = cluster_polis_folder(DATA / "brexit-consensus", seed=3)
    assert set(report) == {"k", "groups", "consensus", "repness"}
    assert report["k"] == 3
    assert len(report["groups"]) == 189
    assert set(report["groups"].values()) == {0, 1, 2}
    assert set(report["consensus"]) == {"agree", "disagree"}
    assert report["repness"].keys() == {"0", "1", "2"}
    assert all(len(ids) == 5 for ids in report["repness"].values())
    assert json.loads(json.dumps(report)) == report


# --- malformed files -------------------------------------------------------------------


def copy_of(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = text
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("1403054214196,Wed Jun 18 08:16:54 WIB 2014,0,0,2", "vote", "one of -1, 0, 1"),
        ("1403054214196,Wed Jun 18 08:16:54 WIB 2014,zero,0,1", "comment-id", "'zero'"),
        ("1403054214196,Wed Jun 18 08:16:54 WIB 2014,0,-4,1", "voter-id", "at least 0"),
        ("not-a-time,Wed Jun 18 08:16:54 WIB 2014,0,0,1", "timestamp", "whole number"),
    ],
)
def test_bad_vote_cells_name_file_row_and_field(
    tmp_path: Path, line: str, field: str, words: str
) -> None:
    folder = copy_of("15-per-hour-seattle", tmp_path)
    replace_line(folder / "votes.csv", 5, line)
    with pytest.raises(DataFileError) as caught:
        read_polis_folder(folder)
    error = caught.value
    assert error.path.endswith("votes.csv")
    assert error.row == 5 and error.field == field
    assert words in str(error) and "votes.csv, row 5" in str(error)


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    folder = copy_of("brexit-consensus", tmp_path)
    replace_line(folder / "votes.csv", 1, "timestamp,datetime,comment-id,voter,vote")
    with pytest.raises(DataFileError) as caught:
        read_polis_folder(folder)
    assert caught.value.row == 1 and caught.value.field == "voter-id"
    (folder / "votes.csv").unlink()
    with pytest.raises(DataFileError, match=r"votes\.csv: is missing"):
        read_polis_folder(folder)
    with pytest.raises(DataFileError, match="is not a folder"):
        read_polis_folder(folder / "comments.csv")


def test_bad_comments_are_refused(tmp_path: Path) -> None:
    folder = copy_of("brexit-consensus", tmp_path)
    comments = folder / "comments.csv"
    frame = pd.read_csv(comments, dtype=str, keep_default_na=False)
    frame.loc[3, "comment-id"] = frame.loc[1, "comment-id"]
    frame.to_csv(comments, index=False)
    with pytest.raises(DataFileError) as caught:
        read_polis_folder(folder)
    assert (caught.value.row, caught.value.field) == (5, "comment-id")
    assert "appears twice" in str(caught.value)
    frame = pd.read_csv(
        DATA / "brexit-consensus" / "comments.csv", dtype=str, keep_default_na=False
    )
    frame.loc[0, "moderated"] = "yes"
    frame.to_csv(comments, index=False)
    with pytest.raises(DataFileError) as caught:
        read_polis_folder(folder)
    assert (caught.value.row, caught.value.field) == (2, "moderated")


def test_ragged_rows_and_bad_summaries_are_refused(tmp_path: Path) -> None:
    folder = copy_of("brexit-consensus", tmp_path)
    replace_line(folder / "votes.csv", 7, "1500232652930,Mon Jul 17 02:17:32 WIB 2017,0,0,0,9")
    with pytest.raises(DataFileError) as caught:
        read_polis_folder(folder)
    assert caught.value.row == 7 and "as many fields as the header" in str(caught.value)
    summary = tmp_path / "summary.csv"
    summary.write_text('topic,"A, B"\nvoters,3,4\n', encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        read_summary_csv(summary)
    assert (caught.value.row, caught.value.field) == (2, "voters")


def test_participants_votes_cells_are_checked(tmp_path: Path) -> None:
    folder = copy_of("brexit-consensus", tmp_path)
    path = folder / "participants-votes.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[2, "7"] = "agree"
    frame.to_csv(path, index=False)
    with pytest.raises(DataFileError) as caught:
        read_polis_folder(folder)
    assert (caught.value.row, caught.value.field) == (4, "7")
