"""Hotspot detection on hand-computed Poisson cases."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from district.cases.hotspots import RESULT_COLUMNS, detect_hotspots, weekly_counts
from district.core.errors import InputError

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATEST = date(2025, 3, 31)  # a Monday


def monday(weeks_back: int) -> date:
    return LATEST - timedelta(weeks=weeks_back)


def poisson_tail(observed: int, mean: float) -> float:
    """P(X >= observed) for X ~ Poisson(mean), summed by hand."""
    below = sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(observed))
    return 1.0 - below


def table() -> pd.DataFrame:
    rows = []
    # A: an ordinary 1–3 reports a week, then 9.
    for back, n in zip(range(8, 0, -1), [2, 1, 3, 2, 2, 1, 2, 3], strict=True):
        rows.append(("A", "暴露垃圾", monday(back), n))
    rows.append(("A", "暴露垃圾", monday(0), 9))
    # B: nothing for eight weeks, then 2: surprising but under the minimum count.
    rows.append(("B", "暴露垃圾", monday(0), 2))
    # C: a steady 5 a week, then 6.
    rows += [("C", "噪声", monday(back), 5) for back in range(8, 0, -1)]
    rows.append(("C", "噪声", monday(0), 6))
    # D: 20 reports ten weeks ago (outside the window), then 3.
    rows.append(("D", "噪声", monday(10), 20))
    rows.append(("D", "噪声", monday(0), 3))
    # E: reports in the history only.
    rows.append(("E", "噪声", monday(3), 4))
    return pd.DataFrame(rows, columns=["cell_code", "category", "week_start", "count"])


def test_scores_match_a_hand_computed_poisson_tail() -> None:
    result = detect_hotspots(table())
    assert list(result.columns) == list(RESULT_COLUMNS)
    rows = {(r.cell_code, r.category): r for r in result.itertuples()}

    a = rows[("A", "暴露垃圾")]
    assert a.expected == pytest.approx((16 + 0.5) / 8)  # 2.0625
    assert a.p_value == pytest.approx(poisson_tail(9, 2.0625), rel=1e-9)
    assert a.score == pytest.approx(-math.log10(poisson_tail(9, 2.0625)), rel=1e-9)
    assert a.flag

    b = rows[("B", "暴露垃圾")]
    assert b.expected == pytest.approx(0.5 / 8)
    assert b.p_value == pytest.approx(poisson_tail(2, 0.0625), rel=1e-9)
    assert b.p_value < 0.01 and not b.flag  # below min_count = 3

    c = rows[("C", "噪声")]
    assert c.expected == pytest.approx(40.5 / 8)
    assert c.p_value == pytest.approx(poisson_tail(6, 40.5 / 8), rel=1e-9)
    assert not c.flag

    d = rows[("D", "噪声")]  # the old burst lies outside the 8-week window
    assert d.expected == pytest.approx(0.5 / 8)
    assert d.flag

    e = rows[("E", "噪声")]
    assert (e.observed, e.p_value, e.score, e.flag) == (0, 1.0, 0.0, False)

    # Flagged first, then by score; week_start is the tested week.
    assert list(result["flag"]) == sorted(result["flag"], reverse=True)
    assert set(result["week_start"]) == {LATEST}
    assert [(r.cell_code, r.category) for r in result.itertuples() if r.flag] == [
        ("D", "噪声"),
        ("A", "暴露垃圾"),
    ]


def test_stricter_settings_and_an_earlier_week() -> None:
    # p(A) = 2.96e-4 and p(D) = 3.88e-5: only D passes alpha = 1e-4.
    strict = detect_hotspots(table(), alpha=1e-4)
    assert list(strict.loc[strict["flag"], "cell_code"]) == ["D"]
    stricter = detect_hotspots(table(), min_count=4)
    assert list(stricter.loc[stricter["flag"], "cell_code"]) == ["A"]
    # Testing the week of monday(3): only E has a report that week; its history is empty.
    earlier = detect_hotspots(table(), week=monday(3))
    e = earlier[earlier["cell_code"] == "E"].iloc[0]
    assert e["observed"] == 4 and e["flag"]


def test_deterministic() -> None:
    first = detect_hotspots(table())
    shuffled = table().sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(first, detect_hotspots(shuffled))


def test_empty_table() -> None:
    empty = pd.DataFrame(columns=["cell_code", "category", "week_start", "count"])
    result = detect_hotspots(empty)
    assert result.empty and list(result.columns) == list(RESULT_COLUMNS)


def test_weekly_counts_cut_weeks_in_shanghai_time() -> None:
    events = pd.DataFrame(
        {
            "cell_code": ["A", "A", "A"],
            "category": ["噪声"] * 3,
            "reported_at": [
                datetime(2025, 3, 30, 23, 30, tzinfo=SHANGHAI),  # Sunday night
                datetime(2025, 3, 30, 16, 30, tzinfo=ZoneInfo("UTC")),  # Mon 00:30 Shanghai
                datetime(2025, 3, 31, 9, 0, tzinfo=SHANGHAI),
            ],
        }
    )
    counts = weekly_counts(events, timezone=SHANGHAI)
    assert counts.to_dict("records") == [
        {"cell_code": "A", "category": "噪声", "week_start": date(2025, 3, 24), "count": 1},
        {"cell_code": "A", "category": "噪声", "week_start": date(2025, 3, 31), "count": 2},
    ]
    assert detect_hotspots(counts)["observed"].tolist() == [2]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda t: t.assign(week_start=[date(2025, 4, 1)] * len(t)), "week_start"),
        (lambda t: pd.concat([t, t.iloc[:1]]), "week_start"),
        (lambda t: t.assign(count=-1), "count"),
        (lambda t: t.assign(count=1.5), "count"),
        (lambda t: t.drop(columns="count"), "count"),
    ],
)
def test_bad_tables_are_refused(change, field) -> None:
    with pytest.raises(InputError) as info:
        detect_hotspots(change(table()))
    assert info.value.field == field


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InputError, match="alpha"):
        detect_hotspots(table(), alpha=0)
    with pytest.raises(InputError, match="history_weeks"):
        detect_hotspots(table(), history_weeks=0)
    with pytest.raises(InputError, match="time"):
        weekly_counts(
            pd.DataFrame(
                {"cell_code": ["A"], "category": ["x"], "reported_at": [datetime(2025, 1, 1)]}
            ),
            timezone=SHANGHAI,
        )
