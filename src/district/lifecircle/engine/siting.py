"""Siting: where should k new facilities of a category go?

The maximal covering location problem (MCLP, Church & ReVelle 1974) with the existing
facilities fixed: choose at most ``k`` candidate sites to maximise the population that is
not yet within the threshold and that a new site would bring within it.

Two solutions are reported side by side:

* **greedy** with coverage bitsets (``numpy.packbits``): each step takes the site with the
  largest newly covered population, scored with a byte lookup table of population sums, so
  a step is one gather over (sites × demand/8) bytes. Coverage is submodular, so greedy
  reaches at least 1 − 1/e ≈ 63 % of the optimum (Nemhauser, Wolsey & Fisher 1978); in
  practice it is usually within a percent;
* **exact** as a mixed-integer programme solved by HiGHS (``highspy``), built directly from
  the coverage arrays (no modelling layer; spopt's PuLP model build is the slow part of
  spopt's MCLP): maximise Σ wᵢ yᵢ subject to yᵢ ≤ Σ_{j covers i} xⱼ, Σ xⱼ ≤ k,
  xⱼ ∈ {0, 1}, 0 ≤ yᵢ ≤ 1.

Demand points with the same set of covering sites are merged (weights summed) before
either solver runs, which leaves both optima unchanged.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from district.core.errors import ConfigurationError, InputError
from district.lifecircle.engine.access import AccessResult, empty_facilities
from district.lifecircle.engine.graph import BoolArray, FloatArray, IntArray
from district.lifecircle.engine.placement import Anchors, anchor_points, node_anchors
from district.lifecircle.engine.snapping import snap_points

CHUNK_SOURCES = 256


@dataclass(frozen=True, eq=False)
class CoverageProblem:
    """An MCLP instance: ``cover[j, i]`` is True when site ``j`` covers demand ``i``."""

    cover: csr_array
    weight: FloatArray

    @property
    def sites(self) -> int:
        return int(self.cover.shape[0])

    @property
    def demands(self) -> int:
        return int(self.cover.shape[1])


@dataclass(frozen=True)
class GreedySolution:
    """Sites in the order chosen, each step's newly covered weight, and the total."""

    sites: tuple[int, ...]
    gains: tuple[float, ...]
    covered: float


@dataclass(frozen=True)
class ExactSolution:
    """The MIP's sites and covered weight, the best bound and HiGHS's relative gap."""

    sites: tuple[int, ...]
    covered: float
    bound: float
    mip_gap: float
    status: str


@dataclass(frozen=True, eq=False)
class SitingResult:
    """Proposed sites for ``k`` new facilities of ``category``.

    ``candidate_lon``/``candidate_lat``/``candidate_node_id`` describe every candidate
    (the OSM node id, or −1 for a given point); the solutions index them.
    ``demand_population`` is the uncovered, on-network population that some candidate can
    reach; ``gap`` is (exact − greedy) / exact (0 when both agree).
    """

    category: str
    k: int
    threshold_m: float
    candidate_lon: FloatArray
    candidate_lat: FloatArray
    candidate_node_id: IntArray
    candidates_off_network: int
    demand_population: float
    greedy: GreedySolution
    exact: ExactSolution | None

    @property
    def gap(self) -> float | None:
        if self.exact is None:
            return None
        if self.exact.covered <= 0:
            return 0.0
        return (self.exact.covered - self.greedy.covered) / self.exact.covered

    def proposals(self, solution: str = "exact") -> list[dict[str, Any]]:
        """The chosen sites as dicts (``rank, lon, lat, node_id, gain``) for a page or JSON."""
        if solution == "exact" and self.exact is not None:
            sites = self.exact.sites
            gains: tuple[float | None, ...] = (None,) * len(sites)
        else:
            sites = self.greedy.sites
            gains = self.greedy.gains
        return [
            {
                "rank": rank + 1,
                "lon": float(self.candidate_lon[j]),
                "lat": float(self.candidate_lat[j]),
                "node_id": int(self.candidate_node_id[j]),
                "gain": gain,
            }
            for rank, (j, gain) in enumerate(zip(sites, gains, strict=True))
        ]


def merge_demands(problem: CoverageProblem) -> tuple[CoverageProblem, IntArray]:
    """Merge demand points covered by the same sites; drop those no site covers.

    Returns the smaller problem and, for each original demand, its merged column (−1 if
    dropped).
    """
    dense = problem.cover.toarray().astype(bool)
    covered = dense.any(axis=0)
    group = np.full(problem.demands, -1, dtype=np.int64)
    if not covered.any():
        empty = csr_array((problem.sites, 0), dtype=bool)
        return CoverageProblem(cover=empty, weight=np.zeros(0)), group
    # One byte string per demand column: its covering sites as packed bits.
    signature = np.packbits(dense[:, covered], axis=0).T
    _, first, inverse = np.unique(signature, axis=0, return_index=True, return_inverse=True)
    # Number the merged columns in order of first appearance (deterministic, stable).
    rank = np.empty(first.shape[0], dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.shape[0])
    group[covered] = rank[inverse.ravel()]
    m = first.shape[0]
    weight = np.bincount(group[covered], weights=problem.weight[covered], minlength=m)
    columns = np.flatnonzero(covered)[np.sort(first)]
    return (
        CoverageProblem(cover=csr_array(dense[:, columns]), weight=weight.astype(np.float64)),
        group,
    )


def reduce_sites(problem: CoverageProblem, *, max_pairs: int = 20_000_000) -> IntArray:
    """Sites worth keeping: those covering something and not dominated.

    Site i is dominated when another site covers every demand i covers (and more, or the
    same with a lower index): swapping i for it never loses coverage, so both optima are
    unchanged. Pairs are found with one sparse product ``cover @ cover.T``; when that
    would exceed ``max_pairs`` entries only duplicate sites are removed.
    """
    cover = problem.cover.astype(np.int32)
    size = np.asarray(cover.sum(axis=1)).ravel()
    useful = size > 0
    per_demand = np.asarray(cover.sum(axis=0)).ravel()
    if float((per_demand.astype(np.float64) ** 2).sum()) > max_pairs:
        dense = problem.cover.toarray().astype(bool)
        rows = np.flatnonzero(useful)
        if rows.shape[0] == 0:
            return rows
        _, first = np.unique(np.packbits(dense[rows], axis=1), axis=0, return_index=True)
        return rows[np.sort(first)]
    shared = (cover @ cover.T).tocoo()
    i, j, count = shared.row, shared.col, shared.data
    dominated_pair = (
        (i != j) & (count == size[i]) & ((size[j] > size[i]) | ((size[j] == size[i]) & (j < i)))
    )
    dominated = np.zeros(problem.sites, dtype=bool)
    dominated[i[dominated_pair]] = True
    return np.flatnonzero(useful & ~dominated)


def solve_greedy(problem: CoverageProblem, k: int) -> GreedySolution:
    """Greedy MCLP with packed coverage bits and a byte table of weight sums."""
    _check_k(k)
    sites, demands = problem.sites, problem.demands
    if sites == 0 or demands == 0 or k == 0:
        return GreedySolution(sites=(), gains=(), covered=0.0)
    dense = problem.cover.toarray().astype(bool)
    bits = np.packbits(dense, axis=1)  # (sites, bytes), big-endian bit order
    n_bytes = bits.shape[1]
    padded = np.zeros(n_bytes * 8)
    padded[:demands] = problem.weight
    # table[b, v] = total weight of the demands whose bits are set in byte value v at b.
    byte_bits = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1)
    table = padded.reshape(n_bytes, 8) @ byte_bits.T.astype(np.float64)
    uncovered = np.packbits(np.ones(demands, dtype=bool))
    columns = np.arange(n_bytes)
    chosen: list[int] = []
    gains: list[float] = []
    for _ in range(min(k, sites)):
        gain = table[columns, bits & uncovered].sum(axis=1)
        gain[chosen] = -1.0
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        gains.append(float(gain[best]))
        uncovered &= ~bits[best]
    return GreedySolution(sites=tuple(chosen), gains=tuple(gains), covered=float(sum(gains)))


def _quiet_highs() -> Any:
    """A silent ``highspy.Highs`` (its first construction prints a banner on stdout)."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


def solve_exact(
    problem: CoverageProblem,
    k: int,
    *,
    time_limit_s: float = 60.0,
    seed: int = 0,
    start_sites: tuple[int, ...] = (),
) -> ExactSolution:
    """The MCLP as a MIP, solved by HiGHS (see the module docstring).

    ``start_sites`` (e.g. the greedy solution) seeds the search with a feasible solution.
    """
    import highspy

    _check_k(k)
    sites, demands = problem.sites, problem.demands
    if sites == 0 or demands == 0 or k == 0:
        return ExactSolution(sites=(), covered=0.0, bound=0.0, mip_gap=0.0, status="Optimal")
    demand_cover = problem.cover.T.tocsr()  # row i: the sites covering demand i
    # Rows 0..D-1: y_i - sum_j x_j <= 0; row D: sum_j x_j <= k. Columns: x (sites), y.
    counts = np.diff(demand_cover.indptr)
    start = np.zeros(demands + 2, dtype=np.int64)
    np.cumsum(counts + 1, out=start[1 : demands + 1])
    start[demands + 1] = start[demands] + sites
    index = np.empty(int(start[-1]), dtype=np.int32)
    value = np.empty(int(start[-1]), dtype=np.float64)
    row_of = np.repeat(np.arange(demands), counts)
    pos = (
        start[:demands][row_of]
        + 1
        + (np.arange(row_of.shape[0]) - np.repeat(demand_cover.indptr[:-1], counts))
    )
    index[start[:demands]] = sites + np.arange(demands)
    value[start[:demands]] = 1.0
    index[pos] = demand_cover.indices
    value[pos] = -1.0
    index[start[demands] :] = np.arange(sites)
    value[start[demands] :] = 1.0

    lp = highspy.HighsLp()
    lp.num_col_ = sites + demands
    lp.num_row_ = demands + 1
    lp.col_cost_ = np.r_[np.zeros(sites), -problem.weight]
    lp.col_lower_ = np.zeros(sites + demands)
    lp.col_upper_ = np.ones(sites + demands)
    lp.row_lower_ = np.full(demands + 1, -np.inf)
    lp.row_upper_ = np.r_[np.zeros(demands), float(k)]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = sites + demands
    lp.a_matrix_.num_row_ = demands + 1
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * sites + [
        highspy.HighsVarType.kContinuous
    ] * demands
    highs = _quiet_highs()
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("random_seed", int(seed))
    highs.setOptionValue("mip_rel_gap", 0.0)
    # HiGHS's presolve probing is very slow on these coverage models (20 s against 1 s
    # without it on the Changning demo network, 768 sites × 1,393 demands).
    highs.setOptionValue("presolve", "off")
    highs.passModel(lp)
    if start_sites:
        start_x = np.zeros(sites + demands)
        start_x[list(start_sites)] = 1.0
        start_x[sites:] = coverage_mask(problem, tuple(start_sites))
        start_solution = highspy.HighsSolution()
        start_solution.col_value = start_x.tolist()
        start_solution.value_valid = True
        highs.setSolution(start_solution)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    solution = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    if solution.shape[0] != sites + demands:
        raise ConfigurationError(f"HiGHS returned no solution for the siting MIP ({status})")
    chosen = tuple(int(j) for j in np.flatnonzero(solution[:sites] > 0.5))
    covered = _covered(problem, chosen)
    return ExactSolution(
        sites=chosen,
        covered=covered,
        bound=float(-info.mip_dual_bound),
        mip_gap=float(info.mip_gap),
        status=status,
    )


def _covered(problem: CoverageProblem, sites: tuple[int, ...]) -> float:
    if not sites:
        return 0.0
    hit = np.asarray(problem.cover[list(sites)].sum(axis=0)).ravel() > 0
    return float(problem.weight[hit].sum())


def _check_k(k: int) -> None:
    if k < 0:
        raise InputError(f"k={k!r} must be 0 or more new facilities", field="k", value=k)


def site_facilities(
    result: AccessResult,
    category: str,
    k: int,
    *,
    candidates_lon: npt.ArrayLike | None = None,
    candidates_lat: npt.ArrayLike | None = None,
    exact: bool = True,
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Propose ``k`` new sites for ``category`` given the current access ``result``.

    Demand: origins on the network not yet within the threshold by network distance,
    weighted by population. Candidates: the given points (snapped; those farther than the
    snap tolerance are dropped and counted) or, by default, every network node without a
    facility of the category that lies within the threshold of some demand.
    """
    _check_k(k)
    access = result.categories.get(category)
    if access is None:
        raise InputError(
            f"category {category!r} was not measured",
            field="category",
            value=category,
            fix="Measure the category first, with its threshold.",
        )
    scene = result.scene
    placed = scene.placed
    graph = scene.graph
    threshold = access.threshold_m
    origins = scene.origins
    demand_mask = origins.on_network & ~(access.within & ~access.estimated)
    demand = np.flatnonzero(demand_mask & (origins.population > 0))
    demand_nodes = origins.node[demand]

    off = 0
    if candidates_lon is not None or candidates_lat is not None:
        lon = np.asarray(candidates_lon, dtype=np.float64)
        lat = np.asarray(candidates_lat, dtype=np.float64)
        if lon.shape != lat.shape or lon.ndim != 1:
            raise InputError(
                "candidates_lon and candidates_lat must be 1-D and of equal length",
                field="candidates",
            )
        snap = snap_points(graph, lon, lat)
        ok = snap.snap_m <= scene.params.snap_tolerance_m
        off = int((~ok).sum())
        snap_ok = type(snap)(
            edge=snap.edge[ok],
            offset_m=snap.offset_m[ok],
            snap_m=snap.snap_m[ok],
            x_m=snap.x_m[ok],
            y_m=snap.y_m[ok],
        )
        anchors = anchor_points(placed, snap_ok)
        cand_lon, cand_lat = lon[ok], lat[ok]
        cand_node_id = np.full(cand_lon.shape[0], -1, dtype=np.int64)
    else:
        facilities = scene.facilities.get(category) or empty_facilities(category)
        occupied = np.zeros(graph.node_count, dtype=bool)
        routable = facilities.routable()
        at = facilities.anchors.node_a[routable]
        occupied[at[at < graph.node_count]] = True
        if demand_nodes.shape[0]:
            near = np.asarray(
                dijkstra(
                    placed.csr,
                    directed=True,
                    indices=np.unique(demand_nodes),
                    min_only=True,
                    limit=threshold,
                ),
                dtype=np.float64,
            )[: graph.node_count]
            nodes = np.flatnonzero(np.isfinite(near) & ~occupied).astype(np.int32)
        else:
            nodes = np.zeros(0, dtype=np.int32)
        anchors = node_anchors(nodes)
        cand_lon, cand_lat = graph.lon[nodes], graph.lat[nodes]
        cand_node_id = graph.node_id[nodes]

    cover = _coverage(placed, anchors, demand_nodes, threshold)
    problem = CoverageProblem(cover=cover, weight=origins.population[demand].astype(float))
    merged, _ = merge_demands(problem)
    keep = reduce_sites(merged)
    reduced = CoverageProblem(cover=csr_array(merged.cover.toarray()[keep]), weight=merged.weight)
    greedy_r = solve_greedy(reduced, k)
    greedy = GreedySolution(
        sites=tuple(int(keep[j]) for j in greedy_r.sites),
        gains=greedy_r.gains,
        covered=greedy_r.covered,
    )
    exact_solution = None
    if exact:
        exact_r = solve_exact(reduced, k, time_limit_s=time_limit_s, start_sites=greedy_r.sites)
        exact_solution = ExactSolution(
            sites=tuple(int(keep[j]) for j in exact_r.sites),
            covered=exact_r.covered,
            bound=exact_r.bound,
            mip_gap=exact_r.mip_gap,
            status=exact_r.status,
        )
    return SitingResult(
        category=category,
        k=k,
        threshold_m=threshold,
        candidate_lon=cand_lon,
        candidate_lat=cand_lat,
        candidate_node_id=cand_node_id,
        candidates_off_network=off,
        demand_population=float(merged.weight.sum()),
        greedy=greedy,
        exact=exact_solution,
    )


def _coverage(
    placed: Any, anchors: Anchors, demand_nodes: npt.NDArray[np.integer[Any]], threshold: float
) -> csr_array:
    """``cover[j, i]``: candidate ``j`` within ``threshold`` of demand node ``i``."""
    sites = anchors.count
    demands = demand_nodes.shape[0]
    if sites == 0 or demands == 0:
        return csr_array((sites, demands), dtype=bool)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    ends = np.unique(np.concatenate([anchors.node_a, anchors.node_b]))
    if ends.shape[0] <= demands:
        # Search from the candidates' anchor nodes.
        for lo in range(0, sites, CHUNK_SOURCES):
            part = slice(lo, min(sites, lo + CHUNK_SOURCES))
            a, b = anchors.node_a[part], anchors.node_b[part]
            chunk_ends = np.unique(np.r_[a, b])
            dist = np.asarray(
                dijkstra(placed.csr, directed=True, indices=chunk_ends, limit=threshold)
            )[:, demand_nodes]
            ra = np.searchsorted(chunk_ends, a)
            rb = np.searchsorted(chunk_ends, b)
            d = np.minimum(
                anchors.dist_a[part, None] + dist[ra], anchors.dist_b[part, None] + dist[rb]
            )
            r, c = np.nonzero(d <= threshold)
            rows.append(r + lo)
            cols.append(c)
    else:
        # Search from the demand nodes (the graph is undirected).
        unique, inverse = np.unique(demand_nodes, return_inverse=True)
        for lo in range(0, unique.shape[0], CHUNK_SOURCES):
            sources = unique[lo : lo + CHUNK_SOURCES]
            dist = np.asarray(dijkstra(placed.csr, directed=True, indices=sources, limit=threshold))
            d = np.minimum(
                anchors.dist_a[None, :] + dist[:, anchors.node_a],
                anchors.dist_b[None, :] + dist[:, anchors.node_b],
            )
            r, c = np.nonzero(d <= threshold)  # r: unique demand node, c: site
            member = lo + r
            # Expand unique demand nodes back to every demand at that node.
            for_node = _demands_at(inverse, member)
            rows.append(np.repeat(c, for_node[1]))
            cols.append(for_node[0])
    r_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return csr_array((np.ones(r_all.shape[0], dtype=bool), (r_all, c_all)), shape=(sites, demands))


def _demands_at(inverse: IntArray, unique_rows: IntArray) -> tuple[IntArray, IntArray]:
    """For each entry of ``unique_rows``, the demand indices at that unique node."""
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=int(inverse.max()) + 1 if inverse.size else 0)
    starts = np.cumsum(counts) - counts
    sizes = counts[unique_rows]
    first = np.repeat(starts[unique_rows], sizes)
    offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return order[first + offset], sizes


def coverage_mask(problem: CoverageProblem, sites: tuple[int, ...]) -> BoolArray:
    """Which demands ``sites`` cover (for tests and reports)."""
    if not sites:
        return np.zeros(problem.demands, dtype=bool)
    return np.asarray(problem.cover[list(sites)].sum(axis=0)).ravel() > 0
