"""Demo custody data (filled in below)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    log("custody: demo data not loaded yet")
