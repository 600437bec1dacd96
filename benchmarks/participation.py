"""Benchmark of the Polis opinion engine against red-dwarf 0.4.0.

Two measurements, each printed as it runs:

1. **vtaiwan.uberx** (real, CC BY 4.0: 1,921 participants, 197 statements, 49,443 votes
   after duplicates): our ``compute_opinion_map`` (including building the vote table from
   the CSV columns) against red-dwarf's ``run_pipeline`` with the same parameters, in the
   same process, median of several runs each. The groups are checked to agree (adjusted
   Rand index) so that the speed is not bought with a different answer.
2. **A synthetic conversation** (generated here with a fixed seed, labelled SYNTHETIC
   wherever it is printed): 100,000 participants and 1,000 statements with a Polis-like
   sparsity (a median participant votes on about 15 statements, a keen one on hundreds;
   early statements are seen more). A cold map is computed; then, three times, 1 % more
   votes arrive and the map is updated: merge the new votes into the table and recompute
   with the previous map as warm start. ``large_update_s`` is the median update's wall
   time, from the merge to the finished map.

red-dwarf is not run on the synthetic conversation by default: it pivots the votes into a
dense 100,000 × 1,000 DataFrame and computes silhouettes over all pairs of participants,
which takes minutes. ``--reddwarf-large`` runs it anyway.

The last line printed is one JSON object with ``speedup_vs_reddwarf`` and
``large_update_s`` (and the other figures).

Usage::

    PYTHONPATH=src python benchmarks/participation.py [--runs 7] [--reddwarf-large]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import adjusted_rand_score

from district.participation.opinion import OpinionMap, VoteTable, compute_opinion_map
from district.participation.polisdata import read_polis_folder

DATA = Path(__file__).resolve().parent.parent / "data" / "polis"
UPDATE_ROUNDS = 3


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls (after one warm-up call), and the last result."""
    result = function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run_reddwarf(votes: VoteTable, moderated_out: list[int], seed: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reddwarf.implementations.polis import run_pipeline

        return run_pipeline(
            votes=votes.to_records(),
            mod_out_statement_ids=moderated_out,
            random_state=seed,
            min_user_vote_threshold=7,
            max_group_count=5,
        )


def reddwarf_agreement(ours: OpinionMap, theirs: Any) -> float:
    labels = theirs.participants_df["cluster_id"]
    mask = ours.group_of >= 0
    return float(adjusted_rand_score(labels[mask].astype(int), ours.group_of[mask]))


def benchmark_vtaiwan(runs: int, seed: int) -> dict[str, float]:
    conversation = read_polis_folder(DATA / "vtaiwan.uberx")
    frame = conversation.votes
    moderated_out = conversation.moderated_out_ids()
    columns = (
        frame["voter-id"].to_numpy(),
        frame["comment-id"].to_numpy(),
        frame["vote"].to_numpy(),
        frame["timestamp"].to_numpy(),
    )
    votes = VoteTable.from_arrays(*columns)

    def ours() -> OpinionMap:
        return compute_opinion_map(
            VoteTable.from_arrays(*columns), moderated_out=moderated_out, seed=seed
        )

    ours_s, ours_map = timed(ours, runs)
    theirs_s, theirs = timed(lambda: run_reddwarf(votes, moderated_out, seed), runs)
    ari = reddwarf_agreement(ours_map, theirs)
    print(
        f"vtaiwan.uberx: {len(votes):,} votes kept "
        f"({conversation.duplicate_votes} duplicates dropped), k={ours_map.k}"
    )
    print(f"  ours      {ours_s * 1000:8.1f} ms (median of {runs})")
    print(f"  red-dwarf {theirs_s * 1000:8.1f} ms (median of {runs})")
    print(f"  speed-up  {theirs_s / ours_s:8.1f}x   adjusted Rand index {ari:.3f}")
    return {
        "vtaiwan_ours_s": ours_s,
        "vtaiwan_reddwarf_s": theirs_s,
        "speedup_vs_reddwarf": theirs_s / ours_s,
        "vtaiwan_ari": ari,
    }


def synthetic_votes(
    n_participants: int,
    n_statements: int,
    *,
    seed: int,
    first_participant: int = 0,
    start_ms: int = 1_700_000_000_000,
) -> VoteTable:
    """SYNTHETIC votes with opinion groups and Polis-like sparsity (generated, not real).

    Participants belong to one of three latent camps (50/30/20 %); each statement has an
    agree, disagree and pass probability per camp. A participant votes on a log-normal
    number of statements (median about 15, capped at 300), drawn with a bias towards early
    statements, as Polis routing shows them longer.
    """
    rng = np.random.default_rng(seed)
    camps = rng.choice(3, size=n_participants, p=[0.5, 0.3, 0.2])
    statement_rng = np.random.default_rng(12345)  # statement opinions fixed across batches
    agree_p = statement_rng.beta(2.0, 2.0, size=(3, n_statements))
    pass_p = statement_rng.uniform(0.05, 0.25, size=n_statements)
    drawn = np.clip(np.round(rng.lognormal(np.log(15.0), 1.0, n_participants)), 1, 300)
    counts: NDArray[np.int64] = np.minimum(drawn.astype(np.int64), n_statements)
    weights = 1.0 / np.sqrt(np.arange(1, n_statements + 1))
    weights /= weights.sum()
    total = int(counts.sum())
    participant = np.repeat(np.arange(n_participants), counts)
    # Draw statements per vote; repeats within a participant are dropped by VoteTable as
    # duplicates, which also exercises that path.
    statement = rng.choice(n_statements, size=total, p=weights)
    camp = camps[participant]
    u = rng.uniform(size=total)
    passes = u < pass_p[statement]
    agrees = ~passes & (rng.uniform(size=total) < agree_p[camp, statement])
    votes = np.where(passes, 0, np.where(agrees, 1, -1)).astype(np.int8)
    stamps = start_ms + np.sort(rng.integers(0, 30 * 86_400_000, size=total))
    return VoteTable.from_arrays(participant + first_participant, statement, votes, stamps)


def synthetic_batch(base: VoteTable, *, fraction: float, seed: int) -> VoteTable:
    """SYNTHETIC new votes: ``fraction`` of the base count, half from newcomers."""
    rng = np.random.default_rng(seed)
    n_new_votes = int(len(base) * fraction)
    n_statements = int(base.statement_ids.max()) + 1
    newcomers = synthetic_votes(
        max(1, n_new_votes // 2 // 15),
        n_statements,
        seed=seed + 1,
        first_participant=int(base.participant_ids.max()) + 1,
        start_ms=int(base.timestamps_ms.max()) + 1,
    )
    pick: NDArray[np.int64] = rng.choice(len(base), size=n_new_votes - len(newcomers))
    returning = VoteTable.from_arrays(
        base.participant_ids[pick],
        rng.integers(0, n_statements, size=pick.size),
        rng.choice(np.array([-1, 0, 1]), size=pick.size),
        np.full(pick.size, int(base.timestamps_ms.max()) + 2, dtype=np.int64),
    )
    return newcomers.merged_with(returning)


def benchmark_large(seed: int, with_reddwarf: bool) -> dict[str, float]:
    start = time.perf_counter()
    votes = synthetic_votes(100_000, 1_000, seed=seed)
    generate_s = time.perf_counter() - start
    print(
        f"SYNTHETIC 100,000 x 1,000: {len(votes):,} votes "
        f"({len(votes) / 1e5:.1f} per participant), generated in {generate_s:.2f} s"
    )
    start = time.perf_counter()
    cold = compute_opinion_map(votes, seed=seed)
    cold_s = time.perf_counter() - start
    print(f"  cold map        {cold_s:6.2f} s  k={cold.k} groups {cold.group_sizes()}")

    # Three rounds of new votes, each 1 % of the conversation, each update warm-started
    # from the map before it; the median round is the figure reported.
    previous, current = cold, votes
    update_times = []
    for round_number in range(1, UPDATE_ROUNDS + 1):
        batch = synthetic_batch(current, fraction=0.01, seed=seed + 7 * round_number)
        start = time.perf_counter()
        current = current.merged_with(batch)
        updated = compute_opinion_map(current, seed=seed, warm_start=previous)
        update_times.append(time.perf_counter() - start)
        both = np.isin(updated.participant_ids, previous.participant_ids)
        kept = np.isin(previous.participant_ids, updated.participant_ids)
        mask = (updated.group_of[both] >= 0) & (previous.group_of[kept] >= 0)
        stability = adjusted_rand_score(previous.group_of[kept][mask], updated.group_of[both][mask])
        print(
            f"  update {round_number} (+{len(batch):,} votes) {update_times[-1]:6.2f} s  "
            f"k={updated.k} groups {updated.group_sizes()}  ARI vs previous {stability:.3f}"
        )
        previous = updated
    update_s = statistics.median(update_times)
    start = time.perf_counter()
    fresh = compute_opinion_map(current, seed=seed)
    fresh_s = time.perf_counter() - start
    clustered = fresh.group_of >= 0
    agreement = adjusted_rand_score(fresh.group_of[clustered], previous.group_of[clustered])
    print(f"  same votes, cold {fresh_s:6.2f} s  ARI warm-updated vs cold {agreement:.3f}")
    result = {
        "large_votes": float(len(votes)),
        "large_cold_s": cold_s,
        "large_update_s": update_s,
        "large_update_max_s": max(update_times),
        "large_update_votes": float(len(batch)),
        "large_warm_vs_cold_ari": float(agreement),
    }
    if with_reddwarf:
        start = time.perf_counter()
        run_reddwarf(current, [], seed)
        reddwarf_s = time.perf_counter() - start
        print(f"  red-dwarf       {reddwarf_s:6.2f} s  ({reddwarf_s / update_s:.0f}x the update)")
        result["large_reddwarf_s"] = reddwarf_s
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--reddwarf-large", action="store_true", help="also run red-dwarf on the large one"
    )
    args = parser.parse_args()
    results = benchmark_vtaiwan(args.runs, args.seed)
    results.update(benchmark_large(args.seed, args.reddwarf_large))
    print(json.dumps({key: round(value, 4) for key, value in results.items()}))


if __name__ == "__main__":
    main()
