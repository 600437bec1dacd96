"""Custody services: signing, check-ins, refunds, disputes, settlement, closure, risks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from district.core.errors import ConflictError, InputError, PermissionDeniedError
from district.custody import services
from district.custody.models import CheckIn, Contract, Refund

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_sign_contract_deposits_the_price_and_journals_it(
    core_cast: dict[str, Any], pack: Any
) -> None:
    position = services.contract_position(pack)
    assert (position.price_fen, position.remaining_fen, position.released_fen) == (
        100_001,
        100_001,
        0,
    )
    assert pack.status == Contract.Status.HELD
    assert pack.rule_set
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []
    assert services.custody_summary()["balance_fen"] == 100_001


def test_check_ins_release_to_the_fen(core_cast: dict[str, Any], pack: Any) -> None:
    for n in range(10):
        services.record_check_in(
            key=f"ci-{n}", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=n + 1)
        )
    position = services.contract_position(Contract.objects.get(pk=pack.pk))
    assert position.released_fen == 100_001
    assert position.remaining_fen == 0
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.COMPLETED
    with pytest.raises(ConflictError):
        services.record_check_in(
            key="ci-11", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=12)
        )
    assert services.account_balances_check() == []
