"""``district lifecircle analyze``: the engine on OSM files and CSV files, no database.

One OSM file gives the contract's report (``engine.analyze``): ``"categories"`` with each
threshold and coverage share, and ``"origins"`` with one row per origin and category.
Several files (districts, cities) run as a Dask batch, a local cluster by default or the
scheduler at ``--scheduler``; the batch report has the coverage of each network and of all
together.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from district.core.errors import DataFileError, InputError
from district.geo.osm import read_walk_network
from district.lifecircle.engine import (
    BatchJob,
    Category,
    analyze,
    combine_coverage,
    read_facilities_csv,
    read_origins_csv,
    run_batch,
    write_json,
)


def analyze_file(
    *,
    osm: Path,
    facilities: Path,
    origins: Path | None,
    speed_m_per_min: float,
    categories: Mapping[str, Category],
) -> dict[str, Any]:
    """The analyze contract on one OSM file."""
    network = read_walk_network(osm)
    return analyze(
        network, facilities, origins, speed_m_per_min=speed_m_per_min, categories=categories
    )


def analyze_batch(
    *,
    osm: Sequence[Path],
    facilities: Path,
    origins: Path | None,
    categories: Mapping[str, Category],
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
) -> dict[str, Any]:
    """Several networks as one Dask job; each network's coverage and the total."""
    for path in osm:
        if not Path(path).is_file():
            raise DataFileError("no such file", path=path, fix="Give OSM XML or PBF files.")
    if workers < 1:
        raise InputError(f"--workers {workers} must be 1 or more", field="workers", value=workers)
    # A local cluster logs every start and stop at INFO; the command reports what matters.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    facility_frame = read_facilities_csv(facilities, categories)
    origin_frame = read_origins_csv(origins) if origins is not None else None
    names: list[str] = []
    for i, path in enumerate(osm):
        name = Path(path).name
        names.append(name if name not in names else f"{name}#{i + 1}")
    codes = list(dict.fromkeys(facility_frame["category"].tolist()))
    thresholds = {code: categories[code].threshold_m for code in codes}
    outcomes = run_batch(
        [
            BatchJob(name=name, network=str(path), facilities=facility_frame, origins=origin_frame)
            for name, path in zip(names, osm, strict=True)
        ],
        thresholds_m=thresholds,
        read_network=read_walk_network,
        scheduler_address=scheduler,
        n_workers=workers,
        processes=processes,
    )
    table = combine_coverage(outcomes)
    out_categories: dict[str, Any] = {}
    for code in codes:
        rows = table[table["category"] == code] if not table.empty else table
        population = float(rows["population"].sum()) if not rows.empty else 0.0
        covered = float(rows["covered_network"].sum()) if not rows.empty else 0.0
        estimated = float(rows["covered_estimated"].sum()) if not rows.empty else 0.0
        out_categories[code] = {
            "threshold_m": thresholds[code],
            "coverage": round(covered / population, 4) if population else None,
            "coverage_estimated": round(estimated / population, 4) if population else None,
        }
    return {
        "batch": {"scheduler": scheduler or "local", "networks": len(outcomes)},
        "categories": out_categories,
        "networks": [
            {
                "name": o.name,
                "ok": o.ok,
                "error": o.error,
                "nodes": o.nodes,
                "edges": o.edges,
                "components": o.components,
                "origins": o.origins,
                "seconds": round(o.seconds, 3),
                "coverage": {
                    row["category"]: {
                        "coverage": round(float(row["share_network"]), 4),
                        "coverage_estimated": round(float(row["share_estimated"]), 4),
                    }
                    for row in (o.coverage.to_dict("records") if o.coverage is not None else [])
                },
            }
            for o in outcomes
        ],
        "warnings": [
            {"code": "network_failed", "message": f"{o.name}: {o.error}"}
            for o in outcomes
            if not o.ok
        ],
    }


def write_report(report: Mapping[str, Any], path: Path) -> None:
    try:
        write_json(report, path)
    except OSError as error:
        raise InputError(
            f"cannot write {path}: {error.strerror}", field="json", value=str(path)
        ) from None
