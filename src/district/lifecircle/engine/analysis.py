"""The ``district lifecircle analyze`` contract, as pure functions.

::

    district lifecircle analyze --osm FILE --facilities CSV [--origins CSV]
                                [--speed M_PER_MIN] --json OUT

The Django command reads the OSM file with ``district.geo.osm.read_walk_network`` and
calls :func:`analyze` with the network and the CSV paths, then :func:`write_json`.

* Facilities CSV: ``id,category,lon,lat`` (WGS-84; ``category`` a platform code from
  :mod:`standards`; an unknown code is an error naming the row).
* Origins CSV: ``id,lon,lat[,population]``. Without it the origins are the network's
  nodes, with ids equal to their OSM node ids.
* Output: ``{"categories": {code: {"threshold_m", "coverage", ...}}, "origins": [{"id",
  "category", "nearest_m", "nearest_facility", "within_threshold", "estimated", ...}],
  "network": {...}, "warnings": [...]}`` with one ``origins`` entry per origin and
  category; ``nearest_m`` is the network distance from the origin's snapped position
  (or the estimate where ``estimated``; ``null`` when the category has no facility).

Bad input raises ``DataFileError`` (unknown category, bad coordinates, missing columns,
duplicate ids, every facility outside the network's area). What is doubtful but usable is
reported in ``warnings``: network islands, facilities off the network, coordinates that
look like GCJ-02.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from district.core.errors import DataFileError
from district.lifecircle.engine.access import (
    AccessParams,
    AccessResult,
    measure_access,
    prepare_scene,
)
from district.lifecircle.engine.coordinates import check_coordinates
from district.lifecircle.engine.coverage import summarise_coverage
from district.lifecircle.engine.graph import (
    FloatArray,
    NetworkArrays,
    StoredNetworkArrays,
    WalkGraph,
    build_graph,
)
from district.lifecircle.engine.standards import (
    CATEGORIES,
    DEFAULT_SPEED_M_PER_MIN,
    Category,
    thresholds_m,
)

ISLANDS_LISTED = 20
OFF_NETWORK_LISTED = 20


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFileError("no such file", path=path, fix=f"Give the {what} CSV path.") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataFileError(
            f"cannot be read as a UTF-8 CSV file ({error})",
            path=path,
            fix=f"Save the {what} as UTF-8 CSV with a header row: {','.join(required)}.",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(
            f"the header lacks {', '.join(missing)} (found: {', '.join(frame.columns)})",
            path=path,
            row=1,
            field=missing[0],
            fix=f"The {what} CSV needs the columns {','.join(required)}.",
        )
    if frame.empty:
        raise DataFileError(f"the {what} CSV has no data rows", path=path, row=2)
    return frame


def _coordinates(frame: pd.DataFrame, path: Path) -> tuple[FloatArray, FloatArray]:
    lon = pd.to_numeric(frame["lon"].str.strip(), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(frame["lat"].str.strip(), errors="coerce").to_numpy(float)
    for name, values, bound in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        bad = ~np.isfinite(values) | (np.abs(values) > bound)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataFileError(
                f"{name}={frame[name].iloc[row]!r} is not a WGS-84 {name} in degrees",
                path=path,
                row=row + 2,
                field=name,
                value=frame[name].iloc[row],
                fix="Give decimal degrees (WGS-84), e.g. lon 121.42, lat 31.22.",
            )
    return lon, lat


def _unique_ids(frame: pd.DataFrame, path: Path) -> None:
    ids = frame["id"].str.strip()
    empty = ids == ""
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataFileError("the id is empty", path=path, row=row + 2, field="id")
    dup = ids.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataFileError(
            f"id {ids.iloc[row]!r} appears twice",
            path=path,
            row=row + 2,
            field="id",
            value=ids.iloc[row],
            fix="Give every row its own id.",
        )


def read_facilities_csv(
    path: str | Path, categories: Mapping[str, Category] = CATEGORIES
) -> pd.DataFrame:
    """Read and check a facilities CSV (``id,category,lon,lat``)."""
    path = Path(path)
    frame = _read_csv(path, ("id", "category", "lon", "lat"), "facilities")
    _unique_ids(frame, path)
    codes = frame["category"].str.strip()
    unknown = ~codes.isin(list(categories))
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataFileError(
            f"unknown category {codes.iloc[row]!r}",
            path=path,
            row=row + 2,
            field="category",
            value=codes.iloc[row],
            fix=f"Use one of: {', '.join(categories)}.",
        )
    lon, lat = _coordinates(frame, path)
    return pd.DataFrame({"id": frame["id"].str.strip(), "category": codes, "lon": lon, "lat": lat})


def read_origins_csv(path: str | Path) -> pd.DataFrame:
    """Read and check an origins CSV (``id,lon,lat[,population]``)."""
    path = Path(path)
    frame = _read_csv(path, ("id", "lon", "lat"), "origins")
    _unique_ids(frame, path)
    lon, lat = _coordinates(frame, path)
    out = pd.DataFrame({"id": frame["id"].str.strip(), "lon": lon, "lat": lat})
    if "population" in frame.columns:
        population = pd.to_numeric(frame["population"].str.strip(), errors="coerce")
        bad = ~np.isfinite(population.to_numpy(float)) | (population.to_numpy(float) < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataFileError(
                f"population={frame['population'].iloc[row]!r} is not a number of 0 or more",
                path=path,
                row=row + 2,
                field="population",
                value=frame["population"].iloc[row],
            )
        out["population"] = population.to_numpy(float)
    return out


def _number(value: float, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return round(float(value), digits)


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def analyze(
    network: NetworkArrays | StoredNetworkArrays,
    facilities_csv: str | Path,
    origins_csv: str | Path | None = None,
    *,
    speed_m_per_min: float = DEFAULT_SPEED_M_PER_MIN,
    params: AccessParams | None = None,
    categories: Mapping[str, Category] = CATEGORIES,
    graph: WalkGraph | None = None,
) -> dict[str, Any]:
    """Run the ``analyze`` command on ``network`` and the CSV files; return the JSON dict.

    ``graph`` may be passed when already built from ``network`` (saves the CSR build).
    """
    params = params or AccessParams()
    facilities_path = Path(facilities_csv)
    facilities = read_facilities_csv(facilities_path, categories)
    origins = read_origins_csv(origins_csv) if origins_csv is not None else None
    graph = graph or build_graph(network)
    warnings: list[dict[str, Any]] = []

    sizes = graph.component_sizes
    if sizes.shape[0] > 1:
        warnings.append(
            {
                "code": "network_islands",
                "message": (
                    f"the walking network has {sizes.shape[0]} separate pieces: "
                    f"{int(sizes[0])} nodes in the largest, {int(sizes[1:].sum())} in "
                    f"{sizes.shape[0] - 1} islands (gaps in the map data, e.g. unmapped "
                    "footways or bridges). Origins in an island without a facility of a "
                    "category get an estimated distance."
                ),
                "sizes": [int(s) for s in sizes[:ISLANDS_LISTED]],
            }
        )
    for what, frame in (("facilities", facilities), ("origins", origins)):
        if frame is None:
            continue
        check = check_coordinates(graph, frame["lon"].to_numpy(), frame["lat"].to_numpy())
        if check.suspect_gcj02:
            warnings.append(
                {
                    "code": f"{what}_gcj02",
                    "message": check.message(what),
                    "median_snap_m": _number(check.median_snap_m, 1),
                    "median_snap_if_gcj02_m": _number(check.median_snap_if_gcj02_m, 1),
                }
            )

    scene = prepare_scene(graph, facilities, origins, params=params)
    off_ids: list[Any] = []
    routable = 0
    for fac in scene.facilities.values():
        routable += int(fac.on_network.sum())
        off_ids.extend(fac.id[~fac.on_network].tolist())
    if routable == 0:
        raise DataFileError(
            f"no facility lies within {params.snap_tolerance_m:g} m of the walking network: "
            "the facilities are outside the network's area",
            path=facilities_path,
            field="lon",
            fix="Check that the facilities and the OSM file cover the same area, in WGS-84.",
        )
    if off_ids:
        warnings.append(
            {
                "code": "facilities_off_network",
                "message": (
                    f"{len(off_ids)} of {len(facilities)} facilities lie more than "
                    f"{params.snap_tolerance_m:g} m from the walking network (outside its "
                    "area); they are left out of network distances and used only for "
                    "estimated ones"
                ),
                "ids": [_plain(i) for i in off_ids[:OFF_NETWORK_LISTED]],
            }
        )
    if origins is not None:
        off = int((~scene.origins.on_network).sum())
        if off:
            warnings.append(
                {
                    "code": "origins_off_network",
                    "message": (
                        f"{off} of {scene.origins.count} origins lie more than "
                        f"{params.snap_tolerance_m:g} m from the walking network; their "
                        "distances are estimated (straight line × "
                        f"{params.detour_factor:g})"
                    ),
                }
            )

    codes = list(dict.fromkeys(facilities["category"].tolist()))
    result = measure_access(scene, thresholds_m(codes, categories=categories))
    return report(result, speed_m_per_min=speed_m_per_min, categories=categories) | {
        "warnings": warnings
    }


def report(
    result: AccessResult,
    *,
    speed_m_per_min: float = DEFAULT_SPEED_M_PER_MIN,
    categories: Mapping[str, Category] = CATEGORIES,
) -> dict[str, Any]:
    """The JSON-ready report of an :class:`AccessResult` (without warnings)."""
    scene = result.scene
    graph = scene.graph
    coverage = summarise_coverage(result)
    by_code = {row["category"]: row for row in coverage.to_dict("records")}
    out_categories: dict[str, Any] = {}
    for code, access in result.categories.items():
        cat = categories.get(code)
        fac = scene.facilities.get(code)
        row = by_code[code]
        out_categories[code] = {
            "name_zh": cat.name_zh if cat else None,
            "name_en": cat.name_en if cat else None,
            "threshold_m": access.threshold_m,
            "threshold_minutes": cat.threshold_minutes if cat else None,
            "basis": cat.basis if cat else None,
            "facilities": int(fac.count) if fac else 0,
            "facilities_on_network": int(fac.on_network.sum()) if fac else 0,
            "coverage": _number(row["share_network"], 4),
            "coverage_estimated": _number(row["share_estimated"], 4),
            "population": row["population"],
            "covered_network": row["covered_network"],
            "covered_estimated": row["covered_estimated"],
            "population_estimated": row["population_estimated"],
            "population_unknown": row["population_unknown"],
        }
    frame = result.to_frame(speed_m_per_min=speed_m_per_min)
    table = pd.DataFrame(
        {
            "id": frame["origin_id"].map(_plain),
            "category": frame["category"],
            "nearest_m": frame["distance_m"].round(2),
            "nearest_facility": frame["facility_id"].map(_plain),
            "within_threshold": frame["within_threshold"].astype(bool),
            "estimated": frame["estimated"].astype(bool),
            "walk_minutes": frame["walk_minutes"].round(2),
            "facilities_within": frame["count_within"].astype(int),
            "snap_m": np.round(np.tile(scene.origins.snap_m, len(result.categories)), 2),
        }
    ).astype(object)
    table = table.where(table.notna(), None)
    for column in ("nearest_m", "walk_minutes", "snap_m"):
        table[column] = [None if v is None or v != v else float(v) for v in table[column]]
    origins_out: list[dict[str, Any]] = table.to_dict("records")
    return {
        "network": {
            "nodes": graph.node_count,
            "edges": graph.edge_count,
            "length_km": round(float(graph.edge_length_m.sum()) / 1000.0, 3),
            "components": int(graph.component_sizes.shape[0]),
            "component_sizes": [int(s) for s in graph.component_sizes[:ISLANDS_LISTED]],
            "crs": graph.crs,
        },
        "parameters": {
            "speed_m_per_min": speed_m_per_min,
            "snap_tolerance_m": scene.params.snap_tolerance_m,
            "detour_factor": scene.params.detour_factor,
            "threshold_basis": "distance",
        },
        "categories": out_categories,
        "origins": origins_out,
    }


def write_json(report_dict: Mapping[str, Any], path: str | Path) -> None:
    """Write the report as UTF-8 JSON (Chinese names kept readable)."""
    with Path(path).open("w", encoding="utf-8") as handle:
        json.dump(report_dict, handle, ensure_ascii=False, indent=1, allow_nan=False)
        handle.write("\n")
