"""How big each reliability test runs: CI-sized by default, full-sized on request.

``DISTRICT_CUSTODY_FULL=1`` switches every size to the full run; each size can also be set
alone (``DISTRICT_CUSTODY_CRASHES=200``). No Django import: the drivers read it too.
"""

from __future__ import annotations

import os

#: name → (CI size, full size)
SIZES: dict[str, tuple[int, int]] = {
    "WORKERS": (8, 16),  # conservation: worker processes (more than the 2 cores)
    "OPS": (25, 200),  # conservation: operations per worker
    "RACES": (6, 100),  # races: repetitions of each race pair
    "CRASHES": (20, 200),  # crash: kill -9 of the worker
    "EXAMPLES": (15, 200),  # Hypothesis stateful: examples
    "STEPS": (20, 50),  # Hypothesis stateful: steps per example
    "ROUNDING": (15, 300),  # rounding: Hypothesis examples through the services
    "TAMPER": (3, 40),  # tampering: random positions tried per kind of tampering
}


def full_run() -> bool:
    return os.environ.get("DISTRICT_CUSTODY_FULL", "").lower() in ("1", "true", "yes")


def size(name: str) -> int:
    """``size("CRASHES")``: ``DISTRICT_CUSTODY_CRASHES`` if set, else the CI or full size."""
    ci, full = SIZES[name]
    raw = os.environ.get(f"DISTRICT_CUSTODY_{name}", "")
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(
                f"DISTRICT_CUSTODY_{name}={raw!r} is not a whole number; unset it or give e.g. "
                f"{full}"
            ) from None
        if value < 1:
            raise ValueError(f"DISTRICT_CUSTODY_{name} must be at least 1, not {value}")
        return value
    return full if full_run() else ci
