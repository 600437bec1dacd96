"""Polis openData folders in and out of the platform, and the CLI contract."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from district.core.errors import DataFileError, InputError
from district.participation import services
from district.participation.models import Consultation, Participant, Statement, Vote
from district.participation.polisdata import read_polis_folder

DATA = Path(__file__).resolve().parents[4] / "data" / "polis"
SEATTLE = DATA / "15-per-hour-seattle"


def test_import_then_export_gives_the_same_conversation(
    cast: dict[str, Any], tmp_path: Path
) -> None:
    consultation, created = services.import_polis_folder(path=SEATTLE, by=cast["staff"])
    assert created and consultation.status == "closed" and consultation.origin == "polis"
    assert consultation.title == "$15/hour"
    assert "CC BY 4.0" in consultation.attribution
    assert consultation.source_url == "https://pol.is/2demo"
    original = read_polis_folder(SEATTLE)
    assert Vote.objects.filter(consultation=consultation).count() == len(original.votes)
    assert consultation.import_notes["duplicate_votes_dropped"] == original.duplicate_votes
    moderated = dict(
        Statement.objects.filter(consultation=consultation).values_list("number", "status")
    )
    assert {moderated[c] for c in original.moderated_out_ids()} == {"rejected"}
    # Importing the same folder again returns the same consultation.
    again, created_again = services.import_polis_folder(path=SEATTLE, by=cast["staff"])
    assert again.pk == consultation.pk and not created_again

    files = services.export_polis_folder(consultation_id=consultation.pk, path=tmp_path / "out")
    assert sorted(f.name for f in files) == [
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]
    exported = read_polis_folder(tmp_path / "out")
    key = ["timestamp", "comment-id", "voter-id", "vote"]
    ours = exported.votes[key].sort_values(key).reset_index(drop=True)
    theirs = original.votes[key].sort_values(key).reset_index(drop=True)
    assert ours.equals(theirs)
    columns = ["comment-id", "author-id", "moderated", "comment-body", "timestamp"]
    assert (
        exported.comments[columns]
        .sort_values("comment-id")
        .reset_index(drop=True)
        .equals(original.comments[columns].sort_values("comment-id").reset_index(drop=True))
    )
    # participants-votes.csv carries the opinion groups of the platform's map.
    result = services.current_opinion_map(consultation)
    assert result is not None and result.status == "clustered"
    groups = exported.participants_votes.set_index("participant")["group-id"]  # type: ignore[union-attr]
    for participant, group in result.payload["groups"].items():
        assert groups[int(participant)] == group
    assert exported.summary["topic"] == "$15/hour"
    assert exported.summary["groups"] == str(result.k)


def test_the_platform_map_equals_the_cli_on_the_export(
    cast: dict[str, Any], tmp_path: Path
) -> None:
    consultation, _ = services.import_polis_folder(path=SEATTLE, by=cast["staff"])
    services.export_polis_folder(consultation_id=consultation.pk, path=tmp_path / "out")
    out = tmp_path / "map.json"
    call_command(
        "participation", "cluster", str(tmp_path / "out"), "--json", str(out), stderr=io.StringIO()
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    result = services.current_opinion_map(consultation)
    assert result is not None
    assert report["k"] == result.k
    assert report["groups"] == result.payload["groups"]
    assert report["consensus"] == result.payload["consensus"]
    assert report["repness"] == result.payload["repness"]


def test_cluster_command_follows_the_contract(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "map.json"
    call_command(
        "participation",
        "cluster",
        str(DATA / "brexit-consensus"),
        "--json",
        str(out),
        "--seed",
        "3",
        stderr=io.StringIO(),
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report) == {"k", "groups", "consensus", "repness"}
    assert 2 <= report["k"] <= 5
    assert set(report["consensus"]) == {"agree", "disagree"}
    assert all(isinstance(i, int) for ids in report["repness"].values() for i in ids)
    assert set(report["repness"]) == {str(g) for g in range(report["k"])}
    stdout = io.StringIO()
    call_command(
        "participation", "cluster", str(DATA / "brexit-consensus"), "--json", "-", stdout=stdout
    )
    assert json.loads(stdout.getvalue())["k"] == report["k"]


def test_cluster_command_reports_bad_folders(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(SEATTLE, bad)
    votes = (bad / "votes.csv").read_text(encoding="utf-8").splitlines()
    votes[3] = votes[3].rsplit(",", 1)[0] + ",yes"
    (bad / "votes.csv").write_text("\n".join(votes) + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("participation", "cluster", str(bad), "--json", str(tmp_path / "x.json"))
    assert "votes.csv, row 4, field 'vote'" in str(error.value)
    assert not (tmp_path / "x.json").exists()


def test_a_malformed_folder_imports_nothing(cast: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(SEATTLE, bad)
    (bad / "comments.csv").write_text("timestamp,comment-id\n1,2\n", encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        services.import_polis_folder(path=bad, by=cast["staff"])
    assert "comments.csv" in str(error.value) and error.value.row == 1
    assert not Consultation.objects.exists() and not Participant.objects.exists()


def test_votes_on_unknown_comments_are_refused(cast: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(SEATTLE, bad)
    with (bad / "votes.csv").open("a", encoding="utf-8") as handle:
        handle.write("1403054214196,Wed Jun 18 08:16:54 WIB 2014,999,0,1\n")
    with pytest.raises(InputError) as error:
        services.import_polis_folder(path=bad, by=cast["staff"])
    assert "999" in str(error.value)
    assert not Consultation.objects.exists()


def test_only_staff_import(cast: dict[str, Any]) -> None:
    from district.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.import_polis_folder(path=SEATTLE, by=cast["alice"])


def test_import_and_export_commands(cast: dict[str, Any], tmp_path: Path) -> None:
    stdout = io.StringIO()
    call_command("participation", "import-polis", str(SEATTLE), "--json", stdout=stdout)
    result = json.loads(stdout.getvalue())
    assert result["created"] and result["comments"] == 54
    stdout = io.StringIO()
    call_command("participation", "import-polis", str(SEATTLE), stdout=stdout)
    assert "already imported" in stdout.getvalue()
    stdout = io.StringIO()
    call_command(
        "participation",
        "export-polis",
        str(result["consultation"]),
        str(tmp_path / "e"),
        stdout=stdout,
    )
    assert (tmp_path / "e" / "votes.csv").is_file()


def test_the_zip_download_holds_the_four_files(cast: dict[str, Any], client: Any) -> None:
    consultation, _ = services.import_polis_folder(path=SEATTLE, by=cast["staff"])
    response = client.get(f"/participation/c/{consultation.pk}/polis.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(n.rsplit("/", 1)[1] for n in names) == [
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]
