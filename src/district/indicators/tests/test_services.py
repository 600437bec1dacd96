"""The write path: loading the data folder, revisions that never overwrite, projects."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from district.core.errors import ConflictError, DataFileError, InputError
from district.indicators import services
from district.indicators.checks import check_data
from district.indicators.loader import load_indicator_data
from district.indicators.models import (
    DataLoad,
    Indicator,
    Milestone,
    Project,
    Source,
    Target,
    Value,
)

from .folder import DATA, SOURCE, copy_folder, edit, set_cells

GDP_SENTENCE = (
    "In 2024, Changning’s GDP reached 278.9 billion yuan, 1.8 times that of 2020, growing at "
    "an average annual rate of 7.8 percent over the first four years of the plan."
)
BRIEFING = "changning-14th-fyp-briefing-2025-09-23"


# ------------------------------------------------------------------------------ loading


def test_loading_the_folder_stores_every_figure_with_its_sentence(loaded):
    assert loaded.created == {
        "sources": 2,
        "indicators": 60,
        "values": 47,
        "targets": 5,
        "projects": 16,
        "milestones": 17,
    }
    assert Value.objects.count() == 47
    gdp = Value.objects.get(code="gdp-2024")
    assert (gdp.value, gdp.low, gdp.high) == pytest.approx((278.9, 278.85, 278.95))
    assert gdp.sentence == GDP_SENTENCE
    assert gdp.source.text == SOURCE.read_text(encoding="utf-8")
    assert (gdp.file_row, gdp.origin, gdp.revision) == (2, "file", 1)
    over = Value.objects.get(code="budget-revenue-increase-2020-2024")
    assert (over.low, over.high) == (5.0, None)  # "over 5 billion" has no upper end
    assert Indicator.objects.filter(code="gdp_multiple", of__code="gdp").exists()
    assert DataLoad.objects.count() == 1


def test_loading_twice_adds_nothing(loaded):
    again = services.load_data(directory=DATA)
    assert again.created == {}
    assert again.unchanged["values"] == 47 and again.unchanged["projects"] == 16
    assert Value.objects.count() == 47 and Project.objects.count() == 16
    assert Milestone.objects.count() == 17 and Target.objects.count() == 5
    assert DataLoad.objects.count() == 1  # a load that changed nothing leaves no record


def test_a_loaded_revision_is_never_overwritten(loaded, tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "values.csv", set_cells(0, value="279.1"))
    with pytest.raises(DataFileError) as caught:
        services.load_data(directory=folder)
    error = caught.value
    assert (error.row, error.field) == (2, "revision")
    assert "'gdp-2024' revision 1 is already loaded" in str(error)
    assert "add the change as revision 2" in str(error)
    assert Value.objects.get(code="gdp-2024").value_text == "278.9"


def test_a_revision_in_the_file_adds_a_row_and_keeps_the_history(loaded, tmp_path):
    folder = copy_folder(tmp_path)

    def revise(rows):
        rows.append(dict(rows[0], revision="2", value="279.1", recorded_on="2026-12-01"))

    edit(folder, "values.csv", revise)
    report = services.load_data(directory=folder)
    assert report.created == {"values": 1}
    history = Value.objects.history("gdp-2024")
    assert [v.value_text for v in history] == ["278.9", "279.1"]
    assert Value.objects.current().get(code="gdp-2024").revision == 2
    assert Value.objects.current().count() == 47


def test_a_bad_file_writes_nothing(db, tmp_path):
    folder = copy_folder(tmp_path)
    edit(folder, "values.csv", set_cells(3, unit="bn_yuan"))
    with pytest.raises(DataFileError, match=re.escape("values.csv, row 5, field 'unit'")):
        services.load_data(directory=folder)
    assert not Indicator.objects.exists() and not DataLoad.objects.exists()


def test_the_database_gives_the_engine_the_same_figures_and_findings(loaded):
    from_file = load_indicator_data(DATA)
    from_db = services.indicator_data()
    assert sorted(c.statement() for c in from_db.current_claims()) == sorted(
        c.statement() for c in from_file.current_claims()
    )
    file_findings = [(f.title, f.consistent, f.explanation) for f in check_data(from_file)]
    db_findings = [(f.title, f.consistent, f.explanation) for f in check_data(from_db)]
    assert db_findings == file_findings


def test_the_findings_include_the_district_area_from_geo(loaded):
    found = {f.title: f for f in services.findings()}
    sponge = found["Built-up area of the district within land area of the district"]
    assert sponge.consistent is True
    land = sponge.claims[-1]
    assert land.indicator == "district_land_area"
    assert land.quantity().value == pytest.approx(37.15, abs=0.01)
    assert "summarize_district" in land.sentence
    gdp = found["GDP of Changning District: multiple and average growth rate"]
    assert gdp.consistent is False


# -------------------------------------------------------------------- recording figures


def _gdp(**changes):
    fields = {
        "code": "gdp-2024",
        "value": "279.1",
        "unit": "billion_yuan",
        "period_end": "2024",
        "source": BRIEFING,
        "sentence": GDP_SENTENCE,
    }
    return fields | changes


def test_recording_a_revision_adds_a_row(loaded, planner):
    row = services.record_value(
        **_gdp(note="Revised after the statistical yearbook."), user=planner
    )
    assert (row.revision, row.origin, row.recorded_by) == (2, "entry", planner)
    assert row.value == pytest.approx(279.1)
    assert Value.objects.filter(code="gdp-2024").count() == 2
    assert Value.objects.current().get(code="gdp-2024").pk == row.pk
    # Another scale of the same unit is fine: 2,791 x 100 million yuan is 279.1 billion.
    again = services.record_value(**_gdp(value="2792", unit="100m_yuan"), user=planner)
    assert again.revision == 3 and again.value == pytest.approx(279.2)


def test_recording_the_same_figure_again_is_a_conflict(loaded):
    with pytest.raises(ConflictError, match="revision 1 already says this"):
        services.record_value(**_gdp(value="278.9"))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"unit": "percent"}, "unit", "mixed units in one series"),
        ({"unit": "million_usd"}, "unit", "mixed units in one series"),
        ({"unit": "bn_yuan"}, "unit", "Unknown unit 'bn_yuan'"),
        ({"source": ""}, "source", "the value has no source"),
        ({"source": "newspaper"}, "source", "'newspaper' is not a source id"),
        ({"sentence": "GDP rose a lot."}, "sentence", "not in the text"),
        ({"period_end": ""}, "period_end", "the value has no period"),
        ({"value": "lots"}, "value", "'lots' is not a number"),
        ({"qualifier": "roughly"}, "qualifier", "'roughly' is not a qualifier"),
        ({"price_basis": "2020"}, "price_basis", "not a price basis"),
    ],
)
def test_bad_figures_are_refused_naming_the_field(loaded, changes, field, words):
    with pytest.raises(InputError) as caught:
        services.record_value(**_gdp(**changes))
    assert caught.value.field == field
    assert words in str(caught.value)
    assert Value.objects.filter(code="gdp-2024").count() == 1


def test_a_new_figure_needs_its_indicator_and_a_growth_rate_its_base_year(loaded):
    with pytest.raises(InputError, match="needs its indicator"):
        services.record_value(**_gdp(code="gdp-2025", period_end="2025"))
    with pytest.raises(InputError, match="needs period_start"):
        services.record_value(
            **_gdp(code="gdp-growth-2025", indicator="gdp_growth_avg", value="5", unit="percent")
        )
    with pytest.raises(InputError, match="is a figure of 'gdp', not 'budget_revenue'"):
        services.record_value(**_gdp(indicator="budget_revenue"))
    row = services.record_value(**_gdp(code="gdp-2025", indicator="gdp", period_end="2025"))
    assert row.revision == 1


def test_targets_need_a_year_and_the_right_source(loaded):
    target = dict(code="target-gdp-2030", value="420", unit="billion_yuan", source="illustrative")
    with pytest.raises(InputError, match="the target has no year") as caught:
        services.record_target(**target, target_year=None, status="illustrative")
    assert caught.value.field == "target_year"
    with pytest.raises(InputError, match="must cite the illustrative source"):
        services.record_target(**target, target_year=2030, status="sourced")
    row = services.record_target(**target, target_year=2030, status="illustrative")
    assert row.revision == 2
    assert Target.objects.current().get(code="target-gdp-2030").value == 420


def test_the_database_refuses_what_the_services_refuse(loaded):
    gdp = Value.objects.get(code="gdp-2024")
    for changes in ({"revision": 1}, {"revision": 0}, {"period_end": ""}, {"qualifier": "lots"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Value.objects.create(**{**_row(gdp), **changes, "code": "gdp-2024"})
    project = Project.objects.get(code="wysh")
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(lon=121.4)
    milestone = Milestone.objects.get(project=project, position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(
            status="pending", reached_on=date(2025, 1, 1)
        )


def _row(value):
    fields = {f.attname: getattr(value, f.attname) for f in Value._meta.concrete_fields}
    fields.pop("id")
    return fields


# ----------------------------------------------------------------------------- projects


def test_projects_are_placed_in_grid_cells(loaded):
    hospital = Project.objects.get(code="maternity-hospital-renovation")
    assert hospital.cell_code.startswith("000000310105")
    assert len(hospital.cell_code) == 20
    assert Project.objects.exclude(cell_code="").count() == 2
    apartments = Project.objects.get(code="hongqiao-talent-apartments")
    assert {i.code for i in apartments.indicators.all()} == {
        "hongqiao_talent_apartment_units",
        "affordable_rental_units",
    }


def test_a_status_set_by_a_planner_survives_a_reload(loaded, planner):
    services.set_project_status(
        project="hongqiao-talent-apartments", status="completed", user=planner
    )
    services.set_milestone(
        project="hongqiao-talent-apartments",
        position=1,
        reached=True,
        reached_on=date(2025, 12, 1),
        user=planner,
    )
    services.load_data(directory=DATA)
    project = Project.objects.get(code="hongqiao-talent-apartments")
    assert (project.status, project.status_changed_by) == ("completed", planner)
    milestone = project.milestones.get(position=1)
    assert (milestone.status, milestone.reached_on) == ("reached", date(2025, 12, 1))


def test_project_changes_are_validated(loaded, planner):
    with pytest.raises(InputError, match="'done' is not a project status"):
        services.set_project_status(project="wysh", status="done", user=planner)
    with pytest.raises(InputError, match="a pending milestone cannot have a date"):
        services.set_milestone(
            project="wysh", position=1, reached=False, reached_on=date(2025, 1, 1), user=planner
        )
    with pytest.raises(InputError, match="lies outside"):
        services.locate_project(project="wysh", lon=121.50, lat=31.24, location_source="a guess")
    with pytest.raises(InputError, match="the location has no source"):
        services.locate_project(project="wysh", lon=121.42, lat=31.22, location_source=" ")
    placed = services.locate_project(
        project="wysh", lon=121.4195, lat=31.2155, location_source="test point on Wuyi Road"
    )
    assert placed.cell_code.startswith("000000310105")


def test_sources_keep_their_text(loaded):
    source = Source.objects.get(code=BRIEFING)
    assert GDP_SENTENCE in source.text
    assert source.path == SOURCE.name
    assert Source.objects.get(code="illustrative").is_illustrative
