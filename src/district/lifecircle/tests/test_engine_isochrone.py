"""Isochrones: the streets reachable within 5/10/15 minutes from a point."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from district.core.errors import InputError
from district.lifecircle.engine import build_graph, prepare_scene
from district.lifecircle.engine.isochrone import estimated_disc, isochrone, reach_m

from .test_engine_whatif import graph as graph  # the vendored network fixture


@dataclass
class Line:
    """A straight street of four 100 m edges along a parallel near Changning."""

    node_id = np.array([1, 2, 3, 4, 5], dtype=np.int64)
    lon = 121.40 + np.arange(5) * 100.0 / 95_300.0  # ≈ 100 m per step at 31.2° N
    lat = np.full(5, 31.2)
    edge_u = np.array([0, 1, 2, 3])
    edge_v = np.array([1, 2, 3, 4])
    length_m = np.full(4, 100.0)


def scene_at(graph, lon, lat):
    facilities = pd.DataFrame(
        {"id": ["f"], "category": ["kindergarten"], "lon": [graph.lon[0]], "lat": [graph.lat[0]]}
    )
    origins = pd.DataFrame({"id": ["here"], "lon": [lon], "lat": [lat]})
    return prepare_scene(graph, facilities, origins)


def test_a_point_mid_edge_reaches_both_ways():
    line = build_graph(Line())  # type: ignore[arg-type]
    # Halfway between nodes 2 and 3 (index 1 and 2): 150 m from the west end.
    lon = (line.lon[1] + line.lon[2]) / 2
    scene = scene_at(line, lon, 31.2)
    bands = isochrone(scene, 0, minutes=(1.0, 2.0, 10.0), speed_m_per_min=60.0)
    # 60 m each way, then 120 m each way, then the whole 400 m street.
    assert [round(b.street_m) for b in bands] == [120, 240, 400]
    assert [b.limit_m for b in bands] == [60.0, 120.0, 600.0]
    assert bands[0].area_km2 < bands[1].area_km2 < bands[2].area_km2
    assert bands[2].lines["type"] == "MultiLineString"
    assert bands[2].area is not None
    assert bands[2].area["type"] in ("Polygon", "MultiPolygon")
    lon0, lat0 = bands[2].lines["coordinates"][0][0]
    assert 121.39 < lon0 < 121.41 and 31.19 < lat0 < 31.21
    assert not any(b.estimated for b in bands)


def test_streets_reached_match_networkx(graph):
    node = int(np.flatnonzero(graph.component == 0)[100])
    scene = scene_at(graph, graph.lon[node], graph.lat[node])
    limit = 800.0
    bands = isochrone(scene, 0, minutes=(10.0,), speed_m_per_min=limit / 10.0)
    g = nx.Graph()
    for u, v, w in zip(graph.edge_u, graph.edge_v, graph.edge_length_m, strict=True):
        g.add_edge(int(u), int(v), weight=float(w))
    dist = nx.single_source_dijkstra_path_length(g, node, cutoff=limit, weight="weight")
    expected = 0.0
    for u, v, w in zip(graph.edge_u, graph.edge_v, graph.edge_length_m, strict=True):
        du = dist.get(int(u), np.inf)
        dv = dist.get(int(v), np.inf)
        a = min(w, max(0.0, limit - du))
        b = min(w, max(0.0, limit - dv))
        expected += min(w, a + b)
    assert bands[0].street_m == pytest.approx(expected, rel=1e-6)
    dist_placed = reach_m(scene, 0, limit)
    assert np.isfinite(dist_placed).sum() >= len(dist)


def test_off_network_points_get_an_estimated_disc(graph):
    scene = scene_at(graph, 121.37, 31.21)  # western Changning: no streets in the extract
    with pytest.raises(InputError, match="off the walking network"):
        isochrone(scene, 0, minutes=(5.0,), speed_m_per_min=80.0)
    bands = estimated_disc(scene, 0, minutes=(5.0, 15.0), speed_m_per_min=80.0)
    assert all(b.estimated for b in bands)
    radius = 15 * 80.0 / scene.params.detour_factor
    assert bands[1].area_km2 == pytest.approx(np.pi * radius**2 / 1e6, rel=0.01)
