"""Principal components of the vote matrix, and where participants and statements fall.

Polis (polismath ``pca.clj``, red-dwarf ``run_reducer``) imputes every missing vote with
its statement's mean, centres each column, keeps the first two principal components and
then pushes each participant out from the centre by ``sqrt(n_statements / n_votes)``, so
that someone who voted on five statements is not drawn in the middle of the map merely
because most of their row was imputed.

Imputing with the column mean and then centring turns every hole into an exact zero. The
centred matrix therefore has the sparsity of the votes themselves, which is what lets this
module work on a conversation of 100,000 participants without ever building the dense
matrix: the two components are the top eigenvectors of ``CᵀC`` for that sparse ``C``.

* Up to :data:`SMALL_STATEMENTS` statements the covariance ``CᵀC`` is decomposed in full.
* Otherwise the top two eigenvectors come from Lanczos (ARPACK, converged to machine
  precision), on the explicit covariance while ``n × m`` stays under :data:`DENSE_LIMIT`
  and on the operator ``v ↦ Cᵀ(Cv)`` above it. Lanczos starts from the previous map's
  components when there is one, and from a seeded vector otherwise.

Both routes are exact to rounding; scikit-learn's randomized solver, which red-dwarf gets
on conversations over 500 participants, differs from them in the fourth decimal.

Signs follow scikit-learn's ``svd_flip(u_based_decision=False)``: in each component the
entry of largest magnitude is positive. The sign matters, because Polis-style k-means
starts from the lexicographically first points.

Moderated-out statements are zeroed for every participant, as polismath and red-dwarf's
``simple_filter_matrix`` do: they pull on no component, yet they count as votes in the
scaling factor, exactly as there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import linalg
from scipy.sparse.linalg import LinearOperator, eigsh

from district.participation.opinion.matrix import VoteMatrix

#: Up to this many statements the covariance is decomposed in full (cheap and exact).
SMALL_STATEMENTS = 64
#: Lanczos stops when each Ritz residual is below this fraction of its eigenvalue; the
#: eigenvectors are then exact to about 1e-15 (measured against ``tol=0``) in half the steps.
LANCZOS_TOLERANCE = 1e-12
#: Up to this many ``participants × statements`` the covariance is formed explicitly;
#: above it Lanczos works on ``v ↦ Cᵀ(Cv)`` and never forms it.
DENSE_LIMIT = 4_000_000


@dataclass(frozen=True, eq=False)
class Projection:
    """The two-dimensional opinion space of one conversation."""

    components: NDArray[np.float64]
    """(2, statements): the principal axes, unit vectors over statements."""
    explained_variance: NDArray[np.float64]
    """(2,): variance along each axis (eigenvalue / (participants − 1))."""
    statement_means: NDArray[np.float64]
    """(statements,): the imputation value, the mean vote (zero when moderated out)."""
    participant_xy: NDArray[np.float64]
    """(participants, 2): scaled participant positions."""
    statement_xy: NDArray[np.float64]
    """(statements, 2): where a participant who only agreed with that statement would sit."""


def project_votes(
    matrix: VoteMatrix,
    *,
    moderated_out: NDArray[np.bool_],
    warm_components: NDArray[np.float64] | None = None,
    seed: int = 0,
    n_components: int = 2,
) -> Projection:
    """Mean-impute, centre and project the votes onto their first principal components.

    ``moderated_out`` flags the matrix columns to zero. ``warm_components`` (components by
    column of this matrix) only speed up the sparse solver; the result does not depend on
    them beyond rounding.
    """
    n, m = matrix.n_participants, matrix.n_statements
    rows = matrix.rows
    zeroed = moderated_out[matrix.columns]
    values = np.where(zeroed, 0.0, matrix.values.astype(np.float64))
    counts = np.bincount(matrix.columns, minlength=m).astype(np.float64)
    means = np.bincount(matrix.columns, weights=values, minlength=m) / np.maximum(counts, 1.0)
    centred = values - means[matrix.columns]
    c = matrix.to_csr(centred)

    if m <= SMALL_STATEMENTS:
        gram = (c.T @ c).toarray()
        eigenvalues, eigenvectors = linalg.eigh(
            gram, subset_by_index=[max(0, m - n_components), m - 1]
        )
    else:
        if n * m <= DENSE_LIMIT:
            gram = (c.T @ c).toarray()

            def gram_times(v: NDArray[np.float64]) -> NDArray[np.float64]:
                product: NDArray[np.float64] = gram @ v
                return product
        else:
            ct = c.T  # a CSC view: no copy, and its product with a vector is one pass

            def gram_times(v: NDArray[np.float64]) -> NDArray[np.float64]:
                product: NDArray[np.float64] = ct @ (c @ v)
                return product

        operator = LinearOperator((m, m), matvec=gram_times, dtype=np.float64)
        if warm_components is not None and warm_components.shape == (n_components, m):
            start = warm_components[0] + 0.5 * warm_components[1:].sum(axis=0)
        else:
            start = np.random.default_rng(seed).uniform(-1.0, 1.0, m)
        eigenvalues, eigenvectors = eigsh(
            operator, k=n_components, which="LA", v0=start, tol=LANCZOS_TOLERANCE
        )
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.maximum(eigenvalues[order], 0.0)
    components = np.ascontiguousarray(eigenvectors[:, order].T)
    if components.shape[0] < n_components:
        pad = np.zeros((n_components - components.shape[0], m))
        components = np.vstack([components, pad])
        eigenvalues = np.append(eigenvalues, np.zeros(pad.shape[0]))
    components = flip_signs(components)

    # Votes in the filtered matrix: the participant's own, plus every zeroed column they
    # did not vote on (zeroing fills them in). This is red-dwarf's count.
    n_zeroed_columns = int(np.count_nonzero(moderated_out))
    own_zeroed = np.bincount(rows[zeroed], minlength=n)
    filled = matrix.votes_per_participant() - own_zeroed + n_zeroed_columns
    scale = np.sqrt(m / np.maximum(1, filled))
    participant_xy = np.asarray(c @ components.T) * scale[:, None]
    statement_xy = ((1.0 - means)[:, None] * components.T) * np.sqrt(m)
    return Projection(
        components=components,
        explained_variance=eigenvalues / max(1, n - 1),
        statement_means=means,
        participant_xy=participant_xy,
        statement_xy=statement_xy,
    )


def flip_signs(components: NDArray[np.float64]) -> NDArray[np.float64]:
    """Make the largest-magnitude entry of each component positive (sklearn's convention)."""
    if components.size == 0:
        return components
    pivots = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), pivots])
    signs[signs == 0] = 1.0
    flipped: NDArray[np.float64] = components * signs[:, None]
    return flipped
