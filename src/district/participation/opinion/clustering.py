"""Opinion groups: k-means on the participant map, k chosen by silhouette.

As in Polis and red-dwarf (``find_best_kmeans`` with ``init="polis"``), every k from 2 to 5
is tried; k-means for each starts from the first k distinct points in lexicographic order
(``numpy.unique``), so no random draw is involved; the k with the highest mean silhouette
wins and ties go to the smaller k. The Lloyd iterations reproduce scikit-learn's ``KMeans``
(300 iterations, tolerance 1e-4, the same stopping rule), the estimator red-dwarf
subclasses, so the groups agree.

Two deliberate differences from red-dwarf 0.4.0, each tested on its own:

* **Singleton veto.** A k whose smallest group has fewer than two members scores −1
  instead of its silhouette (red-dwarf merged this upstream after 0.4.0, PR #119). A
  group of one person tells nobody anything, and it would single out that person's votes.
* **Large conversations.** The silhouette is an average over all pairs of points. Above
  ``silhouette_max_points`` clustered participants it is computed on a seeded random sample
  of that many (scikit-learn's ``sample_size`` method); red-dwarf computes it on all pairs,
  which is quadratic. Below the limit the value is exact.

Warm starts: given the previous map's centres for a k, k-means starts there instead. This
keeps group numbers stable from one update to the next and converges in a few iterations,
the way Polis carries its clusters forward; a cold start from the same votes gives the same
groups every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

#: Points above which the silhouette is estimated on a seeded sample.
SILHOUETTE_MAX_POINTS = 4000
#: Lloyd's limits, as in scikit-learn's and red-dwarf's KMeans.
KMEANS_MAX_ITERATIONS = 300
KMEANS_TOLERANCE = 1e-4
#: A k whose smallest group is smaller than this is vetoed.
MIN_GROUP_SIZE = 2
_VETO_SCORE = -1.0


@dataclass(frozen=True, eq=False)
class GroupChoice:
    """The chosen k-means grouping and the evidence for it."""

    k: int
    labels: NDArray[np.int64]
    centers: NDArray[np.float64]
    silhouette_by_k: dict[int, float]
    """Mean silhouette per k tried (−1 for a vetoed k)."""
    vetoed_k: tuple[int, ...] = ()
    """The k values set aside because a group had fewer than two members."""
    silhouette_points: int = 0
    """How many participants the silhouette was computed on."""
    centers_by_k: dict[int, NDArray[np.float64]] = field(default_factory=dict)
    """Final centres for every k tried, to warm-start the next update."""


def distinct_points(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """The distinct rows of ``xy`` in lexicographic order, as ``numpy.unique(axis=0)``.

    A two-key ``lexsort`` does in milliseconds what ``unique(axis=0)`` does in a tenth of a
    second on 100,000 points.
    """
    if xy.shape[0] == 0:
        return xy.copy()
    ordered = xy[np.lexsort((xy[:, 1], xy[:, 0]))]
    fresh = np.concatenate(([True], np.any(ordered[1:] != ordered[:-1], axis=1)))
    distinct: NDArray[np.float64] = ordered[fresh]
    return distinct


def polis_initial_centers(xy: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """The first ``k`` distinct points in lexicographic order (red-dwarf's ``init="polis"``)."""
    return distinct_points(xy)[:k]


def choose_groups(
    xy: NDArray[np.float64],
    *,
    k_min: int = 2,
    k_max: int = 5,
    force_k: int | None = None,
    seed: int = 0,
    warm_centers: Mapping[int, NDArray[np.float64]] | None = None,
    silhouette_max_points: int = SILHOUETTE_MAX_POINTS,
    singleton_veto: bool = True,
) -> GroupChoice | None:
    """Cluster the points for each k and keep the best by silhouette.

    Returns ``None`` when fewer than two distinct points (or three participants) leave no
    k to try; the caller then reports the conversation as too small to group.
    """
    n = xy.shape[0]
    candidates = [force_k] if force_k is not None else list(range(k_min, k_max + 1))
    # Sorting every point is only needed for cold starts or when few points are distinct.
    need = max(candidates) if candidates else 0
    warm = warm_centers or {}
    if all(k in warm and warm[k].shape == (k, 2) for k in candidates) and (
        distinct_points(xy[: 64 * need]).shape[0] >= need
    ):
        distinct = xy[:0]
        n_distinct = need
    else:
        distinct = distinct_points(xy)
        n_distinct = distinct.shape[0]
    candidates = [k for k in candidates if 2 <= k <= min(n_distinct, n - 1)]
    if not candidates:
        return None

    sample = _silhouette_sample(n, silhouette_max_points, seed)
    fits: dict[int, tuple[NDArray[np.int64], NDArray[np.float64]]] = {}
    for k in candidates:
        start = warm.get(k)
        if start is None or start.shape != (k, 2):
            start = distinct[:k]
        fits[k] = _kmeans(xy, start, seed)

    scores = silhouette_means(xy[sample], [fits[k][0][sample] for k in candidates])
    silhouette_by_k: dict[int, float] = {}
    vetoed: list[int] = []
    for k, score in zip(candidates, scores, strict=True):
        sizes = np.bincount(fits[k][0], minlength=k)
        if singleton_veto and sizes.min() < MIN_GROUP_SIZE:
            vetoed.append(k)
            score = _VETO_SCORE
        silhouette_by_k[k] = float(score)
    best_k = max(candidates, key=lambda k: (silhouette_by_k[k], -k))
    labels, centers = fits[best_k]
    return GroupChoice(
        k=best_k,
        labels=labels,
        centers=centers,
        silhouette_by_k=silhouette_by_k,
        vetoed_k=tuple(vetoed),
        silhouette_points=int(sample.shape[0]),
        centers_by_k={k: fit[1] for k, fit in fits.items()},
    )


def _kmeans(
    xy: NDArray[np.float64], start: NDArray[np.float64], seed: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Lloyd's k-means from given centres, step for step as scikit-learn's ``lloyd``.

    It stops when the labels no longer change, or when the squared centre shift falls to
    ``tol × mean variance`` (then the labels are recomputed once against the final
    centres); an empty cluster is re-seeded with the point farthest from its centre. On
    two-dimensional points numpy does this faster than scikit-learn's threaded version,
    whose fixed start-up cost dominates at Polis sizes. ``seed`` is unused: nothing here
    is random.
    """
    del seed
    n = xy.shape[0]
    k = start.shape[0]
    tolerance = float(np.mean(np.var(xy, axis=0))) * KMEANS_TOLERANCE
    centers = np.array(start, dtype=np.float64)
    labels_old = np.full(n, -1, dtype=np.int64)
    labels = labels_old
    strict = False
    for _ in range(KMEANS_MAX_ITERATIONS):
        labels = _nearest(xy, centers)
        new_centers = _means(xy, labels, k, centers)
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tolerance:
            break
        labels_old = labels
    if not strict:
        labels = _nearest(xy, centers)
    return labels, centers


def _nearest(xy: NDArray[np.float64], centers: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the nearest centre; the first one on a tie.

    scikit-learn's form, ``‖c‖² − 2x·c`` (``‖x‖²`` is the same for every centre), one
    centre at a time: with two coordinates and at most a handful of centres this beats a
    matrix product and an ``argmin`` over a temporary array.
    """
    x = np.ascontiguousarray(xy[:, 0])
    y = np.ascontiguousarray(xy[:, 1])
    squared = (centers**2).sum(axis=1)
    labels = np.zeros(xy.shape[0], dtype=np.int64)
    best = squared[0] - 2.0 * (x * centers[0, 0] + y * centers[0, 1])
    for j in range(1, centers.shape[0]):
        distance = squared[j] - 2.0 * (x * centers[j, 0] + y * centers[j, 1])
        closer = distance < best
        labels[closer] = j
        np.minimum(best, distance, out=best)
    return labels


def _means(
    xy: NDArray[np.float64],
    labels: NDArray[np.int64],
    k: int,
    old_centers: NDArray[np.float64],
) -> NDArray[np.float64]:
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.column_stack(
        [np.bincount(labels, weights=xy[:, d], minlength=k) for d in range(xy.shape[1])]
    )
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        # scikit-learn's relocation: the points farthest from their old centres move.
        far = np.argsort(-((xy - old_centers[labels]) ** 2).sum(axis=1), kind="stable")
        for cluster, point in zip(empty, far[: empty.size], strict=True):
            source = labels[point]
            sums[source] -= xy[point]
            counts[source] -= 1.0
            sums[cluster] = xy[point]
            counts[cluster] = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        centers = sums / counts[:, None]
    return np.where(counts[:, None] > 0, centers, old_centers)


def _silhouette_sample(n: int, max_points: int, seed: int) -> NDArray[np.int64]:
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    chosen = np.random.default_rng(seed).choice(n, size=max_points, replace=False)
    return np.sort(chosen).astype(np.int64)


def silhouette_means(
    xy: NDArray[np.float64],
    labelings: list[NDArray[np.int64]],
    *,
    chunk_rows: int = 1024,
) -> list[float]:
    """Mean silhouette of each labelling of the same points (scikit-learn's definition).

    The distances are computed once, a block of rows at a time, and shared by every
    labelling: one product of the block with all the labellings' indicator columns side
    by side gives every point's distance sum to every group. A point alone in its group
    scores 0, and a labelling with a single group scores −1 (scikit-learn would refuse it).
    """
    n = xy.shape[0]
    widths = [int(labels.max()) + 1 if labels.size else 0 for labels in labelings]
    offsets = np.concatenate(([0], np.cumsum(widths))).astype(np.int64)
    indicators = np.zeros((n, int(offsets[-1])))
    for index, labels in enumerate(labelings):
        indicators[np.arange(n), offsets[index] + labels] = 1.0
    sizes_all = indicators.sum(axis=0)
    totals = [0.0] * len(labelings)
    for begin in range(0, n, chunk_rows):
        sums_all = cdist(xy[begin : begin + chunk_rows], xy) @ indicators
        rows = np.arange(sums_all.shape[0])
        for index, labels in enumerate(labelings):
            own = labels[begin : begin + chunk_rows]
            part = slice(int(offsets[index]), int(offsets[index + 1]))
            sums = sums_all[:, part]
            size = sizes_all[part]
            with np.errstate(divide="ignore", invalid="ignore"):
                intra = sums[rows, own] / (size[own] - 1.0)
                means = sums / size
                means[:, size == 0] = np.inf
                means[rows, own] = np.inf
                inter = means.min(axis=1)
                scores = (inter - intra) / np.maximum(intra, inter)
            totals[index] += float(np.nan_to_num(scores, nan=0.0, posinf=0.0, neginf=0.0).sum())
    results = []
    for index, total in enumerate(totals):
        distinct = np.count_nonzero(sizes_all[int(offsets[index]) : int(offsets[index + 1])])
        results.append(total / n if 2 <= distinct <= n - 1 else _VETO_SCORE)
    return results
