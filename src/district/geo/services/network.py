"""The walking network: the OSM import and the arrays the engines read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction
from numpy.typing import NDArray

from district.geo.models import NetworkEdge, NetworkNode
from district.geo.osm import connected_components, read_walk_network
from district.geo.services.files import BATCH, ImportReport, _record, _require_file


@transaction.atomic
def import_osm(*, path: Path) -> ImportReport:
    """Replace the walking network with the walkable ways of an OSM XML or PBF file."""
    path = _require_file(path)
    network = read_walk_network(path)
    pieces = connected_components(network)
    report = ImportReport("walking network", path.name)
    report.rows_kept = network.ways_kept
    report.rows_read = network.ways_kept + sum(network.ways_dropped.values())
    for reason, count in network.ways_dropped.items():
        if count:
            report.skipped[f"ways: {reason.replace('_', ' ')}"] += count
    n_nodes, n_edges = network.node_count, network.edge_count
    NetworkEdge.objects.all().delete()
    NetworkNode.objects.all().delete()
    NetworkNode.objects.bulk_create(
        (
            NetworkNode(
                osm_id=int(network.node_id[i]),
                lon=float(network.lon[i]),
                lat=float(network.lat[i]),
                component=int(pieces.labels[i]),
            )
            for i in range(n_nodes)
        ),
        batch_size=BATCH,
    )
    lon, lat = network.lon, network.lat
    u, v = network.edge_u, network.edge_v
    NetworkEdge.objects.bulk_create(
        (
            NetworkEdge(
                u_id=int(network.node_id[u[i]]),
                v_id=int(network.node_id[v[i]]),
                osm_way_id=int(network.way_id[i]),
                highway=str(network.highway[i])[:40],
                name=str(network.name[i])[:200],
                length_m=float(network.length_m[i]),
                min_lon=float(min(lon[u[i]], lon[v[i]])),
                min_lat=float(min(lat[u[i]], lat[v[i]])),
                max_lon=float(max(lon[u[i]], lon[v[i]])),
                max_lat=float(max(lat[u[i]], lat[v[i]])),
            )
            for i in range(n_edges)
        ),
        batch_size=BATCH,
    )
    sizes = [int(size) for size in pieces.sizes]
    report.notes.append(
        f"{n_nodes:,} nodes, {n_edges:,} edges, {float(network.length_m.sum()) / 1000:.1f} km, "
        f"{len(sizes)} connected piece(s) of sizes "
        + ", ".join(str(size) for size in sizes[:10])
        + (" …" if len(sizes) > 10 else "")
    )
    if network.missing_node_refs:
        report.notes.append(
            f"{network.missing_node_refs:,} node references of kept ways were not in the file "
            "(a clipped extract); those ways were cut there."
        )
    _record(report, path)
    return report


@dataclass(frozen=True)
class NetworkArrays:
    """The stored walking network as arrays, for the analytics engines."""

    node_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    component: NDArray[np.int64]
    edge_u: NDArray[np.int64]  # index into the node arrays
    edge_v: NDArray[np.int64]
    edge_length_m: NDArray[np.float64]


def network_arrays() -> NetworkArrays:
    nodes = np.array(
        list(
            NetworkNode.objects.order_by("osm_id").values_list("osm_id", "lon", "lat", "component")
        ),
        dtype=np.float64,
    ).reshape(-1, 4)
    node_id = nodes[:, 0].astype(np.int64)
    edges = np.array(
        list(NetworkEdge.objects.values_list("u_id", "v_id", "length_m")), dtype=np.float64
    ).reshape(-1, 3)
    u = np.searchsorted(node_id, edges[:, 0].astype(np.int64))
    v = np.searchsorted(node_id, edges[:, 1].astype(np.int64))
    return NetworkArrays(
        node_id=node_id,
        lon=nodes[:, 1],
        lat=nodes[:, 2],
        component=nodes[:, 3].astype(np.int64),
        edge_u=u.astype(np.int64),
        edge_v=v.astype(np.int64),
        edge_length_m=edges[:, 2],
    )
