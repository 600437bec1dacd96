"""The platform's working-day calendar table: package years, administrators' years,
provisional deadlines while a year is missing, and recomputation once it is entered."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from district.cases import services
from district.cases.models import CalendarYear
from district.cases.tests.conftest import ZHONGSHAN_PARK, at
from district.core.errors import InputError

pytestmark = pytest.mark.django_db

# The State Council's 2027 notice is not out when this is written; these dates are a
# plausible test year, not the real 2027 holidays.
HOLIDAYS_2027 = """
2027-01-01 元旦
2027-02-05..2027-02-11 春节
2027-10-01..2027-10-07 国庆节
"""
WORKDAYS_2027 = "2027-02-14 春节调休\n2027-10-09 国庆调休"


def enter_2027(admin):
    return services.enter_calendar_year(
        year=2027,
        holidays=services.parse_calendar_lines(HOLIDAYS_2027, field="holidays"),
        workdays=services.parse_calendar_lines(WORKDAYS_2027, field="workdays"),
        by=admin,
        note="test year",
    )


def test_package_years_answer_without_any_table_rows():
    # 2026 Spring Festival: Sat 14 Feb worked, 15–23 Feb off (chinese-calendar 1.11).
    due = services.deadline_after(at(2026, 2, 13, 16), working_hours=2)
    assert due.at == at(2026, 2, 14, 10) and not due.provisional


def test_a_missing_year_gives_a_provisional_deadline_never_an_error():
    due = services.deadline_after(at(2026, 12, 30, 16), working_hours=14)
    # Wed 30 Dec 16–17 (1 h), Thu 31 Dec (7 h), then Fri 1 Jan 2027 counted as a plain
    # weekday because 2027 is unknown: 6 more hours end at 16:00.
    assert due.at == at(2027, 1, 1, 16)
    assert due.provisional and due.missing_years == (2027,)
    assert services.working_hours_between(at(2026, 12, 31, 9), at(2027, 1, 4, 12)) == 17.0
    status = services.calendar_status(today=date(2026, 11, 28))
    assert status.missing_years == (2027,)
    assert "2027" in status.warning and "暂定" in status.warning  # the interface's language
    with translation.override("en"):
        assert "marked provisional" in status.warning


def test_entering_the_year_recomputes_provisional_deadlines(cast):
    result = services.create_case(
        category_code="SJ0101",
        channel="hotline",
        description="年底的暴露垃圾",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        received_at=at(2026, 12, 31, 15),
    )
    case = result.case
    assert case.deadline_provisional
    old_due = case.due_at
    enter_2027(cast.admin)
    case.refresh_from_db()
    assert not case.deadline_provisional
    assert case.due_at > old_due  # 1 January 2027 is now a holiday
    assert services.calendar_status(today=date(2026, 11, 28)).missing_years == ()
    due = services.deadline_after(at(2026, 12, 30, 16), working_hours=14)
    assert due.at == at(2027, 1, 4, 16) and not due.provisional  # 3 h + 3 h on Monday


def test_administrators_years_win_over_the_package_and_survive_a_reseed(cast):
    services.seed_calendar_from_package(years=[2025, 2026])
    services.enter_calendar_year(
        year=2026,
        holidays={date(2026, 1, 1): "元旦", date(2026, 3, 2): "测试假日"},
        workdays={},
        by=cast.admin,
    )
    assert not services.work_calendar().is_workday(date(2026, 3, 2))
    services.seed_calendar_from_package(years=[2026], refresh=True)
    assert CalendarYear.objects.get(year=2026).source == "administrator"
    assert not services.work_calendar().is_workday(date(2026, 3, 2))
    assert services.calendar_status().table_years == (2025, 2026)


@pytest.mark.parametrize(
    ("holidays", "workdays", "words"),
    [
        ("2028-01-01", "", "not in 2027"),
        ("", "", "No public holidays"),
        ("2027-01-01", "2027-01-01", "both"),
        ("2027-01-01", "2027-01-05", "weekend days"),
        ("2027-13-01", "", "not a real date"),
        ("first of january", "", "not a date"),
        ("2027-02-10..2027-02-01", "", "backwards"),
    ],
)
def test_bad_years_are_refused(cast, holidays, workdays, words):
    with pytest.raises(InputError, match=words):
        services.enter_calendar_year(
            year=2027,
            holidays=services.parse_calendar_lines(holidays, field="holidays"),
            workdays=services.parse_calendar_lines(workdays, field="workdays"),
            by=cast.admin,
        )
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_parse_calendar_lines_reads_ranges_and_names():
    days = services.parse_calendar_lines(HOLIDAYS_2027, field="holidays")
    assert len(days) == 15 and days[date(2027, 2, 8)] == "春节"
    assert services.parse_calendar_lines("# comment\n\n", field="x") == {}


def test_working_days_for_participation_reply_deadlines():
    """The seam participation uses: N working days, counted as Chinese law counts them."""
    due = services.deadline_after(at(2026, 9, 30, 10), working_days=5)
    # National Day 2026: 1–7 October off, Sat 10 Oct worked; Wed 30 Sep + 5 working days.
    assert due.at == at(2026, 10, 13, 17)
    with pytest.raises(InputError):
        services.deadline_after(at(2026, 9, 30, 10))
