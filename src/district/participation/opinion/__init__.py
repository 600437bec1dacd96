"""The Polis opinion engine: from votes to an opinion map (意见地图).

Pure Python on numpy, scipy and scikit-learn, with no Django import, so it runs in plain
pytest and under Dask. The participation app's services load votes through the ORM, call
:func:`compute_opinion_map` and store the result.

Typical use::

    votes = VoteTable.from_arrays(participant_ids, statement_ids, votes, timestamps_ms)
    opinion = compute_opinion_map(votes, moderated_out=[12, 40], seed=0)
    if opinion.clustered:
        opinion.groups()        # {participant id: group index}
        opinion.repness[0]      # representative statements of group 0, with statistics
    opinion.consensus.agree     # what (almost) everyone agrees with
    opinion.to_report()         # the `district participation cluster --json` document

When new votes arrive: ``compute_opinion_map(votes.merged_with(new), warm_start=opinion)``.
"""

from district.participation.opinion.clustering import GroupChoice, choose_groups
from district.participation.opinion.matrix import VoteMatrix, build_vote_matrix
from district.participation.opinion.opinion_map import (
    ConversationTooSmallError,
    OpinionMap,
    OpinionParameters,
    compute_opinion_map,
)
from district.participation.opinion.projection import Projection, project_votes
from district.participation.opinion.statistics import (
    Consensus,
    ConsensusStatement,
    GroupStatementStats,
    RepresentativeStatement,
    StatementTallies,
)
from district.participation.opinion.votes import AGREE, DISAGREE, PASS, VoteTable

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "Consensus",
    "ConsensusStatement",
    "ConversationTooSmallError",
    "GroupChoice",
    "GroupStatementStats",
    "OpinionMap",
    "OpinionParameters",
    "Projection",
    "RepresentativeStatement",
    "StatementTallies",
    "VoteMatrix",
    "VoteTable",
    "build_vote_matrix",
    "choose_groups",
    "compute_opinion_map",
    "project_votes",
]
