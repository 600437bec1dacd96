"""The plan scorecard's arithmetic: typed quantities and derived values that show their working.

Pure Python and numpy: no Django, no settings, no other app (an import-linter contract
enforces it), so it runs in plain pytest and under Dask.

- :mod:`.units`: units with dimensions and currencies, and conversion between them.
- :mod:`.interval`: the range of values a rounded or qualified figure allows.
- :mod:`.quantity`: a number as stated ("over 5 billion yuan") and series of them.
- :mod:`.period`: the year or span a figure refers to.
- :mod:`.derived`: a computed value carrying its formula in words and numbers.
- :mod:`.growth`: compound annual growth, multiples, increases, implied values.
- :mod:`.ratios`: shares, implied wholes, differences, totals, averages.
- :mod:`.prices`: real versus nominal growth and the deflator.
"""

from .derived import Derived
from .growth import (
    average_annual_increase,
    average_growth_rate,
    cagr,
    cagr_from_multiple,
    compound,
    implied_end_from_multiple,
    implied_increase_from_multiple,
    implied_increase_from_rate,
    implied_start_from_multiple,
    implied_start_from_rate,
    increase,
    linear_increment,
    linear_projection,
    multiple,
    multiple_from_rate,
)
from .interval import Interval
from .period import Period, When
from .prices import deflate, implied_deflator, nominal_growth, real_growth
from .quantity import Qualifier, Quantity, Series, format_number, parse_number
from .ratios import average, difference, implied_part, implied_whole, share, total
from .units import UNITS, Dimension, Unit, UnitError, convert_value, get_unit

__all__ = [
    "UNITS",
    "Derived",
    "Dimension",
    "Interval",
    "Period",
    "Qualifier",
    "Quantity",
    "Series",
    "Unit",
    "UnitError",
    "When",
    "average",
    "average_annual_increase",
    "average_growth_rate",
    "cagr",
    "cagr_from_multiple",
    "compound",
    "convert_value",
    "deflate",
    "difference",
    "format_number",
    "get_unit",
    "implied_deflator",
    "implied_end_from_multiple",
    "implied_increase_from_multiple",
    "implied_increase_from_rate",
    "implied_part",
    "implied_start_from_multiple",
    "implied_start_from_rate",
    "implied_whole",
    "increase",
    "linear_increment",
    "linear_projection",
    "multiple",
    "multiple_from_rate",
    "nominal_growth",
    "parse_number",
    "real_growth",
    "share",
    "total",
]
