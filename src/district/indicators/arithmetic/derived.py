"""Derived values: a computed quantity that shows how it was computed.

Every figure the platform computes from stated figures is a :class:`Derived`. It carries
the result (a :class:`~.quantity.Quantity`, with the range the inputs' rounding allows),
the formula in words ("start = end / multiple") and in numbers
("2020 GDP implied = 278.9 / 1.8 = 154.9 billion yuan"), and the inputs it used, so a
report can print the working next to every number and a reader can redo it by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from district.core.errors import InputError

from .interval import Interval
from .quantity import Quantity, format_number
from .units import Unit

__all__ = ["Derived", "require_positive", "require_years"]


@dataclass(frozen=True)
class Derived:
    """A computed value with its working.

    ``label`` names the result ("2020 GDP implied by the multiple"), ``words`` gives the
    general formula and ``expression`` the same formula with the numbers put in.
    """

    label: str
    quantity: Quantity
    words: str
    expression: str
    method: str
    inputs: tuple[Quantity, ...]

    @property
    def value(self) -> float:
        return self.quantity.value

    @property
    def unit(self) -> Unit:
        return self.quantity.unit

    @property
    def interval(self) -> Interval:
        return self.quantity.interval

    @property
    def result_text(self) -> str:
        return self.quantity.format()

    @property
    def formula(self) -> str:
        """``"<label> = <expression> = <result>"`` in numbers."""
        return f"{self.label} = {self.expression} = {self.result_text}"

    @property
    def range_text(self) -> str | None:
        """The range the inputs' rounding or wording allows, or ``None`` when exact."""
        interval = self.quantity.interval
        if interval.is_point:
            return None
        return self.quantity.format_interval()

    def explain(self) -> str:
        """The formula in numbers, then the range if the inputs were rounded or qualified."""
        text = self.formula
        if self.range_text is not None:
            text += f" (allowing for the inputs' rounding and wording: {self.range_text})"
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description, for the CLI and the API."""
        interval = self.quantity.interval
        return {
            "label": self.label,
            "value": self.value,
            "unit": self.unit.code,
            "low": interval.low if interval.low > float("-inf") else None,
            "high": interval.high if interval.high < float("inf") else None,
            "method": self.method,
            "words": self.words,
            "formula": self.formula,
        }


def require_positive(quantity: Quantity, role: str) -> None:
    """Refuse a zero or negative value where a ratio or a root needs a positive one."""
    if not quantity.value > 0:
        where = f" ({quantity.label})" if quantity.label else ""
        raise InputError(
            f"The {role}{where} is {format_number(quantity.value)} {quantity.unit.code}; "
            "this calculation needs a positive value",
            field=role.replace(" ", "_"),
            value=quantity.value,
            fix="Check the figure and its unit; growth rates and multiples need a base above 0.",
        )


def require_years(years: float) -> None:
    """Refuse a non-positive number of years."""
    if not years > 0:
        raise InputError(
            f"The number of years is {years}; it must be above 0",
            field="years",
            value=years,
            fix="Give the span from the base year to the end year (2020 to 2024 is 4 years).",
        )


def input_tuple(*quantities: Quantity | Sequence[Quantity]) -> tuple[Quantity, ...]:
    """Flatten inputs for :attr:`Derived.inputs`."""
    flat: list[Quantity] = []
    for item in quantities:
        if isinstance(item, Quantity):
            flat.append(item)
        else:
            flat.extend(item)
    return tuple(flat)
