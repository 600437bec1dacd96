"""Reply deadlines in working days (工作日), on the platform's shared calendar.

The calendar is :class:`district.core.worktime.WorkCalendar`. The ``cases`` app is to keep
the platform's editable calendar table (seeded from ``chinese-calendar``, with years the
package does not know entered by administrators) and expose it through a service; until
that service is on ``main`` this module builds the calendar from the package
(:func:`~district.core.worktime.calendar_from_package`). :func:`work_calendar` is the one
place to switch.

The package knows 2004–2026. A deadline that runs into a year nobody has entered is not an
error: it is counted on weekdays only, marked *provisional*, and staff see a warning
(:func:`missing_calendar_years`) until the year is entered.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from django.utils import timezone

from district.core.worktime import UnknownCalendarYearError, WorkCalendar, calendar_from_package


@functools.lru_cache(maxsize=8)
def work_calendar(years: tuple[int, ...]) -> tuple[WorkCalendar, tuple[int, ...]]:
    """The calendar for ``years`` and the years it does not know."""
    calendar, missing = calendar_from_package(years)
    return calendar, tuple(missing)


def reply_deadline(received_at: datetime, working_days: int) -> tuple[datetime, bool]:
    """Close of business of the ``working_days``-th working day after receipt.

    Returns ``(deadline, provisional)``; ``provisional`` is True when a year on the way had
    no holiday data, so that year's weekdays were all counted as working days.
    """
    years = (received_at.year, received_at.year + 1)
    calendar, missing = work_calendar(years)
    try:
        return calendar.add_working_days(received_at, working_days), False
    except UnknownCalendarYearError:
        weekdays_only = WorkCalendar(
            years=sorted({*calendar.years, *missing}),
            holidays=calendar.holidays,
            workdays=calendar.workdays,
            periods=calendar.periods,
            timezone=calendar.timezone,
        )
        return weekdays_only.add_working_days(received_at, working_days), True


def missing_calendar_years(today: date | None = None) -> list[int]:
    """This year and the next, those without holiday data: staff are warned while any is."""
    today = today or timezone.localdate()
    _calendar, missing = work_calendar((today.year, today.year + 1))
    return list(missing)
