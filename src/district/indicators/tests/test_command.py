"""``district indicators <verb>``: what the issue names, exactly."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from district.indicators.models import Value

from .folder import DATA, copy_folder, edit, set_cells


def _run(*args: str) -> str:
    out = StringIO()
    call_command("indicators", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_check_json_finds_the_gdp_inconsistency_and_confirms_the_fiscal_pair(loaded):
    payload = json.loads(_run("check", "--json"))
    assert set(payload) == {"findings"}
    findings = payload["findings"]
    for finding in findings:
        assert {"claims", "consistent", "explanation"} <= set(finding)
        assert all(claim["sentence"] for claim in finding["claims"])
    gdp = [f for f in findings if f["title"].startswith("GDP") and f["check"] == "multiple_vs_rate"]
    assert [f["consistent"] for f in gdp] == [False]
    assert "15.83% a year" in gdp[0]["explanation"]
    assert [c["value"] for c in gdp[0]["claims"]] == ["1.8", "7.8"]
    fiscal = [f for f in findings if "budget revenue" in f["title"]]
    assert len(fiscal) == 3 and all(f["consistent"] for f in fiscal)
    assert any("over 5 billion yuan" in c["statement"] for f in fiscal for c in f["claims"])


def test_check_in_words(loaded):
    text = _run("check")
    assert text.startswith("7 checks: 1 inconsistent, 6 consistent")
    assert "[BAD] GDP of Changning District: multiple and average growth rate" in text
    assert "values.csv row 3" in text


def test_check_without_loaded_figures_reads_the_folder(db):
    payload = json.loads(_run("check", "--json"))
    assert sum(not f["consistent"] for f in payload["findings"]) == 1


def test_check_a_folder_before_importing_it(db, tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "values.csv", set_cells(2, value="15.8"))  # the growth rate that would fit
    payload = json.loads(_run("check", "--data", str(folder), "--json"))
    assert all(f["consistent"] for f in payload["findings"])


def test_import_twice_and_a_bad_file(db, tmp_path):
    assert "added 2 sources, 60 indicators, 47 values" in _run("import", str(DATA))
    again = json.loads(_run("import", str(DATA), "--json"))
    assert again["created"] == {} and again["unchanged"]["values"] == 47
    folder = copy_folder(tmp_path)
    edit(folder, "targets.csv", set_cells(0, target_year=""))
    with pytest.raises(
        CommandError, match=r"targets.csv, row 2, field 'target_year': the target has no year"
    ):
        _run("import", str(folder))


@pytest.mark.parametrize("fmt", ["pdf", "html", "md"])
def test_report_writes_each_format(loaded, tmp_path, fmt):
    path = tmp_path / f"report.{fmt}"
    assert str(path) in _run("report", "--format", fmt, "--lang", "en", "--out", str(path))
    content = path.read_bytes()
    if fmt == "pdf":
        assert (
            "278.9 billion yuan" in PdfReader(path).pages[2].extract_text()
            or b"%PDF" in content[:4]
        )
    else:
        assert "278.9 billion yuan" in content.decode()


def test_report_into_a_missing_folder_fails_with_status_1(loaded, tmp_path):
    with pytest.raises(CommandError, match="does not exist") as caught:
        _run("report", "--format", "md", "--out", str(tmp_path / "no" / "r.md"))
    assert caught.value.returncode == 1


def test_live_lists_what_was_computed_and_what_waits(loaded):
    text = _run("live")
    assert "district_land_area: 37.15 km2 (computed " in text
    payload = json.loads(_run("live", "--json"))
    waiting = {o["indicator"] for o in payload["live"] if o["status"] == "unavailable"}
    computed = {o["indicator"] for o in payload["live"] if o["status"] == "ok"}
    assert "district_land_area" in computed
    assert waiting | computed <= {p["indicator"] for p in payload["live"]}


def test_record_list_targets_and_projects(loaded):
    sentence = Value.objects.get(code="nursing-beds").sentence
    text = _run(
        "record", "nursing-beds", "--value", "7500", "--unit", "count",
        "--period-end", "2025-12-31", "--source", "changning-14th-fyp-briefing-2025-09-23",
        "--sentence", sentence,
    )  # fmt: skip
    assert text.strip() == "nursing-beds revision 2: 7500 count"
    assert "7,500 (2025-12-31)" in _run("list", "--area", "public_services")
    targets = json.loads(_run("targets", "--json"))["targets"]
    beds = next(t for t in targets if t["indicator"] == "nursing_beds")
    assert beds["latest"] == "7,500 (2025-12-31)"
    projects = json.loads(_run("projects", "--json"))["projects"]
    assert len(projects) == 16
    with pytest.raises(CommandError, match="mixed units in one series"):
        _run("record", "nursing-beds", "--value", "3", "--unit", "km", "--period-end", "2025")
