"""The working-time calendar against the real 2024–2026 holidays and 调休 days.

The dates come from the State Council's holiday notices for 2024, 2025 and 2026 (as the
``chinese-calendar`` package carries them); every expected deadline below is counted by
hand on a paper calendar.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from district.core.errors import ConfigurationError, InputError
from district.core.worktime import (
    DEFAULT_WORK_PERIODS,
    SHANGHAI,
    UnknownCalendarYearError,
    WorkCalendar,
    WorkPeriod,
    calendar_days_from_package,
    calendar_from_package,
    parse_work_periods,
)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    cal, missing = calendar_from_package([2024, 2025, 2026])
    assert missing == []
    return cal


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# -- which days are working days -----------------------------------------------------


def test_2025_spring_festival_and_its_make_up_days(calendar: WorkCalendar) -> None:
    # 2025 Spring Festival: off Tue 28 Jan to Tue 4 Feb; Sun 26 Jan and Sat 8 Feb are worked.
    assert calendar.is_workday(date(2025, 1, 26))  # Sunday, 调休
    assert calendar.is_workday(date(2025, 1, 27))  # Monday
    for day in range(28, 32):
        assert not calendar.is_workday(date(2025, 1, day))
    for day in range(1, 5):
        assert not calendar.is_workday(date(2025, 2, day))
    assert calendar.is_workday(date(2025, 2, 5))  # Wednesday, back to work
    assert calendar.is_workday(date(2025, 2, 8))  # Saturday, 调休
    assert not calendar.is_workday(date(2025, 2, 9))  # ordinary Sunday


def test_2024_and_2026_adjusted_days(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(date(2024, 2, 4))  # Sunday before the 2024 Spring Festival
    assert not calendar.is_workday(date(2024, 10, 1))  # National Day
    assert calendar.is_workday(date(2024, 10, 12))  # Saturday, 调休
    assert not calendar.is_workday(date(2026, 1, 2))  # Friday, New Year holiday
    assert calendar.is_workday(date(2026, 1, 4))  # Sunday, 调休
    assert not calendar.is_workday(date(2026, 10, 7))  # Wednesday, National Day
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, 调休


def test_package_seed_matches_the_package_day_by_day() -> None:
    import chinese_calendar

    cal, _ = calendar_from_package([2025])
    day = date(2025, 1, 1)
    while day.year == 2025:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day = date.fromordinal(day.toordinal() + 1)


def test_unknown_year_from_the_package_is_reported_not_raised() -> None:
    assert calendar_days_from_package(2027) is None
    holidays, workdays = calendar_days_from_package(2025) or (frozenset(), frozenset())
    assert date(2025, 10, 1) in holidays and date(2025, 9, 28) in workdays
    cal, missing = calendar_from_package([2026, 2027, 2028])
    assert missing == [2027, 2028]
    assert cal.years == frozenset({2026})
    assert cal.missing_years([2026, 2027]) == [2027]


def test_unknown_year_raises_a_configuration_error_naming_it(calendar: WorkCalendar) -> None:
    with pytest.raises(UnknownCalendarYearError) as info:
        calendar.is_workday(date(2027, 3, 1))
    error = info.value
    assert isinstance(error, ConfigurationError)
    assert error.year == 2027 and error.status == 500
    assert "2027" in str(error) and "administrator" in str(error)
    assert "2024–2026" in str(error)
    # A deadline that runs into 2027 raises too, rather than treating 2027 as all workdays.
    with pytest.raises(UnknownCalendarYearError):
        calendar.add_working_days(at(2026, 12, 30, 10), 5)


# -- working hours -------------------------------------------------------------------


def test_inside_one_day(calendar: WorkCalendar) -> None:
    monday = at(2025, 3, 3, 9)
    assert calendar.add_working_hours(monday, 3) == at(2025, 3, 3, 12)  # ends at lunch
    assert calendar.add_working_hours(monday, 3.5) == at(2025, 3, 3, 13, 30)
    assert calendar.add_working_hours(monday, 7) == at(2025, 3, 3, 17)  # 3 h + 4 h
    assert calendar.add_working_hours(monday, 0) == monday


def test_start_outside_working_hours(calendar: WorkCalendar) -> None:
    # Early morning: the clock starts at 09:00.
    assert calendar.add_working_hours(at(2025, 3, 3, 7, 30), 1) == at(2025, 3, 3, 10)
    # At lunch: the clock starts at 13:00.
    assert calendar.add_working_hours(at(2025, 3, 3, 12, 20), 2) == at(2025, 3, 3, 15)
    # In the evening: the next morning.
    assert calendar.add_working_hours(at(2025, 3, 3, 19), 4) == at(2025, 3, 4, 14)
    # On a Sunday that is not a 调休 day: Monday morning.
    assert calendar.add_working_hours(at(2025, 3, 2, 10), 1) == at(2025, 3, 3, 10)


def test_friday_evening_before_a_holiday(calendar: WorkCalendar) -> None:
    # Fri 26 Sep 2025, 16:00; Sat 27 off, Sun 28 Sep is a 调休 working day; 1–8 Oct off.
    start = at(2025, 9, 26, 16)
    assert calendar.add_working_hours(start, 1) == at(2025, 9, 26, 17)
    assert calendar.add_working_hours(start, 2) == at(2025, 9, 28, 10)  # the Sunday 调休
    # 1 h Fri + 7 h Sun + 7 h Mon 29 + 7 h Tue 30 = 22 h; 1–8 Oct are off; the last
    # 4 h are Thu 9 Oct 09:00–12:00 and 13:00–14:00.
    assert calendar.add_working_hours(start, 22) == at(2025, 9, 30, 17)
    assert calendar.add_working_hours(start, 26) == at(2025, 10, 9, 14)


def test_across_the_2025_spring_festival(calendar: WorkCalendar) -> None:
    # Mon 27 Jan 2025, 15:00, 4 working hours: 2 h on Monday, then nothing until Wed 5 Feb.
    assert calendar.add_working_hours(at(2025, 1, 27, 15), 4) == at(2025, 2, 5, 11)


def test_hours_between_is_the_inverse(calendar: WorkCalendar) -> None:
    assert calendar.working_hours_between(at(2025, 1, 27, 15), at(2025, 2, 5, 11)) == 4.0
    assert calendar.working_hours_between(at(2025, 9, 26, 16), at(2025, 10, 9, 14)) == 26.0
    assert calendar.working_hours_between(at(2025, 3, 3, 12, 10), at(2025, 3, 3, 12, 50)) == 0.0
    assert calendar.working_hours_between(at(2025, 3, 3, 17), at(2025, 3, 3, 9)) == -7.0
    # A whole ordinary week is 5 × 7 = 35 hours; the Spring Festival week of 2025
    # (Sun 26 Jan to Sat 1 Feb) holds only Sun 26 and Mon 27.
    assert calendar.working_hours_between(at(2025, 3, 3), at(2025, 3, 10)) == 35.0
    assert calendar.working_hours_between(at(2025, 1, 26), at(2025, 2, 2)) == 14.0
    assert calendar.hours_per_day == 7.0
    for hours in (0.25, 1, 7.75, 8, 8.5, 33, 120):
        start = at(2025, 12, 30, 11, 15)
        end = calendar.add_working_hours(start, hours)
        assert calendar.working_hours_between(start, end) == pytest.approx(hours, abs=1e-9)


def test_aware_inputs_in_other_zones_are_converted(calendar: WorkCalendar) -> None:
    # 01:00 UTC is 09:00 in Shanghai.
    utc_start = datetime(2025, 3, 3, 1, 0, tzinfo=ZoneInfo("UTC"))
    result = calendar.add_working_hours(utc_start, 1)
    assert result == at(2025, 3, 3, 10)
    assert result.utcoffset() == timedelta(hours=8)


def test_is_working_time(calendar: WorkCalendar) -> None:
    assert calendar.is_working_time(at(2025, 3, 3, 9))
    assert not calendar.is_working_time(at(2025, 3, 3, 12))
    assert not calendar.is_working_time(at(2025, 3, 3, 17))
    assert calendar.is_working_time(at(2025, 2, 8, 10))  # Saturday 调休
    assert not calendar.is_working_time(at(2025, 2, 3, 10))  # Spring Festival


# -- working days --------------------------------------------------------------------


def test_working_days_do_not_count_the_first_day(calendar: WorkCalendar) -> None:
    # Received Mon 3 Mar 2025 at 10:00, five working days: Tue–Fri and Mon 10 Mar.
    assert calendar.add_working_days(at(2025, 3, 3, 10), 5) == at(2025, 3, 10, 17)
    # Received on a Saturday: counting starts on Monday.
    assert calendar.add_working_days(at(2025, 3, 8, 10), 1) == at(2025, 3, 10, 17)
    # Received Fri 24 Jan 2025 before the Spring Festival: Sun 26 (调休), Mon 27, Wed 5 Feb.
    assert calendar.add_working_days(at(2025, 1, 24, 16), 3) == at(2025, 2, 5, 17)
    # Zero days: close of business today, or of the next working day.
    assert calendar.add_working_days(at(2025, 3, 3, 10), 0) == at(2025, 3, 3, 17)
    assert calendar.add_working_days(at(2025, 10, 1, 10), 0) == at(2025, 10, 9, 17)


# -- configuration and bad input -----------------------------------------------------


def test_custom_periods() -> None:
    periods = parse_work_periods("08:30-12:00, 13:30-17:30")
    cal = WorkCalendar(years=[2025], periods=periods)
    assert cal.hours_per_day == 7.5
    assert cal.add_working_hours(at(2025, 3, 3, 11, 30), 1) == at(2025, 3, 3, 14)
    # Without entered holidays, 1 Oct 2025 (a Wednesday) is an ordinary working day.
    assert cal.is_workday(date(2025, 10, 1))
    assert parse_work_periods("09:00-12:00,13:00-17:00") == DEFAULT_WORK_PERIODS


@pytest.mark.parametrize(
    "text", ["9-12", "09:00-12:00,11:00-17:00", "12:00-09:00", "25:00-26:00", ""]
)
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_work_periods(text)
    assert info.value.field == "periods"


def test_bad_calendar_data_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="2026"):
        WorkCalendar(years=[2025], holidays=[date(2026, 1, 1)])
    with pytest.raises(ConfigurationError, match="both"):
        WorkCalendar(years=[2025], holidays=[date(2025, 2, 8)], workdays=[date(2025, 2, 8)])
    with pytest.raises(ConfigurationError):
        WorkPeriod(time(12), time(9))


def test_bad_arguments_are_input_errors(calendar: WorkCalendar) -> None:
    with pytest.raises(InputError, match="time zone"):
        calendar.add_working_hours(datetime(2025, 3, 3, 9), 1)
    with pytest.raises(InputError, match="hours"):
        calendar.add_working_hours(at(2025, 3, 3, 9), -1)
    with pytest.raises(InputError, match="hours"):
        calendar.add_working_hours(at(2025, 3, 3, 9), float("nan"))
    with pytest.raises(InputError, match="days"):
        calendar.add_working_days(at(2025, 3, 3, 9), 1.5)  # type: ignore[arg-type]
