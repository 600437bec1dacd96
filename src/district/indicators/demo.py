"""The plan scorecard's demo: the briefing's figures, targets and projects from the
vendored ``data/indicators/`` folder, and the live figures the platform can compute now."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from district.indicators import services


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    report = services.load_data(directory=data_dir / "indicators")
    log(f"indicators: {report.summary()}")
    for note in report.notes:
        log(f"indicators: {note}")
    outcomes = services.refresh_live_figures()
    ready = [o.result.provider.indicator for o in outcomes if o.stored]
    waiting = [o.result.provider.indicator for o in outcomes if not o.stored]
    log(
        f"indicators: live figures computed for {', '.join(ready) or 'none'}; "
        f"waiting for their apps: {', '.join(waiting) or 'none'}"
    )
