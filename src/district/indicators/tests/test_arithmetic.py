"""The growth arithmetic, checked against hand-computed values and with Hypothesis.

Hand computations (to be redone with a calculator):
- 1.8 ** (1/4) = 1.158292..., so 1.8 times over 4 years is 15.83% a year;
- 1.078 ** 4 = 1.350439..., so 7.8% a year for 4 years is 1.350 times;
- 278.9 / 1.8 = 154.944... and 278.9 / 1.350439 = 206.525...;
- 1.088 ** 4 = 1.401250..., so 18 / 1.401250 = 12.8457 and 18 - 12.8457 = 5.1543.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from district.core.errors import InputError
from district.indicators.arithmetic import (
    UNITS,
    Interval,
    Period,
    Qualifier,
    Quantity,
    Series,
    UnitError,
    When,
    average,
    average_annual_increase,
    average_growth_rate,
    cagr,
    cagr_from_multiple,
    compound,
    deflate,
    difference,
    format_number,
    get_unit,
    implied_deflator,
    implied_end_from_multiple,
    implied_increase_from_multiple,
    implied_increase_from_rate,
    implied_part,
    implied_start_from_multiple,
    implied_start_from_rate,
    implied_whole,
    increase,
    linear_increment,
    linear_projection,
    multiple,
    multiple_from_rate,
    nominal_growth,
    parse_number,
    real_growth,
    share,
    total,
)

BILLION = UNITS["billion_yuan"]
PERCENT = UNITS["percent"]
TIMES = UNITS["times"]


def q(text: str, unit: str, qualifier: Qualifier = Qualifier.EXACT, **kwargs: str) -> Quantity:
    return Quantity.parse(text, get_unit(unit), qualifier, **kwargs)


# ------------------------------------------------------------------- hand-computed cases


def test_cagr_of_1_8_times_over_four_years_is_15_83_percent():
    derived = cagr_from_multiple(q("1.8", "times"), 4)
    assert derived.value == pytest.approx(15.8292, abs=1e-4)
    assert derived.unit is PERCENT
    assert derived.expression == "1.8^(1/4) - 1"
    assert derived.result_text == "15.83%"
    # Rounding: 1.75 ** 0.25 - 1 = 15.016%, 1.85 ** 0.25 - 1 = 16.625%.
    assert derived.interval.low == pytest.approx(15.016, abs=1e-3)
    assert derived.interval.high == pytest.approx(16.625, abs=1e-3)


def test_the_2020_gdp_implied_by_the_multiple_shows_its_working():
    derived = implied_start_from_multiple(
        q("278.9", "billion_yuan"), q("1.8", "times"), label="2020 GDP implied"
    )
    assert derived.value == pytest.approx(154.944, abs=1e-3)
    assert derived.formula == "2020 GDP implied = 278.9 / 1.8 = 154.9 billion yuan"
    assert derived.words == "end / multiple"
    assert "150.7 to 159.4 billion yuan" in derived.explain()


def test_seven_point_eight_percent_for_four_years_is_1_35_times():
    derived = multiple_from_rate(q("7.8", "percent"), 4)
    assert derived.value == pytest.approx(1.350439, abs=1e-6)
    assert derived.expression == "1.078^4"
    start = implied_start_from_rate(q("278.9", "billion_yuan"), q("7.8", "percent"), 4)
    assert start.value == pytest.approx(206.525, abs=1e-3)
    assert start.expression == "278.9 / 1.078^4"


def test_cagr_between_two_levels():
    derived = cagr(q("154.9", "billion_yuan"), q("278.9", "billion_yuan"), 4)
    assert derived.value == pytest.approx((278.9 / 154.9) ** 0.25 * 100 - 100)
    assert derived.expression == "(278.9 / 154.9)^(1/4) - 1"


def test_cagr_converts_compatible_scales_first():
    # 2789 亿元 is 278.9 billion yuan: doubling from 1394.5 亿元 in one year is 100%.
    derived = cagr(q("1394.5", "100m_yuan"), q("278.9", "billion_yuan"), 1)
    assert derived.value == pytest.approx(100.0)


def test_fiscal_increase_implied_by_8_8_percent():
    revenue = q("18", "billion_yuan")
    rate = q("8.8", "percent")
    start = implied_start_from_rate(revenue, rate, 4)
    rise = implied_increase_from_rate(revenue, rate, 4)
    assert start.value == pytest.approx(12.8457, abs=1e-4)
    assert rise.value == pytest.approx(5.1543, abs=1e-4)
    assert rise.value + start.value == pytest.approx(18.0)
    # The dedicated formula keeps the range tight: 17.5 and 18.5 with 8.75% and 8.85%.
    assert rise.interval.low == pytest.approx(17.5 * (1 - 1.0875**-4), rel=1e-9)
    assert rise.interval.high == pytest.approx(18.5 * (1 - 1.0885**-4), rel=1e-9)
    per_year = average_annual_increase(rise.quantity, 4)
    assert per_year.value == pytest.approx(1.2886, abs=1e-4)


def test_increase_from_a_multiple_and_end_value():
    rise = implied_increase_from_multiple(q("278.9", "billion_yuan"), q("1.8", "times"))
    assert rise.value == pytest.approx(278.9 - 278.9 / 1.8)
    end = implied_end_from_multiple(q("154.9", "billion_yuan"), q("1.8", "times"))
    assert end.value == pytest.approx(278.82)


def test_multiple_and_increase_between_levels():
    assert multiple(q("278.9", "billion_yuan"), q("154.9", "billion_yuan")).value == (
        pytest.approx(1.80052, abs=1e-5)
    )
    assert increase(q("18", "billion_yuan"), q("13", "billion_yuan")).value == 5.0


def test_over_5_billion_over_4_years_is_at_least_1_25_a_year():
    derived = average_annual_increase(q("5", "billion_yuan", Qualifier.OVER), 4)
    assert derived.value == 1.25
    assert derived.interval == Interval(1.25, math.inf)
    assert "at least 1.250 billion yuan" in derived.explain()


def test_share_and_implied_whole_of_the_sponge_city():
    whole = implied_whole(q("15.37", "km2"), q("41", "percent"))
    assert whole.value == pytest.approx(37.4878, abs=1e-4)
    assert whole.expression == "15.37 / 0.41"
    back = share(q("15.37", "km2"), whole.quantity)
    assert back.value == pytest.approx(41.0)
    part = implied_part(q("37.5", "km2"), q("41", "percent"))
    assert part.value == pytest.approx(15.375)


def test_one_third_of_the_city_as_a_fraction():
    whole = implied_whole(q("1.62", "trillion_yuan"), q("1/3", "ratio", Qualifier.ABOUT))
    assert whole.value == pytest.approx(4.86)
    assert whole.expression == "1.62 / (1/3)"


def test_difference_of_percentages_is_in_percentage_points():
    derived = difference(q("15.83", "percent"), q("7.8", "percent"))
    assert derived.value == pytest.approx(8.03)
    assert derived.unit.code == "pp"
    assert derived.result_text == "8.030 percentage points"


def test_real_nominal_and_deflator():
    # (1.10 / 1.03) - 1 = 6.796%; 1.068 * 1.03 - 1 = 10.004%.
    assert real_growth(q("10", "percent"), q("3", "percent")).value == pytest.approx(6.7961, 1e-4)
    assert nominal_growth(q("6.8", "percent"), q("3", "percent")).value == pytest.approx(10.004)
    deflator = implied_deflator(q("15.83", "percent"), q("7.8", "percent"))
    assert deflator.value == pytest.approx((1.1583 / 1.078 - 1) * 100)
    assert deflator.expression == "1.1583 / 1.078 - 1"


def test_deflate_to_constant_prices():
    derived = deflate(q("278.9", "billion_yuan"), price_index=110, base_year=2020)
    assert derived.value == pytest.approx(253.545, abs=1e-3)
    assert derived.quantity.price_basis == "constant-2020"
    with pytest.raises(InputError, match="already at 'constant-2020' prices"):
        deflate(derived.quantity, price_index=105, base_year=2020)
    with pytest.raises(InputError, match="price index must be above 0"):
        deflate(q("1", "yuan"), price_index=0, base_year=2020)


def test_average_growth_compounds_rather_than_averages():
    rates = [q("10", "percent"), q("20", "percent")]
    geometric = average_growth_rate(rates)
    assert geometric.value == pytest.approx((math.sqrt(1.1 * 1.2) - 1) * 100)  # 14.891%
    assert average(rates).value == pytest.approx(15.0)


def test_total_and_average_across_scales():
    derived = total([q("1", "billion_yuan"), q("5", "100m_yuan")])
    assert derived.value == pytest.approx(1.5)
    assert derived.unit is BILLION
    assert average([q("1", "km"), q("500", "m")]).value == pytest.approx(0.75)


def test_linear_increment_and_projection():
    step = linear_increment(q("41", "percent"), q("80", "percent"), 5)
    assert step.value == pytest.approx(7.8)
    assert step.unit.code == "pp"
    projected = linear_projection(q("41", "percent"), step.quantity, 5)
    assert projected.value == pytest.approx(80.0)
    assert projected.unit is PERCENT


# ------------------------------------------------------------------------ units and input


def test_unit_conversions():
    assert q("278.9", "billion_yuan").to(UNITS["100m_yuan"]).value == pytest.approx(2789)
    assert q("4.72", "million_m2").to(UNITS["10k_m2"]).value == pytest.approx(472)
    assert q("15.37", "km2").to(UNITS["ha"]).value == pytest.approx(1537)
    assert q("1.8", "times").to(PERCENT).value == pytest.approx(180)
    converted = q("7.8", "percent").to(UNITS["ratio"])
    assert converted.interval.low == pytest.approx(0.0775)


def test_unknown_unit_lists_the_known_ones():
    with pytest.raises(UnitError, match="Unknown unit 'bn_yuan'") as caught:
        get_unit("bn_yuan")
    assert "billion_yuan" in str(caught.value)
    assert caught.value.field == "unit"


def test_converting_yuan_to_dollars_is_refused_and_names_the_row():
    yuan = q("278.9", "billion_yuan", label="gdp-2024 (values.csv row 2)")
    with pytest.raises(UnitError, match=r"gdp-2024 \(values.csv row 2\): cannot convert"):
        yuan.to(UNITS["billion_usd"])


def test_a_series_refuses_mixed_dimensions_and_names_the_point():
    points = [
        ("2020", q("154.9", "billion_yuan", label="gdp-2020 (values.csv row 3)")),
        ("2024", q("7.8", "percent", label="gdp-2024 (values.csv row 9)")),
    ]
    with pytest.raises(UnitError) as caught:
        Series.of("gdp", points)
    message = str(caught.value)
    assert "Series 'gdp': gdp-2024 (values.csv row 9) (period 2024)" in message
    assert "'percent' (ratio)" in message and "'billion_yuan' (money, CNY)" in message


def test_a_series_refuses_mixed_currencies_and_price_bases():
    with pytest.raises(UnitError, match="USD"):
        Series.of("gdp", [("2020", q("1", "billion_yuan")), ("2021", q("1", "billion_usd"))])
    current = q("1", "billion_yuan", price_basis="current")
    constant = q("1", "billion_yuan", price_basis="constant-2020", label="row 5")
    with pytest.raises(UnitError, match=r"row 5 .* at 'constant-2020' prices"):
        Series.of("gdp", [("2020", current), ("2021", constant)])


def test_a_series_converts_compatible_scales():
    series = Series.of(
        "gdp", [("2020", q("1549", "100m_yuan")), ("2024", q("278.9", "billion_yuan"))]
    )
    assert series.unit.code == "100m_yuan"
    assert list(series.values()) == pytest.approx([1549.0, 2789.0])


def test_ranks_are_not_growth():
    with pytest.raises(UnitError, match="needs money or area"):
        cagr(q("3", "rank"), q("1", "rank"), 4)


def test_growth_needs_a_positive_start_and_years():
    with pytest.raises(InputError, match="needs a positive value"):
        cagr(q("0", "billion_yuan"), q("1", "billion_yuan"), 4)
    with pytest.raises(InputError, match="number of years is 0"):
        cagr_from_multiple(q("1.8", "times"), 0)


def test_qualifier_ranges():
    assert q("7.8", "percent").interval == Interval(7.75, 7.85)
    assert q("7,411", "count").interval.is_point  # whole counts are exact
    assert q("18", "billion_yuan").interval == Interval(17.5, 18.5)  # money is rounded
    assert q("5", "billion_yuan", Qualifier.OVER).interval == Interval(5.0, math.inf)
    assert q("10", "billion_yuan", Qualifier.AT_LEAST).interval.low == 10.0
    assert q("900", "count", Qualifier.NEARLY).interval == Interval(810.0, 900.0)
    about = q("15.37", "km2", Qualifier.ABOUT).interval
    assert about.low == pytest.approx(15.37 * 0.95) and about.high == pytest.approx(15.37 * 1.05)
    assert q("1/3", "ratio").interval.is_point


def test_numbers_that_are_not_numbers():
    assert parse_number("1,100") == (1100.0, 0.5)
    value, half_step = parse_number("278.9")
    assert value == 278.9 and half_step == pytest.approx(0.05)
    for text in ("abc", "2,78.9", "", "1/0"):
        with pytest.raises(InputError) as caught:
            parse_number(text)
        assert caught.value.field == "value"


def test_formatting():
    assert format_number(154.944) == "154.9"
    assert format_number(0.158292) == "0.1583"
    assert format_number(5154.7) == "5,155"
    assert q("140000", "count", Qualifier.OVER).format() == "over 140,000"
    assert q("4.72", "million_m2").format() == "4.72 million m²"
    assert q("278.9", "billion_yuan").format_interval() == "278.85 to 278.95 billion yuan"
    assert q("18", "billion_yuan").format_interval() == "17.5 to 18.5 billion yuan"
    assert q("1", "rank").format() == "No. 1"


def test_periods():
    assert Period.parse("2020", "2024").years() == 4
    since = Period.parse("2021-01-01", "2025-09-23")
    assert since.years() == pytest.approx(4 + 265 / 365)
    assert since.label() == "2021-01-01 to 2025-09-23"
    assert When.parse("2024").time() == 2025.0
    with pytest.raises(InputError, match="neither a year nor a date"):
        When.parse("2024-13-01")
    with pytest.raises(InputError, match=r"starts .* after it ends"):
        Period.parse("2025", "2020")


# -------------------------------------------------------------------------- properties

# Derandomized, with no example database and no deadline: the same examples on every run
# and every machine, so CI is deterministic.
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=150)
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=1, max_value=30)
rates = st.floats(min_value=-50, max_value=200, allow_nan=False, allow_infinity=False)


def exact(value: float, unit: str = "billion_yuan") -> Quantity:
    return Quantity(value=value, unit=get_unit(unit))


@PROPERTY
@given(start=positive, end=positive, n=years)
def test_applying_the_cagr_n_times_gives_back_the_end_value(start, end, n):
    rate = cagr(exact(start), exact(end), n)
    # Rates travel in percent (x 100, then x 0.01), so allow for float rounding.
    assert compound(exact(start), rate.quantity, n).value == pytest.approx(end, rel=1e-7)


@PROPERTY
@given(m=st.floats(min_value=0.05, max_value=50), n=years)
def test_multiple_and_rate_are_inverse(m, n):
    rate = cagr_from_multiple(exact(m, "times"), n)
    assert multiple_from_rate(rate.quantity, n).value == pytest.approx(m, rel=1e-7)


@PROPERTY
@given(start=positive, rate=rates, n=years)
def test_implied_start_undoes_compounding(start, rate, n):
    grown = compound(exact(start), exact(rate, "percent"), n)
    back = implied_start_from_rate(grown.quantity, exact(rate, "percent"), n)
    assert back.value == pytest.approx(start, rel=1e-7)
    rise = implied_increase_from_rate(grown.quantity, exact(rate, "percent"), n)
    assert rise.value == pytest.approx(grown.value - start, rel=1e-7, abs=1e-9)


@PROPERTY
@given(value=st.floats(min_value=0.1, max_value=9999), n=years, pct=st.floats(0.1, 99.0))
def test_central_values_lie_within_their_ranges(value, n, pct):
    end = Quantity.parse(f"{value:.1f}", BILLION)
    rate = Quantity.parse(f"{pct:.1f}", PERCENT)
    for derived in (
        implied_start_from_rate(end, rate, n),
        implied_increase_from_rate(end, rate, n),
        multiple_from_rate(rate, n),
        implied_whole(end, rate),
    ):
        assert derived.interval.low <= derived.value * (1 + 1e-12) + 1e-12
        assert derived.value <= derived.interval.high * (1 + 1e-12) + 1e-12


@PROPERTY
@given(value=positive)
def test_conversion_round_trips(value):
    there = exact(value).to(UNITS["10k_yuan"])
    assert there.to(BILLION).value == pytest.approx(value, rel=1e-12)
