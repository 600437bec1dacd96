"""Analyse many networks (one per district, say) as one Dask job.

Each :class:`BatchJob` is one network with its facilities (and optionally origins). The
jobs run on a Dask cluster: a local one by default (``LocalCluster``, worker processes on
this machine), or the scheduler at ``scheduler_address`` for a real cluster. Each worker
builds its own graph, so a job ships only its inputs and brings back the coverage table
and a few counts, not the arrays.

A job's network is either arrays (anything with a walking network's arrays) or a file
path; paths are read on the worker by ``read_network`` (for example
``district.geo.osm.read_walk_network``, passed in by the caller so this engine imports no
other app).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from district.core.errors import ConfigurationError, InputError
from district.lifecircle.engine.access import AccessParams, measure_access, prepare_scene
from district.lifecircle.engine.coverage import summarise_coverage
from district.lifecircle.engine.graph import NetworkArrays, StoredNetworkArrays, build_graph
from district.lifecircle.engine.standards import thresholds_m as default_thresholds

NetworkReader = Callable[[Path], NetworkArrays | StoredNetworkArrays]


@dataclass(frozen=True, eq=False)
class BatchJob:
    """One network to analyse. ``groups`` (one key per origin) feeds the coverage table."""

    name: str
    network: NetworkArrays | StoredNetworkArrays | str | Path
    facilities: pd.DataFrame
    origins: pd.DataFrame | None = None
    groups: Sequence[Any] | None = None


@dataclass(frozen=True, eq=False)
class BatchOutcome:
    """What one job brings back: its coverage table and counts, or the error it raised."""

    name: str
    coverage: pd.DataFrame | None
    nodes: int = 0
    edges: int = 0
    components: int = 0
    origins: int = 0
    seconds: float = 0.0
    error: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def analyse_job(
    job: BatchJob,
    *,
    thresholds_m: Mapping[str, float],
    params: AccessParams | None = None,
    read_network: NetworkReader | None = None,
) -> BatchOutcome:
    """Run one job (on a worker, or directly). Errors of the platform's hierarchy are
    returned in ``error`` so one bad district does not sink the batch."""
    from district.core.errors import DistrictError

    started = time.perf_counter()
    try:
        network = job.network
        if isinstance(network, (str, Path)):
            if read_network is None:
                raise ConfigurationError(
                    f"job {job.name!r} names a network file but no reader was given",
                    fix="Pass read_network=district.geo.osm.read_walk_network.",
                )
            network = read_network(Path(network))
        graph = build_graph(network)
        scene = prepare_scene(graph, job.facilities, job.origins, params=params)
        result = measure_access(scene, thresholds_m)
        coverage = summarise_coverage(result, job.groups)
        coverage.insert(0, "job", job.name)
        return BatchOutcome(
            name=job.name,
            coverage=coverage,
            nodes=graph.node_count,
            edges=graph.edge_count,
            components=int(graph.component_sizes.shape[0]),
            origins=scene.origins.count,
            seconds=time.perf_counter() - started,
        )
    except DistrictError as error:
        return BatchOutcome(
            name=job.name,
            coverage=None,
            seconds=time.perf_counter() - started,
            error=str(error),
        )


def run_batch(
    jobs: Sequence[BatchJob],
    *,
    thresholds_m: Mapping[str, float] | None = None,
    params: AccessParams | None = None,
    read_network: NetworkReader | None = None,
    scheduler_address: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
) -> list[BatchOutcome]:
    """Analyse ``jobs`` on Dask and return their outcomes in the same order.

    Without ``scheduler_address`` a ``LocalCluster`` of ``n_workers`` is started for the
    call and closed after it (``processes=False`` keeps the workers in this process, which
    starts faster and suits tests). ``thresholds_m`` defaults to every standard category.
    """
    from dask.distributed import Client, LocalCluster

    if not jobs:
        return []
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise InputError("two batch jobs have the same name", field="jobs", value=names)
    thresholds = dict(thresholds_m) if thresholds_m is not None else default_thresholds()
    cluster = None
    if scheduler_address is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=processes,
            dashboard_address=None,
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        try:
            client = Client(scheduler_address, timeout=30)  # type: ignore[no-untyped-call]
        except OSError as error:
            raise ConfigurationError(
                f"cannot reach the Dask scheduler at {scheduler_address!r}: {error}",
                field="scheduler_address",
                value=scheduler_address,
                fix="Check the address (tcp://host:8786) or leave it empty for a local cluster.",
            ) from None
    try:
        futures = client.map(
            analyse_job,
            list(jobs),
            key=[f"lifecircle-{name}" for name in names],
            thresholds_m=thresholds,
            params=params,
            read_network=read_network,
            pure=False,
        )
        outcomes: list[BatchOutcome] = client.gather(futures)  # type: ignore[no-untyped-call]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
    return outcomes


def combine_coverage(outcomes: Sequence[BatchOutcome]) -> pd.DataFrame:
    """One coverage table for all successful jobs (column ``job`` tells them apart)."""
    frames = [o.coverage for o in outcomes if o.coverage is not None]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
