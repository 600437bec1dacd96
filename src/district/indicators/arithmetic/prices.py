"""Real versus nominal: growth at current prices, at constant prices, and the deflator.

GDP growth rates in Chinese statistical releases are usually at constant (comparable)
prices, while levels and multiples of levels are at current prices. The two are linked by
the price deflator: ``1 + nominal = (1 + real) * (1 + deflator)``. When a release gives a
level multiple and a growth rate that do not agree as nominal figures, the deflator that
would reconcile them is :func:`implied_deflator` of the two.
"""

from __future__ import annotations

from dataclasses import replace

from district.core.errors import InputError

from .derived import Derived, input_tuple
from .growth import factor_text, percent_quantity, rate_fraction
from .interval import Interval
from .quantity import Quantity, format_number
from .units import Dimension

__all__ = ["deflate", "implied_deflator", "nominal_growth", "real_growth"]


def real_growth(
    nominal_rate: Quantity, deflator_rate: Quantity, *, label: str = "real growth"
) -> Derived:
    """Growth at constant prices: ``(1 + nominal) / (1 + deflator) - 1``, in percent."""
    nominal, nominal_interval = rate_fraction(nominal_rate)
    deflator, deflator_interval = rate_fraction(deflator_rate)
    interval = nominal_interval.shift(1.0) / deflator_interval.shift(1.0)
    return Derived(
        label=label,
        quantity=percent_quantity((1 + nominal) / (1 + deflator) - 1, interval.shift(-1.0)),
        words="(1 + nominal growth) / (1 + deflator growth) - 1",
        expression=f"{factor_text(nominal_rate)} / {factor_text(deflator_rate)} - 1",
        method="real_growth",
        inputs=input_tuple(nominal_rate, deflator_rate),
    )


def nominal_growth(
    real_rate: Quantity, deflator_rate: Quantity, *, label: str = "nominal growth"
) -> Derived:
    """Growth at current prices: ``(1 + real) * (1 + deflator) - 1``, in percent."""
    real, real_interval = rate_fraction(real_rate)
    deflator, deflator_interval = rate_fraction(deflator_rate)
    interval = real_interval.shift(1.0) * deflator_interval.shift(1.0)
    return Derived(
        label=label,
        quantity=percent_quantity((1 + real) * (1 + deflator) - 1, interval.shift(-1.0)),
        words="(1 + real growth) * (1 + deflator growth) - 1",
        expression=f"{factor_text(real_rate)} * {factor_text(deflator_rate)} - 1",
        method="nominal_growth",
        inputs=input_tuple(real_rate, deflator_rate),
    )


def implied_deflator(
    nominal_rate: Quantity, real_rate: Quantity, *, label: str = "implied deflator growth"
) -> Derived:
    """The yearly price rise that reconciles a nominal and a real growth rate, in percent."""
    nominal, nominal_interval = rate_fraction(nominal_rate)
    real, real_interval = rate_fraction(real_rate)
    interval = nominal_interval.shift(1.0) / real_interval.shift(1.0)
    return Derived(
        label=label,
        quantity=percent_quantity((1 + nominal) / (1 + real) - 1, interval.shift(-1.0)),
        words="(1 + nominal growth) / (1 + real growth) - 1",
        expression=f"{factor_text(nominal_rate)} / {factor_text(real_rate)} - 1",
        method="implied_deflator",
        inputs=input_tuple(nominal_rate, real_rate),
    )


def deflate(
    value: Quantity,
    *,
    price_index: float,
    base_year: int,
    base_index: float = 100.0,
    label: str = "value at constant prices",
) -> Derived:
    """A current-price money value at the prices of ``base_year``.

    ``price_index`` is the deflator for the value's year on a scale where ``base_year`` is
    ``base_index`` (usually 100): 278.9 at an index of 110 is 278.9 x 100 / 110 = 253.5 at
    base-year prices.
    """
    value.require_dimension(Dimension.MONEY, role="value to deflate")
    if value.price_basis not in (None, "current"):
        raise InputError(
            f"{value.label or value.format()} is already at '{value.price_basis}' prices",
            field="price_basis",
            value=value.price_basis,
            fix="Deflate current-price values only.",
        )
    if not price_index > 0 or not base_index > 0:
        raise InputError(
            f"A price index must be above 0, got {price_index} (base {base_index})",
            field="price_index",
            value=price_index,
            fix="Give the deflator on the scale where the base year is 100.",
        )
    factor = base_index / price_index
    quantity = Quantity(
        value=value.value * factor,
        unit=value.unit,
        bounds=None if value.bounds is None else value.bounds.scale(factor),
        price_basis=f"constant-{base_year}",
    )
    quantity = replace(quantity, bounds=_none_if_point(quantity.bounds))
    return Derived(
        label=label,
        quantity=quantity,
        words="value * base index / price index",
        expression=(
            f"{value.number_text()} * {format_number(base_index)} / {format_number(price_index)}"
        ),
        method="deflate",
        inputs=input_tuple(value),
    )


def _none_if_point(interval: Interval | None) -> Interval | None:
    return None if interval is None or interval.is_point else interval
