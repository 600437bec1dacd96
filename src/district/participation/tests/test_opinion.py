"""The opinion engine against red-dwarf 0.4.0, hand-computed cases and its own promises.

red-dwarf (``reddwarf.implementations.polis.run_pipeline``) is the reference: the same
votes and parameters go to both, and the groups (adjusted Rand index), the consensus and
the representative statements must agree. Where the engine differs on purpose (the
singleton veto, representative statements of a group with no "best agree" statement)
a constructed case shows red-dwarf's answer and ours side by side.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_score

from district.core.errors import InputError
from district.participation.opinion import (
    ConversationTooSmallError,
    OpinionMap,
    VoteTable,
    build_vote_matrix,
    clustering,
    compute_opinion_map,
    project_votes,
    projection,
    statistics,
)
from district.participation.polisdata import read_polis_folder

DATA = Path(__file__).resolve().parents[4] / "data" / "polis"
# The two larger conversations take a few seconds under red-dwarf: CI runs them.
CONVERSATIONS = [
    "15-per-hour-seattle",
    "brexit-consensus",
    pytest.param("scoop-hivemind.biodiversity", marks=pytest.mark.slow),
    pytest.param("vtaiwan.uberx", marks=pytest.mark.slow),
]


def run_reddwarf(votes: VoteTable, **kwargs: Any) -> Any:
    """red-dwarf's pipeline, with its import- and run-time warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reddwarf.implementations.polis import run_pipeline

        return run_pipeline(votes=votes.to_records(), random_state=0, **kwargs)


@cache
def conversation(name: str) -> tuple[VoteTable, list[int]]:
    folder = read_polis_folder(DATA / name)
    return folder.vote_table(), folder.moderated_out_ids()


@cache
def both_maps(name: str) -> tuple[OpinionMap, Any]:
    votes, moderated_out = conversation(name)
    ours = compute_opinion_map(votes, moderated_out=moderated_out, seed=0)
    theirs = run_reddwarf(votes, mod_out_statement_ids=moderated_out)
    return ours, theirs


def matched_groups(ours: OpinionMap, their_labels: np.ndarray) -> dict[int, int]:
    """Our group index → red-dwarf's, by the largest overlap."""
    mask = ours.group_of >= 0
    k = max(ours.k, int(their_labels.max()) + 1)
    overlap = np.zeros((k, k))
    np.add.at(overlap, (ours.group_of[mask], their_labels), 1)
    rows, cols = linear_sum_assignment(-overlap)
    return dict(zip(rows.tolist(), cols.tolist(), strict=True))


def overlap(ours: list[int], theirs: list[int]) -> float:
    if not ours and not theirs:
        return 1.0
    return len(set(ours) & set(theirs)) / max(len(ours), len(theirs))


# --- red-dwarf on the real conversations ---------------------------------------------


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_groups_match_reddwarf(name: str) -> None:
    ours, theirs = both_maps(name)
    labels = theirs.participants_df["cluster_id"]
    assert ours.participant_ids.tolist() == theirs.participants_df.index.tolist()
    clustered = ours.group_of >= 0
    assert clustered.tolist() == labels.notna().tolist()
    assert ours.k == theirs.clusterer.n_clusters
    ari = adjusted_rand_score(labels[clustered].astype(int), ours.group_of[clustered])
    assert ari >= 0.9


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_consensus_and_repness_match_reddwarf(name: str) -> None:
    ours, theirs = both_maps(name)
    for side in ("agree", "disagree"):
        mine = [s.statement_id for s in getattr(ours.consensus, side)]
        reference = [s["tid"] for s in theirs.consensus[side]]
        assert overlap(mine, reference) >= 0.8, side
    labels = theirs.participants_df["cluster_id"].dropna().astype(int).to_numpy()
    for group, their_group in matched_groups(ours, labels).items():
        mine = [s.statement_id for s in ours.repness[group]]
        reference = [s["tid"] for s in theirs.repness[their_group]]
        assert overlap(mine, reference) >= 0.8, group


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_statistics_and_positions_match_reddwarf(name: str) -> None:
    ours, theirs = both_maps(name)
    assert ours.group_stats is not None
    labels = theirs.participants_df["cluster_id"]
    if adjusted_rand_score(labels.dropna().astype(int), ours.group_of[ours.group_of >= 0]) == 1:
        frame = ours.group_stats.to_frame(ours.statement_ids)
        reference = theirs.group_comment_stats.loc[frame.index, frame.columns]
        permutation = matched_groups(ours, labels.dropna().astype(int).to_numpy())
        if all(g == t for g, t in permutation.items()):
            np.testing.assert_allclose(frame.to_numpy(), reference.to_numpy(), rtol=1e-12)
            np.testing.assert_allclose(
                ours.group_consensus_agree,
                theirs.statements_df["group-aware-consensus-agree"].to_numpy(),
                rtol=1e-12,
            )
    # red-dwarf's PCA is exact below 500 participants and randomized above; ours is exact.
    tolerance = 1e-9 if len(ours.participant_ids) <= 500 else 1e-3
    np.testing.assert_allclose(
        ours.participant_xy, theirs.participants_df[["x", "y"]].to_numpy(), atol=tolerance
    )
    np.testing.assert_allclose(
        ours.statement_xy, theirs.statements_df[["x", "y"]].to_numpy(), atol=tolerance
    )
    np.testing.assert_allclose(
        ours.priority, theirs.statements_df["priority"].to_numpy(), rtol=1e-3, atol=1e-6
    )


def test_kept_participants_and_meta_statements_match_reddwarf() -> None:
    votes, moderated_out = conversation("15-per-hour-seattle")
    counts = pd.Series(votes.participant_ids).value_counts()
    below = sorted(counts[counts < 7].index.tolist())[:15]
    meta = [0, 3]
    ours = compute_opinion_map(
        votes, moderated_out=moderated_out, keep_participants=below, meta_statements=meta
    )
    theirs = run_reddwarf(
        votes,
        mod_out_statement_ids=moderated_out,
        keep_participant_ids=below,
        meta_statement_ids=meta,
    )
    labels = theirs.participants_df["cluster_id"]
    clustered = ours.group_of >= 0
    assert clustered.tolist() == labels.notna().tolist()
    assert set(below) <= set(ours.groups())
    assert adjusted_rand_score(labels[clustered].astype(int), ours.group_of[clustered]) >= 0.9
    np.testing.assert_allclose(ours.priority, theirs.statements_df["priority"].to_numpy())
    assert ours.priority[np.isin(ours.statement_ids, meta)].tolist() == [49.0, 49.0]


# --- deliberate differences, each shown against red-dwarf ---------------------------


def two_camps_and_a_loner(n: int = 20, m: int = 12) -> VoteTable:
    """Two camps voting in unison on opposite sides, and one person orthogonal to both."""
    stance = np.where(np.arange(m) % 2 == 0, 1, -1)
    loner = np.where(np.arange(m) < m // 2, 1, -1)
    rows = []
    for pid in range(2 * n + 1):
        pattern = stance if pid < n else (-stance if pid < 2 * n else loner)
        rows += [(pid, s, int(pattern[s])) for s in range(m)]
    table = np.array(rows)
    return VoteTable.from_arrays(table[:, 0], table[:, 1], table[:, 2])


def test_singleton_groups_are_vetoed_where_reddwarf_keeps_them() -> None:
    votes = two_camps_and_a_loner()
    theirs = run_reddwarf(votes)
    assert sorted(np.bincount(theirs.clusterer.labels_).tolist()) == [1, 20, 20]

    ours = compute_opinion_map(votes)
    assert ours.k == 2
    assert sorted(ours.group_sizes()) == [20, 21]
    assert ours.vetoed_k == (3,)
    assert ours.silhouette_by_k[3] == -1.0

    without_veto = compute_opinion_map(votes, singleton_veto=False)
    assert sorted(without_veto.group_sizes()) == [1, 20, 20]


def yes_and_no_camps(seed: int, n: int = 20, m: int = 10) -> VoteTable:
    """A camp that disagrees with every statement and one that agrees, 15 % passes."""
    rng = np.random.default_rng(seed)
    rows = []
    for pid in range(2 * n):
        for s in range(m):
            vote = -1 if pid < n else 1
            rows.append((pid, s, 0 if rng.uniform() < 0.15 else vote))
    table = np.array(rows)
    return VoteTable.from_arrays(table[:, 0], table[:, 1], table[:, 2])


def test_a_group_without_best_agree_keeps_its_representative_statements() -> None:
    votes = yes_and_no_camps(seed=1)
    theirs = run_reddwarf(votes)
    ours = compute_opinion_map(votes)
    mapping = matched_groups(ours, theirs.clusterer.labels_)
    naysayers = next(g for g in range(ours.k) if ours.group_stats.pa[g].mean() < 0.5)  # type: ignore[union-attr]
    # red-dwarf 0.4.0 drops every passing statement when there is no best agree...
    assert theirs.repness[mapping[naysayers]] == []
    # ...polismath, and we, keep them: all on the disagree side, none marked best agree.
    statements = ours.repness[naysayers]
    assert len(statements) == 5
    assert {s.repful_for for s in statements} == {"disagree"}
    assert not any(s.best_agree for s in statements)
    # The other group is unaffected and matches red-dwarf exactly.
    yeasayers = 1 - naysayers
    assert [s.statement_id for s in ours.repness[yeasayers]] == [
        s["tid"] for s in theirs.repness[mapping[yeasayers]]
    ]
    assert ours.repness[yeasayers][0].best_agree


# --- hand-computed statistics --------------------------------------------------------


def test_comment_statistics_by_hand() -> None:
    # Statement 0: group 0 votes agree, agree, disagree; group 1 votes disagree, pass.
    votes = VoteTable.from_arrays([0, 1, 2, 3, 4], [0, 0, 0, 0, 0], [1, 1, -1, -1, 0])
    matrix = build_vote_matrix(votes)
    stats = statistics.compute_group_stats(matrix, np.array([0, 0, 0, 1, 1]), 2)
    assert stats.na.tolist() == [[2], [0]]
    assert stats.nd.tolist() == [[1], [1]]
    assert stats.ns.tolist() == [[3], [2]]
    assert stats.pa[0, 0] == pytest.approx(3 / 5)  # (2 + 1) / (3 + 2)
    assert stats.pd[1, 0] == pytest.approx(2 / 4)
    assert stats.pat[0, 0] == pytest.approx(2 * np.sqrt(4) * (3 / 4 - 0.5))  # = 1.0
    assert stats.ra[0, 0] == pytest.approx((3 / 5) / (1 / 4))
    # two-proportion z of 3/4 against 1/3 with pooled 4/7:
    pooled = 4 / 7
    z = (3 / 4 - 1 / 3) / np.sqrt(pooled * (1 - pooled) * (1 / 4 + 1 / 3))
    assert stats.rat[0, 0] == pytest.approx(z)
    assert statistics.two_proportion_test(
        np.array([3]), np.array([3]), np.array([3]), np.array([3])
    ).tolist() == [0.0]  # pooled proportion 1: Polis scores 0
    assert statistics.critical_z(0.9) == pytest.approx(1.2816, abs=1e-4)


def test_consensus_by_hand() -> None:
    # 10 participants: statement 0 everyone agrees, statement 1 everyone disagrees,
    # statement 2 split evenly, statement 3 moderated out though everyone agrees.
    rows = [(p, 0, 1) for p in range(10)] + [(p, 1, -1) for p in range(10)]
    rows += [(p, 2, 1 if p < 5 else -1) for p in range(10)] + [(p, 3, 1) for p in range(10)]
    table = np.array(rows)
    votes = VoteTable.from_arrays(table[:, 0], table[:, 1], table[:, 2])
    opinion = compute_opinion_map(votes, moderated_out=[3])
    assert [s.statement_id for s in opinion.consensus.agree] == [0]
    assert [s.statement_id for s in opinion.consensus.disagree] == [1]
    top = opinion.consensus.agree[0]
    assert (top.n_success, top.n_trials) == (10, 10)
    assert top.p_success == pytest.approx(11 / 12)
    assert top.p_test == pytest.approx(2 * np.sqrt(11) * (11 / 11 - 0.5))
    assert opinion.tallies.n_agree.tolist() == [10, 0, 5, 10]
    assert opinion.tallies.n_pass.tolist() == [0, 0, 0, 0]


# --- the building blocks against scikit-learn ---------------------------------------


def random_votes(seed: int, n: int = 150, m: int = 90, density: float = 0.3) -> VoteTable:
    rng = np.random.default_rng(seed)
    mask = rng.uniform(size=(n, m)) < density
    rows, cols = np.nonzero(mask)
    lean = rng.choice([-1, 1], size=n)
    values = np.where(
        rng.uniform(size=rows.size) < 0.7, lean[rows], rng.choice([-1, 0, 1], rows.size)
    )
    return VoteTable.from_arrays(rows, cols, values)


def sklearn_projection(votes: VoteTable, moderated: np.ndarray) -> np.ndarray:
    dense = build_vote_matrix(votes).to_dense()
    dense[:, moderated] = 0.0
    observed = ~np.isnan(dense)
    means = np.nanmean(dense, axis=0)
    imputed = np.where(observed, dense, means)
    xy: np.ndarray = PCA(n_components=2, svd_solver="full").fit_transform(imputed)
    scale = np.sqrt(dense.shape[1] / np.maximum(1, observed.sum(axis=1)))
    scaled: np.ndarray = xy * scale[:, None]
    return scaled


@pytest.mark.parametrize("route", ["small", "explicit covariance", "operator"])
def test_projection_equals_sklearn_pca(route: str, monkeypatch: pytest.MonkeyPatch) -> None:
    votes = random_votes(seed=3)
    matrix = build_vote_matrix(votes)
    moderated = np.zeros(matrix.n_statements, dtype=bool)
    moderated[[4, 17]] = True
    if route == "small":
        monkeypatch.setattr(projection, "SMALL_STATEMENTS", 10_000)
    elif route == "operator":
        monkeypatch.setattr(projection, "DENSE_LIMIT", 0)
    ours = project_votes(matrix, moderated_out=moderated, seed=5)
    np.testing.assert_allclose(ours.participant_xy, sklearn_projection(votes, moderated), atol=1e-9)
    assert np.allclose(ours.components[:, moderated], 0.0)


def test_kmeans_and_silhouette_equal_sklearn() -> None:
    rng = np.random.default_rng(11)
    xy = np.vstack([rng.normal(c, 0.6, size=(200, 2)) for c in ((0, 0), (3, 1), (1, 4))])
    for k in (2, 3, 4, 5):
        start = clustering.polis_initial_centers(xy, k)
        np.testing.assert_array_equal(start, np.unique(xy, axis=0)[:k])
        labels, centers = clustering._kmeans(xy, start, seed=0)
        reference = KMeans(n_clusters=k, init=start, n_init=1, algorithm="lloyd").fit(xy)
        np.testing.assert_array_equal(labels, reference.labels_)
        np.testing.assert_allclose(centers, reference.cluster_centers_, atol=1e-12)
        ours = clustering.silhouette_means(xy, [labels], chunk_rows=97)[0]
        assert ours == pytest.approx(silhouette_score(xy, labels), abs=1e-12)


def test_silhouette_is_sampled_with_the_seed_above_the_limit() -> None:
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.normal(c, 0.5, size=(300, 2)) for c in ((0, 0), (4, 0))])
    first = clustering.choose_groups(xy, seed=1, silhouette_max_points=200)
    again = clustering.choose_groups(xy, seed=1, silhouette_max_points=200)
    exact = clustering.choose_groups(xy, seed=1)
    assert first is not None and again is not None and exact is not None
    assert first.silhouette_points == 200 and exact.silhouette_points == 600
    assert first.silhouette_by_k == again.silhouette_by_k
    assert first.k == exact.k == 2
    assert first.silhouette_by_k[2] == pytest.approx(exact.silhouette_by_k[2], abs=0.05)


# --- reproducibility, updates, small conversations ----------------------------------


def test_same_votes_give_the_same_map_whatever_their_order() -> None:
    votes, moderated_out = conversation("brexit-consensus")
    shuffled_order = np.random.default_rng(0).permutation(len(votes))
    shuffled = VoteTable.from_arrays(
        votes.participant_ids[shuffled_order],
        votes.statement_ids[shuffled_order],
        votes.votes[shuffled_order],
        votes.timestamps_ms[shuffled_order],
    )
    first = compute_opinion_map(votes, moderated_out=moderated_out, seed=0)
    second = compute_opinion_map(shuffled, moderated_out=moderated_out, seed=0)
    other_seed = compute_opinion_map(votes, moderated_out=moderated_out, seed=99)
    assert first.to_report() == second.to_report() == other_seed.to_report()
    np.testing.assert_array_equal(first.participant_xy, second.participant_xy)


def test_warm_started_update_agrees_with_a_cold_run() -> None:
    votes, moderated_out = conversation("vtaiwan.uberx")
    cutoff = np.quantile(votes.timestamps_ms, 0.9)
    early = votes.timestamps_ms <= cutoff

    def part(mask: np.ndarray) -> VoteTable:
        return VoteTable.from_arrays(
            votes.participant_ids[mask],
            votes.statement_ids[mask],
            votes.votes[mask],
            votes.timestamps_ms[mask],
        )

    before = compute_opinion_map(part(early), moderated_out=moderated_out)
    merged = part(early).merged_with(part(~early))
    np.testing.assert_array_equal(merged.participant_ids, votes.participant_ids)
    np.testing.assert_array_equal(merged.votes, votes.votes)
    warm = compute_opinion_map(merged, moderated_out=moderated_out, warm_start=before)
    cold = compute_opinion_map(votes, moderated_out=moderated_out)
    np.testing.assert_allclose(warm.participant_xy, cold.participant_xy, atol=1e-9)
    assert warm.k == cold.k
    clustered = cold.group_of >= 0
    assert adjusted_rand_score(cold.group_of[clustered], warm.group_of[clustered]) >= 0.99


def test_too_small_conversation_returns_tallies_and_says_why() -> None:
    votes = VoteTable.from_arrays([1, 1, 2, 2, 3], [10, 11, 10, 11, 10], [1, -1, 1, 1, 0])
    opinion = compute_opinion_map(votes)
    assert opinion.status == "too_small" and not opinion.clustered
    assert opinion.reason is not None and "7 or more votes" in opinion.reason
    assert opinion.k == 0 and opinion.groups() == {} and opinion.repness == {}
    assert opinion.tallies.n_agree.tolist() == [2, 1]
    assert opinion.tallies.n_votes.tolist() == [3, 2]
    report = opinion.to_report()
    assert report["k"] == 0 and report["status"] == "too_small"
    with pytest.raises(ConversationTooSmallError, match="too small"):
        opinion.require_groups()


def test_report_matches_the_cli_contract() -> None:
    ours, theirs = both_maps("15-per-hour-seattle")
    report = ours.to_report()
    assert set(report) == {"k", "groups", "consensus", "repness"}
    assert report["k"] == 2
    assert all(isinstance(p, str) and g in (0, 1) for p, g in report["groups"].items())
    assert len(report["groups"]) == int(theirs.participants_df["cluster_id"].notna().sum())
    assert report["consensus"]["agree"] == [s["tid"] for s in theirs.consensus["agree"]]
    assert set(report["repness"]) == {"0", "1"}
    assert ours.participants_frame()["group"].isna().sum() == len(ours.participant_ids) - len(
        report["groups"]
    )
    frame = ours.statements_frame()
    assert frame["moderated_out"].sum() == len(conversation("15-per-hour-seattle")[1])
    assert isinstance(frame, pd.DataFrame)
    everything = json.loads(json.dumps(ours.to_dict()))
    assert everything["group_sizes"] == ours.group_sizes()
    assert everything["repness_stats"]["0"][0]["best_agree"] is True
    assert everything["parameters"]["min_votes"] == 7


# --- the vote table -------------------------------------------------------------------


def test_vote_table_keeps_the_last_vote_by_timestamp() -> None:
    votes = VoteTable.from_arrays(
        participant_ids=[7, 7, 7, 3, 7],
        statement_ids=[1, 1, 2, 1, 1],
        votes=[1, -1, 0, 1, 0],
        timestamps_ms=[100, 300, 50, 10, 300],
    )
    # (7, 1) has three votes: the two at t=300 tie and the later row (pass) wins.
    assert votes.duplicates_dropped == 2
    assert list(zip(votes.participant_ids, votes.statement_ids, votes.votes, strict=True)) == [
        (3, 1, 1),
        (7, 1, 0),
        (7, 2, 0),
    ]


def test_merging_newer_votes_replaces_older_ones() -> None:
    base = VoteTable.from_arrays([1, 1, 2], [5, 6, 5], [1, 1, -1], [10, 10, 10])
    newer = VoteTable.from_arrays([1, 2, 3], [5, 5, 9], [-1, 1, 0], [20, 5, 20])
    merged = base.merged_with(newer)
    # (1, 5) replaced by the later vote; (2, 5) kept, the incoming one is older.
    assert list(zip(merged.participant_ids, merged.statement_ids, merged.votes, strict=True)) == [
        (1, 5, -1),
        (1, 6, 1),
        (2, 5, -1),
        (3, 9, 0),
    ]
    assert merged.duplicates_dropped == 2
    assert VoteTable.from_records(merged.to_records()).votes.tolist() == merged.votes.tolist()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (([1, 2], [1, 2], [1, 2]), "vote"),
        (([1, -2], [1, 2], [1, 1]), "participant_id"),
        (([1, 2], [1.5, 2], [1, 1]), "statement_id"),
        (([1, 2], [1], [1, 1]), "votes"),
    ],
)
def test_bad_votes_are_refused_with_the_field_named(arguments: tuple[Any, ...], field: str) -> None:
    with pytest.raises(InputError) as caught:
        VoteTable.from_arrays(*arguments)
    assert caught.value.field == field
    assert caught.value.fix


def test_bad_parameters_are_refused() -> None:
    votes, _ = conversation("brexit-consensus")
    with pytest.raises(InputError, match="min_votes"):
        compute_opinion_map(votes, min_votes=0)
    with pytest.raises(InputError, match="confidence"):
        compute_opinion_map(votes, confidence=1.5)
    forced = compute_opinion_map(votes, force_k=4)
    assert forced.k == 4 and list(forced.silhouette_by_k) == [4]


def test_critical_z_is_the_normal_quantile() -> None:
    from scipy.stats import norm

    for confidence in (0.8, 0.9, 0.95, 0.975, 0.99):
        assert statistics.critical_z(confidence) == norm.ppf(confidence)
