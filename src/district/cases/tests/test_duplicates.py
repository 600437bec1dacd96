"""Duplicate suggestions: distances against pyproj, text similarity and scores by hand."""

from __future__ import annotations

import csv
import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pyproj import Geod

from district.cases.duplicates import (
    EARTH_RADIUS_M,
    CandidateCase,
    MatchWindow,
    Report,
    ScoreWeights,
    character_ngrams,
    haversine_m,
    suggest_duplicates,
    text_similarity,
)
from district.core.errors import InputError

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).resolve().parents[4] / "data"
NOON = datetime(2025, 3, 3, 12, 0, tzinfo=SHANGHAI)
# Metres per degree of latitude on the sphere: R·π/180.
M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180.0


def test_haversine_on_real_metro_stations_agrees_with_the_ellipsoid() -> None:
    with (DATA / "poi" / "changning_metro_stations_amap.csv").open(encoding="utf-8") as f:
        stations = {
            row["name"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(f)
        }
    names = ["江苏路(地铁站)", "娄山关路(地铁站)", "威宁路(地铁站)"]
    lon0, lat0 = stations["中山公园(地铁站)"]
    lons = np.array([stations[n][0] for n in names])
    lats = np.array([stations[n][1] for n in names])
    ours = haversine_m(lon0, lat0, lons, lats)
    _, _, geodesic = Geod(ellps="WGS84").inv([lon0] * 3, [lat0] * 3, lons, lats)
    # A sphere differs from the WGS-84 ellipsoid by well under 0.5 % at this latitude.
    np.testing.assert_allclose(ours, geodesic, rtol=5e-3)
    assert 1_000 < ours[0] < 2_000  # Zhongshan Park to Jiangsu Road is about 1.4 km


def test_haversine_hand_cases() -> None:
    assert haversine_m(121.4, 31.2, np.array([121.4]), np.array([32.2]))[0] == pytest.approx(
        M_PER_DEG_LAT
    )
    assert haversine_m(121.4, 31.2, np.array([121.4]), np.array([31.2]))[0] == 0.0


def test_text_similarity_by_hand() -> None:
    assert character_ngrams("井盖  破损！") == character_ngrams("井盖破损")
    # {井盖, 盖破, 破损} against {井盖, 盖破, 破损, 损严, 严重}: 3 / (√3·√5).
    assert text_similarity("井盖破损", "井盖破损严重") == pytest.approx(3 / math.sqrt(15))
    assert text_similarity("井盖破损", "路灯不亮") == 0.0
    assert text_similarity("", "路灯不亮") == 0.0
    # Full-width letters and digits are folded: "ＡＢ１" equals "ab1".
    assert text_similarity("ＡＢ１号楼", "ab1号楼") == pytest.approx(1.0)


def north(metres: float) -> float:
    """Latitude ``metres`` north of 31.2."""
    return 31.2 + metres / M_PER_DEG_LAT


def case(
    case_id: str, metres: float, hours_before: float, category: str, text: str
) -> CandidateCase:
    return CandidateCase(
        case_id=case_id,
        lon=121.42,
        lat=north(metres),
        reported_at=NOON - timedelta(hours=hours_before),
        category=category,
        text=text,
    )


def test_suggestions_are_filtered_scored_and_ranked() -> None:
    report = Report(121.42, 31.2, NOON, "井盖", "人行道井盖破损")
    candidates = [
        case("C1", 10, 24, "井盖", "人行道井盖破损"),  # close, same text
        case("C2", 40, 2, "井盖", "井盖松动有响声"),  # near, different wording
        case("C3", 80, 1, "井盖", "人行道井盖破损"),  # beyond 50 m, but the same text
        case("C4", 5, 200, "井盖", "人行道井盖破损"),  # beyond a week
        case("C5", 5, 1, "噪声", "人行道井盖破损"),  # another category
        case("C6", 0, -3, "井盖", "人行道井盖破损"),  # reported after, same place
    ]
    result = suggest_duplicates(report, candidates)
    assert [s.case_id for s in result] == ["C6", "C1", "C3", "C2"]
    assert [s.basis for s in result] == [
        "near_and_similar",
        "near_and_similar",
        "similar_text",
        "near",
    ]
    c1 = result[1]
    assert c1.distance_m == pytest.approx(10, abs=1e-6)
    assert c1.hours_apart == pytest.approx(24)
    assert c1.text_similarity == pytest.approx(1.0)
    # 0.4·(1 − 10/50) + 0.2·(1 − 24/168) + 0.4·1
    assert c1.score == pytest.approx(0.4 * 0.8 + 0.2 * (1 - 24 / 168) + 0.4, abs=1e-6)
    assert c1.reasons[0] == "10 m away (within 50 m)"
    assert c1.reasons[1] == "reported 24.0 h earlier (within 168 h)"
    assert result[0].reasons[1].endswith("later (within 168 h)")
    c3 = result[2]
    # Beyond the radius the distance part is 0.
    assert c3.score == pytest.approx(0.2 * (1 - 1 / 168) + 0.4, abs=1e-6)
    assert c3.reasons[0] == "80 m away (beyond 50 m)"
    c2 = result[3]
    # {人行,行道,道井,井盖,盖破,破损} vs {井盖,盖松,松动,动有,有响,响声}: 1/(√6·√6).
    assert c2.text_similarity == pytest.approx(1 / 6)
    assert "shared: 井盖" in c2.reasons[3]


def test_category_windows_weights_and_limits() -> None:
    report = Report(121.42, 31.2, NOON, "噪声", "夜间施工噪声")
    candidates = [
        case("N1", 150, 10, "噪声", "夜间施工噪声扰民"),
        case("N2", 30, 30, "噪声", "施工噪声"),
    ]
    # Default window (50 m, 168 h): only N2 is near; N1, 150 m off, has very similar text
    # (5 of 7 bigrams: 0.85), and only a threshold above that leaves it out.
    default = suggest_duplicates(report, candidates)
    assert [(s.case_id, s.basis) for s in default] == [("N2", "near"), ("N1", "similar_text")]
    assert [s.case_id for s in suggest_duplicates(report, candidates, text_threshold=0.9)] == ["N2"]
    # Noise: 200 m but only 24 h: only N1 qualifies, whatever its text.
    windows = {"噪声": MatchWindow(radius_m=200, window_hours=24)}
    assert [s.case_id for s in suggest_duplicates(report, candidates, windows=windows)] == ["N1"]
    text_only = ScoreWeights(distance=0.0, time=0.0, text=1.0)
    scored = {
        s.case_id: s.score
        for s in suggest_duplicates(report, candidates, weights=text_only, min_score=0.0)
    }
    assert scored["N2"] == pytest.approx(text_similarity("夜间施工噪声", "施工噪声"), abs=1e-6)
    assert scored["N1"] == pytest.approx(5 / math.sqrt(35), abs=1e-6)
    # min_score drops near candidates only; very similar text is kept whatever its score.
    assert [s.case_id for s in suggest_duplicates(report, candidates, min_score=0.99)] == ["N1"]
    assert suggest_duplicates(report, candidates, min_score=0.99, text_threshold=0.9) == []
    assert suggest_duplicates(report, [], limit=1) == []


def test_bad_input_is_refused() -> None:
    with pytest.raises(InputError, match="longitude"):
        suggest_duplicates(Report(31.2, 121.42, NOON, "井盖", "x"), [])  # lat/lon swapped
    with pytest.raises(InputError, match="time"):
        suggest_duplicates(Report(121.42, 31.2, datetime(2025, 3, 3), "井盖", "x"), [])
    with pytest.raises(InputError, match="sum to 1"):
        ScoreWeights(distance=0.5, time=0.5, text=0.5)
    with pytest.raises(InputError, match="radius_m"):
        MatchWindow(radius_m=0)


def test_very_similar_text_is_suggested_beyond_the_radius() -> None:
    report = Report(121.42, 31.2, NOON, "垃圾", "中山公园门口一堆暴露垃圾")
    candidates = [
        case("FAR", 800, 5, "垃圾", "中山公园门口有暴露垃圾"),  # same problem, 800 m off
        case("OTHER", 800, 5, "垃圾", "仙霞路绿化带里有建筑垃圾"),  # another problem, far
        case("LATE", 800, 200, "垃圾", "中山公园门口有暴露垃圾"),  # beyond the week
        case("NEAR", 20, 5, "垃圾", "路边有东西"),  # near, different text
    ]
    result = suggest_duplicates(report, candidates)
    # The very similar text outranks a near case with other wording (0.50 against 0.43).
    assert [s.case_id for s in result] == ["FAR", "NEAR"]
    far, near = result
    assert (near.basis, far.basis) == ("near", "similar_text")
    # 8 shared of 11 and 10 bigrams.
    assert far.text_similarity == pytest.approx(8 / math.sqrt(110))
    assert far.distance_m == pytest.approx(800, abs=1e-6)
    # Beyond the radius the distance part is 0: 0.2·(1 − 5/168) + 0.4·similarity.
    assert far.score == pytest.approx(0.2 * (1 - 5 / 168) + 0.4 * 8 / math.sqrt(110), abs=1e-6)
    assert far.reasons[0] == "800 m away (beyond 50 m)"
    assert far.reasons[3].startswith("very similar text 0.76 (at least 0.6)")
    # The same wording nearby is suggested on both grounds.
    both = suggest_duplicates(report, [case("BOTH", 10, 5, "垃圾", "中山公园门口有暴露垃圾")])
    assert both[0].basis == "near_and_similar"
    # A stricter threshold drops the text-only match but not the near one.
    strict = suggest_duplicates(report, candidates, text_threshold=0.8)
    assert [s.case_id for s in strict] == ["NEAR"]


def test_an_address_only_report_gets_text_suggestions() -> None:
    report = Report(None, None, NOON, "垃圾", "中山公园门口一堆暴露垃圾")
    no_point = CandidateCase("NOPOINT", None, None, NOON, "垃圾", "中山公园门口一堆暴露垃圾！")
    candidates = [
        case("PINNED", 10, 1, "垃圾", "中山公园门口有暴露垃圾"),
        no_point,
        case("OTHER", 10, 1, "垃圾", "路边有东西"),  # nothing to be near to, text unrelated
    ]
    result = suggest_duplicates(report, candidates)
    assert [s.case_id for s in result] == ["NOPOINT", "PINNED"]
    assert all(s.basis == "similar_text" and s.distance_m is None for s in result)
    assert result[0].text_similarity == pytest.approx(1.0)
    assert result[0].reasons[0] == "distance unknown (no point to compare)"


def test_short_or_unrelated_text_alone_is_no_reason() -> None:
    # "暴露垃圾" has 3 bigrams: too few to count on its own, even when identical.
    short = Report(121.42, 31.2, NOON, "垃圾", "暴露垃圾")
    assert suggest_duplicates(short, [case("FAR", 800, 1, "垃圾", "暴露垃圾")]) == []
    assert suggest_duplicates(short, [case("NEAR", 10, 1, "垃圾", "暴露垃圾")])[0].basis == "near"
    far = Report(None, None, NOON, "垃圾", "中山公园门口一堆暴露垃圾")
    assert suggest_duplicates(far, [case("X", 5000, 1, "垃圾", "江苏路地铁站井盖缺失")]) == []
    with pytest.raises(InputError, match="one coordinate"):
        suggest_duplicates(Report(121.42, None, NOON, "垃圾", "x"), [])
    with pytest.raises(InputError, match="text_threshold"):
        suggest_duplicates(short, [], text_threshold=0)
