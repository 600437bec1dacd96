"""``district custody <verb>``: export and offline verify, check, settle, risks, statements."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from district.custody import services

from .conftest import T0

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("custody", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def activity(core_cast: dict[str, Any], pack: Any) -> Any:
    services.record_check_in(key="a", contract=pack, by=core_cast["alice"], now=T0)
    services.record_check_in(key="b", contract=pack, by=core_cast["gymstaff"], now=T0)
    return pack


def test_export_then_verify_intact(activity: Any, tmp_path: Path) -> None:
    out = tmp_path / "export"
    exported = json.loads(_run("export-journal", str(out), "--json"))
    assert exported["entries"] >= 5
    report = json.loads(_run("verify", str(out), "--json"))
    assert report["intact"] is True
    assert "Intact" in _run("verify", str(out), "--key", str(out / "public_key.pem"))
    with pytest.raises(CommandError):  # the folder is not empty
        _run("export-journal", str(out))


@pytest.mark.parametrize("tamper", ["alter", "delete", "swap", "truncate"])
def test_verify_names_the_first_bad_entry(activity: Any, tmp_path: Path, tamper: str) -> None:
    out = tmp_path / "export"
    _run("export-journal", str(out))
    entries = out / "entries.jsonl"
    lines = entries.read_bytes().splitlines(keepends=True)
    if tamper == "alter":
        lines[3] = lines[3].replace(b'"amount_fen":', b'"amount_fen":1')
    elif tamper == "delete":
        del lines[3]
    elif tamper == "swap":
        lines[2], lines[3] = lines[3], lines[2]
    else:
        lines = lines[:-1]
    entries.write_bytes(b"".join(lines))
    with pytest.raises(CommandError) as caught:
        _run("verify", str(out))
    assert caught.value.returncode == 2
    assert "NOT intact" in str(caught.value)


def test_check_reports_intact_and_finds_a_broken_balance(activity: Any) -> None:
    payload = json.loads(_run("check", "--json"))
    assert payload["ok"] is True and payload["ledger"] == [] and payload["journal"] == []
    from district.custody.models import Account

    account = Account.objects.get(contract=activity)
    Account.objects.filter(pk=account.pk).update(credits_posted=account.credits_posted + 1)
    with pytest.raises(CommandError) as caught:
        _run("check")
    assert caught.value.returncode == 2


def test_settle_scan_confirm_and_sign(activity: Any) -> None:
    settled = json.loads(_run("settle", "--period-end", "2026-03-31", "--json"))
    assert {row["licence"] for row in settled["settlements"]} >= {activity.merchant.licence}
    assert json.loads(_run("scan-risks", "--json")) == {"warnings": []}
    assert json.loads(_run("confirm-due", "--json")) == {"confirmed": 1}
    head = json.loads(_run("sign-head", "--json"))
    assert head["tree_size"] == services.custody_summary()["journal_entries"]


def test_import_statement_exit_status(activity: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(f"date,amount,reference\n{T0.date().isoformat()},1000.01,{activity.number}\n")
    report = json.loads(_run("import-statement", str(good), "--json"))
    assert report["ok"] is True and report["matched"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(f"date,amount,reference\n{T0.date().isoformat()},9.99,NOPE\n")
    with pytest.raises(CommandError) as caught:
        _run("import-statement", str(bad))
    assert caught.value.returncode == 3


def test_help_has_examples() -> None:
    from district.custody.management.commands.custody import Command

    assert all(verb.example.startswith("district custody ") for verb in Command.verbs)
