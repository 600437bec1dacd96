"""Crash points: places where the reliability suite kills the process with SIGKILL.

``crashpoint(name)`` does nothing unless the environment variable
``DISTRICT_CUSTODY_CRASHPOINTS`` names it (comma separated: ``commit.before,commit.after``)
or asks for random crashes (``random:<probability>:<seed>``, e.g. ``random:0.01:7``: each
crash point kills with probability 0.01, drawn from a generator seeded with 7). The kill is
``os.kill(os.getpid(), SIGKILL)``: no ``finally`` runs, no transaction is rolled back by
Python, exactly like a power cut of the worker.

The points, in the order a write passes them:

- ``transfer.before_apply`` — idempotency checked, nothing written yet;
- ``transfer.after_apply`` — accounts and transfers written, transaction still open;
- ``journal.after_append`` — the journal entry written, transaction still open;
- ``commit.before`` — the service's work done, just before COMMIT;
- ``commit.after`` — COMMIT done, before the caller receives the result.
"""

from __future__ import annotations

import os
import random
import signal

ENVIRONMENT_VARIABLE = "DISTRICT_CUSTODY_CRASHPOINTS"
POINTS = (
    "transfer.before_apply",
    "transfer.after_apply",
    "journal.after_append",
    "commit.before",
    "commit.after",
)

_random: dict[str, random.Random] = {}
# The variable as first read in this process (a crash point runs five times per check-in;
# reading the environment each time was 3 % of the check-in's CPU). A process that sets it
# later calls :func:`reset_crashpoints`.
_spec: list[str] = []


def _should_crash(name: str, spec: str) -> bool:
    if spec.startswith("random:"):
        try:
            _, probability_text, seed_text = spec.split(":", 2)
            probability = float(probability_text)
        except ValueError:
            return False
        generator = _random.get(spec)
        if generator is None:
            generator = _random[spec] = random.Random(f"{seed_text}:{os.getpid()}")
        return generator.random() < probability
    return name in {part.strip() for part in spec.split(",")}


def crashpoint(name: str) -> None:
    """Kill this process at once if ``DISTRICT_CUSTODY_CRASHPOINTS`` selects ``name``."""
    if not _spec:
        _spec.append(os.environ.get(ENVIRONMENT_VARIABLE, ""))
    spec = _spec[0]
    if spec and _should_crash(name, spec):
        os.kill(os.getpid(), signal.SIGKILL)


def reset_crashpoints() -> None:
    """Read ``DISTRICT_CUSTODY_CRASHPOINTS`` again at the next crash point and forget the
    random generators (a forked worker then seeds its own, with its pid)."""
    _spec.clear()
    _random.clear()
