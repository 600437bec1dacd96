"""The engine's inputs, read from the geo app, and the measured scene kept in memory.

A :class:`Scenario` is everything one refresh measured: the walking graph, the facilities
and origins as the engine saw them, the standards' thresholds and the engine's
:class:`~district.lifecircle.engine.AccessResult`. Siting and what-if work on it, so the
last one is kept per process (a refresh in another process is rebuilt on demand from the
same inputs, which is cheap: well under a second on the demo district).

Origins are the loaded homes with their population (population coverage) or, where none
are loaded, the centres of the grid cells weighted by their area in m² (area coverage,
not population coverage).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import shape

from district.core.errors import ConfigurationError
from district.geo import services as geo
from district.lifecircle.engine import (
    AccessParams,
    AccessResult,
    WalkGraph,
    build_graph,
    measure_access,
    prepare_scene,
)

AREA = "area"
POPULATION = "population"


@dataclass(frozen=True, eq=False)
class Origins:
    """The origins as a frame for the engine (``id, lon, lat, population``) plus where each
    lies (grid cell, subdistrict) and what kind of coverage they measure."""

    frame: pd.DataFrame
    cell_code: npt.NDArray[Any]
    subdistrict_code: npt.NDArray[Any]
    kind: str

    @property
    def count(self) -> int:
        return int(self.frame.shape[0])


@dataclass(frozen=True, eq=False)
class Scenario:
    """One measurement of the district: inputs, parameters and the engine's result."""

    graph: WalkGraph
    facilities: pd.DataFrame
    facility_names: dict[int, str]
    origins: Origins
    params: AccessParams
    thresholds_m: dict[str, float]
    result: AccessResult
    signature: str


_lock = threading.Lock()
_graph_cache: dict[str, WalkGraph] = {}
_scenario_cache: dict[int, Scenario] = {}


def network_graph() -> WalkGraph:
    """The stored walking network as an engine graph (cached while the network is unchanged)."""
    arrays = geo.network_arrays()
    if arrays.node_id.shape[0] == 0 or arrays.edge_u.shape[0] == 0:
        raise ConfigurationError(
            "No walking network is loaded",
            field="network",
            fix="Import one with `district geo import-osm FILE` (or run `district demo`).",
        )
    key = _digest(arrays.node_id, arrays.edge_u, arrays.edge_v, arrays.edge_length_m)
    with _lock:
        graph = _graph_cache.get(key)
        if graph is None:
            _graph_cache.clear()
            graph = build_graph(arrays)
            _graph_cache[key] = graph
    return graph


def facilities_frame(codes: list[str]) -> tuple[pd.DataFrame, dict[int, str]]:
    """Facilities of ``codes`` (inside the district and in its margin): ``id, category, lon,
    lat, capacity`` and their names by id."""
    rows = []
    names: dict[int, str] = {}
    wanted = set(codes)
    for feature in geo.facilities_geojson()["features"]:
        props = feature["properties"]
        if props["category"] not in wanted:
            continue
        lon, lat = feature["geometry"]["coordinates"]
        rows.append((int(props["id"]), props["category"], lon, lat, props["capacity"]))
        names[int(props["id"])] = props["name"]
    frame = pd.DataFrame(rows, columns=["id", "category", "lon", "lat", "capacity"])
    return frame, names


def load_origins() -> Origins:
    """Homes with population where loaded, else grid-cell centres weighted by area (m²)."""
    homes = geo.resident_points()
    if homes:
        frame = pd.DataFrame(
            {
                "id": [h.external_id for h in homes],
                "lon": [h.lon for h in homes],
                "lat": [h.lat for h in homes],
                "population": [float(h.population) for h in homes],
            }
        )
        return Origins(
            frame=frame,
            cell_code=np.array([h.cell_code or "" for h in homes], dtype=object),
            subdistrict_code=np.array([h.subdistrict_code or "" for h in homes], dtype=object),
            kind=POPULATION,
        )
    cells = geo.grid_geojson()["features"]
    if not cells:
        raise ConfigurationError(
            "No grid cells and no homes are loaded, so there is nothing to measure from",
            field="origins",
            fix="Build the grid with `district geo build-grid` or import homes with "
            "`district geo import-residents`.",
        )
    geometries = [shape(c["geometry"]) for c in cells]
    centre = shapely.centroid(geometries)
    inside = shapely.contains(geometries, centre)
    # A clipped cell's centroid can fall outside it; use a point on its surface then.
    surface = shapely.point_on_surface(geometries)
    points = np.where(inside, centre, surface)
    frame = pd.DataFrame(
        {
            "id": [c["properties"]["code"] for c in cells],
            "lon": shapely.get_x(points),
            "lat": shapely.get_y(points),
            "population": [float(c["properties"]["area_m2"]) for c in cells],
        }
    )
    return Origins(
        frame=frame,
        cell_code=np.array([c["properties"]["code"] for c in cells], dtype=object),
        subdistrict_code=np.array(
            [c["properties"]["subdistrict"] or "" for c in cells], dtype=object
        ),
        kind=AREA,
    )


def build_scenario(*, thresholds_m: dict[str, float], params: AccessParams) -> Scenario:
    """Read the inputs and run the engine for ``thresholds_m`` (category → metres)."""
    graph = network_graph()
    facilities, names = facilities_frame(list(thresholds_m))
    # A category with no facility loaded at all is not measured (nothing to walk to).
    present = set(facilities["category"])
    thresholds_m = {code: metres for code, metres in thresholds_m.items() if code in present}
    if not thresholds_m:
        raise ConfigurationError(
            "No facilities of the measured categories are loaded",
            field="facilities",
            fix="Import facilities with `district geo import-facilities` (or run the demo).",
        )
    origins = load_origins()
    scene = prepare_scene(
        graph, facilities[["id", "category", "lon", "lat"]], origins.frame, params=params
    )
    result = measure_access(scene, thresholds_m)
    signature = _digest(
        graph.node_id,
        graph.edge_length_m,
        facilities[["id", "lon", "lat"]].to_numpy(dtype=np.float64),
        facilities["category"].to_numpy(dtype=str),
        origins.frame[["lon", "lat", "population"]].to_numpy(dtype=np.float64),
        origins.frame["id"].to_numpy(dtype=str),
        np.array(sorted(thresholds_m.items()), dtype=str),
        np.array([params.snap_tolerance_m, params.detour_factor]),
    )
    return Scenario(
        graph=graph,
        facilities=facilities,
        facility_names=names,
        origins=origins,
        params=params,
        thresholds_m=dict(thresholds_m),
        result=result,
        signature=signature,
    )


def remember(run_id: int, scenario: Scenario) -> None:
    with _lock:
        _scenario_cache.clear()
        _scenario_cache[run_id] = scenario


def recall(run_id: int) -> Scenario | None:
    with _lock:
        return _scenario_cache.get(run_id)


def forget() -> None:
    """Drop the cached graph and scenario (tests; after the network changes)."""
    with _lock:
        _graph_cache.clear()
        _scenario_cache.clear()


def _digest(*arrays: Any) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        data = np.ascontiguousarray(np.asarray(array))
        digest.update(str(data.shape).encode())
        digest.update(data.tobytes() if data.dtype != object else repr(data.tolist()).encode())
    return digest.hexdigest()
