"""The opinion map of a conversation: the Polis pipeline from votes to groups and statements.

:func:`compute_opinion_map` runs, in order (civic-anchors §4.3):

1. the sparse vote matrix (agree 1, disagree −1, pass 0, nothing where no vote);
2. moderation: moderated-out statements are zeroed for everyone;
3. mean-imputed PCA to two dimensions, with the ``sqrt(n_statements / n_votes)``
   participant scaling (:mod:`.projection`);
4. participants with at least ``min_votes`` (7) votes are clustered;
5. k-means for k = 2…5 from deterministic starting points, k chosen by silhouette
   (:mod:`.clustering`);
6. per group and statement, the Polis comment statistics; group-aware consensus; the
   consensus statements of the whole conversation; the representative statements of each
   group; raw tallies and routing priority (:mod:`.statistics`).

The result is reproducible: the same votes and parameters give the same map, because no
step draws a random number except the ones seeded by ``seed`` (the sparse eigensolver's
start, whose effect is rounding, and the silhouette sample of very large conversations).
Passing ``warm_start`` (the previous map) starts PCA and k-means where the previous update
ended; that is much faster on a large conversation and keeps group numbers stable, and its
groups may then depend on that history, as in Polis itself.

Where this differs from red-dwarf 0.4.0 on purpose (the singleton veto, representative
statements of a group without a "best agree" statement, the silhouette sample above 4,000
clustered participants) the module that makes the choice says why.

A conversation with too few participants or statements to group is not an error: the map
comes back with ``status == "too_small"``, a ``reason`` in words, and the raw tallies and
consensus statements, which is what a page shows instead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from district.core.errors import InputError
from district.participation.opinion.clustering import (
    SILHOUETTE_MAX_POINTS,
    GroupChoice,
    choose_groups,
)
from district.participation.opinion.matrix import VoteMatrix, build_vote_matrix
from district.participation.opinion.projection import Projection, project_votes
from district.participation.opinion.statistics import (
    Consensus,
    GroupStatementStats,
    RepresentativeStatement,
    StatementTallies,
    count_votes,
    group_aware_consensus,
    group_stats_from_counts,
    select_consensus,
    select_representative,
    statement_priority,
    tally_statements,
)
from district.participation.opinion.votes import VoteTable

MapStatus = Literal["clustered", "too_small"]

#: Fewest clustered participants worth grouping: two groups of at least two people.
MIN_PARTICIPANTS_TO_GROUP = 4


class ConversationTooSmallError(InputError):
    """Raised by :meth:`OpinionMap.require_groups` when the map has no groups."""

    code = "too_small"


@dataclass(frozen=True)
class OpinionParameters:
    """Every setting that shapes a map, stored with it so a result can be re-run."""

    seed: int = 0
    min_votes: int = 7
    k_min: int = 2
    k_max: int = 5
    force_k: int | None = None
    pick_max: int = 5
    confidence: float = 0.9
    silhouette_max_points: int = SILHOUETTE_MAX_POINTS
    singleton_veto: bool = True
    moderated_out: tuple[int, ...] = ()
    meta_statements: tuple[int, ...] = ()
    keep_participants: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class OpinionMap:
    """Where participants and statements sit, who is in which group, and why."""

    status: MapStatus
    reason: str | None
    parameters: OpinionParameters
    participant_ids: NDArray[np.int64]
    """Every participant with at least one vote, ascending."""
    participant_xy: NDArray[np.float64]
    n_votes: NDArray[np.int64]
    """Votes per participant (pass included), aligned with ``participant_ids``."""
    group_of: NDArray[np.int64]
    """Group index per participant, −1 for those not clustered."""
    k: int
    silhouette_by_k: dict[int, float]
    vetoed_k: tuple[int, ...]
    centers: NDArray[np.float64]
    statement_ids: NDArray[np.int64]
    """Every statement with at least one vote, ascending."""
    statement_xy: NDArray[np.float64]
    tallies: StatementTallies
    group_stats: GroupStatementStats | None
    group_consensus_agree: NDArray[np.float64]
    """Group-aware consensus ``Π_g pa`` per statement (everyone as one group if ungrouped)."""
    group_consensus_disagree: NDArray[np.float64]
    consensus: Consensus
    repness: dict[int, tuple[RepresentativeStatement, ...]]
    priority: NDArray[np.float64]
    components: NDArray[np.float64]
    explained_variance: NDArray[np.float64]
    duplicates_dropped: int = 0
    centers_by_k: dict[int, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def clustered(self) -> bool:
        return self.status == "clustered"

    def require_groups(self) -> OpinionMap:
        """This map, or :class:`ConversationTooSmallError` saying why it has no groups."""
        if not self.clustered:
            raise ConversationTooSmallError(
                f"The conversation is too small to find opinion groups: {self.reason}",
                field="votes",
                fix="Show the raw tallies until more people have voted.",
            )
        return self

    def groups(self) -> dict[int, int]:
        """Participant id → group index, for clustered participants only."""
        mask = self.group_of >= 0
        return dict(
            zip(self.participant_ids[mask].tolist(), self.group_of[mask].tolist(), strict=True)
        )

    def group_sizes(self) -> list[int]:
        counts = np.bincount(self.group_of[self.group_of >= 0], minlength=self.k)
        return [int(c) for c in counts]

    def participants_frame(self) -> pd.DataFrame:
        """One row per participant: id, x, y, votes, clustered, group (NA if none)."""
        group = pd.array(np.where(self.group_of >= 0, self.group_of, 0), dtype="Int64")
        group[self.group_of < 0] = pd.NA
        return pd.DataFrame(
            {
                "participant_id": self.participant_ids,
                "x": self.participant_xy[:, 0],
                "y": self.participant_xy[:, 1],
                "n_votes": self.n_votes,
                "clustered": self.group_of >= 0,
                "group": group,
            }
        )

    def statements_frame(self) -> pd.DataFrame:
        """One row per statement: position, tallies, group-aware consensus and priority."""
        frame = self.tallies.to_frame()
        frame["x"] = self.statement_xy[:, 0]
        frame["y"] = self.statement_xy[:, 1]
        frame["moderated_out"] = np.isin(self.statement_ids, self.parameters.moderated_out)
        frame["group_consensus_agree"] = self.group_consensus_agree
        frame["group_consensus_disagree"] = self.group_consensus_disagree
        frame["priority"] = self.priority
        return frame

    def to_report(self) -> dict[str, Any]:
        """The ``district participation cluster --json`` document (keys are strings).

        ``{"k", "groups": {participant id: group}, "consensus": {"agree": [ids],
        "disagree": [ids]}, "repness": {group: [ids, most representative first]}}``; a map
        that is too small also carries ``"status"`` and ``"reason"``.
        """
        report: dict[str, Any] = {
            "k": self.k,
            "groups": {str(p): g for p, g in self.groups().items()},
            "consensus": {
                "agree": [s.statement_id for s in self.consensus.agree],
                "disagree": [s.statement_id for s in self.consensus.disagree],
            },
            "repness": {
                str(g): [s.statement_id for s in statements]
                for g, statements in sorted(self.repness.items())
            },
        }
        if not self.clustered:
            report["status"] = self.status
            report["reason"] = self.reason
        return report

    def to_dict(self) -> dict[str, Any]:
        """Everything a page or an API needs, as plain JSON-ready values."""
        return {
            **self.to_report(),
            "status": self.status,
            "reason": self.reason,
            "parameters": asdict(self.parameters),
            "silhouette_by_k": {str(k): v for k, v in self.silhouette_by_k.items()},
            "vetoed_k": list(self.vetoed_k),
            "group_sizes": self.group_sizes(),
            "duplicates_dropped": self.duplicates_dropped,
            "consensus_stats": {
                side: [asdict(s) for s in getattr(self.consensus, side)]
                for side in ("agree", "disagree")
            },
            "repness_stats": {
                str(g): [asdict(s) for s in statements] for g, statements in self.repness.items()
            },
        }


def compute_opinion_map(
    votes: VoteTable,
    *,
    moderated_out: Collection[int] = (),
    meta_statements: Collection[int] = (),
    keep_participants: Collection[int] = (),
    seed: int = 0,
    min_votes: int = 7,
    k_max: int = 5,
    force_k: int | None = None,
    pick_max: int = 5,
    confidence: float = 0.9,
    silhouette_max_points: int = SILHOUETTE_MAX_POINTS,
    singleton_veto: bool = True,
    warm_start: OpinionMap | None = None,
) -> OpinionMap:
    """Run the Polis opinion pipeline on a conversation's votes.

    ``moderated_out`` are statement ids hidden by a moderator; ``meta_statements`` get a
    fixed routing priority; ``keep_participants`` are clustered even below ``min_votes``
    (red-dwarf's ``keep_participant_ids``). ``force_k`` skips the silhouette search.
    ``warm_start`` is the previous map of the same conversation (see the module docstring).
    """
    parameters = OpinionParameters(
        seed=seed,
        min_votes=min_votes,
        k_max=k_max,
        force_k=force_k,
        pick_max=pick_max,
        confidence=confidence,
        silhouette_max_points=silhouette_max_points,
        singleton_veto=singleton_veto,
        moderated_out=tuple(sorted({int(s) for s in moderated_out})),
        meta_statements=tuple(sorted({int(s) for s in meta_statements})),
        keep_participants=tuple(sorted({int(p) for p in keep_participants})),
    )
    _check_parameters(parameters)
    matrix = build_vote_matrix(votes)
    moderated = np.isin(matrix.statement_ids, parameters.moderated_out)
    n_votes = matrix.votes_per_participant()
    clusterable = (n_votes >= min_votes) | np.isin(
        matrix.participant_ids, parameters.keep_participants
    )

    reason = _too_small_reason(matrix, int(np.count_nonzero(clusterable)), min_votes)
    if reason is not None:
        return _ungrouped_map(matrix, parameters, reason, votes)

    projection = project_votes(
        matrix,
        moderated_out=moderated,
        warm_components=_aligned_components(warm_start, matrix),
        seed=seed,
    )
    warm_centers = warm_start.centers_by_k if warm_start is not None else None
    choice = choose_groups(
        projection.participant_xy[clusterable],
        k_max=k_max,
        force_k=force_k,
        seed=seed,
        warm_centers=warm_centers,
        silhouette_max_points=silhouette_max_points,
        singleton_veto=singleton_veto,
    )
    if choice is None:
        reason = "the clustered participants sit on fewer than two distinct points of the map"
        return _ungrouped_map(matrix, parameters, reason, votes, projection)
    return _grouped_map(matrix, parameters, projection, choice, clusterable, votes)


def _check_parameters(parameters: OpinionParameters) -> None:
    if parameters.min_votes < 1:
        raise InputError(
            f"min_votes must be at least 1, got {parameters.min_votes}.",
            field="min_votes",
            value=parameters.min_votes,
            fix="Polis uses 7.",
        )
    if not 2 <= parameters.k_max <= 20:
        raise InputError(
            f"k_max must be between 2 and 20, got {parameters.k_max}.",
            field="k_max",
            value=parameters.k_max,
            fix="Polis uses 5.",
        )
    if parameters.force_k is not None and not 2 <= parameters.force_k <= 20:
        raise InputError(
            f"force_k must be between 2 and 20, got {parameters.force_k}.",
            field="force_k",
            value=parameters.force_k,
            fix="Leave it unset to choose k by silhouette.",
        )
    if not 0.5 < parameters.confidence < 1.0:
        raise InputError(
            f"confidence must be between 0.5 and 1, got {parameters.confidence}.",
            field="confidence",
            value=parameters.confidence,
            fix="Polis uses 0.9.",
        )
    if parameters.pick_max < 1:
        raise InputError(
            f"pick_max must be at least 1, got {parameters.pick_max}.",
            field="pick_max",
            value=parameters.pick_max,
            fix="Polis uses 5.",
        )


def _too_small_reason(matrix: VoteMatrix, n_clusterable: int, min_votes: int) -> str | None:
    if matrix.n_statements < 2:
        return f"only {matrix.n_statements} statement(s) have votes; at least 2 are needed"
    if n_clusterable < MIN_PARTICIPANTS_TO_GROUP:
        return (
            f"only {n_clusterable} participant(s) have {min_votes} or more votes; "
            f"at least {MIN_PARTICIPANTS_TO_GROUP} are needed"
        )
    return None


def _aligned_components(
    previous: OpinionMap | None, matrix: VoteMatrix
) -> NDArray[np.float64] | None:
    """The previous map's components laid out on this matrix's statements (new ones 0)."""
    if previous is None or previous.components.shape[1] == 0:
        return None
    aligned = np.zeros((previous.components.shape[0], matrix.n_statements))
    where = np.searchsorted(matrix.statement_ids, previous.statement_ids)
    where = np.minimum(where, max(0, matrix.n_statements - 1))
    found = matrix.statement_ids[where] == previous.statement_ids
    aligned[:, where[found]] = previous.components[:, found]
    return aligned


def _consensus(
    matrix: VoteMatrix, parameters: OpinionParameters, tallies: StatementTallies
) -> Consensus:
    return select_consensus(
        tallies,
        excluded=np.isin(matrix.statement_ids, parameters.moderated_out),
        pick_max=parameters.pick_max,
        confidence=parameters.confidence,
    )


def _priority(
    matrix: VoteMatrix,
    parameters: OpinionParameters,
    statement_xy: NDArray[np.float64],
    counts: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
) -> NDArray[np.float64]:
    """Routing priority from agree, disagree and total counts per statement."""
    n_agree, n_disagree, n_votes = counts
    return statement_priority(
        n_agree=n_agree,
        n_disagree=n_disagree,
        n_votes=n_votes,
        extremity=np.linalg.norm(statement_xy, axis=1),
        is_meta=np.isin(matrix.statement_ids, parameters.meta_statements),
    )


def _ungrouped_map(
    matrix: VoteMatrix,
    parameters: OpinionParameters,
    reason: str,
    votes: VoteTable,
    projection: Projection | None = None,
) -> OpinionMap:
    n, m = matrix.n_participants, matrix.n_statements
    tallies = tally_statements(matrix)
    consensus = _consensus(matrix, parameters, tallies)
    none = np.full(n, -1, dtype=np.int64)
    statement_xy = projection.statement_xy if projection is not None else np.zeros((m, 2))
    return OpinionMap(
        status="too_small",
        reason=reason,
        parameters=parameters,
        participant_ids=matrix.participant_ids,
        participant_xy=projection.participant_xy if projection is not None else np.zeros((n, 2)),
        n_votes=matrix.votes_per_participant(),
        group_of=none,
        k=0,
        silhouette_by_k={},
        vetoed_k=(),
        centers=np.zeros((0, 2)),
        statement_ids=matrix.statement_ids,
        statement_xy=statement_xy,
        tallies=tallies,
        group_stats=None,
        group_consensus_agree=(tallies.n_agree + 1.0) / (tallies.n_votes + 2.0),
        group_consensus_disagree=(tallies.n_disagree + 1.0) / (tallies.n_votes + 2.0),
        consensus=consensus,
        repness={},
        priority=_priority(
            matrix, parameters, statement_xy, (tallies.n_agree, tallies.n_disagree, tallies.n_votes)
        ),
        components=projection.components if projection is not None else np.zeros((2, m)),
        explained_variance=(
            projection.explained_variance if projection is not None else np.zeros(2)
        ),
        duplicates_dropped=votes.duplicates_dropped,
    )


def _grouped_map(
    matrix: VoteMatrix,
    parameters: OpinionParameters,
    projection: Projection,
    choice: GroupChoice,
    clusterable: NDArray[np.bool_],
    votes: VoteTable,
) -> OpinionMap:
    group_of = np.full(matrix.n_participants, -1, dtype=np.int64)
    group_of[clusterable] = choice.labels
    # One counting pass: row 0 holds the participants left out of the groups.
    counts = count_votes(matrix, group_of + 1, choice.k + 1)
    tallies = tally_statements(matrix, counts)
    consensus = _consensus(matrix, parameters, tallies)
    stats = group_stats_from_counts(*(c[1:] for c in counts))
    moderated = np.isin(matrix.statement_ids, parameters.moderated_out)
    repness = select_representative(
        stats,
        matrix.statement_ids,
        excluded=moderated,
        pick_max=parameters.pick_max,
        confidence=parameters.confidence,
    )
    gac_agree, gac_disagree = group_aware_consensus(stats)
    return OpinionMap(
        status="clustered",
        reason=None,
        parameters=parameters,
        participant_ids=matrix.participant_ids,
        participant_xy=projection.participant_xy,
        n_votes=matrix.votes_per_participant(),
        group_of=group_of,
        k=choice.k,
        silhouette_by_k=choice.silhouette_by_k,
        vetoed_k=choice.vetoed_k,
        centers=choice.centers,
        statement_ids=matrix.statement_ids,
        statement_xy=projection.statement_xy,
        tallies=tallies,
        group_stats=stats,
        group_consensus_agree=gac_agree,
        group_consensus_disagree=gac_disagree,
        consensus=consensus,
        repness=repness,
        # red-dwarf counts these over the clustered participants only.
        priority=_priority(
            matrix,
            parameters,
            projection.statement_xy,
            (stats.na.sum(axis=0), stats.nd.sum(axis=0), stats.ns.sum(axis=0)),
        ),
        components=projection.components,
        explained_variance=projection.explained_variance,
        duplicates_dropped=votes.duplicates_dropped,
        centers_by_k=choice.centers_by_k,
    )
