"""Target trajectories on the briefing's figures and the demo's illustrative targets.

Hand computations:
- GDP 278.9 (2024) to 400 (2030): (400 / 278.9) ** (1/6) - 1 = 6.194% a year; at the stated
  7.8% it would be 278.9 * 1.078 ** 6 = 437.7 (reached); at 15.83% (the multiple) 673.5.
- Elevators: over 1,100 from 2021-01-01 to 2025-09-23 (4.726 years) is 232.8 a year; to
  2,000 by the end of 2030 (5.274 years) needs (2,000 - 1,100) / 5.274 = 170.6 a year.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from district.indicators.arithmetic import UNITS, Period, Qualifier
from district.indicators.loader import (
    Claim,
    Direction,
    Indicator,
    Measure,
    Target,
    load_indicator_data,
)
from district.indicators.targets import GrowthModel, PathPoint, assess_target, assess_targets

REPO = Path(__file__).resolve().parents[4]
DATA = REPO / "data" / "indicators"


@pytest.fixture(scope="module")
def data():
    return load_indicator_data(DATA)


@pytest.fixture(scope="module")
def assessments(data):
    return {a.target.id: a for a in assess_targets(data)}


def test_every_demo_target_says_it_is_illustrative(assessments):
    assert len(assessments) == 5
    for assessment in assessments.values():
        assert assessment.illustrative
        assert assessment.explanation.startswith("Illustrative target (not from any plan): ")


def test_gdp_target_needs_6_2_percent_and_the_stated_pace_reaches_it(assessments):
    gdp = assessments["target-gdp-2030"]
    assert gdp.model is GrowthModel.COMPOUND
    assert gdp.years_left == 6
    assert gdp.required is not None
    assert gdp.required.value == pytest.approx(((400 / 278.9) ** (1 / 6) - 1) * 100)
    assert gdp.required.value == pytest.approx(6.1945, abs=1e-4)
    assert gdp.pace is not None and gdp.pace.basis == "stated average growth, 2020 to 2024"
    assert gdp.projected is not None
    assert gdp.projected.value == pytest.approx(278.9 * 1.078**6)  # 437.7
    assert gdp.reaches is True
    other_pace, other_projection = gdp.other_paces[0]
    assert other_pace.quantity.value == pytest.approx((1.8**0.25 - 1) * 100)
    assert other_projection.value == pytest.approx(278.9 * 1.8**1.5, rel=1e-9)  # 673.5
    assert "(400 / 278.9)^(1/6) - 1 = 6.194% a year for 6 years" in gdp.explanation


def test_paths_run_from_the_latest_value_to_the_target(assessments):
    gdp = assessments["target-gdp-2030"]
    # 2024's figure sits at the end of 2024 (2025.0) and is labelled 2024.
    assert gdp.required_path[0] == PathPoint("2024", 2025.0, 278.9)
    assert [p.label for p in gdp.required_path] == [str(y) for y in range(2024, 2031)]
    assert gdp.required_path[-1].time == 2031.0
    assert gdp.required_path[-1].value == pytest.approx(400.0)
    assert gdp.projected_path[-1].value == pytest.approx(437.7, abs=0.05)
    # An as-of figure keeps its date; the path then runs through each year end.
    elevators = assessments["target-elevators-2030"]
    labels = [p.label for p in elevators.required_path]
    assert labels == ["2025-09-23", "2025", "2026", "2027", "2028", "2029", "2030"]
    assert elevators.required_path[-1].value == pytest.approx(2000.0)


def test_a_higher_target_is_not_reached_at_the_stated_pace(data):
    target = replace(data.current_targets()[0], value_text="600")
    gdp = assess_target(target, data.indicators["gdp"], data.current_claims(), data.indicators)
    assert gdp.reaches is False
    assert "the target is not reached" in gdp.explanation
    assert "(reached)" in gdp.explanation  # the multiple's 15.83% would reach it


def test_a_running_total_gives_a_yearly_pace(assessments):
    elevators = assessments["target-elevators-2030"]
    assert elevators.model is GrowthModel.LINEAR
    assert elevators.years_left == pytest.approx(2031 - (2025 + 265 / 365))
    assert elevators.required is not None
    assert elevators.required.value == pytest.approx(900 / elevators.years_left)
    assert elevators.pace is not None
    assert elevators.pace.quantity.value == pytest.approx(1100 / (4 + 265 / 365))
    assert elevators.pace.basis == "running total since 2021-01-01"
    assert elevators.reaches is True


def test_a_single_figure_gives_no_pace(assessments):
    beds = assessments["target-nursing-beds-2030"]
    assert beds.pace is None and beds.reaches is None
    assert beds.required is not None
    assert beds.required.value == pytest.approx((8500 - 7411) / beds.years_left)
    assert "no current pace" in beds.explanation


def test_a_share_target_needs_percentage_points(assessments):
    sponge = assessments["target-sponge-share-2030"]
    assert sponge.required is not None
    assert sponge.required.unit.code == "pp"
    assert sponge.required.value == pytest.approx(39 / sponge.years_left)


def test_revenue_target(assessments):
    revenue = assessments["target-budget-revenue-2030"]
    assert revenue.required is not None
    assert revenue.required.value == pytest.approx(((25 / 18) ** (1 / 6) - 1) * 100)
    assert revenue.projected is not None
    assert revenue.projected.value == pytest.approx(18 * 1.088**6)
    assert revenue.reaches is True


# ----------------------------------------------- a lower-is-better indicator (synthetic)


def _indicator() -> Indicator:
    return Indicator(
        code="days_to_close",
        area="urban_governance",
        name_en="Average days to close a case",
        name_zh="平均结案天数",
        name_zh_origin="translation",
        unit=UNITS["count"],
        direction=Direction.LOWER,
        measure=Measure.LEVEL,
        of=None,
        whole=None,
        formula_en="",
        note="synthetic",
        row=0,
    )


def _claim(year: int, value: str) -> Claim:
    return Claim(
        id=f"days-{year}",
        revision=1,
        indicator="days_to_close",
        value_text=value,
        unit=UNITS["count"],
        qualifier=Qualifier.EXACT,
        period=Period.parse("", str(year)),
        price_basis=None,
        source="synthetic",
        sentence="",
        recorded_on=date(2026, 11, 28),
        note="synthetic",
        path="synthetic.csv",
        row=year,
    )


def _target(value: str, year: int) -> Target:
    return Target(
        id="t",
        revision=1,
        indicator="days_to_close",
        value_text=value,
        unit=UNITS["count"],
        target_year=year,
        status="illustrative",
        source="illustrative",
        sentence="",
        recorded_on=date(2026, 11, 28),
        note="",
        path="targets.csv",
        row=2,
    )


@pytest.mark.parametrize(("target", "reaches"), [("7", True), ("5", False)])
def test_lower_is_better_uses_the_pace_between_levels(target, reaches):
    indicator = _indicator()
    claims = [_claim(2022, "10"), _claim(2024, "8")]  # one day faster a year
    assessment = assess_target(
        _target(target, 2026), indicator, claims, {indicator.code: indicator}
    )
    assert assessment.pace is not None
    assert assessment.pace.quantity.value == pytest.approx(-1.0)
    assert assessment.projected is not None and assessment.projected.value == pytest.approx(6.0)
    assert assessment.reaches is reaches


def test_a_target_year_already_past_is_judged_on_the_latest_value():
    indicator = _indicator()
    claims = [_claim(2024, "8")]
    assessment = assess_target(_target("9", 2023), indicator, claims, {indicator.code: indicator})
    assert assessment.reaches is True
    assert "meets it already" in assessment.explanation


def test_as_dict_is_json_ready(assessments):
    payload = assessments["target-gdp-2030"].as_dict()
    assert payload["status"] == "illustrative"
    assert payload["reaches"] is True
    assert payload["required"]["formula"].startswith("growth needed = (400 / 278.9)^(1/6) - 1")
