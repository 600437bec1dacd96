"""projects.csv and milestones.csv: the real files load, and bad rows are named."""

from __future__ import annotations

import pytest

from district.core.errors import DataFileError
from district.indicators.loader import load_indicator_data
from district.indicators.projectfile import read_projects

from .folder import DATA, SOURCE, copy_folder, edit, set_cells


def _read(folder):
    data = load_indicator_data(folder)
    return read_projects(folder, sources=data.sources, indicators=data.indicators)


def _fails(folder, file, row, field, words):
    with pytest.raises(DataFileError) as caught:
        _read(folder)
    error = caught.value
    assert error.path.endswith(file)
    assert (error.row, error.field) == (row, field), str(error)
    assert words in str(error)


def test_the_briefing_projects_load_with_their_sentences():
    projects = {p.id: p for p in _read(DATA)}
    assert len(projects) == 16
    text = SOURCE.read_text(encoding="utf-8")
    for project in projects.values():
        assert not project.example  # every project shown is real and sourced
        assert project.sentence in text, project.id
        for milestone in project.milestones:
            assert milestone.sentence in text
    renewal = projects["urban-renewal-programme"]
    assert renewal.indicators == ("urban_renewal_projects",)
    assert "169 projects" in renewal.sentence
    apartments = projects["hongqiao-talent-apartments"]
    assert apartments.status == "under_way"
    assert [m.status for m in apartments.milestones] == ["pending"]
    located = [p.id for p in projects.values() if p.lon is not None]
    assert located == ["maternity-hospital-renovation", "guanghua-hospital-relocation"]
    assert "Amap POI" in projects["maternity-hospital-renovation"].location_source
    cables = projects["overhead-cable-burial"]
    assert [m.position for m in cables.milestones] == [1, 2]


def test_an_unknown_indicator(tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "projects.csv", set_cells(0, indicators="urban_renewal_projects;lifts"))
    _fails(folder, "projects.csv", 2, "indicators", "'lifts' is not an indicator code")


def test_a_location_needs_both_coordinates_and_a_source(tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "projects.csv", set_cells(1, lon="121.42"))
    _fails(folder, "projects.csv", 3, "lat", "needs both lon and lat")
    edit(folder, "projects.csv", set_cells(1, lat="31.22"))
    _fails(folder, "projects.csv", 3, "location_source", "the location has no source")
    edit(folder, "projects.csv", set_cells(1, lat="310.22", location_source="survey"))
    _fails(folder, "projects.csv", 3, "lat", "outside -90.0 to 90.0")


def test_a_bad_status_and_a_project_without_its_sentence(tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "projects.csv", set_cells(2, status="finished"))
    _fails(folder, "projects.csv", 4, "status", "'finished' is not a valid status")
    edit(folder, "projects.csv", set_cells(2, status="completed", sentence="Changning built it."))
    _fails(folder, "projects.csv", 4, "sentence", "not in the text")


def test_an_example_is_allowed_without_a_sentence_but_not_a_real_project(tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "projects.csv", set_cells(0, example="yes", sentence="", source="illustrative"))
    assert _read(folder)[0].example is True
    edit(folder, "projects.csv", set_cells(0, example="no"))
    _fails(folder, "projects.csv", 2, "source", "cannot cite the illustrative source")
    edit(folder, "projects.csv", set_cells(0, source="changning-14th-fyp-briefing-2025-09-23"))
    _fails(folder, "projects.csv", 2, "sentence", "is empty")


def test_milestone_rows(tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "milestones.csv", set_cells(0, project="no-such-project"))
    _fails(folder, "milestones.csv", 2, "project", "'no-such-project' is not a project id")
    edit(folder, "milestones.csv", set_cells(0, project="urban-renewal-programme"))
    edit(folder, "milestones.csv", set_cells(5, reached_on="2025-01-01"))  # a pending row
    _fails(folder, "milestones.csv", 7, "reached_on", "a pending milestone has a date")
    edit(folder, "milestones.csv", set_cells(5, reached_on="", position="0"))
    _fails(folder, "milestones.csv", 7, "position", "not a whole number from 1 up")
    edit(folder, "milestones.csv", set_cells(5, position="1"))
    edit(folder, "milestones.csv", set_cells(11, position="1"))  # the cables' second step
    _fails(folder, "milestones.csv", 13, "position", "two milestones at position 1")
