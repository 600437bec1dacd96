"""Closed intervals of real numbers: what a rounded or qualified figure can really be.

A press release writes "7.8 percent" for anything from 7.75 to 7.85, and "over 5 billion"
for anything from 5 billion up. Consistency checks compare these ranges, not the printed
points: two claims contradict each other only when no values inside their ranges agree.
Infinite ends are allowed (``math.inf``) for "over" and "at least".

The operations are ordinary interval arithmetic. They are exact for a function of
independent inputs; when an input appears twice in a formula (``E - E / m``) interval
arithmetic over-widens, so the growth module computes such quantities with a dedicated
monotone formula instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["Interval"]


def _clean(values: Iterable[float]) -> list[float]:
    # 0 x inf is undefined in IEEE arithmetic; as an interval end it is 0.
    return [0.0 if math.isnan(v) else v for v in values]


@dataclass(frozen=True, order=True)
class Interval:
    """The closed interval ``[low, high]``; ends may be infinite."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if math.isnan(self.low) or math.isnan(self.high):
            raise ValueError(f"Interval ends must be numbers, got [{self.low}, {self.high}]")
        if self.low > self.high:
            raise ValueError(f"Interval low {self.low} is above high {self.high}")

    @classmethod
    def point(cls, value: float) -> Interval:
        """The degenerate interval holding one exact value."""
        return cls(value, value)

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def overlaps(self, other: Interval, *, rel_tol: float = 1e-9) -> bool:
        """Whether some value lies in both intervals (with a hair of float tolerance)."""
        slack = rel_tol * max(
            1.0, *(abs(v) for v in (self.low, self.high, other.low, other.high) if math.isfinite(v))
        )
        return self.low <= other.high + slack and other.low <= self.high + slack

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.low - other.high, self.high - other.low)

    def __mul__(self, other: Interval) -> Interval:
        products = _clean(
            (
                self.low * other.low,
                self.low * other.high,
                self.high * other.low,
                self.high * other.high,
            )
        )
        return Interval(min(products), max(products))

    def __truediv__(self, other: Interval) -> Interval:
        if other.low <= 0.0 <= other.high:
            return Interval(-math.inf, math.inf)
        inverse = Interval(1.0 / other.high, 1.0 / other.low)
        return self * inverse

    def scale(self, factor: float) -> Interval:
        """Multiply both ends by a constant."""
        ends = _clean((self.low * factor, self.high * factor))
        return Interval(min(ends), max(ends))

    def shift(self, offset: float) -> Interval:
        return Interval(self.low + offset, self.high + offset)

    def map_increasing(self, function: Callable[[float], float]) -> Interval:
        """The image under a non-decreasing function."""
        return Interval(function(self.low), function(self.high))

    def map_decreasing(self, function: Callable[[float], float]) -> Interval:
        """The image under a non-increasing function."""
        return Interval(function(self.high), function(self.low))

    def intersection(self, other: Interval) -> Interval | None:
        low, high = max(self.low, other.low), min(self.high, other.high)
        return Interval(low, high) if low <= high else None
