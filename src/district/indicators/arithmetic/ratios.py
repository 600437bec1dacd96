"""Shares, wholes implied by shares, differences, totals and averages.

"15.37 km² covering 41 percent of the built-up area" states a part and its share, and so
implies the whole (15.37 / 0.41 = 37.49 km²). "Accounting for one-third of the city's
total" does the same for e-commerce. The difference of two percentages is in percentage
points, not percent. Totals and averages go through :class:`~.quantity.Series`, so a
yuan figure is never added to a dollar figure or to a count.
"""

from __future__ import annotations

from collections.abc import Sequence

from district.core.errors import InputError

from .derived import Derived, input_tuple, require_positive
from .growth import percent_quantity
from .interval import Interval
from .quantity import Quantity, Series
from .units import UNITS, Dimension

__all__ = ["average", "difference", "implied_part", "implied_whole", "share", "total"]

PERCENT = UNITS["percent"]
PP = UNITS["pp"]
ADDABLE = (
    Dimension.MONEY,
    Dimension.AREA,
    Dimension.LENGTH,
    Dimension.COUNT,
    Dimension.RATIO,
    Dimension.PERCENTAGE_POINT,
    Dimension.DURATION,
)


def _bounds(interval: Interval) -> Interval | None:
    return None if interval.is_point else interval


def _share_fraction(share_: Quantity) -> tuple[float, Interval]:
    share_.require_dimension(Dimension.RATIO, role="share")
    require_positive(share_, "share")
    factor = share_.unit.factor
    interval = share_.interval.scale(factor)
    return share_.value * factor, Interval(max(interval.low, 0.0), interval.high)


def _share_text(share_: Quantity) -> str:
    """A share as a divisor: 41 percent -> "0.41", one-third as written -> "1/3"."""
    if share_.unit.code == "percent":
        if share_.text is not None:
            decimals = len(share_.text.split(".")[1]) if "." in share_.text else 0
            return f"{share_.value / 100:.{decimals + 2}f}"
        return f"{share_.value / 100:.4g}"
    text = share_.number_text()
    return f"({text})" if "/" in text else text


def share(part: Quantity, whole: Quantity, *, label: str = "share") -> Derived:
    """``part`` as a percentage of ``whole`` (both in compatible units)."""
    part.require_dimension(*ADDABLE, role="part")
    part = part.to(whole.unit)
    require_positive(whole, "whole")
    interval = part.interval / Interval(max(whole.interval.low, 0.0), whole.interval.high)
    return Derived(
        label=label,
        quantity=percent_quantity(part.value / whole.value, interval),
        words="part / whole",
        expression=f"{part.number_text()} / {whole.number_text()}",
        method="share",
        inputs=input_tuple(part, whole),
    )


def implied_whole(part: Quantity, share_: Quantity, *, label: str = "whole implied") -> Derived:
    """The whole of which ``part`` is ``share_``: ``part / share``."""
    part.require_dimension(*ADDABLE, role="part")
    fraction, interval = _share_fraction(share_)
    return Derived(
        label=label,
        quantity=Quantity(
            value=part.value / fraction,
            unit=part.unit,
            bounds=_bounds(part.interval / interval),
            price_basis=part.price_basis,
        ),
        words="part / share",
        expression=f"{part.number_text()} / {_share_text(share_)}",
        method="implied_whole",
        inputs=input_tuple(part, share_),
    )


def implied_part(whole: Quantity, share_: Quantity, *, label: str = "part implied") -> Derived:
    """The part that is ``share_`` of ``whole``: ``whole * share``."""
    whole.require_dimension(*ADDABLE, role="whole")
    fraction, interval = _share_fraction(share_)
    return Derived(
        label=label,
        quantity=Quantity(
            value=whole.value * fraction,
            unit=whole.unit,
            bounds=_bounds(whole.interval * interval),
            price_basis=whole.price_basis,
        ),
        words="whole * share",
        expression=f"{whole.number_text()} * {_share_text(share_)}",
        method="implied_part",
        inputs=input_tuple(whole, share_),
    )


def difference(first: Quantity, second: Quantity, *, label: str = "difference") -> Derived:
    """``first - second``. Two percentages differ by percentage points, not percent."""
    first.require_dimension(*ADDABLE, role="first value")
    second = second.to(first.unit)
    unit = first.unit
    if unit.code == "percent":
        unit = PP  # 15.83% - 7.8% = 8.03 percentage points
    return Derived(
        label=label,
        quantity=Quantity(
            value=first.value - second.value,
            unit=unit,
            bounds=_bounds(first.interval - second.interval),
            price_basis=first.price_basis,
        ),
        words="first - second",
        expression=f"{first.number_text()} - {second.number_text()}",
        method="difference",
        inputs=input_tuple(first, second),
    )


def _series(name: str, values: Sequence[Quantity]) -> Series:
    if not values:
        raise InputError(f"No values for the {name}", field="values", fix="Pass at least one.")
    for value in values:
        value.require_dimension(*ADDABLE, role=f"value in the {name}")
    return Series.of(name, ((value.label or str(i), value) for i, value in enumerate(values, 1)))


def total(values: Sequence[Quantity], *, label: str = "total") -> Derived:
    """The sum of quantities of one dimension, in the first one's unit."""
    series = _series(label, values)
    interval = Interval.point(0.0)
    for quantity in series.quantities:
        interval = interval + quantity.interval
    return Derived(
        label=label,
        quantity=Quantity(
            value=float(series.values().sum()), unit=series.unit, bounds=_bounds(interval)
        ),
        words="v1 + v2 + ... + vn",
        expression=" + ".join(q.number_text() for q in series.quantities),
        method="total",
        inputs=input_tuple(values),
    )


def average(values: Sequence[Quantity], *, label: str = "average") -> Derived:
    """The arithmetic mean of quantities of one dimension, in the first one's unit.

    For growth rates over consecutive years use
    :func:`~.growth.average_growth_rate` instead: compounding is not averaging.
    """
    series = _series(label, values)
    n = len(series)
    interval = Interval.point(0.0)
    for quantity in series.quantities:
        interval = interval + quantity.interval
    terms = " + ".join(q.number_text() for q in series.quantities)
    return Derived(
        label=label,
        quantity=Quantity(
            value=float(series.values().mean()),
            unit=series.unit,
            bounds=_bounds(interval.scale(1 / n)),
        ),
        words="(v1 + v2 + ... + vn) / n",
        expression=f"({terms}) / {n}",
        method="average",
        inputs=input_tuple(values),
    )
