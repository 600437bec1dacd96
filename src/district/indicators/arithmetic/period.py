"""Periods: the year, or the span, that a figure refers to.

A point in time is written either as a year (``2024``: the year's figure, or its end) or as
a day (``2025-09-23``: as of that day). A :class:`Period` runs from an optional start to an
end. For a change between two annual figures (a multiple, an average growth rate, an
increase) the start is the base year, so ``2020`` to ``2024`` is 4 annual steps; for a
running total ("since the start of the 14th Five-Year Plan") the start is the first day
counted (``2021-01-01``).

On a continuous time line a year stands for its end (2024 -> 2025.0) and a day for its
start (2025-09-23 -> 2025.726), so the gap between two annual figures is a whole number of
years and a running total since 2021-01-01 as of 2025-09-23 spans 4.73 years.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from district.core.errors import InputError

__all__ = ["Period", "When"]

_YEAR = re.compile(r"^\d{4}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, order=True)
class When:
    """A year (``day`` is ``None``) or a calendar day."""

    year: int
    day: date | None = None

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> When:
        """Read ``"2024"`` or ``"2025-09-23"``."""
        cleaned = text.strip()
        if _YEAR.match(cleaned):
            return cls(int(cleaned))
        if _DAY.match(cleaned):
            try:
                day = date.fromisoformat(cleaned)
            except ValueError:
                pass
            else:
                return cls(day.year, day)
        raise InputError(
            f"'{text}' is neither a year nor a date",
            field=field,
            value=text,
            fix="Write a year as 2024 or a day as 2025-09-23 (ISO 8601).",
        )

    @property
    def is_year(self) -> bool:
        return self.day is None

    def time(self) -> float:
        """Position on a continuous year axis: a year's end, or a day's start."""
        if self.day is None:
            return float(self.year + 1)
        days = 366 if calendar.isleap(self.year) else 365
        return self.year + (self.day.timetuple().tm_yday - 1) / days

    def __str__(self) -> str:
        return str(self.year) if self.day is None else self.day.isoformat()


@dataclass(frozen=True)
class Period:
    """What a figure refers to: one point (``start`` is ``None``) or a span."""

    end: When
    start: When | None = None

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """Read a period from two cells; an empty ``start`` means a single point."""
        end_when = When.parse(end, field="period_end")
        start_when = When.parse(start, field="period_start") if start.strip() else None
        if start_when is not None and start_when.time() > end_when.time():
            raise InputError(
                f"The period starts ({start}) after it ends ({end})",
                field="period_start",
                value=start,
                fix="Put the earlier year or date in period_start.",
            )
        return cls(end=end_when, start=start_when)

    @property
    def is_span(self) -> bool:
        return self.start is not None

    def years(self) -> float:
        """The span in years: whole annual steps between two years, else fractional."""
        if self.start is None:
            return 0.0
        if self.start.is_year and self.end.is_year:
            return float(self.end.year - self.start.year)
        return self.end.time() - self.start.time()

    def label(self) -> str:
        """``"2024"``, ``"2020 to 2024"`` or ``"2021-01-01 to 2025-09-23"``."""
        if self.start is None or self.start == self.end:
            return str(self.end)
        return f"{self.start} to {self.end}"

    def __str__(self) -> str:
        return self.label()
