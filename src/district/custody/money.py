"""Money arithmetic to the fen (分): releases, refunds, cooling-off and pool splits.

Every amount is an ``int`` of fen (RMB 1 = 100 fen); no float ever touches money, and every
division says where its remainder goes, so that parts always add up to the whole:

- **Releases and pro-rata refunds use the cumulative floor.** After ``k`` of ``n`` units
  (sessions of a class pack, days of a membership) the merchant has earned
  ``floor(price × k / n)`` and the consumer's unconsumed balance is the rest. The release for
  unit ``k`` is the difference of two such floors, so releases differ by at most one fen,
  the last unit brings the total to the price exactly, and each release depends only on
  ``(price, n, k)``: a release computed twice (a retry) is the same amount. Rounding always
  falls on the consumer's side: the balance after ``k`` units is never less than the exact
  pro-rata share ``price × (n − k) / n``, and never a whole fen more.
- **Splits of a pool use the largest-remainder method** (Hamilton): each claimant gets the
  floor of its exact share, and the fen left over go one each to the largest fractional
  remainders, ties to the earlier claimant. Parts add up to the pool exactly; none is
  negative; none exceeds its claim.
- **Cooling-off** (冷静期) follows the 2025 Shanghai fitness model contracts: 7 days from the
  day after signing, only while the card has not been activated, full refund; the deadline is
  24:00 (Asia/Shanghai) of the seventh day, as periods end under the Civil Code. The first
  entry (activation) ends the right even inside the 7 days. Refunds are due within 5 working
  days (cooling-off) or 15 working days (other refunds); working days come from the
  platform's calendar, passed in as a function.

Times are always passed in (the database clock), never read from this machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from district.core.errors import InputError

SHANGHAI = ZoneInfo("Asia/Shanghai")
COOLING_OFF_DAYS = 7
COOLING_OFF_REFUND_WORKING_DAYS = 5
OTHER_REFUND_WORKING_DAYS = 15

_YUAN_PATTERN = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?")


def _require_int(name: str, value: object, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            f"{name} is {value!r}; money and counts are whole numbers",
            field=name,
            value=value,
            fix="Give amounts in integer fen (RMB 1 = 100 fen) and counts as integers.",
        )
    if value < minimum:
        raise InputError(
            f"{name} is {value}; it must be at least {minimum}", field=name, value=value
        )
    return value


def parse_yuan(text: str) -> int:
    """Read an amount of yuan written as text (``"12"``, ``"12.3"``, ``"12.34"``) into fen.

    Text, not a float, so no binary rounding happens on the way in.
    """
    cleaned = text.strip().replace(",", "") if isinstance(text, str) else ""
    match = _YUAN_PATTERN.fullmatch(cleaned)
    if match is None:
        raise InputError(
            f"The amount {text!r} is not a number of yuan with at most two decimals",
            field="amount",
            value=text,
            fix="Write it like 1234.56 (no currency sign, at most two decimals).",
        )
    whole, decimals = match.group(1), match.group(2) or ""
    return int(whole) * 100 + int(decimals.ljust(2, "0"))


def format_yuan(amount_fen: int) -> str:
    """``123456`` → ``"1,234.56"`` (negative amounts keep their sign)."""
    amount_fen = _require_int("amount_fen", amount_fen, minimum=-(10**18))
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}{yuan:,}.{fen:02d}"


def released_fen(price_fen: int, units: int, consumed: int) -> int:
    """What the merchant has earned after ``consumed`` of ``units``: ``floor(price·k/n)``."""
    _require_int("price_fen", price_fen)
    _require_int("units", units, minimum=1)
    _require_int("consumed", consumed)
    if consumed > units:
        raise InputError(
            f"consumed is {consumed}, more than the {units} units bought",
            field="consumed",
            value=consumed,
            fix="A contract cannot release more units than it holds.",
        )
    return price_fen * consumed // units


def unit_release_fen(price_fen: int, units: int, unit_number: int) -> int:
    """The release for unit ``unit_number`` (1-based) of ``units``; they sum to the price."""
    _require_int("unit_number", unit_number, minimum=1)
    return released_fen(price_fen, units, unit_number) - released_fen(
        price_fen, units, unit_number - 1
    )


def release_schedule_fen(price_fen: int, units: int) -> list[int]:
    """All per-unit releases, in order; ``sum(...) == price_fen`` exactly."""
    _require_int("units", units, minimum=1)
    earned = [released_fen(price_fen, units, k) for k in range(units + 1)]
    return [after - before for before, after in pairwise(earned)]


def unconsumed_fen(price_fen: int, units: int, consumed: int) -> int:
    """The consumer's balance after ``consumed`` of ``units``: ``price − released``."""
    return price_fen - released_fen(price_fen, units, consumed)


def class_pack_refund_fen(price_fen: int, sessions: int, consumed_sessions: int) -> int:
    """The pro-rata refund of a class pack (课时类) after ``consumed_sessions`` sessions."""
    return unconsumed_fen(price_fen, sessions, consumed_sessions)


def membership_refund_fen(price_fen: int, term_days: int, used_days: int) -> int:
    """The pro-rata refund of a membership (会籍类) after ``used_days`` of ``term_days``."""
    return unconsumed_fen(price_fen, term_days, used_days)


def membership_days_used(starts_on: date, ends_on: date, terminated_on: date) -> tuple[int, int]:
    """``(used_days, term_days)`` for a membership over ``[starts_on, ends_on)``.

    A day counts as used when it ended before ``terminated_on``: the termination day itself
    is not charged. Before the start nothing is used; after the end everything is.
    """
    term_days = (ends_on - starts_on).days
    if term_days <= 0:
        raise InputError(
            f"The membership ends on {ends_on.isoformat()}, not after it starts "
            f"({starts_on.isoformat()})",
            field="ends_on",
            value=ends_on.isoformat(),
        )
    used = min(max((terminated_on - starts_on).days, 0), term_days)
    return used, term_days


def membership_refund_on(
    price_fen: int, starts_on: date, ends_on: date, terminated_on: date
) -> int:
    """The pro-rata refund of a membership over ``[starts_on, ends_on)`` ended on a date."""
    used, term_days = membership_days_used(starts_on, ends_on, terminated_on)
    return membership_refund_fen(price_fen, term_days, used)


def allocate_fen(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_fen`` in proportion to integer ``weights`` (largest-remainder method).

    Each part is ``floor(total × w / W)`` or one fen more; the extra fen go to the largest
    remainders, ties to the lower index. ``sum(parts) == total_fen``; a zero weight gets 0.
    """
    _require_int("total_fen", total_fen)
    for position, weight in enumerate(weights):
        _require_int(f"weights[{position}]", weight)
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total_fen == 0:
            return [0] * len(weights)
        raise InputError(
            f"Cannot split {total_fen} fen over weights that sum to 0",
            field="weights",
            fix="Give at least one positive weight.",
        )
    parts: list[int] = []
    remainders: list[tuple[int, int]] = []
    for position, weight in enumerate(weights):
        share, remainder = divmod(total_fen * weight, weight_sum)
        parts.append(share)
        remainders.append((-remainder, position))
    left_over = total_fen - sum(parts)
    for _, position in sorted(remainders)[:left_over]:
        parts[position] += 1
    return parts


@dataclass(frozen=True)
class PoolSplit:
    """How a pool of custody money pays a list of claims.

    ``parts_fen[i]`` goes to claimant ``i``; ``paid_fen`` is their sum; ``shortfall_fen`` is
    what the claims lack (when the pool is short); ``surplus_fen`` is what the pool keeps
    (when it covers every claim in full).
    """

    parts_fen: tuple[int, ...]
    paid_fen: int
    shortfall_fen: int
    surplus_fen: int


def split_pool_fen(pool_fen: int, claims_fen: Sequence[int]) -> PoolSplit:
    """Pay claims from a pool: in full if it suffices, else pro rata by largest remainder.

    For a closing merchant: the custody balance is the pool, each consumer's unconsumed
    balance a claim.
    """
    _require_int("pool_fen", pool_fen)
    for position, claim in enumerate(claims_fen):
        _require_int(f"claims_fen[{position}]", claim)
    total_claims = sum(claims_fen)
    if pool_fen >= total_claims:
        return PoolSplit(tuple(claims_fen), total_claims, 0, pool_fen - total_claims)
    parts = allocate_fen(pool_fen, claims_fen)
    return PoolSplit(tuple(parts), pool_fen, total_claims - pool_fen, 0)


def cooling_off_deadline(signed_at: datetime, zone: tzinfo = SHANGHAI) -> datetime:
    """The end of the cooling-off period: 24:00 of the 7th day after the signing day."""
    if signed_at.tzinfo is None or signed_at.utcoffset() is None:
        raise InputError(
            f"signed_at {signed_at.isoformat()} has no time zone",
            field="signed_at",
            value=signed_at.isoformat(),
            fix="Pass an aware datetime from the database clock.",
        )
    signing_day = signed_at.astimezone(zone).date()
    return datetime.combine(signing_day + timedelta(days=COOLING_OFF_DAYS + 1), time(0), zone)


@dataclass(frozen=True)
class CoolingOffDecision:
    """Whether a cooling-off refund is due, how much, and why."""

    eligible: bool
    refund_fen: int
    deadline: datetime
    reason: str
    reason_zh: str = ""


def cooling_off_refund(
    price_fen: int,
    signed_at: datetime,
    requested_at: datetime,
    activated_at: datetime | None,
    zone: tzinfo = SHANGHAI,
) -> CoolingOffDecision:
    """Decide a cooling-off request: the full price back, or nothing with the reason.

    Eligible when asked before :func:`cooling_off_deadline` and the card was not activated
    at or before the request (the first entry ends the right).
    """
    _require_int("price_fen", price_fen)
    deadline = cooling_off_deadline(signed_at, zone)
    if requested_at.tzinfo is None or requested_at.utcoffset() is None:
        raise InputError(
            f"requested_at {requested_at.isoformat()} has no time zone", field="requested_at"
        )
    if requested_at < signed_at:
        raise InputError(
            f"The request ({requested_at.isoformat()}) precedes the signing "
            f"({signed_at.isoformat()})",
            field="requested_at",
            value=requested_at.isoformat(),
        )
    if activated_at is not None and activated_at <= requested_at:
        return CoolingOffDecision(
            False,
            0,
            deadline,
            f"the card was activated on {activated_at.isoformat()}, which ends the cooling-off "
            f"right",
            f"合同已于 {activated_at.astimezone(zone):%Y-%m-%d %H:%M} 开始使用，"
            "冷静期退款权随之终止",
        )
    if requested_at >= deadline:
        return CoolingOffDecision(
            False,
            0,
            deadline,
            f"the cooling-off period ended at {deadline.isoformat()}",
            f"冷静期已于 {deadline.astimezone(zone):%Y-%m-%d %H:%M} 结束",
        )
    return CoolingOffDecision(
        True,
        price_fen,
        deadline,
        f"unused and asked before {deadline.isoformat()}: full refund",
        f"尚未使用且在 {deadline.astimezone(zone):%Y-%m-%d %H:%M} 前申请：全额退款",
    )


def refund_due_on(
    requested_on: date, working_days: int, is_workday: Callable[[date], bool]
) -> date:
    """The date a refund is due: the ``working_days``-th working day after the request.

    ``is_workday`` is the platform calendar (it knows adjusted working days, 调休); 5 for a
    cooling-off refund, 15 for other refunds under the 2025 fitness model contracts.
    """
    _require_int("working_days", working_days, minimum=1)
    day = requested_on
    counted = 0
    for _ in range(366 * 2):
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
            if counted == working_days:
                return day
    raise InputError(
        f"The calendar has fewer than {working_days} working days in the two years after "
        f"{requested_on.isoformat()}",
        field="is_workday",
        fix="Load the working-day calendar for the coming year.",
    )
