"""Shared test set-up: translations compiled, the demo geography loaded once per test
database, and a cast of users per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from district.core.i18n import compile_messages


def pytest_configure(config: pytest.Config) -> None:
    compile_messages()


def load_test_geography() -> None:
    """The real Changning geography from data/ (boundary, subdistricts, grid, network,
    facilities), the departments and the case catalogue (which other apps file cases in)."""
    from district.accounts.demo import load_demo as load_accounts
    from district.cases.demo import load_catalogue
    from district.geo.demo import load_demo as load_geo

    load_geo(data_dir=settings.DEMO_DATA_DIR, log=lambda _text: None)
    load_accounts(data_dir=settings.DEMO_DATA_DIR, log=lambda _text: None)
    load_catalogue(data_dir=settings.DEMO_DATA_DIR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        load_test_geography()


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Each test starts from the database, not from another test's cached calendar,
    catalogue or API keys (tests roll their writes back; process caches would not)."""
    from district.cases.open311.views import forget_api_keys
    from district.cases.services.calendar import invalidate_calendar
    from district.cases.services.catalogue import invalidate_catalogue

    invalidate_calendar()
    invalidate_catalogue()
    forget_api_keys()


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """``make_user("alice", "dispatcher", department="operations-centre")``."""
    from district.accounts.models import Department
    from district.accounts.services import ensure_user

    def make(username: str, *roles: str, department: str | None = None, **kwargs: Any) -> Any:
        dept = Department.objects.get(code=department) if department else None
        return ensure_user(
            username=username,
            roles=list(roles),
            department=dept,
            password="pw-" + username,
            display_name=username.title(),
            **kwargs,
        )

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("root", "administrator", is_superuser=True)
