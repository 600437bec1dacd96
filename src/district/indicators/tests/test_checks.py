"""Consistency checks over the briefing's real figures, and over altered copies of them.

The GDP pair: 1.8 times 2020 in 2024 is 1.8 ** (1/4) - 1 = 15.83% a year, but 7.8% a year
compounds to only 1.078 ** 4 = 1.350 times. No rounding reconciles them (1.75 to 1.85
times against 1.348 to 1.353 times), so the check must say so and offer the two readings
that would: real growth at constant prices, or a revised base year.

The fiscal group: 18 billion in 2024 after 8.8% a year implies 18 / 1.088 ** 4 = 12.85
billion in 2020, an increase of 5.15 billion (over 5: agrees) and 1.29 billion a year
(more than 1: agrees); "over 5 billion" over four years is over 1.25 a year (agrees).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import shape

from district.indicators.arithmetic import Period, When
from district.indicators.checks import (
    check_claims,
    check_data,
    findings_as_json,
    implied_values,
    reference_claim,
)
from district.indicators.loader import load_indicator_data

REPO = Path(__file__).resolve().parents[4]
DATA = REPO / "data" / "indicators"
BOUNDARY = REPO / "data" / "boundaries" / "changning_district_wgs84.geojson"


@pytest.fixture(scope="module")
def data():
    return load_indicator_data(DATA)


@pytest.fixture(scope="module")
def findings(data):
    return check_data(data)


def _one(findings, check, title_part):
    matches = [f for f in findings if f.check == check and title_part in f.title]
    assert len(matches) == 1, [f.title for f in findings]
    return matches[0]


def _replace_claim(data, claim_id, **changes):
    return [replace(c, **changes) if c.id == claim_id else c for c in data.current_claims()]


# --------------------------------------------------------------------------------- GDP


def test_the_gdp_multiple_and_growth_rate_disagree(findings):
    finding = _one(findings, "multiple_vs_rate", "GDP")
    assert finding.consistent is False
    assert [c.id for c in finding.claims] == ["gdp-multiple-2020-2024", "gdp-growth-2020-2024"]
    text = finding.explanation
    assert "1.8^(1/4) - 1 = 15.83% a year" in text
    assert "1.078^4 = 1.350 times" in text
    assert "do not agree" in text
    assert "real growth at constant prices" in text
    assert "1.1583 / 1.078 - 1 = 7.448% a year" in text  # the deflator that would be needed
    assert "2020 base was revised" in text
    assert "278.9 / 1.8 = 154.9 billion yuan" in text
    assert "278.9 / 1.078^4 = 206.5 billion yuan" in text
    methods = [d.method for d in finding.derived]
    assert methods == [
        "cagr_from_multiple",
        "multiple_from_rate",
        "implied_deflator",
        "implied_start_from_multiple",
        "implied_start_from_rate",
    ]


def test_a_growth_rate_matching_the_multiple_is_consistent(data):
    claims = _replace_claim(data, "gdp-growth-2020-2024", value_text="15.8")
    finding = _one(check_claims(data.indicators, claims), "multiple_vs_rate", "GDP")
    assert finding.consistent is True
    assert "The two agree" in finding.explanation


# ------------------------------------------------------------------------------ fiscal


def test_the_fiscal_total_and_yearly_increase_agree(findings):
    finding = _one(findings, "increase_vs_average_increase", "budget revenue")
    assert finding.consistent is True
    assert "5 / 4 = 1.250 billion yuan a year" in finding.explanation
    assert "'over 1 billion yuan' a year" in finding.explanation
    assert "follows from the total" in finding.explanation


def test_the_fiscal_level_and_rate_imply_an_increase_over_5_billion(findings):
    finding = _one(findings, "level_rate_vs_increase", "against increase")
    assert finding.consistent is True
    assert [c.id for c in finding.claims] == [
        "budget-revenue-2024",
        "budget-revenue-growth-2020-2024",
        "budget-revenue-increase-2020-2024",
    ]
    text = finding.explanation
    assert "18 / 1.088^4 = 12.85 billion yuan in 2020" in text
    assert "18 - 18 / 1.088^4 = 5.154 billion yuan" in text
    assert "agrees with 'over 5 billion yuan'" in text
    start, rise = finding.derived
    assert start.value == pytest.approx(12.8457, abs=1e-4)
    assert rise.value == pytest.approx(5.1543, abs=1e-4)


def test_the_fiscal_level_and_rate_imply_more_than_1_billion_a_year(findings):
    finding = _one(findings, "level_rate_vs_increase", "against average yearly increase")
    assert finding.consistent is True
    assert "5.154 / 4 = 1.289 billion yuan a year" in finding.explanation
    assert "agrees with 'over 1 billion yuan' a year" in finding.explanation


def test_an_increase_the_rate_cannot_produce_is_caught(data):
    # Synthetic: "over 6 billion" would need 2020 revenue under 12 billion, i.e. growth of
    # at least (18.5 / 12.5) ** (1/4) - 1 = 10.3% a year, not 8.8%.
    claims = _replace_claim(data, "budget-revenue-increase-2020-2024", value_text="6")
    findings = check_claims(data.indicators, claims)
    finding = _one(findings, "level_rate_vs_increase", "against increase")
    assert finding.consistent is False
    assert "contradicts 'over 6 billion yuan'" in finding.explanation
    pair = _one(findings, "increase_vs_average_increase", "budget revenue")
    assert pair.consistent is True  # over 6 in 4 years is still over 1 a year


def test_two_levels_are_tested_against_the_stated_change(data):
    # Synthetic 2020 level: with 154.9 billion in 2020 the multiple fits, the rate does not.
    gdp_2024 = data.current_claims()[0]
    gdp_2020 = replace(
        gdp_2024, id="gdp-2020-synthetic", value_text="154.9", period=Period(end=When(2020))
    )
    findings = check_claims(data.indicators, [*data.current_claims(), gdp_2020])
    levels = [f for f in findings if f.check == "levels_vs_change"]
    verdicts = {f.claims[2].id: f.consistent for f in levels}
    assert verdicts == {"gdp-multiple-2020-2024": True, "gdp-growth-2020-2024": False}


# --------------------------------------------------------------------- parts and shares


def test_new_headquarters_are_part_of_the_total(findings):
    finding = _one(findings, "part_within_whole", "New regional headquarters")
    assert finding.consistent is True
    assert "14.38% of the whole" in finding.explanation  # 22 / 153


def test_two_lower_bounds_cannot_contradict(findings):
    finding = _one(findings, "part_within_whole", "Hongqiao Talent Apartments")
    assert finding.consistent is True
    assert "both figures are lower bounds" in finding.explanation


def test_a_part_larger_than_its_whole_is_caught(data):
    claims = _replace_claim(data, "regional-hq-new", value_text="160")
    finding = _one(check_claims(data.indicators, claims), "part_within_whole", "headquarters")
    assert finding.consistent is False
    assert "It is larger" in finding.explanation


def _district_area_km2() -> float:
    feature = json.loads(BOUNDARY.read_text(encoding="utf-8"))["features"][0]
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(shape(feature["geometry"]))
    return abs(area_m2) / 1e6


def test_the_sponge_city_built_up_area_against_the_district_boundary(data):
    area_km2 = _district_area_km2()
    assert area_km2 == pytest.approx(37.16, abs=0.01)  # geodesic area of the vendored outline
    land = reference_claim(
        indicator="district_land_area",
        value=f"{area_km2:.2f}",
        unit="km2",
        period_end="2025-09-23",
        source="data/boundaries/changning_district_wgs84.geojson",
        sentence="Geodesic area of the vendored Changning outline (WGS-84 ellipsoid).",
    )
    finding = _one(check_data(data, references=[land]), "part_within_whole", "Built-up area")
    # 15.37 / 0.41 = 37.49 km², a hair above the outline's 37.16 km²: it fits only within the
    # rounding and the "some" of "some 15.37".
    assert finding.consistent is True
    assert "15.37 / 0.41 = 37.49 km²" in finding.explanation
    assert "100.9% of the whole" in finding.explanation
    assert "only within their rounding" in finding.explanation
    small = replace(land, value_text="30")
    finding = _one(check_data(data, references=[small]), "part_within_whole", "Built-up area")
    assert finding.consistent is False


def test_without_a_land_area_the_sponge_share_is_only_an_implied_value(findings, data):
    assert not [f for f in findings if "Built-up area" in f.title]
    implied = {d.label: d for d in implied_values(data.indicators, data.current_claims())}
    built_up = implied["Built-up area of the district (2025-09-23) implied"]
    assert built_up.value == pytest.approx(15.37 / 0.41)


# ----------------------------------------------------------------------- implied values


def test_implied_values_show_their_working(data):
    implied = {d.label: d for d in implied_values(data.indicators, data.current_claims())}
    gdp_2020 = implied["GDP of Changning District in 2020 implied by 1.8 times"]
    assert gdp_2020.formula == (
        "GDP of Changning District in 2020 implied by 1.8 times = 278.9 / 1.8 = 154.9 billion yuan"
    )
    software = next(d for label, d in implied.items() if label.startswith("Scale of the software"))
    assert software.value == pytest.approx(1.248**4)
    city = next(d for label, d in implied.items() if label.startswith("E-commerce transaction"))
    assert city.expression == "1.62 / (1/3)"
    assert city.value == pytest.approx(4.86)


# --------------------------------------------------------------------------- the output


def test_json_output_for_the_cli(findings):
    payload = findings_as_json(findings)
    text = json.dumps(payload, ensure_ascii=False)
    parsed = json.loads(text)
    assert set(parsed) == {"findings"}
    assert len(parsed["findings"]) == len(findings) == 6
    for item in parsed["findings"]:
        assert isinstance(item["consistent"], bool)
        assert item["explanation"]
        assert item["claims"]
        for claim in item["claims"]:
            assert {"id", "statement", "sentence", "source"} <= set(claim)
    gdp = parsed["findings"][0]
    assert gdp["consistent"] is False
    assert gdp["claims"][0]["sentence"].startswith("In 2024, Changning’s GDP reached 278.9")
