"""The working-time calendar: which days are working days, and deadlines in working hours.

Case deadlines (``cases``) and reply deadlines (``participation``) are set in working hours
and working days (工作时 / 工作日), as the local per-小类 time-limit tables of GB/T 30428
and the 12345 hotline rules state them. A :class:`WorkCalendar` answers three questions
from explicit data, with no network and no guessing:

* which dates are working days: Monday to Friday, minus public holidays (法定节假日),
  plus the adjusted working days (调休) on which a weekend day becomes a working day;
* when a number of working hours or working days after a moment ends;
* how many working hours lie between two moments.

The data is explicit because the State Council publishes each year's holidays and 调休 days
only in the autumn before. The platform seeds its calendar table from the
``chinese-calendar`` package (:func:`calendar_days_from_package`, which knows 2004–2026
in version 1.11) and lets an administrator enter later years. A calendar refuses to answer
about a year it was not given, with :class:`UnknownCalendarYearError`, rather than treat
that year's holidays as working days.

The daily working periods default to 09:00–12:00 and 13:00–17:00 in Asia/Shanghai, seven
working hours a day. That is a platform default, not a national rule: a district sets its
own hours (:func:`parse_work_periods` reads them from a setting such as
``"09:00-12:00,13:00-17:00"``). Asia/Shanghai has had no daylight-saving time since 1991,
so wall-clock and elapsed time agree; arithmetic is done on local wall-clock times.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from district.core.errors import ConfigurationError, InputError

SHANGHAI = ZoneInfo("Asia/Shanghai")

_MICROSECONDS_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WorkPeriod:
    """One working period of a working day, in local wall-clock time, ``start < end``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ConfigurationError(
                f"Working period {self.start}–{self.end} carries a time zone.",
                field="periods",
                value=f"{self.start}-{self.end}",
                fix="Give local wall-clock times; the calendar's time zone applies to all.",
            )
        if self.start >= self.end:
            raise ConfigurationError(
                f"Working period {self.start:%H:%M}–{self.end:%H:%M} ends before it starts.",
                field="periods",
                value=f"{self.start:%H:%M}-{self.end:%H:%M}",
                fix="Give each period as start-end within one day, e.g. 09:00-12:00.",
            )

    @property
    def offset_start(self) -> timedelta:
        """Start as the time since midnight."""
        return _since_midnight(self.start)

    @property
    def offset_end(self) -> timedelta:
        """End as the time since midnight."""
        return _since_midnight(self.end)

    @property
    def length(self) -> timedelta:
        return self.offset_end - self.offset_start


# Platform default: 09:00–12:00 and 13:00–17:00, Asia/Shanghai (7 working hours a day).
DEFAULT_WORK_PERIODS: tuple[WorkPeriod, ...] = (
    WorkPeriod(time(9, 0), time(12, 0)),
    WorkPeriod(time(13, 0), time(17, 0)),
)


class UnknownCalendarYearError(ConfigurationError):
    """Asked about a year whose holidays and adjusted working days (调休) were not entered."""

    code = "calendar_year_unknown"

    def __init__(self, year: int, *, known_years: Iterable[int] = ()) -> None:
        self.year = year
        self.known_years = tuple(sorted(known_years))
        known = _describe_years(self.known_years)
        super().__init__(
            f"The working-day calendar has no holidays or adjusted working days (调休) for "
            f"{year}; it knows {known}.",
            field="year",
            value=year,
            fix=(
                f"An administrator must enter {year}'s public holidays and adjusted working "
                f"days, as published by the State Council, before working time in {year} "
                "can be computed."
            ),
        )


class WorkCalendar:
    """Working days and working periods for a set of known years.

    ``years`` are the years whose holidays and 调休 days were entered; every date outside
    them raises :class:`UnknownCalendarYearError`. ``holidays`` are days off (weekend days
    inside a holiday may be listed or not; they are off either way). ``workdays`` are the
    adjusted working days (调休), usually a Saturday or Sunday. A date is a working day if it
    is in ``workdays``, or if it is Monday–Friday and not in ``holidays``.
    """

    __slots__ = ("_holidays", "_periods", "_timezone", "_workdays", "_years")

    def __init__(
        self,
        *,
        years: Iterable[int],
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        periods: Sequence[WorkPeriod] = DEFAULT_WORK_PERIODS,
        timezone: tzinfo = SHANGHAI,
    ) -> None:
        self._years = frozenset(int(y) for y in years)
        self._holidays = frozenset(_as_date(d, "holidays") for d in holidays)
        self._workdays = frozenset(_as_date(d, "workdays") for d in workdays)
        self._periods = _check_periods(periods)
        self._timezone = timezone
        for field, days in (("holidays", self._holidays), ("workdays", self._workdays)):
            stray = sorted(d for d in days if d.year not in self._years)
            if stray:
                raise ConfigurationError(
                    f"{field} lists {stray[0].isoformat()}, in {stray[0].year}, "
                    f"which is not among the calendar's years ({_describe_years(self._years)}).",
                    field=field,
                    value=stray[0].isoformat(),
                    fix=f"Add {stray[0].year} to the calendar's years or remove the date.",
                )
        both = sorted(self._holidays & self._workdays)
        if both:
            raise ConfigurationError(
                f"{both[0].isoformat()} is listed both as a holiday and as an adjusted "
                "working day (调休).",
                field="workdays",
                value=both[0].isoformat(),
                fix="Keep the date in one list only.",
            )

    # -- what the calendar holds ------------------------------------------------------

    @property
    def years(self) -> frozenset[int]:
        """The years whose holidays and adjusted working days the calendar knows."""
        return self._years

    @property
    def holidays(self) -> frozenset[date]:
        return self._holidays

    @property
    def workdays(self) -> frozenset[date]:
        """The adjusted working days (调休)."""
        return self._workdays

    @property
    def periods(self) -> tuple[WorkPeriod, ...]:
        return self._periods

    @property
    def timezone(self) -> tzinfo:
        return self._timezone

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day (7.0 with the default periods)."""
        return _hours(self._day_length())

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """Those of ``years`` the calendar does not know, sorted (what staff are warned about)."""
        return sorted({int(y) for y in years} - self._years)

    # -- days -------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day. An aware datetime counts by its local date."""
        day = self._local_date(day)
        self._require_year(day.year)
        if day in self._workdays:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def next_workday(self, day: date, *, include_today: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself if ``include_today``)."""
        current = self._local_date(day)
        if not include_today:
            current += _ONE_DAY
        while not self.is_workday(current):
            current += _ONE_DAY
        return current

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls inside a working period of a working day."""
        local = self._to_local(moment, "moment")
        if not self.is_workday(local.date()):
            return False
        offset = _since_midnight(local.time())
        return any(p.offset_start <= offset < p.offset_end for p in self._periods)

    # -- arithmetic -------------------------------------------------------------------

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment at which ``hours`` working hours after ``start`` have elapsed.

        The clock only runs inside working periods of working days: a start outside them
        (at lunch, in the evening, on a holiday) starts counting at the next period. The
        result is the earliest such moment, so a deadline can fall exactly at a period's
        end (Friday 17:00, not the next Monday 09:00). ``hours == 0`` returns ``start``.
        The result is in the calendar's time zone, and
        ``working_hours_between(start, result) == hours`` up to a microsecond.
        """
        remaining = _hours_to_timedelta(hours, "hours")
        local = self._to_local(start, "start")
        if not remaining:
            return local
        day = local.date()
        offset = _since_midnight(local.time())
        day_length = self._day_length()
        while True:
            if self.is_workday(day):
                if offset == timedelta(0) and remaining > day_length:
                    remaining -= day_length
                else:
                    for period in self._periods:
                        begin = max(period.offset_start, offset)
                        if begin >= period.offset_end:
                            continue
                        available = period.offset_end - begin
                        if remaining <= available:
                            return self._at(day, begin + remaining)
                        remaining -= available
            day += _ONE_DAY
            offset = timedelta(0)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The close of business of the ``days``-th working day after ``start``'s date.

        This counts as Chinese law counts periods in days (Civil Code arts. 201 and 203):
        the starting day is not counted, and a period ends when business closes on its
        last day. So a case received on Monday with a limit of 5 working days is due at
        the end of the last working period of the following Monday, or later if holidays
        intervene. ``days == 0`` means the close of business of ``start``'s date if it is a
        working day, else of the next working day.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise InputError(
                f"Working days must be a whole number of days, 0 or more; got {days!r}.",
                field="days",
                value=days,
                fix="Pass e.g. 5 for a limit of five working days.",
            )
        day = self._to_local(start, "start").date()
        day = self.next_workday(day, include_today=days == 0)
        for _ in range(days - 1):
            day = self.next_workday(day)
        return self._at(day, self._periods[-1].offset_end)

    def working_hours_between(self, begin: datetime, end: datetime) -> float:
        """Working hours from ``begin`` to ``end`` (negative if ``end`` is earlier)."""
        a = self._to_local(begin, "begin")
        b = self._to_local(end, "end")
        if b < a:
            return -self.working_hours_between(end, begin)
        total = timedelta(0)
        day = a.date()
        day_length = self._day_length()
        while day <= b.date():
            if self.is_workday(day):
                low = _since_midnight(a.time()) if day == a.date() else timedelta(0)
                high = _since_midnight(b.time()) if day == b.date() else _ONE_DAY
                if low == timedelta(0) and high == _ONE_DAY:
                    total += day_length
                else:
                    for period in self._periods:
                        overlap = min(period.offset_end, high) - max(period.offset_start, low)
                        if overlap > timedelta(0):
                            total += overlap
            day += _ONE_DAY
        return _hours(total)

    # -- helpers ----------------------------------------------------------------------

    def _day_length(self) -> timedelta:
        return sum((p.length for p in self._periods), timedelta(0))

    def _require_year(self, year: int) -> None:
        if year not in self._years:
            raise UnknownCalendarYearError(year, known_years=self._years)

    def _at(self, day: date, offset: timedelta) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self._timezone) + offset

    def _to_local(self, moment: datetime, field: str) -> datetime:
        if not isinstance(moment, datetime):
            raise InputError(
                f"{field} must be a datetime; got {moment!r}.",
                field=field,
                value=moment,
                fix="Pass a timezone-aware datetime.",
            )
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InputError(
                f"{field} {moment.isoformat()} has no time zone.",
                field=field,
                value=moment.isoformat(),
                fix="Pass a timezone-aware datetime, e.g. with tzinfo=ZoneInfo('Asia/Shanghai').",
            )
        return moment.astimezone(self._timezone)

    def _local_date(self, day: date) -> date:
        if isinstance(day, datetime):
            return self._to_local(day, "day").date()
        if not isinstance(day, date):
            raise InputError(
                f"day must be a date; got {day!r}.",
                field="day",
                value=day,
                fix="Pass a datetime.date.",
            )
        return day


# -- seeding from the chinese-calendar package ----------------------------------------


def calendar_days_from_package(year: int) -> tuple[frozenset[date], frozenset[date]] | None:
    """``(holidays, workdays)`` for ``year`` from the ``chinese-calendar`` package.

    Returns None when the installed package does not know the year (1.11 knows 2004–2026
    and raises ``NotImplementedError`` for others); the caller reports that year as
    missing instead of crashing. Holidays include the weekend days inside a holiday, as
    the package lists them.
    """
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 1, 1))
        chinese_calendar.is_workday(date(year, 12, 31))
    except NotImplementedError:
        return None
    holidays = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    workdays = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    return holidays, workdays


def calendar_from_package(
    years: Iterable[int],
    *,
    periods: Sequence[WorkPeriod] = DEFAULT_WORK_PERIODS,
    timezone: tzinfo = SHANGHAI,
) -> tuple[WorkCalendar, list[int]]:
    """A calendar of those ``years`` the package knows, and the sorted list it does not."""
    known: list[int] = []
    missing: list[int] = []
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year in sorted(set(years)):
        days = calendar_days_from_package(year)
        if days is None:
            missing.append(year)
            continue
        known.append(year)
        holidays |= days[0]
        workdays |= days[1]
    calendar = WorkCalendar(
        years=known, holidays=holidays, workdays=workdays, periods=periods, timezone=timezone
    )
    return calendar, missing


_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_work_periods(text: str) -> tuple[WorkPeriod, ...]:
    """Periods from text such as ``"09:00-12:00,13:00-17:00"`` (a setting's value)."""
    periods: list[WorkPeriod] = []
    for part in text.split(","):
        match = _PERIOD.match(part)
        if not match:
            raise ConfigurationError(
                f"Cannot read working period {part.strip()!r} in {text!r}.",
                field="periods",
                value=text,
                fix="Write periods as HH:MM-HH:MM separated by commas, e.g. "
                "09:00-12:00,13:00-17:00.",
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ConfigurationError(
                f"Working period {part.strip()!r} is not a time of day.",
                field="periods",
                value=text,
                fix="Use 24-hour times from 00:00 to 23:59.",
            )
        periods.append(WorkPeriod(time(h1, m1), time(h2, m2)))
    return _check_periods(periods)


def _check_periods(periods: Sequence[WorkPeriod]) -> tuple[WorkPeriod, ...]:
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    if not ordered:
        raise ConfigurationError(
            "The calendar has no working periods.",
            field="periods",
            value=[],
            fix="Give at least one period, e.g. 09:00-12:00,13:00-17:00.",
        )
    for earlier, later in itertools.pairwise(ordered):
        if later.start < earlier.end:
            raise ConfigurationError(
                f"Working periods {earlier.start:%H:%M}–{earlier.end:%H:%M} and "
                f"{later.start:%H:%M}–{later.end:%H:%M} overlap.",
                field="periods",
                value=f"{later.start:%H:%M}-{later.end:%H:%M}",
                fix="Give periods that do not overlap.",
            )
    return ordered


def _as_date(value: date, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ConfigurationError(
            f"{field} must hold dates; got {value!r}.",
            field=field,
            value=repr(value),
            fix="Pass datetime.date values.",
        )
    return value


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _hours_to_timedelta(hours: float, field: str) -> timedelta:
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not hours >= 0:
        raise InputError(
            f"{field} must be a number of hours, 0 or more; got {hours!r}.",
            field=field,
            value=hours,
            fix="Pass e.g. 4 or 1.5.",
        )
    if hours == float("inf"):
        raise InputError(
            f"{field} must be finite.", field=field, value=hours, fix="Pass a finite number."
        )
    return timedelta(microseconds=round(hours * _MICROSECONDS_PER_HOUR))


def _hours(span: timedelta) -> float:
    return (span // timedelta(microseconds=1)) / _MICROSECONDS_PER_HOUR


def _describe_years(years: Iterable[int]) -> str:
    ordered = sorted(years)
    if not ordered:
        return "no years"
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}–{ordered[-1]}" if len(ordered) > 1 else str(ordered[0])
    return ", ".join(str(y) for y in ordered)
