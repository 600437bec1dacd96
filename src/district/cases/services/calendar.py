"""The platform's working-day calendar table, and deadlines counted on it.

The calendar (:class:`district.core.worktime.WorkCalendar`) is built from two sources:

* the ``CalendarYear``/``CalendarDay`` table, which administrators edit (a year they enter
  wins over the package);
* the ``chinese-calendar`` package for the years it knows (2004–2026 in version 1.11), which
  ``seed_calendar_from_package`` also copies into the table so they can be seen and edited.

A year in neither is *missing*. Nothing crashes because of it: :func:`deadline_after` then
counts that year's Mondays to Fridays as working days, marks the deadline ``provisional``
and names the missing years, staff see :func:`calendar_status`'s warning, and when an
administrator enters the year every provisional deadline of an open case is recomputed.

Other apps (participation's reply deadlines) call :func:`deadline_after`,
:func:`working_hours_between` and :func:`calendar_status`.

The built calendar is cached in the process for ``CACHE_SECONDS`` and dropped at once when
this process writes the table; another process sees an edit within that time.
"""

from __future__ import annotations

import re
import threading
import time as clock
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext

from district.accounts.models import User
from district.cases.models import CalendarDay, CalendarYear
from district.core.errors import InputError
from district.core.worktime import (
    SHANGHAI,
    UnknownCalendarYearError,
    WorkCalendar,
    calendar_days_from_package,
)

CACHE_SECONDS = 30.0
PACKAGE_YEARS = range(2004, 2101)  # asked of the package; it answers for those it knows

_lock = threading.Lock()
_cache: dict[str, object] = {}


@dataclass(frozen=True)
class Deadline:
    """When a period of working time ends, and whether the calendar knew every year of it."""

    at: datetime
    provisional: bool = False
    missing_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class CalendarStatus:
    """What the calendar knows, and the warning staff see while a year is missing."""

    table_years: tuple[int, ...]
    package_years: tuple[int, ...]
    known_years: tuple[int, ...]
    missing_years: tuple[int, ...]  # of this year and the next
    this_year: int

    @property
    def warning(self) -> str:
        """The warning in the active language (empty when nothing is missing)."""
        if not self.missing_years:
            return ""
        years = ", ".join(str(y) for y in self.missing_years)
        return gettext(
            "The working-day calendar has no public holidays or adjusted working days for "
            "%(years)s. Deadlines that reach into %(years)s count Monday to Friday as working "
            "days and are marked provisional until an administrator enters the State "
            "Council's holiday notice."
        ) % {"years": years}


@lru_cache(maxsize=1)
def _package_days() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    found: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
    for year in PACKAGE_YEARS:
        days = calendar_days_from_package(year)
        if days is None:
            if found:  # the package knows a contiguous run of years
                break
            continue
        found[year] = days
    return found


def _table_version() -> tuple[int, str]:
    stats = CalendarYear.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    days = CalendarDay.objects.count()
    return (int(stats["n"] or 0) * 1_000_003 + days, str(stats["last"]))


def _build() -> tuple[WorkCalendar, tuple[int, ...]]:
    package = _package_days()
    holidays: set[date] = set()
    workdays: set[date] = set()
    table_years = set(CalendarYear.objects.values_list("year", flat=True))
    for year in sorted(set(package) - table_years):
        holidays |= package[year][0]
        workdays |= package[year][1]
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
    years = sorted(table_years | set(package))
    return WorkCalendar(years=years, holidays=holidays, workdays=workdays), tuple(
        sorted(table_years)
    )


def work_calendar() -> WorkCalendar:
    """The calendar of every known year (the table and the package)."""
    return _cached()[0]


def _cached() -> tuple[WorkCalendar, tuple[int, ...]]:
    now = clock.monotonic()
    with _lock:
        entry = _cache.get("calendar")
        if entry is not None and now - float(_cache["checked"]) < CACHE_SECONDS:  # type: ignore[arg-type]
            return entry  # type: ignore[return-value]
    version = _table_version()
    with _lock:
        if entry is not None and _cache.get("version") == version:
            _cache["checked"] = now
            return entry  # type: ignore[return-value]
    built = _build()
    with _lock:
        _cache.update(calendar=built, version=version, checked=now)
    return built


def invalidate_calendar() -> None:
    with _lock:
        _cache.clear()


def _provisional(calendar: WorkCalendar, through_year: int) -> tuple[WorkCalendar, tuple[int, ...]]:
    """The calendar with every missing year up to ``through_year`` as plain Monday–Friday."""
    missing = tuple(
        y for y in range(min(calendar.years), through_year + 1) if y not in calendar.years
    )
    return (
        WorkCalendar(
            years=set(calendar.years) | set(missing),
            holidays=calendar.holidays,
            workdays=calendar.workdays,
            periods=calendar.periods,
            timezone=calendar.timezone,
        ),
        missing,
    )


def deadline_after(
    start: datetime, *, working_hours: float | None = None, working_days: int | None = None
) -> Deadline:
    """The moment ``working_hours`` (or ``working_days``) of working time after ``start``.

    Working days count as Chinese law counts periods (the start day not counted, ending at
    the close of business). If the period reaches a year the calendar does not know, the
    deadline is computed with that year's Mondays to Fridays and marked provisional.
    """
    if (working_hours is None) == (working_days is None):
        raise InputError(
            "Give either working_hours or working_days.",
            field="working_hours",
            fix="Pass e.g. working_hours=35 or working_days=5.",
        )
    calendar = work_calendar()

    def compute(cal: WorkCalendar) -> datetime:
        if working_hours is not None:
            return cal.add_working_hours(start, working_hours)
        return cal.add_working_days(start, int(working_days or 0))

    try:
        return Deadline(at=compute(calendar))
    except UnknownCalendarYearError as error:
        if not calendar.years or error.year < min(calendar.years):
            raise
    local_year = start.astimezone(SHANGHAI).year
    span_days = (working_hours or 0) / max(calendar.hours_per_day, 1e-9) + (working_days or 0)
    through = local_year + 2 + int(span_days // 200)
    provisional, missing = _provisional(calendar, through)
    at = compute(provisional)
    used = tuple(y for y in missing if y <= at.year)
    return Deadline(at=at, provisional=bool(used), missing_years=used)


def working_hours_between(begin: datetime, end: datetime) -> float:
    """Working hours from ``begin`` to ``end``; missing years count Monday to Friday."""
    calendar = work_calendar()
    try:
        return calendar.working_hours_between(begin, end)
    except UnknownCalendarYearError as error:
        if not calendar.years or error.year < min(calendar.years):
            raise
    latest = max(begin, end).astimezone(SHANGHAI).year
    provisional, _missing = _provisional(calendar, latest)
    return provisional.working_hours_between(begin, end)


def calendar_status(today: date | None = None) -> CalendarStatus:
    """Known years, and which of this year and the next are missing."""
    today = today or timezone.localdate()
    calendar, table_years = _cached()
    wanted = (today.year, today.year + 1)
    return CalendarStatus(
        table_years=table_years,
        package_years=tuple(sorted(_package_days())),
        known_years=tuple(sorted(calendar.years)),
        missing_years=tuple(y for y in wanted if y not in calendar.years),
        this_year=today.year,
    )


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def seed_calendar_from_package(
    *, years: Iterable[int] | None = None, by: User | None = None, refresh: bool = False
) -> list[int]:
    """Copy the package's holidays and 调休 days into the table (idempotent).

    Years already in the table are left alone unless ``refresh`` (then package years are
    rewritten; years an administrator entered never are). Returns the years written.
    """
    import chinese_calendar

    package = _package_days()
    wanted = sorted(set(years) if years is not None else set(package))
    written = []
    for year in wanted:
        if year not in package:
            continue
        existing = CalendarYear.objects.filter(year=year).first()
        if existing and (existing.source == CalendarYear.Source.ADMINISTRATOR or not refresh):
            continue
        row, _created = CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "source": CalendarYear.Source.PACKAGE,
                "note": "chinese-calendar " + _package_version(),
                "entered_by": by,
            },
        )
        holidays, workdays = package[year]
        names: dict[date, str] = {}
        for day in holidays | workdays:
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
            names[day] = str(name or "")
        _replace_days(row, holidays, workdays, names)
        written.append(year)
    invalidate_calendar()
    return written


def _package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("chinese-calendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "?"


def _replace_days(
    row: CalendarYear,
    holidays: Iterable[date],
    workdays: Iterable[date],
    names: dict[date, str] | None = None,
) -> None:
    names = names or {}
    CalendarDay.objects.filter(year=row).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(year=row, date=d, kind=CalendarDay.Kind.HOLIDAY, name=names.get(d, "")[:40])
            for d in sorted(holidays)
        ]
        + [
            CalendarDay(year=row, date=d, kind=CalendarDay.Kind.WORKDAY, name=names.get(d, "")[:40])
            for d in sorted(workdays)
        ]
    )


_LINE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:\s*(?:\.\.|–|—|~|to)\s*(\d{4})-(\d{1,2})-(\d{1,2}))?\s*(.*)$"
)


def parse_calendar_lines(text: str, *, field: str) -> dict[date, str]:
    """Dates from text, one per line: ``2027-01-01 元旦`` or a range
    ``2027-02-06..2027-02-13 春节``."""
    days: dict[date, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise InputError(
                f"{field}, line {number}: {line.strip()!r} is not a date.",
                field=field,
                value=line.strip(),
                fix="Write one date per line as YYYY-MM-DD, optionally a range "
                "YYYY-MM-DD..YYYY-MM-DD and a name, e.g. 2027-02-06..2027-02-13 春节.",
            )
        y1, m1, d1, y2, m2, d2, name = match.groups()
        try:
            first = date(int(y1), int(m1), int(d1))
            last = date(int(y2), int(m2), int(d2)) if y2 else first
        except ValueError as error:
            raise InputError(
                f"{field}, line {number}: {line.strip()!r} is not a real date ({error}).",
                field=field,
                value=line.strip(),
                fix="Check the month and day.",
            ) from None
        if last < first or (last - first).days > 31:
            raise InputError(
                f"{field}, line {number}: the range {first}..{last} is backwards or longer "
                "than a month.",
                field=field,
                value=line.strip(),
                fix="Give the first day, then the last day of the holiday.",
            )
        day = first
        while day <= last:
            days[day] = name.strip()
            day += timedelta(days=1)
    return days


@transaction.atomic
def enter_calendar_year(
    *,
    year: int,
    holidays: dict[date, str],
    workdays: dict[date, str],
    by: User | None,
    note: str = "",
) -> CalendarYear:
    """An administrator enters (or corrects) one year's holidays and adjusted working days.

    Holidays are the days off of the State Council's notice (weekend days inside a holiday
    may be listed or not); adjusted working days must be Saturdays or Sundays. Open cases
    whose deadlines were provisional are recomputed.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InputError(
            f"year {year!r} is not a year between 2000 and 2100.",
            field="year",
            value=year,
            fix="Give the four-digit year, e.g. 2027.",
        )
    for field, days in (("holidays", holidays), ("workdays", workdays)):
        stray = sorted(d for d in days if d.year != year)
        if stray:
            raise InputError(
                f"{field}: {stray[0].isoformat()} is not in {year}.",
                field=field,
                value=stray[0].isoformat(),
                fix=f"Enter only dates of {year}; enter other years separately.",
            )
    if not holidays:
        raise InputError(
            f"No public holidays given for {year}.",
            field="holidays",
            fix="Copy the days off from the State Council's notice (国务院办公厅关于"
            f"{year}年部分节假日安排的通知).",
        )
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise InputError(
            f"{both[0].isoformat()} is listed both as a holiday and as an adjusted working day.",
            field="workdays",
            value=both[0].isoformat(),
            fix="Keep the date in one list only.",
        )
    weekdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekdays:
        raise InputError(
            f"workdays: {weekdays[0].isoformat()} is a {weekdays[0]:%A}; adjusted working days "
            "(调休) are weekend days that are worked.",
            field="workdays",
            value=weekdays[0].isoformat(),
            fix="List only the Saturdays and Sundays that become working days.",
        )
    from district.cases.services.deadlines import recompute_provisional_deadlines

    try:
        row, _created = CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "source": CalendarYear.Source.ADMINISTRATOR,
                "note": note[:300],
                "entered_by": by,
            },
        )
        _replace_days(row, holidays, workdays, {**holidays, **workdays})
        invalidate_calendar()
        recompute_provisional_deadlines()
    finally:
        # Rebuilt from the table at the next use, whether this commits or rolls back.
        invalidate_calendar()
    transaction.on_commit(invalidate_calendar)
    return row
