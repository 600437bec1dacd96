"""Live figures: computed through other apps' service functions when those exist.

The district's land area comes from geo, the case KPIs from cases, the coverage from
lifecircle and the suggestions from participation, each through its service function. A
provider whose function does not exist waits, naming the function it waits for; fake app
modules show the contract's edges, and a provider registered here shows the registry.
"""

from __future__ import annotations

import sys
import types
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from district.core.errors import InputError
from district.indicators import live, services
from district.indicators.models import LiveFigure

SERVICE_MODULES = [
    "district.cases.services",
    "district.lifecircle.services",
    "district.participation.services",
    "district.custody.services",
]


def _outcomes():
    return {o.result.provider.indicator: o for o in services.refresh_live_figures()}


def _fake_app(monkeypatch, module, **functions):
    fake = types.ModuleType(module)
    for name, function in functions.items():
        setattr(fake, name, function)
    monkeypatch.setitem(sys.modules, module, fake)


def test_the_district_area_comes_from_geo_and_says_when(loaded):
    figure = LiveFigure.objects.get(indicator__code="district_land_area")
    assert figure.value == pytest.approx(37.15, abs=0.01)
    assert figure.unit == "km2"
    assert figure.provider == "district.geo.services.summarize_district"
    assert timezone.now() - figure.computed_at < timedelta(minutes=5)
    assert figure.detail["adcode"] == "310105"


def test_apps_without_the_function_are_waiting_and_say_for_what(loaded, monkeypatch):
    for module in SERVICE_MODULES:  # as on main today, whatever the neighbours have landed
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    outcomes = _outcomes()
    waiting = outcomes["case_on_time_rate"]
    assert waiting.status == "unavailable" and not waiting.stored
    assert "district.cases.services.kpi_summary()" in waiting.result.reason
    assert outcomes["prepaid_funds_in_custody"].status == "unavailable"
    assert outcomes["district_land_area"].status == "ok"


def test_a_missing_module_is_waiting_but_a_broken_import_is_not_hidden(tmp_path, monkeypatch):
    package = tmp_path / "brokenapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("import a_dependency_nobody_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def provider(module):
        reader = live.field_reader("on_time_rate", "percent")
        return live.LiveProvider("case_on_time_rate", module, "kpi_summary", reader, "test")

    missing, broken = live.run_providers(
        [provider("district.nosuchapp.services"), provider("brokenapp.services")]
    )
    assert missing.status is live.ProviderStatus.UNAVAILABLE
    assert "the module does not exist yet" in missing.reason
    assert broken.status is live.ProviderStatus.FAILED
    assert "a_dependency_nobody_installed" in broken.reason


def test_a_function_that_lands_is_used(loaded, monkeypatch):
    _fake_app(
        monkeypatch,
        "district.cases.services",
        kpi_summary=lambda **_: {"on_time_rate": 0.915, "satisfaction_rate": 0.9625, "closed": 400},
    )
    _fake_app(
        monkeypatch,
        "district.lifecircle.services",
        coverage_summary=lambda: SimpleNamespace(
            by_category={"kindergarten": 88.0, "health": 97.5, "metro": None}, basis="grid cells"
        ),
    )
    _fake_app(
        monkeypatch,
        "district.custody.services",
        custody_summary=lambda: {"balance_fen": 1_234_567_890, "coverage_rate": None},
    )
    outcomes = _outcomes()
    on_time = outcomes["case_on_time_rate"].stored[0]
    assert (on_time.value, on_time.unit) == (pytest.approx(91.5), "percent")
    assert on_time.detail == {"closed": 400, "key": "on_time_rate"}
    assert outcomes["case_satisfaction_rate"].stored[0].value == pytest.approx(96.25)
    coverage = {f.breakdown: f for f in outcomes["life_circle_coverage"].stored}
    assert set(coverage) == {"kindergarten", "health"}  # None means no figure yet
    assert (coverage["health"].breakdown_zh, coverage["health"].breakdown_en) == (
        "医疗卫生",
        "Health care",
    )
    assert coverage["health"].detail["basis"] == "grid cells"
    # 1,234,567,890 fen is 12,345,678.90 yuan, or 1,234.56789 x 10k yuan
    custody = outcomes["prepaid_funds_in_custody"].stored[0]
    assert (custody.value, custody.unit) == (pytest.approx(1234.56789), "10k_yuan")
    assert outcomes["prepaid_custody_coverage"].status == "empty"


def test_a_provider_registered_by_an_app(loaded):
    def complaints_summary():
        return {"share_resolved": 87.5}

    module = types.ModuleType("district.fake_app.services")
    setattr(module, "complaints_summary", complaints_summary)  # noqa: B010
    sys.modules[module.__name__] = module
    previous = live.unregister("suggestions_answered_on_time_rate")
    try:
        live.register(
            live.LiveProvider(
                indicator="suggestions_answered_on_time_rate",
                module=module.__name__,
                function="complaints_summary",
                extract=live.field_reader("share_resolved", "percent"),
                describe="a provider registered in a test",
            )
        )
        stored = _outcomes()["suggestions_answered_on_time_rate"].stored
        assert [(f.value, f.provider) for f in stored] == [
            (87.5, "district.fake_app.services.complaints_summary")
        ]
    finally:
        live.unregister("suggestions_answered_on_time_rate")
        if previous is not None:
            live.register(previous)
        del sys.modules[module.__name__]


def test_an_unchanged_figure_moves_its_time_and_a_changed_one_adds_a_row(loaded, monkeypatch):
    rate = {"on_time_rate": 0.90}
    _fake_app(monkeypatch, "district.cases.services", kpi_summary=lambda **_: rate)
    start = timezone.now()
    services.refresh_live_figures(now=start)
    services.refresh_live_figures(now=start + timedelta(hours=1))
    rows = LiveFigure.objects.filter(indicator__code="case_on_time_rate")
    assert rows.count() == 1
    row = rows.get()
    assert (row.first_computed_at, row.computed_at) == (start, start + timedelta(hours=1))
    rate["on_time_rate"] = 0.92
    services.refresh_live_figures(now=start + timedelta(hours=2))
    assert [r.value for r in rows.order_by("computed_at")] == [
        pytest.approx(90.0),
        pytest.approx(92.0),
    ]
    latest = LiveFigure.objects.latest_each().get(indicator__code="case_on_time_rate")
    assert latest.value == pytest.approx(92.0)


@pytest.mark.parametrize(
    ("result", "status", "words"),
    [
        ({"on_time_rate": "high"}, "failed", "on_time_rate='high', which is not a finite number"),
        ({"on_time_rate": 0.93}, "ok", ""),
        ({"on_time_rate": 1.5}, "failed", "outside 0 to 100"),
        ({}, "empty", "has no figure yet"),
    ],
)
def test_a_broken_contract_is_reported(loaded, monkeypatch, result, status, words):
    _fake_app(monkeypatch, "district.cases.services", kpi_summary=lambda **_: result)
    outcome = _outcomes()["case_on_time_rate"]
    assert outcome.status == status
    assert words in outcome.result.reason


def test_an_app_error_does_not_stop_the_other_figures(loaded, monkeypatch, caplog):
    def no_cases_yet(**_):
        raise InputError("No case has been closed yet")

    def broken():
        raise RuntimeError("database on fire")

    _fake_app(monkeypatch, "district.cases.services", kpi_summary=no_cases_yet)
    _fake_app(monkeypatch, "district.participation.services", suggestion_summary=broken)
    outcomes = _outcomes()
    assert outcomes["case_on_time_rate"].status == "empty"
    assert "No case has been closed yet" in outcomes["case_on_time_rate"].result.reason
    assert outcomes["suggestions_answered_on_time_rate"].status == "failed"
    assert (
        "RuntimeError: database on fire"
        in outcomes["suggestions_answered_on_time_rate"].result.reason
    )
    assert outcomes["district_land_area"].status == "ok"
    assert "live figure suggestions_answered_on_time_rate failed" in caplog.text


def test_every_provider_names_a_loaded_indicator(loaded):
    from district.indicators.models import Indicator

    codes = set(Indicator.objects.values_list("code", flat=True))
    assert {p.indicator for p in live.providers()} <= codes


def test_life_circle_coverage_comes_from_a_real_refresh(loaded):
    from district.lifecircle import services as lifecircle

    lifecircle.refresh_access(trigger="test")
    outcomes = _outcomes()
    result = outcomes["life_circle_coverage"]
    coverage = {f.breakdown: f for f in result.stored}
    assert {"kindergarten", "primary_school", "metro"} <= set(coverage), result
    kindergarten = coverage["kindergarten"]
    assert 0 < kindergarten.value <= 100 and kindergarten.unit == "percent"
    assert kindergarten.detail["basis"] == "area"
    assert "estimated distances are reported apart" in kindergarten.detail["how"]


def test_suggestions_answered_on_time_come_from_participation(loaded, settings):
    from district.participation.demo import load_demo

    load_demo(data_dir=settings.DEMO_DATA_DIR, log=lambda _text: None)
    result = _outcomes()["suggestions_answered_on_time_rate"]
    assert result.result.status == "ok", result.result.reason
    figure = result.stored[0]
    assert 0 <= figure.value <= 100 and figure.unit == "percent"
    assert figure.detail["received"] > 0


def test_case_kpis_come_from_cases_over_the_last_twelve_months(loaded, settings):
    from district.cases.demo import load_demo

    load_demo(data_dir=settings.DEMO_DATA_DIR, log=lambda _text: None)
    outcomes = _outcomes()
    on_time = outcomes["case_on_time_rate"]
    assert on_time.result.status == "ok", on_time.result.reason
    assert 0 <= on_time.stored[0].value <= 100
    assert on_time.stored[0].detail["closed"] > 0
