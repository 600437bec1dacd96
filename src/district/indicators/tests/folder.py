"""Copies of the vendored data folder for tests that break or extend it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
DATA = REPO / "data" / "indicators"
SOURCE = REPO / "data" / "source" / "changning-14th-fyp-briefing-2025-09-23.txt"
Rows = list[dict[str, str]]


def copy_folder(tmp_path: Path) -> Path:
    """``data/indicators`` with the briefing beside it, as sources.csv expects."""
    folder = tmp_path / "indicators"
    shutil.copytree(DATA, folder)
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    shutil.copy(SOURCE, source_dir / SOURCE.name)
    return folder


def edit(folder: Path, name: str, change: Callable[[Rows], None]) -> None:
    path = folder / name
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cells(index: int, **cells: str) -> Callable[[Rows], None]:
    """Change cells of the data row ``index`` (0-based; the spreadsheet row is index + 2)."""

    def change(rows: Rows) -> None:
        rows[index].update(cells)

    return change
