"""Hotspots: grid cells whose reports in a category jump above their own recent history.

The input is a table of report counts per grid cell (网格) × category × ISO week, the
shape a ``GROUP BY`` over cases gives (:func:`weekly_counts` builds it from case
timestamps). For every cell and category the latest week is compared with the same cell
and category over the trailing weeks before it:

* ``expected`` = (reports in the trailing ``history_weeks`` weeks + ``prior_count``)
  / ``history_weeks``. A week with no row counts as zero reports, so the table only needs
  its non-zero rows. ``prior_count`` (half a report by default) keeps the expectation of a
  cell with an empty history above zero, so one first report is not infinitely surprising.
* ``p_value`` = P(X ≥ observed) for X ~ Poisson(expected): how unlikely this many reports
  would be if the latest week were an ordinary week for that cell.
* ``score`` = −log10(p_value), computed from the log survival function so that it stays
  finite for extreme counts; 0 when nothing was observed.
* ``flag`` = observed ≥ ``min_count`` and p_value ≤ ``alpha``. The minimum count stops a
  quiet cell from being flagged for two reports.

This is a per-cell test repeated over every cell and category, so about ``alpha`` of the
ordinary cells are flagged by chance each week; complaint counts are also more dispersed
than Poisson. Lower ``alpha`` (or raise ``min_count``) for a stricter list. Everything is
deterministic: the same table gives the same rows in the same order.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, tzinfo

import numpy as np
import pandas as pd
from scipy.stats import poisson

from district.core.errors import InputError

COUNT_COLUMNS = ("cell_code", "category", "week_start", "count")
RESULT_COLUMNS = (
    "cell_code",
    "category",
    "week_start",
    "observed",
    "expected",
    "p_value",
    "score",
    "flag",
)


def detect_hotspots(
    counts: pd.DataFrame,
    *,
    week: date | None = None,
    history_weeks: int = 8,
    min_count: int = 3,
    alpha: float = 0.01,
    prior_count: float = 0.5,
) -> pd.DataFrame:
    """Score the latest week of every cell × category against its trailing weeks.

    ``counts`` has the columns ``cell_code, category, week_start, count``, with
    ``week_start`` the Monday of an ISO week (a date) and at most one row per cell,
    category and week. ``week`` is the week to test (default: the latest ``week_start``
    in the table); rows after it are ignored. Returns one row per cell × category that
    has a report in that week or in its trailing weeks, with the columns of
    ``RESULT_COLUMNS``, flagged rows first, then by descending score, cell and category.
    """
    _check_settings(history_weeks, min_count, alpha, prior_count)
    table = _check_counts(counts)
    empty = pd.DataFrame({name: pd.Series(dtype=_dtype(name)) for name in RESULT_COLUMNS})
    if table.empty:
        return empty
    if week is None:
        week = max(table["week_start"])
    week = _check_week(week, "week")
    first = week - timedelta(weeks=history_weeks)
    window = table[(table["week_start"] >= first) & (table["week_start"] <= week)]
    if window.empty:
        return empty
    is_current = window["week_start"] == week
    keys = ["cell_code", "category"]
    observed = window[is_current].groupby(keys, sort=True)["count"].sum()
    history = window[~is_current].groupby(keys, sort=True)["count"].sum()
    result = pd.concat([observed.rename("observed"), history.rename("history")], axis=1)
    result = result.fillna(0).reset_index()
    observed_n = result["observed"].to_numpy(dtype=np.int64)
    expected = (result["history"].to_numpy(dtype=np.float64) + prior_count) / history_weeks
    log_p = np.where(observed_n > 0, poisson.logsf(observed_n - 1, expected), 0.0)
    p_value = np.exp(log_p)
    score = np.where(observed_n > 0, -log_p / math.log(10.0), 0.0)
    score = np.maximum(score, 0.0)
    flag = (observed_n >= min_count) & (p_value <= alpha)
    out = pd.DataFrame(
        {
            "cell_code": result["cell_code"].astype(str),
            "category": result["category"].astype(str),
            "week_start": [week] * len(result),
            "observed": observed_n,
            "expected": expected,
            "p_value": p_value,
            "score": score,
            "flag": flag,
        }
    )
    out = out.sort_values(
        ["flag", "score", "cell_code", "category"],
        ascending=[False, False, True, True],
        kind="mergesort",
    )
    return out.reset_index(drop=True)


def weekly_counts(events: pd.DataFrame, *, timezone: tzinfo) -> pd.DataFrame:
    """Counts per cell × category × ISO week from one row per report.

    ``events`` has the columns ``cell_code, category, reported_at`` with timezone-aware
    datetimes; weeks are cut at Monday 00:00 in ``timezone`` (the district's zone), so a
    report on Sunday 23:30 in Shanghai counts in that week even though it is Sunday
    afternoon in UTC. Returns the ``cell_code, category, week_start, count`` table
    :func:`detect_hotspots` reads.
    """
    missing = [c for c in ("cell_code", "category", "reported_at") if c not in events.columns]
    if missing:
        raise InputError(
            f"Reports table lacks the column(s) {', '.join(missing)}.",
            field=missing[0],
            value=list(events.columns),
            fix="Pass columns cell_code, category and reported_at.",
        )
    if events.empty:
        return pd.DataFrame({name: pd.Series(dtype=_dtype(name)) for name in COUNT_COLUMNS})
    days: list[date] = []
    for i, moment in enumerate(events["reported_at"]):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise InputError(
                f"reported_at in row {i} is {moment!r}, not a timezone-aware datetime.",
                field="reported_at",
                value=repr(moment),
                fix="Pass aware datetimes (USE_TZ values from the database are).",
            )
        local = moment.astimezone(timezone).date()
        days.append(local - timedelta(days=local.weekday()))
    frame = pd.DataFrame(
        {
            "cell_code": events["cell_code"].astype(str).to_numpy(),
            "category": events["category"].astype(str).to_numpy(),
            "week_start": days,
        }
    )
    grouped = frame.groupby(["cell_code", "category", "week_start"], sort=True).size()
    return grouped.rename("count").reset_index()


def _check_settings(history_weeks: int, min_count: int, alpha: float, prior_count: float) -> None:
    if isinstance(history_weeks, bool) or not isinstance(history_weeks, int) or history_weeks < 1:
        raise InputError(
            f"history_weeks must be a whole number of weeks, 1 or more; got {history_weeks!r}.",
            field="history_weeks",
            value=history_weeks,
            fix="Use e.g. 8 (two months of history).",
        )
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise InputError(
            f"min_count must be a whole number, 1 or more; got {min_count!r}.",
            field="min_count",
            value=min_count,
            fix="Use e.g. 3.",
        )
    if not 0.0 < alpha < 1.0:
        raise InputError(
            f"alpha must lie between 0 and 1; got {alpha!r}.",
            field="alpha",
            value=alpha,
            fix="Use e.g. 0.01.",
        )
    if not 0.0 < prior_count < math.inf:
        raise InputError(
            f"prior_count must be a positive number; got {prior_count!r}.",
            field="prior_count",
            value=prior_count,
            fix="Use e.g. 0.5 (half a report).",
        )


def _check_counts(counts: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise InputError(
            f"Counts table lacks the column(s) {', '.join(missing)}.",
            field=missing[0],
            value=list(counts.columns),
            fix="Pass columns cell_code, category, week_start and count "
            "(weekly_counts builds them from reports).",
        )
    table = counts.loc[:, list(COUNT_COLUMNS)].copy()
    if table.empty:
        return table
    table["week_start"] = [_check_week(v, "week_start") for v in table["week_start"]]
    raw = table["count"].to_numpy()
    if not np.issubdtype(raw.dtype, np.integer):
        as_float = pd.to_numeric(table["count"], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(as_float) | (as_float != np.round(as_float))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"count in row {i} is {table['count'].iloc[i]!r}, not a whole number.",
                field="count",
                value=repr(table["count"].iloc[i]),
                fix="Counts are numbers of reports: 0, 1, 2 …",
            )
        raw = as_float
    values = raw.astype(np.int64)
    if (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise InputError(
            f"count in row {i} is {int(values[i])}; counts cannot be negative.",
            field="count",
            value=int(values[i]),
            fix="Counts are numbers of reports: 0, 1, 2 …",
        )
    table["count"] = values
    duplicated = table.duplicated(["cell_code", "category", "week_start"])
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        row = table.iloc[i]
        raise InputError(
            f"Cell {row['cell_code']}, category {row['category']}, week "
            f"{row['week_start'].isoformat()} appears more than once (row {i}).",
            field="week_start",
            value=row["week_start"].isoformat(),
            fix="Sum the counts per cell, category and week first (weekly_counts does).",
        )
    return table


def _check_week(value: object, field: str) -> date:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.utcoffset() is not None or value.time() != datetime.min.time():
            raise InputError(
                f"{field} {value!r} is a moment, not the date of a week's Monday.",
                field=field,
                value=repr(value),
                fix="Pass dates, e.g. date(2025, 3, 3).",
            )
        value = value.date()
    if not isinstance(value, date):
        raise InputError(
            f"{field} {value!r} is not a date.",
            field=field,
            value=repr(value),
            fix="Pass the Monday of each ISO week as a date.",
        )
    if value.weekday() != 0:
        raise InputError(
            f"{field} {value.isoformat()} is a {value:%A}, not the Monday that starts an ISO week.",
            field=field,
            value=value.isoformat(),
            fix=f"Use {(value - timedelta(days=value.weekday())).isoformat()}.",
        )
    return value


def _dtype(name: str) -> str:
    return {
        "observed": "int64",
        "count": "int64",
        "expected": "float64",
        "p_value": "float64",
        "score": "float64",
        "flag": "bool",
    }.get(name, "object")
