"""Quantities: a number, its unit, how precisely it was stated, and where it came from.

A :class:`Quantity` is what a briefing states ("over 5 billion yuan", "7.8 percent",
"nearly 900"). It keeps the number as written (``text``), the :class:`Qualifier` the
sentence used, and the :class:`~.interval.Interval` of values that the wording allows.
A :class:`Series` is a run of quantities of one indicator, all in one unit: it converts
between scales of the same dimension and refuses anything else, naming the offending row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from district.core.errors import InputError

from .interval import Interval
from .units import Dimension, Unit, UnitError, convert_value

__all__ = [
    "ABOUT_RELATIVE",
    "NEARLY_RELATIVE",
    "Qualifier",
    "Quantity",
    "Series",
    "format_number",
    "parse_number",
]

# How far "about X" and "nearly X" may be from X. These are conventions of this platform,
# stated in data/indicators/README.md, not facts about the source: a release that says
# "nearly 900" gives no exact range.
ABOUT_RELATIVE = 0.05
NEARLY_RELATIVE = 0.10


class Qualifier(StrEnum):
    """How a sentence qualifies a number, and so which values it allows."""

    EXACT = "exact"  # "278.9 billion": rounded to the last written digit
    OVER = "over"  # "over 5 billion", "more than 10,000"
    AT_LEAST = "at_least"  # a threshold label: "a 10-billion-yuan building"
    NEARLY = "nearly"  # "nearly 900": a little under
    ABOUT = "about"  # "some 15.37", "one-third"

    @property
    def prefix(self) -> str:
        """The English words printed before the number."""
        return {
            Qualifier.EXACT: "",
            Qualifier.OVER: "over ",
            Qualifier.AT_LEAST: "at least ",
            Qualifier.NEARLY: "nearly ",
            Qualifier.ABOUT: "about ",
        }[self]


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_FRACTION = re.compile(r"^\d+/\d+$")


def parse_number(text: str) -> tuple[float, float]:
    """Read a written number; return it and half a step of its last written digit.

    ``"278.9"`` gives ``(278.9, 0.05)``, ``"7,411"`` gives ``(7411.0, 0.5)``, and a fraction
    ``"1/3"`` gives ``(0.333..., 0.0)`` because it is exact as written. Integers are read as
    exact counts (half a unit), so "153 headquarters" allows 152.5 to 153.5.
    """
    cleaned = text.strip()
    if _FRACTION.match(cleaned):
        numerator, denominator = (int(part) for part in cleaned.split("/"))
        if denominator == 0:
            raise InputError(f"The fraction '{text}' divides by zero", field="value", value=text)
        return float(Fraction(numerator, denominator)), 0.0
    if not _NUMBER.match(cleaned):
        raise InputError(
            f"'{text}' is not a number",
            field="value",
            value=text,
            fix="Write digits with an optional decimal point (278.9, 7411 or 7,411) "
            "or a fraction (1/3).",
        )
    decimals = len(cleaned.split(".")[1]) if "." in cleaned else 0
    return float(cleaned.replace(",", "")), 0.5 * 10.0**-decimals


def _significant_decimals(value: float, significant: int) -> int:
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, significant - 1 - math.floor(math.log10(abs(value))))


def format_number(value: float, significant: int = 4) -> str:
    """Format a computed number for a formula: four significant digits, thousands commas.

    Whole numbers of 1,000 and more print without decimals (``5,155``); smaller numbers keep
    ``significant`` digits (``154.9``, ``15.83``, ``1.350``).
    """
    if math.isinf(value):
        return "unbounded" if value > 0 else "-unbounded"
    if abs(value) >= 10 ** (significant - 1):
        return f"{value:,.0f}"
    return f"{value:,.{_significant_decimals(value, significant)}f}"


def _group_thousands(text: str) -> str:
    """Insert thousands separators into a number as written, keeping its decimals."""
    if not _NUMBER.match(text) or "," in text:
        return text
    whole, dot, decimals = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("+-")
    return f"{sign}{int(digits):,}{dot}{decimals}"


def qualified_interval(value: float, half_step: float, qualifier: Qualifier) -> Interval:
    """The values a qualified figure allows (see the constants above for the conventions)."""
    if qualifier is Qualifier.EXACT:
        return Interval(value - half_step, value + half_step)
    if qualifier in (Qualifier.OVER, Qualifier.AT_LEAST):
        return Interval(value, math.inf)
    if qualifier is Qualifier.NEARLY:
        return Interval(value * (1 - NEARLY_RELATIVE), value)
    slack = max(half_step, abs(value) * ABOUT_RELATIVE)
    return Interval(value - slack, value + slack)


@dataclass(frozen=True)
class Quantity:
    """A number with a unit, the range its wording allows, and a label naming its origin.

    ``bounds`` is in the same unit as ``value``; ``None`` means the value is exact (a
    computed number, or a definition). ``price_basis`` marks money as at current prices
    (``"current"``) or at the prices of a base year (``"constant-2020"``); ``None`` means
    the source does not say.
    """

    value: float
    unit: Unit
    bounds: Interval | None = None
    text: str | None = None
    qualifier: Qualifier = Qualifier.EXACT
    label: str | None = None
    price_basis: str | None = None

    @classmethod
    def parse(
        cls,
        text: str,
        unit: Unit,
        qualifier: Qualifier = Qualifier.EXACT,
        *,
        label: str | None = None,
        price_basis: str | None = None,
    ) -> Quantity:
        """Build a quantity from a number as written and the sentence's qualifier."""
        value, half_step = parse_number(text)
        if unit.dimension in (Dimension.COUNT, Dimension.RANK) and float(value).is_integer():
            half_step = 0.0  # "7,411 beds", "ranking first": whole counts are exact
        return cls(
            value=value,
            unit=unit,
            bounds=qualified_interval(value, half_step, qualifier),
            text=text.strip(),
            qualifier=qualifier,
            label=label,
            price_basis=price_basis,
        )

    @property
    def interval(self) -> Interval:
        """The range of values allowed; a point for an exact quantity."""
        return self.bounds if self.bounds is not None else Interval.point(self.value)

    @property
    def base_value(self) -> float:
        """The value in the dimension's base unit (yuan, m², item, plain ratio)."""
        return self.value * self.unit.factor

    def to(self, unit: Unit) -> Quantity:
        """The same quantity in another unit of the same dimension (and currency)."""
        value = convert_value(self.value, self.unit, unit, label=self.label)
        if unit.code == self.unit.code:
            return self
        bounds = None
        if self.bounds is not None:
            factor = self.unit.factor / unit.factor
            bounds = self.bounds.scale(factor)
        return replace(self, value=value, unit=unit, bounds=bounds, text=None)

    def number_text(self) -> str:
        """The number as written (with thousands separators), or formatted if computed."""
        if self.text is not None:
            return _group_thousands(self.text)
        return format_number(self.value)

    def format(self) -> str:
        """``"over 5 billion yuan"``, ``"278.9 billion yuan"``, ``"15.83%"``."""
        return self.qualifier.prefix + self.unit.format(self.number_text())

    def format_interval(self) -> str:
        """The allowed range in words: ``"5.000 to 5.315 billion yuan"``."""
        interval = self.interval
        if interval.is_point:
            return self.unit.format(format_number(interval.low))
        if math.isinf(interval.high):
            return "at least " + self.unit.format(format_number(interval.low))
        # Four significant digits, or enough decimals to resolve the range's width.
        largest = max(abs(interval.low), abs(interval.high))
        decimals = max(
            _significant_decimals(largest, 4) if largest < 1000 else 0,
            1 - math.floor(math.log10(interval.width)),
        )
        while decimals > 0 and all(
            f"{end:.{decimals}f}".endswith("0") for end in (interval.low, interval.high)
        ):
            decimals -= 1  # 17.50 to 18.50 -> 17.5 to 18.5
        low, high = (f"{end:,.{decimals}f}" for end in (interval.low, interval.high))
        return f"{low} to " + self.unit.format(high)

    def require_dimension(self, *dimensions: Dimension, role: str) -> None:
        """Refuse a quantity of the wrong kind for an operation (a rank in a growth rate)."""
        if self.unit.dimension not in dimensions:
            wanted = " or ".join(d.value for d in dimensions)
            where = f" ({self.label})" if self.label else ""
            raise UnitError(
                f"The {role}{where} is in {self.unit.describe()}, but this needs {wanted}",
                field="unit",
                value=self.unit.code,
                fix=f"Pass a quantity measured in {wanted}.",
            )


@dataclass(frozen=True)
class Series:
    """Quantities of one indicator over time, all converted to one unit.

    Build it with :meth:`of`, which refuses a point whose unit has another dimension or
    currency, or whose money is at another price basis, and names that point.
    """

    name: str
    unit: Unit
    periods: tuple[str, ...]
    quantities: tuple[Quantity, ...]

    @classmethod
    def of(
        cls,
        name: str,
        points: Iterable[tuple[str, Quantity]],
        *,
        unit: Unit | None = None,
    ) -> Series:
        """Collect ``(period, quantity)`` points, converted to ``unit`` (or the first's)."""
        periods: list[str] = []
        quantities: list[Quantity] = []
        basis: str | None = None
        for index, (period, quantity) in enumerate(points, start=1):
            where = quantity.label or f"point {index}"
            if unit is None:
                unit = quantity.unit
            if not unit.is_compatible(quantity.unit):
                raise UnitError(
                    f"Series '{name}': {where} (period {period}) is in "
                    f"{quantity.unit.describe()}, but the series is in {unit.describe()}",
                    field="unit",
                    value=quantity.unit.code,
                    fix="Keep one indicator's values in one dimension and currency; put "
                    "other figures under their own indicator code.",
                )
            if quantity.price_basis is not None:
                if basis is not None and quantity.price_basis != basis:
                    raise UnitError(
                        f"Series '{name}': {where} (period {period}) is at "
                        f"'{quantity.price_basis}' prices, but earlier points are at "
                        f"'{basis}' prices",
                        field="price_basis",
                        value=quantity.price_basis,
                        fix="Deflate or inflate every point to one price basis first.",
                    )
                basis = quantity.price_basis
            periods.append(period)
            quantities.append(quantity.to(unit))
        if unit is None:
            raise InputError(
                f"Series '{name}' has no points", field="points", fix="Pass at least one point."
            )
        return cls(name=name, unit=unit, periods=tuple(periods), quantities=tuple(quantities))

    def values(self) -> NDArray[np.float64]:
        """The values as a float array, in the series' unit."""
        return np.array([q.value for q in self.quantities], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.quantities)
