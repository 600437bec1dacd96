"""Vote statistics per statement and group: tallies, consensus and representative statements.

The formulas are polismath's (``repness.clj``, ``stats.clj``) as red-dwarf 0.4.0 ports them
(``utils/stats.py``, ``utils/consensus.py``). For group ``g`` and statement ``c``, with a
pseudo-count of 1:

* ``na``, ``nd``, ``ns``: agrees, disagrees and all votes (pass included) in the group;
* ``pa = (na + 1) / (ns + 2)`` and ``pd`` likewise: smoothed agree and disagree rates;
* ``pat = 2·sqrt(ns + 1)·((na + 1)/(ns + 1) − 0.5)`` and ``pdt``: one-proportion z-scores;
* ``ra = pa / pa_rest``, ``rd`` likewise: representativeness against everyone else;
* ``rat``, ``rdt``: two-proportion z-scores of group against the rest (+1 smoothing;
  0 when the pooled proportion is 1).

**Group-aware consensus** (Polis's "group-informed consensus") is ``Π_g pa(g, c)``: high only
when every group tends to agree. **Consensus statements** treat all participants as one
group: agree candidates have ``pa > 0.5`` and ``pat`` significant (one-tailed, 90 % by
default), ranked by ``pa·pat``; at most ``pick_max`` per side.

**Representative statements** per group follow ``select-rep-comments``: a statement passes
when (``pat`` and ``rat``) or (``pdt`` and ``rdt``) are significant; passing statements are
ordered by ``repness · repness_test · p_success · p_test``; the group's "best agree"
statement is put first; the list is cut to ``pick_max`` and agrees come before disagrees.
When nothing passes, the best agree, or else the statement with the highest
``max(rat, rdt)``, stands alone.

One deliberate difference from red-dwarf 0.4.0: when statements pass but the group has no
"best agree" statement, red-dwarf returns an empty list (its ``if best_head`` guard drops
every passing statement); polismath, and this module, return the passing statements.
A group that is defined only by what it rejects still gets its representative statements.
Ties in either ranking go to the lower statement id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pandas import DataFrame
from scipy.special import ndtri

from district.participation.opinion.matrix import VoteMatrix

Direction = Literal["agree", "disagree"]

#: Polis's fixed priority for meta statements (before squaring).
META_PRIORITY = 7.0


@dataclass(frozen=True, eq=False)
class StatementTallies:
    """Raw vote counts per statement over everyone who voted: what a page shows first."""

    statement_ids: NDArray[np.int64]
    n_agree: NDArray[np.int64]
    n_disagree: NDArray[np.int64]
    n_pass: NDArray[np.int64]
    n_votes: NDArray[np.int64]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "statement_id": self.statement_ids,
                "n_agree": self.n_agree,
                "n_disagree": self.n_disagree,
                "n_pass": self.n_pass,
                "n_votes": self.n_votes,
            }
        )


@dataclass(frozen=True, eq=False)
class GroupStatementStats:
    """The Polis comment statistics, each an array of shape (groups, statements)."""

    na: NDArray[np.int64]
    nd: NDArray[np.int64]
    ns: NDArray[np.int64]
    pa: NDArray[np.float64]
    pd: NDArray[np.float64]
    pat: NDArray[np.float64]
    pdt: NDArray[np.float64]
    ra: NDArray[np.float64]
    rd: NDArray[np.float64]
    rat: NDArray[np.float64]
    rdt: NDArray[np.float64]

    def to_frame(self, statement_ids: NDArray[np.int64]) -> DataFrame:
        """Long form, indexed by (group_id, statement_id), like red-dwarf's stats frame."""
        k, m = self.na.shape
        index = pd.MultiIndex.from_arrays(
            [np.repeat(np.arange(k), m), np.tile(statement_ids, k)],
            names=["group_id", "statement_id"],
        )
        columns = ("na", "nd", "ns", "pa", "pd", "pat", "pdt", "ra", "rd", "rat", "rdt")
        return DataFrame({name: getattr(self, name).ravel() for name in columns}, index=index)


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement most participants agree (or disagree) with, and the evidence."""

    statement_id: int
    direction: Direction
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass(frozen=True)
class Consensus:
    agree: tuple[ConsensusStatement, ...]
    disagree: tuple[ConsensusStatement, ...]


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart, in Polis's ``repness`` terms."""

    statement_id: int
    repful_for: Direction
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


def proportion_test(successes: NDArray[np.int64], trials: NDArray[np.int64]) -> NDArray[np.float64]:
    """Polis's one-proportion z-score against 0.5, with +1 smoothing."""
    s = successes + 1.0
    n = trials + 1.0
    result: NDArray[np.float64] = 2.0 * np.sqrt(n) * (s / n - 0.5)
    return result


def two_proportion_test(
    successes_in: NDArray[np.int64],
    successes_out: NDArray[np.int64],
    trials_in: NDArray[np.int64],
    trials_out: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Polis's two-proportion z-score of a group against the rest, with +1 smoothing."""
    s1 = successes_in + 1.0
    s2 = successes_out + 1.0
    n1 = trials_in + 1.0
    n2 = trials_out + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    result: NDArray[np.float64] = np.where(pooled == 1.0, 0.0, z)
    return result


def count_votes(
    matrix: VoteMatrix, row_groups: NDArray[np.int64], n_groups: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Agree, disagree and total votes per (group, statement); rows in group −1 are skipped.

    One ``bincount`` over (group, statement, vote value) cells does all three counts.
    """
    m = matrix.n_statements
    groups = row_groups[matrix.rows]
    cell = (groups * m + matrix.columns) * 3 + (matrix.values + 1)
    if n_groups > 0 and groups.min() < 0:
        cell = cell[groups >= 0]
    counts = np.bincount(cell, minlength=n_groups * m * 3).reshape(n_groups, m, 3)
    disagree = counts[:, :, 0].astype(np.int64)
    agree = counts[:, :, 2].astype(np.int64)
    total = counts.sum(axis=2).astype(np.int64)
    return agree, disagree, total


def tally_statements(
    matrix: VoteMatrix,
    counts: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> StatementTallies:
    """Agree, disagree and pass counts per statement over every participant.

    ``counts`` are per-group counts covering every participant (summed here); without
    them the matrix is counted afresh.
    """
    if counts is None:
        counts = count_votes(matrix, np.zeros(matrix.n_participants, dtype=np.int64), 1)
    na, nd, ns = (c.sum(axis=0) for c in counts)
    return StatementTallies(
        statement_ids=matrix.statement_ids,
        n_agree=na,
        n_disagree=nd,
        n_pass=ns - na - nd,
        n_votes=ns,
    )


def compute_group_stats(
    matrix: VoteMatrix, row_groups: NDArray[np.int64], n_groups: int
) -> GroupStatementStats:
    """Every Polis comment statistic for each group against the rest of the clustered rows."""
    return group_stats_from_counts(*count_votes(matrix, row_groups, n_groups))


def group_stats_from_counts(
    na: NDArray[np.int64], nd: NDArray[np.int64], ns: NDArray[np.int64]
) -> GroupStatementStats:
    """The statistics from agree, disagree and total counts of shape (groups, statements)."""
    na_out = na.sum(axis=0) - na
    nd_out = nd.sum(axis=0) - nd
    ns_out = ns.sum(axis=0) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd_ = (nd + 1.0) / (ns + 2.0)
    return GroupStatementStats(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd_,
        pat=proportion_test(na, ns),
        pdt=proportion_test(nd, ns),
        ra=pa / ((na_out + 1.0) / (ns_out + 2.0)),
        rd=pd_ / ((nd_out + 1.0) / (ns_out + 2.0)),
        rat=two_proportion_test(na, na_out, ns, ns_out),
        rdt=two_proportion_test(nd, nd_out, ns, ns_out),
    )


def critical_z(confidence: float) -> float:
    """The one-tailed z threshold for a confidence level (1.2816 at 0.9).

    ``scipy.special.ndtri`` is what ``scipy.stats.norm.ppf`` computes, without importing
    ``scipy.stats``, which takes seconds and would slow every server start.
    """
    return float(ndtri(confidence))


def select_consensus(
    tallies: StatementTallies,
    *,
    excluded: NDArray[np.bool_],
    pick_max: int = 5,
    confidence: float = 0.9,
) -> Consensus:
    """The statements all participants, taken as one group, most clearly agree or disagree on."""
    z = critical_z(confidence)
    ns = tallies.n_votes
    sides: dict[Direction, tuple[ConsensusStatement, ...]] = {}
    pairs: tuple[tuple[Direction, NDArray[np.int64]], ...] = (
        ("agree", tallies.n_agree),
        ("disagree", tallies.n_disagree),
    )
    for direction, successes in pairs:
        p = (successes + 1.0) / (ns + 2.0)
        p_test = proportion_test(successes, ns)
        candidate = (p > 0.5) & (p_test > z) & ~excluded
        indices = np.flatnonzero(candidate)
        ranked = indices[np.lexsort((tallies.statement_ids[indices], -(p * p_test)[indices]))]
        sides[direction] = tuple(
            ConsensusStatement(
                statement_id=int(tallies.statement_ids[i]),
                direction=direction,
                n_success=int(successes[i]),
                n_trials=int(ns[i]),
                p_success=float(p[i]),
                p_test=float(p_test[i]),
            )
            for i in ranked[:pick_max]
        )
    return Consensus(agree=sides["agree"], disagree=sides["disagree"])


def select_representative(
    stats: GroupStatementStats,
    statement_ids: NDArray[np.int64],
    *,
    excluded: NDArray[np.bool_],
    pick_max: int = 5,
    confidence: float = 0.9,
) -> dict[int, tuple[RepresentativeStatement, ...]]:
    """The statements that set each group apart, most representative first."""
    z = critical_z(confidence)
    selected: dict[int, tuple[RepresentativeStatement, ...]] = {}
    for group in range(stats.na.shape[0]):
        candidates = np.flatnonzero(~excluded)
        best_agree = _best_agree(stats, group, candidates, z)
        passes = ((stats.pat[group] > z) & (stats.rat[group] > z)) | (
            (stats.pdt[group] > z) & (stats.rdt[group] > z)
        )
        sufficient = [int(c) for c in candidates if passes[c]]
        if not sufficient:
            if best_agree is not None:
                head = [_finalize(stats, group, best_agree, statement_ids, best_agree=True)]
            else:
                best = _best_by_test(stats, group, candidates)
                head = [] if best is None else [_finalize(stats, group, best, statement_ids)]
            selected[group] = tuple(head)
            continue
        finalized = [
            _finalize(stats, group, c, statement_ids) for c in sufficient if c != best_agree
        ]
        finalized.sort(
            key=lambda s: (-(s.repness * s.repness_test * s.p_success * s.p_test), s.statement_id)
        )
        if best_agree is not None:
            finalized.insert(0, _finalize(stats, group, best_agree, statement_ids, best_agree=True))
        top = finalized[:pick_max]
        selected[group] = tuple(
            [s for s in top if s.repful_for == "agree"]
            + [s for s in top if s.repful_for == "disagree"]
        )
    return selected


def _best_agree(
    stats: GroupStatementStats, group: int, candidates: Iterable[int], z: float
) -> int | None:
    """polismath's ``beats-best-agr?`` folded over the statements in id order."""
    na, nd = stats.na[group], stats.nd[group]
    ra, rat, pa, pat = stats.ra[group], stats.rat[group], stats.pa[group], stats.pat[group]
    best: int | None = None
    for c in candidates:
        if na[c] == 0 and nd[c] == 0:
            continue
        if best is None:
            accept = bool(pat[c] > z or (ra[c] > 1.0 and pa[c] > 0.5))
        elif ra[best] > 1.0:
            accept = bool(
                ra[c] * rat[c] * pa[c] * pat[c] > ra[best] * rat[best] * pa[best] * pat[best]
            )
        else:
            accept = bool(pa[c] * pat[c] > pa[best] * pat[best])
        if accept:
            best = c
    return best


def _best_by_test(stats: GroupStatementStats, group: int, candidates: Iterable[int]) -> int | None:
    best: int | None = None
    best_z = -np.inf
    for c in candidates:
        z = max(stats.rat[group, c], stats.rdt[group, c])
        if best is None or z > best_z:
            best, best_z = c, z
    return best


def _finalize(
    stats: GroupStatementStats,
    group: int,
    column: int,
    statement_ids: NDArray[np.int64],
    *,
    best_agree: bool = False,
) -> RepresentativeStatement:
    """polismath's ``finalize-cmt-stats``: report the side (agree or disagree) with higher z."""
    agree = bool(stats.rat[group, column] > stats.rdt[group, column])
    if agree:
        values = (stats.na, stats.pa, stats.pat, stats.ra, stats.rat)
    else:
        values = (stats.nd, stats.pd, stats.pdt, stats.rd, stats.rdt)
    n_success, p_success, p_test, repness, repness_test = (v[group, column] for v in values)
    return RepresentativeStatement(
        statement_id=int(statement_ids[column]),
        repful_for="agree" if agree else "disagree",
        n_success=int(n_success),
        n_trials=int(stats.ns[group, column]),
        p_success=float(p_success),
        p_test=float(p_test),
        repness=float(repness),
        repness_test=float(repness_test),
        best_agree=best_agree,
    )


def group_aware_consensus(
    stats: GroupStatementStats,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per statement, the product over groups of the agree (and disagree) probability."""
    agree: NDArray[np.float64] = stats.pa.prod(axis=0)
    disagree: NDArray[np.float64] = stats.pd.prod(axis=0)
    return agree, disagree


def statement_priority(
    *,
    n_agree: NDArray[np.int64],
    n_disagree: NDArray[np.int64],
    n_votes: NDArray[np.int64],
    extremity: NDArray[np.float64],
    is_meta: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """Polis's routing priority: ``(pa·(1 − p_pass)·(1 + extremity)·(1 + 8·2^(−n/5)))²``.

    New, agreeable, divisive statements are shown to more participants; meta statements
    get a fixed 7² = 49.
    """
    n_pass = n_votes - n_agree - n_disagree
    pa = (n_agree + 1.0) / (n_votes + 2.0)
    p_pass = (n_pass + 1.0) / (n_votes + 2.0)
    importance = pa * (1.0 - p_pass) * (1.0 + extremity)
    newness = 1.0 + 8.0 * np.power(2.0, -n_votes / 5.0)
    priority = np.where(is_meta, META_PRIORITY, importance * newness)
    result: NDArray[np.float64] = priority**2
    return result
