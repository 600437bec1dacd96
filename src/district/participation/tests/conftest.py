"""A cast for participation: the channel matrix, channel staff, department staff, residents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from district.participation import services

PLATFORM = "platform"
HONGQIAO = "sub-310105009000"
LIAISON = "liaison-hongqiao"
# A point inside Changning (Hongqiao), located to a grid cell.
POINT = (121.405, 31.195)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The cast's passwords need no real hashing cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def matrix(db: None) -> list[Any]:
    return services.ensure_channel_matrix()


@pytest.fixture
def cast(matrix: list[Any], make_user: Callable[..., Any]) -> dict[str, Any]:
    """platform and Hongqiao channel staff, greening and city-management staff, two
    residents, a supervisor and an outsider dispatcher with no channel."""
    people = {
        "staff": make_user("staff", "dispatcher", department="operations-centre"),
        "liaison": make_user("liaison", "dispatcher"),
        "outsider": make_user("outsider", "dispatcher"),
        "greening": make_user("greening", "department_staff", department="greening"),
        "citymgmt": make_user("citymgmt", "department_staff", department="city-management"),
        "supervisor": make_user("supervisor", "supervisor", department="operations-centre"),
        "alice": make_user("alice", "resident"),
        "bob": make_user("bob", "resident"),
    }
    services.add_channel_staff(channel=PLATFORM, user=people["staff"])
    services.add_channel_staff(channel=HONGQIAO, user=people["liaison"])
    services.add_channel_staff(channel=LIAISON, user=people["liaison"])
    return people
