"""The indicators data folder: the real file loads, and every bad input names its row.

Each bad-input test copies the vendored ``data/indicators`` folder, breaks one cell, and
checks the error names the file, the row a spreadsheet would show and the field.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from district.core.errors import DataFileError
from district.indicators.arithmetic import Qualifier
from district.indicators.loader import AREAS, Measure, load_indicator_data

REPO = Path(__file__).resolve().parents[4]
DATA = REPO / "data" / "indicators"
SOURCE = REPO / "data" / "source" / "changning-14th-fyp-briefing-2025-09-23.txt"


@pytest.fixture(scope="module")
def data():
    return load_indicator_data(DATA)


# ------------------------------------------------------------------------ the real file


def test_the_vendored_folder_loads(data):
    # 53 indicators of the briefing (the four clusters one each) and 7 live figures
    assert len(data.indicators) == 60
    assert len(data.claims) == 47
    assert len(data.targets) == 5
    assert set(data.sources) == {"changning-14th-fyp-briefing-2025-09-23", "illustrative"}


def test_every_sentence_is_verbatim_in_the_briefing(data):
    text = SOURCE.read_text(encoding="utf-8")
    for claim in data.claims:
        assert claim.sentence in text, claim.id
        assert claim.source == "changning-14th-fyp-briefing-2025-09-23"


def test_the_headline_figures(data):
    by_id = {claim.id: claim for claim in data.current_claims()}
    gdp = by_id["gdp-2024"]
    assert (gdp.value_text, gdp.unit.code, str(gdp.period)) == ("278.9", "billion_yuan", "2024")
    assert by_id["gdp-multiple-2020-2024"].quantity().value == 1.8
    assert by_id["gdp-growth-2020-2024"].period.years() == 4
    increase = by_id["budget-revenue-increase-2020-2024"]
    assert increase.qualifier is Qualifier.OVER
    assert increase.statement() == "over 5 billion yuan (2020 to 2024)"
    assert by_id["nursing-beds"].quantity().value == 7411
    assert by_id["sponge-city-share"].quantity().value == 41
    assert by_id["ecommerce-share-city-2024"].quantity().to(
        data.indicators["ecommerce_share_city"].unit
    ).value == pytest.approx(100 / 3)
    assert by_id["silicon-alley-enterprises"].qualifier is Qualifier.NEARLY


def test_indicators_cover_the_six_areas_with_translated_chinese_names(data):
    assert {i.area for i in data.indicators.values()} == set(AREAS)
    for indicator in data.indicators.values():
        assert indicator.name_zh_origin == "translation"
        assert indicator.name_zh and indicator.name_en
    gdp_growth = data.indicators["gdp_growth_avg"]
    assert gdp_growth.measure is Measure.AVG_GROWTH and gdp_growth.of == "gdp"
    assert data.indicators["sponge_city_share_built_up"].whole == "built_up_area"


def test_targets_are_labelled_illustrative(data):
    for target in data.current_targets():
        assert target.is_illustrative
        assert data.sources[target.source].kind == "illustrative"
        assert target.target_year == 2030


# ---------------------------------------------------------------------------- bad input


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "indicators"
    shutil.copytree(DATA, folder)
    # The sources file points at the briefing relative to itself.
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    shutil.copy(SOURCE, source_dir / SOURCE.name)
    return folder


def _edit(folder: Path, name: str, change: Callable[[list[dict[str, str]]], None]) -> None:
    path = folder / name
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _set(index: int, **cells: str) -> Callable[[list[dict[str, str]]], None]:
    def change(rows: list[dict[str, str]]) -> None:
        rows[index].update(cells)

    return change


def _fails(folder: Path, file: str, row: int, field: str, words: str) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        load_indicator_data(folder)
    error = caught.value
    assert error.path.endswith(file)
    assert (error.row, error.field) == (row, field), str(error)
    assert words in str(error)
    assert f"{file}, row {row}, field '{field}'" in str(error)
    return error


def test_the_copy_loads(tmp_path):
    assert len(load_indicator_data(_copy(tmp_path)).claims) == 47


def test_unknown_unit_in_values(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(3, unit="bn_yuan"))  # 4th data row: spreadsheet row 5
    error = _fails(folder, "values.csv", 5, "unit", "Unknown unit 'bn_yuan'")
    assert "billion_yuan" in str(error)  # the fix lists the known units


def test_unknown_unit_in_indicators(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "indicators.csv", _set(0, unit="yuan_bn"))
    _fails(folder, "indicators.csv", 2, "unit", "Unknown unit 'yuan_bn'")


def test_mixed_units_in_one_series(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(0, unit="percent"))  # GDP in percent
    _fails(folder, "values.csv", 2, "unit", "mixed units in one series")


def test_mixed_currencies_in_one_series(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(0, unit="billion_usd"))
    error = _fails(folder, "values.csv", 2, "unit", "mixed units in one series")
    assert "USD" in str(error) and "CNY" in str(error)


def test_another_scale_of_the_same_unit_is_accepted(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(0, unit="100m_yuan", value="2789"))
    data = load_indicator_data(folder)
    assert data.claims[0].quantity().to(data.indicators["gdp"].unit).value == pytest.approx(278.9)


def test_a_value_without_a_source(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(6, source=""))
    _fails(folder, "values.csv", 8, "source", "the value has no source")


def test_a_value_citing_an_unknown_source(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(6, source="some-newspaper"))
    _fails(folder, "values.csv", 8, "source", "'some-newspaper' is not a source id")


def test_a_value_without_its_sentence(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(2, sentence=""))
    _fails(folder, "values.csv", 4, "sentence", "the sentence the value comes from is empty")


def test_a_sentence_that_is_not_verbatim(tmp_path):
    folder = _copy(tmp_path)
    # Straight apostrophe instead of the release's curly one.
    sentence = "In 2024, Changning's GDP reached 278.9 billion yuan."
    _edit(folder, "values.csv", _set(0, sentence=sentence))
    _fails(folder, "values.csv", 2, "sentence", "not in the text of source")


def test_a_target_without_a_year(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "targets.csv", _set(1, target_year=""))
    _fails(folder, "targets.csv", 3, "target_year", "the target has no year")


def test_a_target_with_a_bad_year(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "targets.csv", _set(1, target_year="30"))
    _fails(folder, "targets.csv", 3, "target_year", "'30' is not a year")


def test_an_illustrative_target_must_cite_the_illustrative_source(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "targets.csv", _set(0, source="changning-14th-fyp-briefing-2025-09-23"))
    _fails(folder, "targets.csv", 2, "source", "an illustrative target must cite")


def test_a_sourced_target_needs_its_sentence(tmp_path):
    folder = _copy(tmp_path)
    _edit(
        folder,
        "targets.csv",
        _set(0, status="sourced", source="changning-14th-fyp-briefing-2025-09-23", sentence=""),
    )
    _fails(folder, "targets.csv", 2, "sentence", "is empty")


def test_a_target_in_the_wrong_unit(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "targets.csv", _set(0, unit="km2"))
    _fails(folder, "targets.csv", 2, "unit", "mixed units in one series")


def test_unknown_indicator_code(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(9, indicator="gdp_per_capita"))
    _fails(folder, "values.csv", 11, "indicator", "'gdp_per_capita' is not an indicator code")


def test_bad_number_and_qualifier(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(0, value="278,9"))
    _fails(folder, "values.csv", 2, "value", "'278,9' is not a number")
    folder = _copy(tmp_path / "again")
    _edit(folder, "values.csv", _set(0, qualifier="roughly"))
    _fails(folder, "values.csv", 2, "qualifier", "'roughly' is not a valid qualifier")


def test_a_value_without_a_period(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(0, period_end=""))
    _fails(folder, "values.csv", 2, "period_end", "the value has no period")


def test_a_growth_rate_needs_its_base_year(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(2, period_start=""))
    _fails(folder, "values.csv", 4, "period_start", "needs period_start (the base year)")


def test_a_bad_date(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _set(0, period_end="2024-02-30"))
    _fails(folder, "values.csv", 2, "period_end", "neither a year nor a date")


def test_a_derived_indicator_must_name_its_base(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "indicators.csv", _set(1, of=""))
    _fails(folder, "indicators.csv", 3, "of", "must name the indicator it is derived from")


def test_a_growth_rate_indicator_must_be_a_ratio(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "indicators.csv", _set(2, unit="billion_yuan"))
    _fails(folder, "indicators.csv", 4, "unit", "'avg_growth' is a ratio")


def test_a_missing_column_is_reported_on_the_header_row(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "values.csv"
    text = path.read_text(encoding="utf-8").replace("qualifier,", "", 1)
    path.write_text(text, encoding="utf-8")
    _fails(folder, "values.csv", 1, "qualifier", "the header lacks the column(s) qualifier")


def test_a_missing_file(tmp_path):
    folder = _copy(tmp_path)
    (folder / "targets.csv").unlink()
    with pytest.raises(DataFileError, match=r"targets\.csv: the file is missing"):
        load_indicator_data(folder)


def test_a_missing_source_text(tmp_path):
    folder = _copy(tmp_path)
    (tmp_path / "source" / SOURCE.name).unlink()
    _fails(folder, "sources.csv", 2, "path", "does not exist")


# ---------------------------------------------------------------------------- revisions


def _revise(rows: list[dict[str, str]]) -> None:
    revised = dict(rows[0], revision="2", value="279.1", recorded_on="2026-12-01")
    revised["note"] = "Synthetic revision for the test."
    rows.append(revised)


def test_a_revision_supersedes_and_keeps_history(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", _revise)
    data = load_indicator_data(folder)
    assert len(data.claims) == 48
    current = {claim.id: claim for claim in data.current_claims()}
    assert current["gdp-2024"].value_text == "279.1"
    assert current["gdp-2024"].recorded_on == date(2026, 12, 1)
    history = data.history("gdp-2024")
    assert [c.value_text for c in history] == ["278.9", "279.1"]
    assert len(data.current_claims()) == 47


def test_a_repeated_revision_number_is_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "values.csv", lambda rows: rows.append(dict(rows[0])))
    _fails(folder, "values.csv", 49, "revision", "'gdp-2024' revision 1 appears twice")


def test_a_revision_cannot_change_the_indicator(tmp_path):
    folder = _copy(tmp_path)

    def change(rows: list[dict[str, str]]) -> None:
        rows.append(dict(rows[0], revision="2", indicator="budget_revenue"))

    _edit(folder, "values.csv", change)
    _fails(folder, "values.csv", 49, "indicator", "name different indicators")


def test_claims_frame(data):
    frame = data.claims_frame()
    assert len(frame) == 47
    gdp = frame.set_index("id").loc["gdp-2024"]
    assert (gdp["value"], gdp["low"], gdp["high"]) == pytest.approx((278.9, 278.85, 278.95))
    share = frame.set_index("id").loc["ecommerce-share-city-2024"]
    assert share["unit"] == "percent" and share["value"] == pytest.approx(100 / 3)
    over = frame.set_index("id").loc["budget-revenue-increase-2020-2024"]
    assert over["low"] == 5.0 and pd.isna(over["high"])  # "over 5 billion" has no upper end
    assert set(frame["area"]) == set(AREAS)
