"""The life circle's demo: the standards, and one refresh over the demo geography.

The demo has no homes with population, so the origins are the grid cells' centres
weighted by area: the figures are area coverage, not population coverage. The refresh is
skipped when its inputs are unchanged, so ``district demo`` can run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from district.lifecircle import services


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    created = services.seed_standards()
    if created:
        log(f"lifecircle: {created} standards seeded")
    before = services.latest_run()
    run = services.refresh_access(trigger="demo", only_if_changed=True)
    if before is not None and before.pk == run.pk:
        log(f"lifecircle: results of refresh {run.pk} are current")
        return
    log(
        f"lifecircle: refresh {run.pk} measured {run.origins} origins "
        f"({run.origins_on_network} on the street network) for {len(run.thresholds)} "
        f"categories in {run.compute_ms:.0f} ms"
    )
    for figure in services.coverage_summary(run=run):
        covered = figure.covered_km2 or 0.0
        measured = figure.measured_km2 or 0.0
        log(
            f"  {figure.category}: {covered:.2f} of {measured:.2f} km² measured on the network "
            f"within {figure.threshold_m:g} m"
        )
