"""Conservation under concurrency (the Starbucks test): more worker processes than cores
fire random deposits, releases, refunds, disputes, settlements and a closure, with replayed
keys; afterwards the books balance to the fen and every acknowledged key is one effect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import MULTIPROCESS_GROUP
from .sizes import size

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(MULTIPROCESS_GROUP)]


def test_concurrent_workers_conserve_every_fen(
    run_driver: Callable[..., dict[str, Any]], record_counts: Callable[[dict[str, Any]], None]
) -> None:
    report = run_driver("conservation", workers=size("WORKERS"), ops=size("OPS"), seed=11)
    record_counts(report)
    assert report["exit_codes"] == [0] * report["workers"]
    assert report["unexpected"] == []
    assert report["problems"] == [], report.get("stderr")
    outcomes = report["outcomes"]
    # The run exercised what it claims to: deposits, releases, refunds and the closure.
    for op in ("sign", "checkin_consumer", "close"):
        assert outcomes.get(f"{op}:ok", 0) > 0, outcomes
    assert report["totals"]["released_fen"] > 0
    assert report["totals"]["refunded_fen"] > 0
