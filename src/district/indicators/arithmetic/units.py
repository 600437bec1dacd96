"""Units of the plan's figures, and which of them may be converted into which.

A plan briefing mixes scales freely: GDP in billions of yuan, budgets in 亿元 (100 million
yuan) or 万元 (10 thousand yuan), housing in million square metres, sponge-city area in
square kilometres, growth in percent. A :class:`Unit` knows its *dimension* (money, area,
length, count, ratio, ...), its factor to the dimension's base unit, and, for money, its
currency. Two units convert into each other only when dimension and currency agree, so a
series can hold ``billion_yuan`` and ``100m_yuan`` rows but never ``billion_yuan`` and
``percent``, or yuan and US dollars.

Unit codes are ASCII (they appear in CSV files and on the command line); each unit also has
an English and a Chinese label for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from district.core.errors import InputError

__all__ = [
    "UNITS",
    "Dimension",
    "Unit",
    "UnitError",
    "convert_value",
    "get_unit",
]


class UnitError(InputError):
    """A unit that does not exist, or two units that cannot be combined or converted."""

    code = "bad_unit"


class Dimension(StrEnum):
    """What a unit measures. Only units of one dimension convert into each other."""

    MONEY = "money"
    AREA = "area"
    LENGTH = "length"
    COUNT = "count"
    RATIO = "ratio"  # times, percent and plain fractions: 1.8 times = 180 percent
    PERCENTAGE_POINT = "percentage_point"  # the difference of two percentages
    DURATION = "duration"
    RANK = "rank"  # an ordinal: 1 = first. Never added, averaged or converted.


@dataclass(frozen=True)
class Unit:
    """A unit of measurement.

    ``factor`` converts a value in this unit to the dimension's base unit (yuan, square
    metre, metre, item, plain ratio, percentage point, year, rank): 278.9 ``billion_yuan``
    is 278.9 x 1e9 yuan.
    """

    code: str
    label_en: str
    label_zh: str
    dimension: Dimension
    factor: float
    currency: str | None = None  # ISO 4217 code, for money only
    suffix: bool = False  # printed without a space after the number, as in "15.8%"

    def is_compatible(self, other: Unit) -> bool:
        """Whether values in ``other`` can be converted into this unit."""
        if self.dimension is Dimension.RANK or other.dimension is Dimension.RANK:
            return self.code == other.code
        return self.dimension == other.dimension and self.currency == other.currency

    def describe(self) -> str:
        """The unit with its dimension and currency, for error messages."""
        if self.currency:
            return f"'{self.code}' ({self.dimension.value}, {self.currency})"
        return f"'{self.code}' ({self.dimension.value})"

    def format(self, number_text: str) -> str:
        """Attach the English label to an already formatted number."""
        if self.dimension is Dimension.RANK:
            return f"No. {number_text}"
        if self.suffix:
            return f"{number_text}{self.label_en}"
        return f"{number_text} {self.label_en}"


def _units(*units: Unit) -> dict[str, Unit]:
    return {unit.code: unit for unit in units}


M = Dimension.MONEY
UNITS: dict[str, Unit] = _units(
    # Money, Chinese yuan (renminbi). 万 = 1e4, 亿 = 1e8.
    Unit("yuan", "yuan", "元", M, 1.0, "CNY"),
    Unit("10k_yuan", "10k yuan", "万元", M, 1e4, "CNY"),
    Unit("million_yuan", "million yuan", "百万元", M, 1e6, "CNY"),
    Unit("100m_yuan", "100 million yuan", "亿元", M, 1e8, "CNY"),
    Unit("billion_yuan", "billion yuan", "十亿元", M, 1e9, "CNY"),
    Unit("trillion_yuan", "trillion yuan", "万亿元", M, 1e12, "CNY"),
    Unit("fen", "fen", "分", M, 0.01, "CNY"),
    # Money, US dollars: here so that a dollar figure is refused in a yuan series.
    Unit("usd", "US dollars", "美元", M, 1.0, "USD"),
    Unit("million_usd", "million US dollars", "百万美元", M, 1e6, "USD"),
    Unit("billion_usd", "billion US dollars", "十亿美元", M, 1e9, "USD"),
    # Area
    Unit("m2", "m²", "平方米", Dimension.AREA, 1.0),
    Unit("10k_m2", "10k m²", "万平方米", Dimension.AREA, 1e4),
    Unit("ha", "ha", "公顷", Dimension.AREA, 1e4),
    Unit("million_m2", "million m²", "百万平方米", Dimension.AREA, 1e6),
    Unit("km2", "km²", "平方公里", Dimension.AREA, 1e6),
    # Length
    Unit("m", "m", "米", Dimension.LENGTH, 1.0),
    Unit("km", "km", "公里", Dimension.LENGTH, 1e3),
    # Counts (the thing counted is in the indicator's name)
    Unit("count", "", "个", Dimension.COUNT, 1.0, suffix=True),
    Unit("10k_count", " x 10k", "万", Dimension.COUNT, 1e4, suffix=True),
    # Dimensionless ratios
    Unit("ratio", "", "", Dimension.RATIO, 1.0, suffix=True),
    Unit("times", " times", "倍", Dimension.RATIO, 1.0, suffix=True),
    Unit("percent", "%", "%", Dimension.RATIO, 0.01, suffix=True),
    Unit("pp", " percentage points", "个百分点", Dimension.PERCENTAGE_POINT, 1.0, suffix=True),
    # Time
    Unit("year", "years", "年", Dimension.DURATION, 1.0),
    # Ordinal
    Unit("rank", "", "位", Dimension.RANK, 1.0, suffix=True),
)


def get_unit(code: str) -> Unit:
    """Look a unit up by its code, with an error that lists the known codes."""
    try:
        return UNITS[code]
    except KeyError:
        known = ", ".join(sorted(UNITS))
        raise UnitError(
            f"Unknown unit '{code}'",
            field="unit",
            value=code,
            fix=f"Use one of: {known}.",
        ) from None


def convert_value(value: float, source: Unit, target: Unit, *, label: str | None = None) -> float:
    """Convert a number from ``source`` to ``target``, refusing incompatible units.

    ``label`` names where the value came from (a file row, a series point) so the error
    says which one is wrong.
    """
    if not target.is_compatible(source):
        where = f"{label}: " if label else ""
        raise UnitError(
            f"{where}cannot convert {source.describe()} to {target.describe()}",
            field="unit",
            value=source.code,
            fix=(
                "Store it as a separate indicator, or convert it explicitly first "
                "(an exchange rate for another currency, a whole for a share)."
            ),
        )
    if source.code == target.code:
        return value
    return value * source.factor / target.factor
