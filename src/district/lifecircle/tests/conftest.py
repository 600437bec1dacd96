"""Fixtures of the lifecircle app's Django tests: a refresh over the real demo geography."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def refreshed(db: None) -> Any:
    """A finished refresh over the test database's Changning geography (area coverage)."""
    from district.lifecircle import services

    return services.refresh_access(trigger="test")
