"""Fixtures of the scorecard's database tests: the vendored figures loaded, and a cast."""

from __future__ import annotations

from typing import Any

import pytest

from district.indicators import services

from .folder import DATA


@pytest.fixture
def loaded(db: None) -> services.LoadReport:
    """The briefing's figures, targets and projects, and the live figures the platform has."""
    report = services.load_data(directory=DATA)
    services.refresh_live_figures()
    return report


@pytest.fixture
def planner(make_user: Any) -> Any:
    return make_user("pia", "planner", department="drc")


@pytest.fixture
def resident(make_user: Any) -> Any:
    return make_user("ren", "resident")
