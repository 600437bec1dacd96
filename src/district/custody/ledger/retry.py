"""One transaction per write, retried when the database asks for it.

PostgreSQL: a serialization failure (SQLSTATE 40001), a deadlock (40P01) or a unique
violation on an idempotency key raced by a concurrent twin (23505) aborts the transaction;
running it again is safe because every write is idempotent by key. SQLite: writers take the
write lock at BEGIN (``transaction_mode=IMMEDIATE`` in the settings) and wait up to the busy
timeout; "database is locked" after that is retried here too.

Inside an outer transaction the work runs in a savepoint (a refused write leaves nothing
behind) and nothing is retried: the outermost caller owns the commit.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, OperationalError, connection, transaction

from .crash import crashpoint

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 12
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


_counts: Counter[str] = Counter()
_counts_lock = threading.Lock()


def retry_counts() -> dict[str, int]:
    """Retried failures in this process by cause: ``40001``, ``40P01``, ``23505``,
    ``sqlite_busy``, and ``reread`` (a check-in's read run again because a write committed
    while it waited for its locks; the transaction itself goes on). Read by the reliability
    suite's workers."""
    with _counts_lock:
        return dict(_counts)


def count_retry(cause: str) -> None:
    """Count one retry of ``cause`` (see :func:`retry_counts`)."""
    with _counts_lock:
        _counts[cause] += 1


def _cause(error: BaseException) -> str:
    state = _sqlstate(error)
    if state:
        return state
    return "sqlite_busy" if isinstance(error, OperationalError) else "sqlite_unique"


def _sqlstate(error: BaseException) -> str | None:
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return str(state) if state else None


def is_retryable(error: BaseException) -> bool:
    """Whether running the transaction again may succeed."""
    state = _sqlstate(error)
    if isinstance(error, OperationalError):
        return state in RETRY_SQLSTATES or any(text in str(error) for text in SQLITE_BUSY)
    if isinstance(error, IntegrityError):
        return state == "23505" or (
            state is None and "UNIQUE constraint failed" in str(error) and ".key" in str(error)
        )
    return False


def run_atomic(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``work`` in one transaction, retrying retryable failures with jittered backoff."""
    if connection.in_atomic_block:
        with transaction.atomic():  # a savepoint: a refused write leaves nothing behind
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                result = work()
                crashpoint("commit.before")
            crashpoint("commit.after")
            return result
        except (OperationalError, IntegrityError) as error:
            if attempt == attempts or not is_retryable(error):
                raise
            count_retry(_cause(error))
            time.sleep(min(0.5, 0.005 * 2**attempt) * random.random())
    raise AssertionError("unreachable")  # pragma: no cover


def atomic_with_retry(function: Callable[P, T]) -> Callable[P, T]:
    """Decorate a service function: one retried transaction per call."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_atomic(lambda: function(*args, **kwargs))

    return wrapper
