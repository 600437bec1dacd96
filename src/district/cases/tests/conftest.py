"""Fixtures for the cases app (the root conftest loads the catalogue once per test
database): a cast of users (resident, dispatcher, two departments, a grid worker, a
supervisor, an outsider) and a helper that files a report at a real point of Changning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

ZHONGSHAN_PARK = (121.4245, 31.2213)  # a point inside Changning, near Zhongshan Park
OUTSIDE = (121.4737, 31.2304)  # People's Square, Huangpu: outside the district


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The cast's passwords are hashed with a fast hasher (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(make_user: Callable[..., Any]) -> SimpleNamespace:
    return SimpleNamespace(
        resident=make_user("wang", "resident"),
        other_resident=make_user("zhao", "resident"),
        dispatcher=make_user("zhang", "dispatcher", department="operations-centre"),
        greening=make_user("lu", "department_staff", department="greening"),
        greening2=make_user("qian", "department_staff", department="greening"),
        citymgmt=make_user("sun", "department_staff", department="city-management"),
        gridworker=make_user("li", "grid_worker", department="sub-310105001000"),
        supervisor=make_user("chen", "supervisor", department="operations-centre"),
        admin=make_user("root", "administrator", is_superuser=True),
        planner=make_user("zhou", "planner", department="planning"),
    )


@pytest.fixture
def report(db: None) -> Callable[..., Any]:
    """``report(category="SJ0101", description=..., **kwargs)`` → the new case."""
    from district.cases import services

    def make(
        category: str = "SJ0101",
        description: str = "路边有一堆暴露垃圾，已经好几天没人清理了。",
        **kwargs: Any,
    ) -> Any:
        kwargs.setdefault("channel", "web")
        if "lon" not in kwargs and "address" not in kwargs:
            kwargs["lon"], kwargs["lat"] = ZHONGSHAN_PARK
        return services.create_case(category_code=category, description=description, **kwargs).case

    return make


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    from district.core.worktime import SHANGHAI

    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)
