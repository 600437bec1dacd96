"""The opinion map of a consultation: votes from the database, the Polis engine, the result.

:func:`refresh_opinion_map` loads the votes (ids are the Polis ones: participant and
statement numbers), runs :func:`~district.participation.opinion.compute_opinion_map` with
the consultation's seed and vote threshold, and stores the result with its parameters.
Moderated-out statements are passed as such (their votes stay stored but pull on nothing);
statements awaiting moderation have no votes in the platform's own consultations, and in
imported ones they count as in Polis.

**When it runs.** Every vote bumps ``Consultation.votes_version``; a stored map with an
older version is stale. :func:`current_opinion_map` recomputes a stale map inside the
request while the conversation has at most :data:`SYNC_VOTE_LIMIT` votes (vTaiwan's
49,443 take about a tenth of a second); larger ones are refreshed by the periodic task
``district.participation.tasks.refresh_stale_opinion_maps`` and the page shows the last
map with its time.

**Reproducible.** Up to :data:`WARM_START_MIN_VOTES` votes every update is computed cold,
so the same votes always give the same groups. Above it, an update starts from the
previous map in this process (the engine's warm start: much faster, stable group numbers,
groups that may depend on that history, as in Polis). Closing a consultation always stores
a cold map, and its parameters are published with it, so the final result can be re-run
with ``district participation cluster`` on the exported Polis folder.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from district.participation.models import (
    Consultation,
    OpinionMapResult,
    Participant,
    Statement,
    Vote,
)
from district.participation.opinion import OpinionMap, VoteTable, compute_opinion_map
from district.participation.services.consultations import get_consultation

#: Recompute inside the request up to this many votes.
SYNC_VOTE_LIMIT = 60_000
#: Below this many votes every update is cold (exactly reproducible).
WARM_START_MIN_VOTES = 20_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)

# (consultation id, created) → the last map computed in this process, for warm starts.
_LAST_MAPS: dict[tuple[int, str], OpinionMap] = {}


def _cache_key(consultation: Consultation) -> tuple[int, str]:
    return consultation.pk, consultation.created_at.isoformat()


def to_ms(moment: datetime) -> int:
    """Unix milliseconds of an aware datetime, exactly."""
    return (moment - EPOCH) // _ONE_MS


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=int(ms))


def vote_table(consultation: Consultation, *, with_times: bool = True) -> VoteTable:
    """The consultation's votes as the engine takes them (Polis ids, Unix ms).

    The database holds one vote per participant and statement already, so the opinion
    map needs no timestamps (``with_times=False`` skips reading them, which is most of
    the cost); the Polis export needs them.
    """
    votes = Vote.objects.filter(consultation=consultation)
    columns = ["participant_id", "statement_id", "value"] + (["voted_at"] if with_times else [])
    rows = list(votes.values_list(*columns))
    n = len(rows)
    if not n:
        empty = np.zeros(0, np.int64)
        return VoteTable.from_arrays(empty, empty, empty, empty if with_times else None)
    participants = dict(
        Participant.objects.filter(consultation=consultation).values_list("pk", "number")
    )
    statements = dict(
        Statement.objects.filter(consultation=consultation).values_list("pk", "number")
    )
    columns_data = list(zip(*rows, strict=True))
    return VoteTable.from_arrays(
        np.fromiter((participants[p] for p in columns_data[0]), np.int64, n),
        np.fromiter((statements[s] for s in columns_data[1]), np.int64, n),
        np.fromiter(columns_data[2], np.int64, n),
        np.fromiter((to_ms(t) for t in columns_data[3]), np.int64, n) if with_times else None,
    )


def _statement_numbers(consultation: Consultation, **filters: Any) -> list[int]:
    return list(
        Statement.objects.filter(consultation=consultation, **filters).values_list(
            "number", flat=True
        )
    )


def compute_for(consultation: Consultation, *, warm_start: OpinionMap | None = None) -> OpinionMap:
    """The opinion map of the consultation's current votes (nothing stored)."""
    return compute_opinion_map(
        vote_table(consultation, with_times=False),
        moderated_out=_statement_numbers(consultation, status=Statement.Status.REJECTED),
        meta_statements=_statement_numbers(consultation, is_meta=True),
        seed=consultation.seed,
        min_votes=consultation.min_votes,
        warm_start=warm_start,
    )


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return round(number, 6) if np.isfinite(number) else None
    return value


def opinion_payload(opinion: OpinionMap) -> dict[str, Any]:
    """What the page and the API show: the engine's report and statistics, plus positions."""
    data = opinion.to_dict()
    data["points"] = [
        [int(p), round(float(x), 4), round(float(y), 4), int(g)]
        for p, (x, y), g in zip(
            opinion.participant_ids, opinion.participant_xy, opinion.group_of, strict=True
        )
    ]
    data["n_votes_by_participant"] = {
        str(p): int(n) for p, n in zip(opinion.participant_ids, opinion.n_votes, strict=True)
    }
    tallies = opinion.tallies
    statements: dict[str, dict[str, Any]] = {}
    for i, sid in enumerate(opinion.statement_ids.tolist()):
        entry: dict[str, Any] = {
            "x": float(opinion.statement_xy[i, 0]),
            "y": float(opinion.statement_xy[i, 1]),
            "n_agree": int(tallies.n_agree[i]),
            "n_disagree": int(tallies.n_disagree[i]),
            "n_pass": int(tallies.n_pass[i]),
            "n_votes": int(tallies.n_votes[i]),
            "consensus_agree": float(opinion.group_consensus_agree[i]),
            "consensus_disagree": float(opinion.group_consensus_disagree[i]),
        }
        if opinion.group_stats is not None:
            stats = opinion.group_stats
            entry["groups"] = [
                [int(stats.na[g, i]), int(stats.nd[g, i]), int(stats.ns[g, i])]
                for g in range(opinion.k)
            ]
        statements[str(sid)] = entry
    data["statements"] = statements
    data["priority"] = {
        str(s): float(p) for s, p in zip(opinion.statement_ids, opinion.priority, strict=True)
    }
    data["centers"] = opinion.centers
    data["explained_variance"] = opinion.explained_variance
    return dict(_plain(data))


@transaction.atomic
def refresh_opinion_map(*, consultation_id: int, cold: bool = False) -> OpinionMapResult:
    """Recompute and store the consultation's opinion map."""
    consultation = get_consultation(consultation_id)
    version = consultation.votes_version
    warm = None
    if not cold:
        previous = _LAST_MAPS.get(_cache_key(consultation))
        if previous is not None and int(previous.n_votes.sum()) >= WARM_START_MIN_VOTES:
            warm = previous
    started = time.perf_counter()
    opinion = compute_for(consultation, warm_start=warm)
    duration_ms = round((time.perf_counter() - started) * 1000)
    _LAST_MAPS[_cache_key(consultation)] = opinion
    result, _created = OpinionMapResult.objects.update_or_create(
        consultation=consultation,
        defaults={
            "votes_version": version,
            "computed_at": timezone.now(),
            "status": opinion.status,
            "k": opinion.k,
            "n_participants": int(opinion.participant_ids.shape[0]),
            "n_votes": int(opinion.n_votes.sum()),
            "warm_start": warm is not None,
            "duration_ms": duration_ms,
            "payload": opinion_payload(opinion),
        },
    )
    return result


def is_stale(consultation: Consultation, result: OpinionMapResult | None) -> bool:
    return result is None or result.votes_version != consultation.votes_version


def current_opinion_map(consultation: Consultation) -> OpinionMapResult | None:
    """The stored map, recomputed first if stale and small enough to do it now."""
    result = OpinionMapResult.objects.filter(consultation=consultation).first()
    if not is_stale(consultation, result):
        return result
    if Vote.objects.filter(consultation=consultation).count() <= SYNC_VOTE_LIMIT:
        return refresh_opinion_map(consultation_id=consultation.pk)
    return result


def refresh_stale_opinion_maps() -> list[int]:
    """Recompute every stale map of an open or recently closed consultation; returns ids."""
    refreshed = []
    for consultation in Consultation.objects.exclude(status=Consultation.Status.DRAFT):
        result = OpinionMapResult.objects.filter(consultation=consultation).first()
        if is_stale(consultation, result):
            refresh_opinion_map(consultation_id=consultation.pk)
            refreshed.append(consultation.pk)
    return refreshed
