"""Custody's shared test cast (core's fixtures; views and reliability have their own).

``core_cast``: a fitness merchant (``gym``) with staff ``gymstaff``, a training school
(``school``) with staff ``schoolstaff``, consumers ``alice`` and ``bob`` (residents), a
``notary``, a ``regulator`` and an ``outsider`` resident. Times are fixed: ``T0`` is a
working Tuesday morning in Shanghai.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from district.custody import services
from district.custody.money import SHANGHAI

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


def licence(serial: int) -> str:
    """A valid unified social credit code (GB 32100 check character) for tests."""
    first17 = f"91310105MA1F{serial:05d}"
    return first17 + services.uscc_check_character(first17)


@pytest.fixture(autouse=True)
def custody_settings(settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CUSTODY_SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")


@pytest.fixture
def core_cast(make_user: Callable[..., Any]) -> dict[str, Any]:
    people = {
        "notary": make_user("c_notary", "notary"),
        "regulator": make_user("c_regulator", "regulator"),
        "gymstaff": make_user("c_gymstaff", "merchant"),
        "schoolstaff": make_user("c_schoolstaff", "merchant"),
        "alice": make_user("c_alice", "resident"),
        "bob": make_user("c_bob", "resident"),
        "outsider": make_user("c_outsider", "resident"),
    }
    gym = services.register_merchant(
        name="力健健身",
        licence=licence(1),
        sector="fitness",
        address="长宁路 1 号",
        registered_on=date(2020, 1, 1),
        last_year_revenue_fen=300_000_000,
        by=people["notary"],
    )
    school = services.register_merchant(
        name="启明培训",
        licence=licence(2),
        sector="training",
        registered_on=date(2021, 6, 1),
        by=people["notary"],
    )
    services.add_merchant_staff(merchant=gym, user=people["gymstaff"], by=people["notary"])
    services.add_merchant_staff(merchant=school, user=people["schoolstaff"], by=people["notary"])
    return {
        **people,
        "gym": gym,
        "school": school,
        "alice_c": services.consumer_for(people["alice"]),
        "bob_c": services.consumer_for(people["bob"]),
    }


@pytest.fixture
def pack(core_cast: dict[str, Any]) -> Any:
    """Alice's 10-session class pack of RMB 1,000.01 at the gym (awkward on purpose)."""
    return services.sign_contract(
        key="pack-1",
        merchant=core_cast["gym"],
        consumer=core_cast["alice_c"],
        product_type="class_pack",
        price_fen=100_001,
        sessions=10,
        starts_on=T0.date(),
        by=core_cast["alice"],
        now=T0,
    )
