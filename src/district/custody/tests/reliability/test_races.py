"""Targeted races: two processes released together by a barrier, many times over.

Double release of the last session, cooling-off refund against the first check-in, a
merchant closure against a check-in (no release may land after the freeze), and two
signings past the per-consumer limit. Exactly one wins each time; the loser gets a clean
``ConflictError`` or ``InputError``, never a database error. Twin signings with the same
key both succeed with one contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import MULTIPROCESS_GROUP
from .sizes import size

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(MULTIPROCESS_GROUP)]


def test_each_race_has_exactly_one_winner(
    run_driver: Callable[..., dict[str, Any]], record_counts: Callable[[dict[str, Any]], None]
) -> None:
    repetitions = size("RACES")
    report = run_driver("races", repetitions=repetitions, seed=5)
    record_counts(report)
    assert report["violations"] == []
    assert report["problems"] == [], report.get("stderr")
    pairs = report["pairs"]
    assert pairs["double_release_last_session"]["ok"] == repetitions
    assert pairs["cooling_off_refund_vs_first_check_in"]["ok"] == repetitions
    assert pairs["closure_vs_check_in"]["ok"] >= repetitions  # every closure succeeds
    assert pairs["twin_signings_same_key"]["ok"] == 2 * repetitions
    assert pairs["signings_past_the_consumer_limit"]["ok"] == repetitions
    assert pairs["signings_past_the_consumer_limit"]["InputError"] == repetitions
