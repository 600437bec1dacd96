"""The sparse participant × statement vote matrix.

Polis thinks of a conversation as a dense matrix with a hole (NaN) wherever a participant
has not voted. Almost all of it is holes (each participant sees a few dozen statements),
so the engine keeps only the votes cast, in compressed sparse row form: row ``i`` is
participant ``participant_ids[i]`` and holds its votes in ``values[indptr[i]:indptr[i+1]]``
on the statements ``statement_ids[columns[...]]``.

Rows and columns follow ascending ids, as red-dwarf's ``generate_raw_matrix`` orders them,
and only statements that received at least one vote get a column, as there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from district.participation.opinion.votes import VoteTable


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Participants (rows) × statements (columns), holding only the votes cast."""

    participant_ids: NDArray[np.int64]
    statement_ids: NDArray[np.int64]
    indptr: NDArray[np.int64]
    columns: NDArray[np.int64]
    values: NDArray[np.int8]
    rows: NDArray[np.int64]
    """The row index of every stored vote, aligned with ``values``."""

    @property
    def n_participants(self) -> int:
        return int(self.participant_ids.shape[0])

    @property
    def n_statements(self) -> int:
        return int(self.statement_ids.shape[0])

    def votes_per_participant(self) -> NDArray[np.int64]:
        """How many statements each participant voted on (pass included)."""
        return np.diff(self.indptr)

    def to_csr(self, values: NDArray[np.float64]) -> sparse.csr_array:
        """A scipy CSR array with this sparsity pattern and the given per-vote values."""
        return sparse.csr_array(
            (values, self.columns, self.indptr),
            shape=(self.n_participants, self.n_statements),
        )

    def to_dense(self) -> NDArray[np.float64]:
        """The Polis dense matrix: votes as floats, NaN where no vote was cast."""
        dense = np.full((self.n_participants, self.n_statements), np.nan)
        dense[self.rows, self.columns] = self.values
        return dense


def build_vote_matrix(votes: VoteTable) -> VoteMatrix:
    """Read the sparse matrix straight off a canonical vote table, in linear time."""
    pids = votes.participant_ids
    sids = votes.statement_ids
    n = pids.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return VoteMatrix(
            empty,
            empty.copy(),
            np.zeros(1, dtype=np.int64),
            empty.copy(),
            np.zeros(0, dtype=np.int8),
            empty.copy(),
        )
    starts = np.flatnonzero(np.concatenate(([True], pids[1:] != pids[:-1])))
    indptr = np.append(starts, n).astype(np.int64)

    top = int(sids.max())
    if top < 8 * n + 4096:
        # Polis ids count up from 0, so a lookup table beats a sort.
        present = np.zeros(top + 1, dtype=bool)
        present[sids] = True
        statement_ids = np.flatnonzero(present).astype(np.int64)
        lookup = np.cumsum(present, dtype=np.int64) - 1
        columns = lookup[sids]
    else:
        statement_ids, inverse = np.unique(sids, return_inverse=True)
        columns = inverse.astype(np.int64)
    return VoteMatrix(
        participant_ids=pids[starts].astype(np.int64),
        statement_ids=statement_ids,
        indptr=indptr,
        columns=columns,
        values=votes.votes,
        rows=np.repeat(np.arange(starts.shape[0], dtype=np.int64), np.diff(indptr)),
    )
