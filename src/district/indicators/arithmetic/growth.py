"""Growth arithmetic: compound annual growth, multiples, increases, and implied values.

The briefing states growth three ways: as a multiple ("1.8 times that of 2020"), as an
average annual rate ("7.8 percent over the first four years") and as an increase ("grew by
over 5 billion yuan, averaging more than 1 billion yuan annually"). These functions turn
any of them into the others, and compute the values they imply ("the 2020 GDP implied by
1.8 times"). Each returns a :class:`~.derived.Derived` with its formula and the range that
the inputs' rounding allows.

Conventions: ``years`` is the number of annual steps from the base year to the end year
(2020 to 2024 is 4). An average annual growth rate is the compound rate,
``(end / start) ** (1 / years) - 1``, which is how Chinese statistical bulletins compute
年均增长. Rates go in and come out in percent.
"""

from __future__ import annotations

from collections.abc import Sequence

from district.core.errors import InputError

from .derived import Derived, input_tuple, require_positive, require_years
from .interval import Interval
from .quantity import Quantity, format_number
from .units import UNITS, Dimension, UnitError

__all__ = [
    "average_annual_increase",
    "average_growth_rate",
    "cagr",
    "cagr_from_multiple",
    "compound",
    "implied_end_from_multiple",
    "implied_increase_from_multiple",
    "implied_increase_from_rate",
    "implied_start_from_multiple",
    "implied_start_from_rate",
    "increase",
    "linear_increment",
    "linear_projection",
    "multiple",
    "multiple_from_rate",
]

PERCENT = UNITS["percent"]
TIMES = UNITS["times"]
LEVEL_DIMENSIONS = (
    Dimension.MONEY,
    Dimension.AREA,
    Dimension.LENGTH,
    Dimension.COUNT,
    Dimension.RATIO,
    Dimension.DURATION,
)


def years_text(years: float) -> str:
    return str(int(years)) if float(years).is_integer() else format_number(years)


def rate_fraction(rate: Quantity) -> tuple[float, Interval]:
    """A growth rate as a plain fraction (7.8 percent -> 0.078), with its range."""
    rate.require_dimension(Dimension.RATIO, role="growth rate")
    factor = rate.unit.factor
    interval = rate.interval.scale(factor)
    if interval.low <= -1.0:
        raise InputError(
            f"A growth rate of {rate.format()} or below -100% has no compound meaning",
            field="rate",
            value=rate.value,
            fix="Rates are in percent: 7.8 means 7.8%.",
        )
    return rate.value * factor, interval


def factor_text(rate: Quantity) -> str:
    """The growth factor as it would be written by hand: 7.8 percent -> "1.078"."""
    fraction = rate.value * rate.unit.factor
    if rate.text is not None and rate.unit.code == "percent":
        decimals = len(rate.text.split(".")[1]) if "." in rate.text else 0
        return f"{1 + fraction:.{decimals + 2}f}"
    return format_number(1 + fraction, 5)


def percent_quantity(fraction: float, interval: Interval) -> Quantity:
    return Quantity(value=fraction * 100, unit=PERCENT, bounds=_bounds(interval.scale(100)))


def _bounds(interval: Interval) -> Interval | None:
    return None if interval.is_point else interval


def _times_fraction(value: Quantity, role: str) -> tuple[float, Interval]:
    value.require_dimension(Dimension.RATIO, role=role)
    require_positive(value, role)
    return value.value * value.unit.factor, value.interval.scale(value.unit.factor)


def _same_unit(first: Quantity, second: Quantity) -> Quantity:
    """``second`` converted to ``first``'s unit, refusing other dimensions and price bases."""
    if (
        first.price_basis is not None
        and second.price_basis is not None
        and first.price_basis != second.price_basis
    ):
        raise UnitError(
            f"Cannot combine {first.label or first.format()} at '{first.price_basis}' prices "
            f"with {second.label or second.format()} at '{second.price_basis}' prices",
            field="price_basis",
            value=second.price_basis,
            fix="Deflate both to one price basis first (see prices.deflate).",
        )
    return second.to(first.unit)


def _level(quantity: Quantity, role: str) -> None:
    quantity.require_dimension(*LEVEL_DIMENSIONS, role=role)


def _positive_interval(interval: Interval) -> Interval:
    return Interval(max(interval.low, 0.0), max(interval.high, 0.0))


def cagr(
    start: Quantity, end: Quantity, years: float, *, label: str = "compound annual growth"
) -> Derived:
    """The compound annual growth rate from ``start`` to ``end`` over ``years``, in percent."""
    _level(start, "start value")
    _level(end, "end value")
    require_years(years)
    end = _same_unit(start, end)
    require_positive(start, "start value")
    require_positive(end, "end value")
    fraction = (end.value / start.value) ** (1 / years) - 1
    ratio = _positive_interval(end.interval) / _positive_interval(start.interval)
    interval = ratio.map_increasing(lambda r: r ** (1 / years) - 1 if r > 0 else -1.0)
    n = years_text(years)
    return Derived(
        label=label,
        quantity=percent_quantity(fraction, interval),
        words="(end / start)^(1 / years) - 1",
        expression=f"({end.number_text()} / {start.number_text()})^(1/{n}) - 1",
        method="cagr",
        inputs=input_tuple(start, end),
    )


def cagr_from_multiple(
    multiple_: Quantity, years: float, *, label: str = "compound annual growth"
) -> Derived:
    """The compound annual rate that multiplies a value by ``multiple_`` in ``years``."""
    require_years(years)
    value, interval = _times_fraction(multiple_, "multiple")
    fraction = value ** (1 / years) - 1
    rate_interval = _positive_interval(interval).map_increasing(lambda m: m ** (1 / years) - 1)
    return Derived(
        label=label,
        quantity=percent_quantity(fraction, rate_interval),
        words="multiple^(1 / years) - 1",
        expression=f"{multiple_.number_text()}^(1/{years_text(years)}) - 1",
        method="cagr_from_multiple",
        inputs=input_tuple(multiple_),
    )


def multiple(end: Quantity, start: Quantity, *, label: str = "multiple") -> Derived:
    """How many times ``start`` the ``end`` value is."""
    _level(start, "start value")
    _level(end, "end value")
    end = _same_unit(start, end)
    require_positive(start, "start value")
    interval = end.interval / _positive_interval(start.interval)
    return Derived(
        label=label,
        quantity=Quantity(value=end.value / start.value, unit=TIMES, bounds=_bounds(interval)),
        words="end / start",
        expression=f"{end.number_text()} / {start.number_text()}",
        method="multiple",
        inputs=input_tuple(end, start),
    )


def multiple_from_rate(rate: Quantity, years: float, *, label: str = "multiple") -> Derived:
    """The multiple that ``years`` of compound growth at ``rate`` produce."""
    require_years(years)
    fraction, interval = rate_fraction(rate)
    value = (1 + fraction) ** years
    multiple_interval = interval.map_increasing(lambda r: (1 + r) ** years)
    return Derived(
        label=label,
        quantity=Quantity(value=value, unit=TIMES, bounds=_bounds(multiple_interval)),
        words="(1 + rate)^years",
        expression=f"{factor_text(rate)}^{years_text(years)}",
        method="multiple_from_rate",
        inputs=input_tuple(rate),
    )


def compound(
    start: Quantity, rate: Quantity, years: float, *, label: str = "value after growth"
) -> Derived:
    """``start`` grown at ``rate`` a year for ``years``: ``start * (1 + rate) ** years``."""
    _level(start, "start value")
    require_years(years)
    fraction, interval = rate_fraction(rate)
    growth = interval.map_increasing(lambda r: (1 + r) ** years)
    return Derived(
        label=label,
        quantity=Quantity(
            value=start.value * (1 + fraction) ** years,
            unit=start.unit,
            bounds=_bounds(start.interval * growth),
            price_basis=start.price_basis,
        ),
        words="start * (1 + rate)^years",
        expression=f"{start.number_text()} * {factor_text(rate)}^{years_text(years)}",
        method="compound",
        inputs=input_tuple(start, rate),
    )


def implied_start_from_rate(
    end: Quantity, rate: Quantity, years: float, *, label: str = "start value implied"
) -> Derived:
    """The base-year value that grows to ``end`` at ``rate`` a year over ``years``."""
    _level(end, "end value")
    require_years(years)
    fraction, interval = rate_fraction(rate)
    growth = interval.map_increasing(lambda r: (1 + r) ** years)
    return Derived(
        label=label,
        quantity=Quantity(
            value=end.value / (1 + fraction) ** years,
            unit=end.unit,
            bounds=_bounds(end.interval / growth),
            price_basis=end.price_basis,
        ),
        words="end / (1 + rate)^years",
        expression=f"{end.number_text()} / {factor_text(rate)}^{years_text(years)}",
        method="implied_start_from_rate",
        inputs=input_tuple(end, rate),
    )


def implied_start_from_multiple(
    end: Quantity, multiple_: Quantity, *, label: str = "start value implied"
) -> Derived:
    """The base-year value of which ``end`` is ``multiple_`` times."""
    _level(end, "end value")
    value, interval = _times_fraction(multiple_, "multiple")
    return Derived(
        label=label,
        quantity=Quantity(
            value=end.value / value,
            unit=end.unit,
            bounds=_bounds(end.interval / interval),
            price_basis=end.price_basis,
        ),
        words="end / multiple",
        expression=f"{end.number_text()} / {multiple_.number_text()}",
        method="implied_start_from_multiple",
        inputs=input_tuple(end, multiple_),
    )


def implied_end_from_multiple(
    start: Quantity, multiple_: Quantity, *, label: str = "end value implied"
) -> Derived:
    """``multiple_`` times ``start``."""
    _level(start, "start value")
    value, interval = _times_fraction(multiple_, "multiple")
    return Derived(
        label=label,
        quantity=Quantity(
            value=start.value * value,
            unit=start.unit,
            bounds=_bounds(start.interval * interval),
            price_basis=start.price_basis,
        ),
        words="start * multiple",
        expression=f"{start.number_text()} * {multiple_.number_text()}",
        method="implied_end_from_multiple",
        inputs=input_tuple(start, multiple_),
    )


def implied_increase_from_rate(
    end: Quantity, rate: Quantity, years: float, *, label: str = "increase implied"
) -> Derived:
    """The rise from the base year to ``end`` when growth averaged ``rate`` a year.

    Computed as ``end * (1 - (1 + rate) ** -years)``, which rises with both ``end`` and
    ``rate``, so its range is exact (``end - end / growth`` in interval arithmetic would
    count the rounding of ``end`` twice).
    """
    _level(end, "end value")
    require_years(years)
    fraction, interval = rate_fraction(rate)
    kept = interval.map_increasing(lambda r: 1 - (1 + r) ** -years)
    end_interval = end.interval
    if kept.low >= 0:
        bounds = Interval(end_interval.low * kept.low, end_interval.high * kept.high)
    else:
        bounds = end_interval * kept
    return Derived(
        label=label,
        quantity=Quantity(
            value=end.value * (1 - (1 + fraction) ** -years),
            unit=end.unit,
            bounds=_bounds(bounds),
            price_basis=end.price_basis,
        ),
        words="end - end / (1 + rate)^years",
        expression=(
            f"{end.number_text()} - {end.number_text()} / {factor_text(rate)}^{years_text(years)}"
        ),
        method="implied_increase_from_rate",
        inputs=input_tuple(end, rate),
    )


def implied_increase_from_multiple(
    end: Quantity, multiple_: Quantity, *, label: str = "increase implied"
) -> Derived:
    """The rise from the base year to ``end`` when ``end`` is ``multiple_`` times the base."""
    _level(end, "end value")
    value, interval = _times_fraction(multiple_, "multiple")
    kept = interval.map_increasing(lambda m: 1 - 1 / m)
    end_interval = end.interval
    if kept.low >= 0:
        bounds = Interval(end_interval.low * kept.low, end_interval.high * kept.high)
    else:
        bounds = end_interval * kept
    return Derived(
        label=label,
        quantity=Quantity(
            value=end.value * (1 - 1 / value),
            unit=end.unit,
            bounds=_bounds(bounds),
            price_basis=end.price_basis,
        ),
        words="end - end / multiple",
        expression=f"{end.number_text()} - {end.number_text()} / {multiple_.number_text()}",
        method="implied_increase_from_multiple",
        inputs=input_tuple(end, multiple_),
    )


def increase(end: Quantity, start: Quantity, *, label: str = "increase") -> Derived:
    """``end - start`` in ``start``'s unit."""
    _level(start, "start value")
    _level(end, "end value")
    end = _same_unit(start, end)
    return Derived(
        label=label,
        quantity=Quantity(
            value=end.value - start.value,
            unit=start.unit,
            bounds=_bounds(end.interval - start.interval),
            price_basis=start.price_basis,
        ),
        words="end - start",
        expression=f"{end.number_text()} - {start.number_text()}",
        method="increase",
        inputs=input_tuple(end, start),
    )


def average_annual_increase(
    total_increase: Quantity, years: float, *, label: str = "average annual increase"
) -> Derived:
    """A total increase spread evenly over ``years``."""
    total_increase.require_dimension(*LEVEL_DIMENSIONS, Dimension.PERCENTAGE_POINT, role="increase")
    require_years(years)
    return Derived(
        label=label,
        quantity=Quantity(
            value=total_increase.value / years,
            unit=total_increase.unit,
            bounds=_bounds(total_increase.interval.scale(1 / years)),
            price_basis=total_increase.price_basis,
        ),
        words="increase / years",
        expression=f"{total_increase.number_text()} / {years_text(years)}",
        method="average_annual_increase",
        inputs=input_tuple(total_increase),
    )


def linear_increment(
    start: Quantity, end: Quantity, years: float, *, label: str = "annual increment"
) -> Derived:
    """The constant yearly addition that takes ``start`` to ``end`` in ``years``.

    For percentages the increment is in percentage points.
    """
    require_years(years)
    rise = increase(end, start).quantity
    if rise.unit.code == "percent":  # a change of a percentage is in percentage points
        rise = Quantity(value=rise.value, unit=UNITS["pp"], bounds=rise.bounds)
    derived = average_annual_increase(rise, years, label=label)
    return Derived(
        label=label,
        quantity=derived.quantity,
        words="(end - start) / years",
        expression=f"({end.number_text()} - {start.number_text()}) / {years_text(years)}",
        method="linear_increment",
        inputs=input_tuple(start, end),
    )


def linear_projection(
    start: Quantity, per_year: Quantity, years: float, *, label: str = "value projected"
) -> Derived:
    """``start`` plus ``per_year`` for each of ``years``: a straight-line projection.

    ``per_year`` may be in percentage points when ``start`` is a percentage.
    """
    _level(start, "start value")
    require_years(years)
    step = per_year
    if start.unit.code == "percent" and per_year.unit.code == "pp":
        step = Quantity(value=per_year.value, unit=start.unit, bounds=per_year.bounds)
    step = _same_unit(start, step)
    return Derived(
        label=label,
        quantity=Quantity(
            value=start.value + step.value * years,
            unit=start.unit,
            bounds=_bounds(start.interval + step.interval.scale(years)),
            price_basis=start.price_basis,
        ),
        words="start + increment per year * years",
        expression=f"{start.number_text()} + {per_year.number_text()} * {years_text(years)}",
        method="linear_projection",
        inputs=input_tuple(start, per_year),
    )


def average_growth_rate(
    rates: Sequence[Quantity], *, label: str = "average annual growth"
) -> Derived:
    """The compound average of yearly growth rates: ``prod(1 + r) ** (1 / n) - 1``.

    This is the rate that, applied every year, gives the same end value as the yearly
    rates did; the arithmetic mean of the rates overstates it when rates vary.
    """
    if not rates:
        raise InputError(
            "No growth rates to average", field="rates", fix="Pass at least one yearly rate."
        )
    product = 1.0
    product_interval = Interval.point(1.0)
    for rate in rates:
        fraction, interval = rate_fraction(rate)
        product *= 1 + fraction
        product_interval = product_interval * interval.shift(1.0)
    n = len(rates)
    fraction = product ** (1 / n) - 1
    interval = product_interval.map_increasing(lambda p: p ** (1 / n) - 1)
    factors = " * ".join(factor_text(rate) for rate in rates)
    return Derived(
        label=label,
        quantity=percent_quantity(fraction, interval),
        words="((1 + r1) * (1 + r2) * ... * (1 + rn))^(1 / n) - 1",
        expression=f"({factors})^(1/{n}) - 1",
        method="average_growth_rate",
        inputs=input_tuple(rates),
    )
