"""Reply deadlines in working days (工作日), on the platform's one calendar.

The calendar is the table the ``cases`` app keeps (seeded from ``chinese-calendar``, with
years the package does not know entered by administrators), read through its services:
``cases.services.deadline_after`` and ``calendar_status``. A deadline that runs into a year
nobody has entered is not an error: it is counted on weekdays only, marked *provisional*,
and staff see a warning (:func:`missing_calendar_years`) until the year is entered.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from district.cases import services as cases


def reply_deadline(received_at: datetime, working_days: int) -> tuple[datetime, bool]:
    """Close of business of the ``working_days``-th working day after receipt.

    Returns ``(deadline, provisional)``; ``provisional`` is True when a year on the way had
    no holiday data, so that year's weekdays were all counted as working days.
    """
    deadline = cases.deadline_after(received_at, working_days=working_days)
    return deadline.at, deadline.provisional


def missing_calendar_years(today: date | None = None) -> list[int]:
    """This year and the next, those without holiday data: staff are warned while any is."""
    return list(cases.calendar_status(today or timezone.localdate()).missing_years)
