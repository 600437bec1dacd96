"""The standards table, walking speeds and the per-capita adequacy check."""

from __future__ import annotations

import math

import pytest

from district.core.errors import InputError
from district.lifecircle.engine import (
    CATEGORIES,
    PER_CAPITA_STANDARDS,
    WALKING_SPEEDS,
    check_adequacy,
    get_category,
    thresholds_m,
)

CODES = {
    "elderly_care",
    "childcare",
    "kindergarten",
    "primary_school",
    "middle_school",
    "health",
    "market",
    "park",
    "metro",
    "bus_stop",
    "employment_station",
    "recycling_point",
    "community_centre",
}


def test_every_platform_category_has_names_threshold_and_basis():
    assert set(CATEGORIES) == CODES
    for code, category in CATEGORIES.items():
        assert category.code == code
        assert category.name_zh and category.name_en
        assert 0 < category.threshold_m <= 1500
        assert 0 < category.threshold_minutes <= 20
        assert len(category.basis) > 20


def test_thresholds_follow_the_research_proposal():
    # research/accessibility-anchors.md §1.7
    expected = {
        "elderly_care": 300,
        "kindergarten": 500,
        "primary_school": 500,
        "middle_school": 1000,
        "health": 1000,
        "market": 500,
        "park": 300,
        "metro": 600,
        "bus_stop": 300,
        "employment_station": 1000,
        "recycling_point": 300,
    }
    assert {code: CATEGORIES[code].threshold_m for code in expected} == expected
    assert "Assumption" in CATEGORIES["recycling_point"].basis
    assert "2024" in CATEGORIES["metro"].basis


def test_time_basis_shortens_the_distance_for_slower_walkers():
    general = thresholds_m(["kindergarten", "middle_school"], basis="time")
    elderly = thresholds_m(
        ["kindergarten", "middle_school"],
        basis="time",
        speed_m_per_min=WALKING_SPEEDS["elderly"].m_per_min,
    )
    assert general == {"kindergarten": 800.0, "middle_school": 1200.0}  # 10 and 15 min at 80
    assert elderly == {"kindergarten": 550.0, "middle_school": 825.0}  # at 55 m/min
    assert thresholds_m(["park"]) == {"park": 300.0}
    assert set(thresholds_m()) == CODES
    with pytest.raises(InputError, match="speed"):
        thresholds_m(["park"], basis="time", speed_m_per_min=0)
    with pytest.raises(InputError, match="unknown facility category 'spa'"):
        thresholds_m(["spa"])


def test_walking_speeds_cite_their_basis():
    assert WALKING_SPEEDS["general"].m_per_min == 80.0
    elderly = WALKING_SPEEDS["elderly"]
    assert elderly.m_per_min < 80.0
    # 3.02 ft/s is 0.920 m/s, 55.2 m/min.
    assert elderly.m_per_min == pytest.approx(3.02 * 0.3048 * 60, abs=0.5)
    assert "Gates" in elderly.basis


def test_unknown_category_names_the_known_codes():
    with pytest.raises(InputError) as caught:
        get_category("gym")
    assert "kindergarten" in str(caught.value)


def test_beds_adequacy_for_central_city_districts():
    # 25 beds per 1,000 registered residents aged 60+.
    check = check_adequacy("elderly_care_beds", capacity=2000, population=100_000, area="x")
    assert check.status == "inadequate"
    assert check.required == 2500 and check.shortfall == 500
    assert check.unit == "beds"
    ok = check_adequacy("elderly_care_beds", capacity=2600, population=100_000)
    assert ok.status == "adequate" and ok.shortfall == 0


def test_floor_area_uses_the_city_average():
    standard = PER_CAPITA_STANDARDS["community_elderly_care_floor_area"]
    assert standard.per_1000 == 50.0 and "class" in standard.basis
    check = check_adequacy(standard, capacity=3000, population=70_000)
    assert check.required == pytest.approx(3500) and check.status == "inadequate"


@pytest.mark.parametrize(
    ("capacity", "population"), [(None, 1000), (100, None), (None, None), (math.nan, 1000)]
)
def test_unknown_inputs_give_unknown_never_a_guess(capacity, population):
    check = check_adequacy("elderly_care_beds", capacity=capacity, population=population)
    assert check.status == "unknown"
    assert check.shortfall is None
    assert "not known" in check.reason


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="negative"):
        check_adequacy("elderly_care_beds", capacity=-1, population=10)
    with pytest.raises(InputError, match="unknown per-capita standard"):
        check_adequacy("pools", capacity=1, population=10)
