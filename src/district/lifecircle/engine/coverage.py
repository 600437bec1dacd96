"""Coverage summaries, the gap list and per-origin completeness.

Every figure is split in two: origins measured on the network and origins whose distance
was **estimated** (off the network, or in an island without the category). A share is
always "of the whole population of the group", so the network and estimated shares add
up to the share within the threshold, and nothing estimated is presented as measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from district.core.errors import InputError
from district.lifecircle.engine.access import AccessResult

ALL = "all"

COVERAGE_COLUMNS = [
    "group",
    "category",
    "threshold_m",
    "origins",
    "population",
    "population_network",
    "population_estimated",
    "population_unknown",
    "covered_network",
    "covered_estimated",
    "share_network",
    "share_estimated",
]


def _groups(result: AccessResult, groups: npt.ArrayLike | None) -> npt.NDArray[Any]:
    count = result.scene.origins.count
    if groups is None:
        return np.full(count, ALL, dtype=object)
    keys = np.asarray(groups, dtype=object)
    if keys.shape != (count,):
        raise InputError(
            f"groups has {keys.size} entries for {count} origins",
            field="groups",
            fix="Give one group key (subdistrict or grid-cell code) per origin, in order.",
        )
    return keys


def summarise_coverage(result: AccessResult, groups: npt.ArrayLike | None = None) -> pd.DataFrame:
    """Population within each category's threshold, per group (default: one group "all").

    Columns: ``group, category, threshold_m, origins, population`` (total weight),
    ``population_network`` / ``population_estimated`` / ``population_unknown`` (how each
    origin was measured; unknown = the category has no facility at all),
    ``covered_network`` / ``covered_estimated`` (population within the threshold) and
    ``share_network`` / ``share_estimated`` (those over ``population``).
    """
    keys = _groups(result, groups)
    codes, inverse = np.unique(keys.astype(str), return_inverse=True)
    pop = result.scene.origins.population
    n_groups = codes.shape[0]
    rows = []
    origins_per_group = np.bincount(inverse, minlength=n_groups)
    pop_per_group = np.bincount(inverse, weights=pop, minlength=n_groups)
    for code, access in result.categories.items():
        known = np.isfinite(access.distance_m)
        network = known & ~access.estimated
        estimated = known & access.estimated
        within = access.within

        def total(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
            return np.asarray(
                np.bincount(inverse[mask], weights=pop[mask], minlength=n_groups),
                dtype=np.float64,
            )

        p_net = total(network)
        p_est = total(estimated)
        c_net = total(network & within)
        c_est = total(estimated & within)
        with np.errstate(invalid="ignore", divide="ignore"):
            s_net = np.where(pop_per_group > 0, c_net / pop_per_group, np.nan)
            s_est = np.where(pop_per_group > 0, c_est / pop_per_group, np.nan)
        for g in range(n_groups):
            rows.append(
                {
                    "group": codes[g],
                    "category": code,
                    "threshold_m": access.threshold_m,
                    "origins": int(origins_per_group[g]),
                    "population": float(pop_per_group[g]),
                    "population_network": float(p_net[g]),
                    "population_estimated": float(p_est[g]),
                    "population_unknown": float(pop_per_group[g] - p_net[g] - p_est[g]),
                    "covered_network": float(c_net[g]),
                    "covered_estimated": float(c_est[g]),
                    "share_network": float(s_net[g]),
                    "share_estimated": float(s_est[g]),
                }
            )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def list_gaps(coverage: pd.DataFrame, *, target_share: float = 1.0) -> pd.DataFrame:
    """Groups and categories below ``target_share``, worst first.

    ``uncovered`` is the population of the group not within the threshold by network
    distance (measured beyond it, estimated or unknown); ``uncovered_network`` only those
    measured beyond it on the network. Sorted by ``uncovered`` descending, then by
    ``share_network`` ascending. ``target_share`` is e.g. 0.99 for Shanghai 2035's 99 %.
    """
    if not 0.0 <= target_share <= 1.0:
        raise InputError(
            f"target_share={target_share!r} must be between 0 and 1",
            field="target_share",
        )
    frame = coverage.copy()
    frame["uncovered"] = frame["population"] - frame["covered_network"]
    frame["uncovered_network"] = frame["population_network"] - frame["covered_network"]
    frame["uncovered_estimated"] = frame["population_estimated"] - frame["covered_estimated"]
    frame["target_share"] = target_share
    gaps = frame[(frame["share_network"] < target_share) & (frame["uncovered"] > 0)]
    gaps = gaps.sort_values(
        ["uncovered", "share_network", "group", "category"],
        ascending=[False, True, True, True],
        kind="mergesort",
    )
    return gaps.reset_index(drop=True)


def score_completeness(result: AccessResult) -> pd.DataFrame:
    """Per origin: how many categories are within their thresholds.

    Columns: ``origin_id, categories, within_network, within_estimated, score_network``
    (``within_network / categories``) and ``missing`` (codes not within by network
    distance, comma-separated).
    """
    origins = result.scene.origins
    codes = list(result.categories)
    if not codes:
        return pd.DataFrame(
            {
                "origin_id": origins.id,
                "categories": 0,
                "within_network": 0,
                "within_estimated": 0,
                "score_network": np.nan,
                "missing": "",
            }
        )
    net = np.column_stack([a.within & ~a.estimated for a in result.categories.values()])
    est = np.column_stack([a.within & a.estimated for a in result.categories.values()])
    # Comma-separated codes of the categories not within, built column by column.
    missing = np.full(origins.count, "", dtype=object)
    for j, code in enumerate(codes):
        missing = np.where(net[:, j], missing, missing + code + ",")
    missing = np.asarray([text[:-1] for text in missing.tolist()], dtype=object)
    return pd.DataFrame(
        {
            "origin_id": origins.id,
            "categories": len(codes),
            "within_network": net.sum(axis=1),
            "within_estimated": est.sum(axis=1),
            "score_network": net.sum(axis=1) / len(codes),
            "missing": missing,
        }
    )
