"""Tests of money arithmetic: hand-computed cases, the real 2025 holiday calendar, properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from district.core.errors import InputError
from district.custody.money import (
    COOLING_OFF_REFUND_WORKING_DAYS,
    OTHER_REFUND_WORKING_DAYS,
    SHANGHAI,
    allocate_fen,
    class_pack_refund_fen,
    cooling_off_deadline,
    cooling_off_refund,
    format_yuan,
    membership_days_used,
    membership_refund_fen,
    membership_refund_on,
    parse_yuan,
    refund_due_on,
    release_schedule_fen,
    released_fen,
    split_pool_fen,
    unit_release_fen,
)

# --- hand-computed cases ------------------------------------------------------------------


def test_release_schedule_spreads_the_remainder_and_sums_to_the_price() -> None:
    assert release_schedule_fen(1_000, 3) == [333, 333, 334]
    # RMB 100.00 over 7 sessions: floor(10000·k/7) = 1428, 2857, 4285, 5714, 7142, 8571, 10000.
    assert release_schedule_fen(10_000, 7) == [1428, 1429, 1428, 1429, 1428, 1429, 1429]
    assert release_schedule_fen(360_000, 60) == [6_000] * 60
    assert unit_release_fen(10_000, 7, 4) == 1429
    assert released_fen(10_000, 7, 3) == 4285


def test_class_pack_refund_rounds_in_the_consumers_favour() -> None:
    # Exact pro rata after 3 of 7 sessions: 10000 · 4/7 = 5714.29 fen; the consumer gets 5715.
    assert class_pack_refund_fen(10_000, 7, 3) == 5715
    assert class_pack_refund_fen(10_000, 7, 0) == 10_000
    assert class_pack_refund_fen(10_000, 7, 7) == 0


def test_membership_refund_by_days() -> None:
    # RMB 5,000 for [2025-03-01, 2026-03-01): 365 days. Ended on 2025-06-01: March, April
    # and May used (31 + 30 + 31 = 92 days); earned floor(500000·92/365) = 126027 fen.
    assert membership_days_used(date(2025, 3, 1), date(2026, 3, 1), date(2025, 6, 1)) == (92, 365)
    assert membership_refund_on(500_000, date(2025, 3, 1), date(2026, 3, 1), date(2025, 6, 1)) == (
        500_000 - 126_027
    )
    assert membership_refund_on(500_000, date(2025, 3, 1), date(2026, 3, 1), date(2025, 2, 1)) == (
        500_000
    )
    assert membership_refund_on(500_000, date(2025, 3, 1), date(2026, 3, 1), date(2027, 1, 1)) == 0
    assert membership_refund_fen(500_000, 365, 92) == 373_973
    with pytest.raises(InputError, match="ends on"):
        membership_days_used(date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 1))


def test_allocate_by_largest_remainder() -> None:
    assert allocate_fen(1_000, [1, 1, 1]) == [334, 333, 333]  # 10.00 / 3
    assert allocate_fen(100, [0, 1, 0, 1]) == [0, 50, 0, 50]
    assert allocate_fen(0, [0, 0]) == [0, 0]
    with pytest.raises(InputError, match="sum to 0"):
        allocate_fen(5, [0, 0])
    with pytest.raises(InputError, match=r"weights\[1\]"):
        allocate_fen(5, [1, -1])


def test_split_pool_pays_in_full_or_pro_rata() -> None:
    # Pool RMB 1,000.00 against claims 500 + 300 + 400: exact shares 41666.67, 25000 and
    # 33333.33 fen; the one fen left over goes to the largest remainder (the first claim).
    short = split_pool_fen(100_000, [50_000, 30_000, 40_000])
    assert short.parts_fen == (41_667, 25_000, 33_333)
    assert (short.paid_fen, short.shortfall_fen, short.surplus_fen) == (100_000, 20_000, 0)
    full = split_pool_fen(150_000, [50_000, 30_000, 40_000])
    assert full.parts_fen == (50_000, 30_000, 40_000)
    assert (full.paid_fen, full.shortfall_fen, full.surplus_fen) == (120_000, 0, 30_000)


def test_yuan_text_round_trip() -> None:
    assert parse_yuan("5000") == 500_000
    assert parse_yuan("12.3") == 1_230
    assert parse_yuan(" 1,234.56 ") == 123_456
    assert format_yuan(123_456) == "1,234.56"
    assert format_yuan(-5) == "-0.05"
    for bad in ("12.345", "-1", "1e3", "", "¥5"):
        with pytest.raises(InputError, match="two decimals"):
            parse_yuan(bad)


def test_money_refuses_floats_and_overdraw() -> None:
    with pytest.raises(InputError, match="whole numbers"):
        released_fen(100.0, 3, 1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="more than the 3 units"):
        released_fen(100, 3, 4)
    with pytest.raises(InputError, match="at least 1"):
        release_schedule_fen(100, 0)


# --- cooling-off: the 7-day boundary to the second -------------------------------------------

SIGNED = datetime(2025, 3, 3, 15, 0, tzinfo=SHANGHAI)


def test_cooling_off_deadline_is_midnight_after_the_seventh_day() -> None:
    # Signed on 3 March: the period runs 4–10 March and ends at 24:00 on 10 March.
    assert cooling_off_deadline(SIGNED) == datetime(2025, 3, 11, 0, 0, tzinfo=SHANGHAI)
    # Signed at 23:30 UTC on 2 March = 07:30 on 3 March in Shanghai: the same deadline.
    assert cooling_off_deadline(datetime(2025, 3, 2, 23, 30, tzinfo=UTC)) == cooling_off_deadline(
        SIGNED
    )


def test_cooling_off_boundary_plus_minus_one_second() -> None:
    deadline = cooling_off_deadline(SIGNED)
    last = cooling_off_refund(368_00, SIGNED, deadline - timedelta(seconds=1), None)
    assert last.eligible and last.refund_fen == 36_800
    late = cooling_off_refund(368_00, SIGNED, deadline, None)
    assert not late.eligible and late.refund_fen == 0 and "ended" in late.reason
    in_utc = cooling_off_refund(368_00, SIGNED, datetime(2025, 3, 10, 15, 59, 59, tzinfo=UTC), None)
    assert in_utc.eligible
    same_day = cooling_off_refund(368_00, SIGNED, SIGNED + timedelta(minutes=5), None)
    assert same_day.eligible


def test_first_entry_ends_the_cooling_off_right() -> None:
    request = SIGNED + timedelta(days=2)
    used = cooling_off_refund(36_800, SIGNED, request, activated_at=request - timedelta(seconds=1))
    assert not used.eligible and "activated" in used.reason
    at_once = cooling_off_refund(36_800, SIGNED, request, activated_at=request)
    assert not at_once.eligible
    later = cooling_off_refund(36_800, SIGNED, request, activated_at=request + timedelta(seconds=1))
    assert later.eligible
    with pytest.raises(InputError, match="precedes"):
        cooling_off_refund(36_800, SIGNED, SIGNED - timedelta(seconds=1), None)
    with pytest.raises(InputError, match="time zone"):
        cooling_off_deadline(datetime(2025, 3, 3, 15, 0))


def test_refund_due_dates_over_the_2025_national_day_holiday() -> None:
    # Real calendar (chinese-calendar): 1–8 October 2025 off, Saturday 11 October a working day.
    is_workday = chinese_calendar.is_workday
    requested = date(2025, 9, 29)
    due = refund_due_on(requested, COOLING_OFF_REFUND_WORKING_DAYS, is_workday)
    assert due == date(2025, 10, 13)  # 30 Sep, 9 Oct, 10 Oct, Sat 11 Oct, Mon 13 Oct
    assert refund_due_on(requested, OTHER_REFUND_WORKING_DAYS, is_workday) == date(2025, 10, 27)
    with pytest.raises(InputError, match="calendar"):
        refund_due_on(requested, 5, lambda _day: False)


# --- properties -------------------------------------------------------------------------------

prices = st.integers(min_value=0, max_value=2_000_000_000)
units = st.integers(min_value=1, max_value=400)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(price=prices, n=units, data=st.data())
def test_releases_plus_refund_equal_the_deposit(price: int, n: int, data: st.DataObject) -> None:
    schedule = release_schedule_fen(price, n)
    assert sum(schedule) == price
    assert all(part >= 0 for part in schedule)
    assert max(schedule) - min(schedule) <= 1
    consumed = data.draw(st.integers(min_value=0, max_value=n))
    released = sum(unit_release_fen(price, n, k) for k in range(1, consumed + 1))
    refund = class_pack_refund_fen(price, n, consumed)
    assert released + refund == price
    assert refund >= 0 and released >= 0
    # The refund is the exact pro-rata share rounded up, never a whole fen above it.
    assert refund * n >= price * (n - consumed) > (refund - 1) * n or refund == 0


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(price=prices, n=units, pattern=st.lists(st.booleans(), max_size=400))
def test_usage_pattern_never_overdraws(price: int, n: int, pattern: list[bool]) -> None:
    """Sessions used on some days and not others: the balance only falls and ends exact."""
    balance, consumed = price, 0
    for used in pattern:
        if used and consumed < n:
            consumed += 1
            balance -= unit_release_fen(price, n, consumed)
            assert balance >= 0
    assert balance == class_pack_refund_fen(price, n, consumed)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    pool=st.integers(min_value=0, max_value=10**12),
    claims=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=60),
)
def test_pool_split_adds_up_to_the_fen(pool: int, claims: list[int]) -> None:
    if sum(claims) == 0 and pool > 0:
        split = split_pool_fen(pool, claims)
        assert split.surplus_fen == pool and sum(split.parts_fen) == 0
        return
    split = split_pool_fen(pool, claims)
    parts = split.parts_fen
    assert sum(parts) == split.paid_fen == min(pool, sum(claims))
    assert split.paid_fen + split.surplus_fen == pool
    assert split.paid_fen + split.shortfall_fen == sum(claims)
    assert all(0 <= part <= claim for part, claim in zip(parts, claims, strict=True))
    if pool < sum(claims):
        total = sum(claims)
        for part, claim in zip(parts, claims, strict=True):
            exact_floor = pool * claim // total
            assert exact_floor <= part <= exact_floor + 1
        by_claim: dict[int, list[int]] = {}
        for part, claim in zip(parts, claims, strict=True):
            by_claim.setdefault(claim, []).append(part)
        assert all(max(same) - min(same) <= 1 for same in by_claim.values())


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=50).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocation_is_exact_and_never_negative(total: int, weights: list[int]) -> None:
    parts = allocate_fen(total, weights)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)
