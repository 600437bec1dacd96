"""kill -9 in the middle of batches: nothing acknowledged is lost, nothing applied twice.

The worker is killed by a crash point inside the ledger's write path
(``DISTRICT_CUSTODY_CRASHPOINTS``, before or after the commit) or by the driver's SIGKILL at
a random moment; the restarted worker retries its batch from the start with the same keys.
``DISTRICT_CUSTODY_CRASHES`` sets how many crashes (CI: 20; full run: 200).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import MULTIPROCESS_GROUP
from .sizes import size

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(MULTIPROCESS_GROUP)]


def test_kill_9_loses_nothing_acknowledged_and_applies_nothing_twice(
    run_driver: Callable[..., dict[str, Any]], record_counts: Callable[[dict[str, Any]], None]
) -> None:
    crashes = size("CRASHES")
    report = run_driver("crash", crashes=crashes, seed=3)
    record_counts(report)
    assert report["problems"] == [], report.get("stderr")
    assert report["crashes"] >= crashes
    assert report["acknowledged"] > 0
    assert report["durability_checks"] == report["crashes"]
