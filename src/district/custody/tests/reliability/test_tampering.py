"""Tampering with an exported journal is detected, naming the first bad entry.

A database with real activity (contracts, check-ins, a cooling-off refund, a closure) is
exported with ``district custody export-journal``; copies of the export are then altered —
one byte of an entry changed, an entry deleted, two entries swapped, the tail truncated
against a published tree head — and ``district custody verify`` must exit non-zero and name
the first bad entry each time; the intact export exits 0.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from .sizes import size
from .world import make_merchant, make_user

ENTRIES = "entries.jsonl"


def verify(folder: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """Run ``district custody verify FOLDER --json``: (exit code, report)."""
    out = StringIO()
    code = 0
    try:
        call_command(
            "custody", "verify", str(folder), "--json", *extra, stdout=out, stderr=StringIO()
        )
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    except CommandError as error:
        code = error.returncode or 1
    text = out.getvalue().strip()
    return code, json.loads(text) if text else {}


def first_bad_position(report: dict[str, Any]) -> int | None:
    """Where the verifier says the journal first goes wrong: the 0-based position in
    ``entries.jsonl`` (its ``line`` − 1), which is the seq the entry there should have."""
    first = report.get("first_bad") or {}
    line = first.get("line")
    return None if line is None else int(line) - 1


def _activity() -> None:
    """Real activity through the services: every kind of journal event we can make."""
    from district.custody import services
    from district.custody.models import Merchant

    admin = make_user("tamper-admin", "administrator", "notary", "regulator", superuser=True)
    for m in range(2):
        party = make_merchant("tamper", 700_000 + m, admin)
        merchant = Merchant.objects.get(pk=party.merchant_pk)
        staff = merchant.staff.get()
        for c in range(3):
            user = make_user(f"tamper-{m}-{c}", "resident")
            contract = services.sign_contract(
                key=f"tamper-{m}-{c}",
                merchant=merchant,
                consumer=services.consumer_for(user),
                product_type="class_pack",
                price_fen=100_000 + 7 * c + m,
                sessions=7,
                starts_on=timezone.localdate(),
                by=user,
            )
            if c == 0:
                services.request_cooling_off_refund(
                    key=f"tamper-{m}-{c}-cool", contract=contract, by=user
                )
                continue
            services.record_check_in(key=f"tamper-{m}-{c}-1", contract=contract, by=user)
            check_in = services.record_check_in(
                key=f"tamper-{m}-{c}-2", contract=contract, by=staff
            )
            services.confirm_check_in(check_in=check_in, by=user)
        if m == 1:
            services.close_merchant(
                key=f"tamper-close-{m}", merchant=merchant, by=admin, reason="test"
            )


@pytest.mark.slow
@pytest.mark.django_db
def test_every_kind_of_tampering_is_detected(
    tmp_path: Path, record_counts: Callable[[dict[str, Any]], None]
) -> None:
    _activity()
    original = tmp_path / "export"
    call_command("custody", "export-journal", str(original), stdout=StringIO())
    lines = (original / ENTRIES).read_bytes().split(b"\n")[:-1]
    n = len(lines)
    assert n >= 20, f"only {n} journal entries"
    code, report = verify(original)
    assert code == 0, report
    # A published tree head for the whole journal, kept outside the folder (the notary's copy).
    anchors = tmp_path / "anchors.jsonl"
    shutil.copyfile(original / "tree_heads.jsonl", anchors)

    rng = random.Random(6)
    tries = size("TAMPER")
    counts = {
        "entries": n,
        "tamperings": 0,
        "detected": 0,
        "intact_verified": 1,
        "prev_field_alterations": 0,
        "last_entry_by_root": 0,
    }

    def tampered(
        kind: str, new_lines: list[bytes], want_seq: int, *extra: str, also: int | None = None
    ) -> None:
        folder = tmp_path / f"{kind}-{counts['tamperings']}"
        shutil.copytree(original, folder)
        (folder / ENTRIES).write_bytes(b"".join(line + b"\n" for line in new_lines))
        if kind == "truncated-and-heads-dropped":
            # The forger also drops every tree head beyond the cut; only the anchor remains.
            (folder / "tree_heads.jsonl").write_text("")
        counts["tamperings"] += 1
        code, report = verify(folder, *extra)
        assert code != 0, f"{kind} at seq {want_seq} not detected: {report}"
        first = report.get("first_bad") or {}
        if want_seq == n - 1 and kind == "altered" and first.get("kind") == "rewritten":
            # The last entry has no successor whose prev could break: only the signed root
            # catches it, and a root names the range since the previous signed head.
            assert first["seq"] <= want_seq < first["tree_size"], first
            counts["last_entry_by_root"] += 1
        else:
            assert first_bad_position(report) in (want_seq, also), f"{kind}: {first}"
        counts["detected"] += 1

    for _ in range(tries):
        i = rng.randrange(n)
        line = bytearray(lines[i])
        position = rng.randrange(len(line))
        line[position] = ord("0") if line[position] != ord("0") else ord("1")
        # A byte of entry i's "prev" breaks the link i−1 → i as well as i → i+1; the verifier
        # names entry i from the second break (the last entry has none: the root names it).
        prev_at = lines[i].find(b'"prev":"')
        in_prev = prev_at >= 0 and prev_at + 8 <= position < prev_at + 8 + 64
        counts["prev_field_alterations"] += int(in_prev)
        tampered("altered", [*lines[:i], bytes(line), *lines[i + 1 :]], i)

        i = rng.randrange(n)
        tampered("deleted", lines[:i] + lines[i + 1 :], i)

        i = rng.randrange(n - 1)
        j = rng.randrange(i + 1, n)
        swapped = list(lines)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        tampered("reordered", swapped, i)

        cut = rng.randrange(1, n)
        tampered("truncated", lines[:cut], cut)
        tampered("truncated-and-heads-dropped", lines[:cut], cut, "--anchors", str(anchors))
    record_counts({**counts, "database": connection.vendor})
