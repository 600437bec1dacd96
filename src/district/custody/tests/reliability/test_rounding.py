"""Rounding through the real services: for random prices, session counts and usage, the
releases plus the refund equal the deposit exactly, and the contract's account ends at zero.

``money.py`` has pure property tests of the arithmetic; this one goes through
``sign_contract``, ``record_check_in`` (by the consumer, or by staff then confirmed) and a
refund of the rest (a merchant closure, or a dispute resolved with a refund), and reads the
ledger back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from .sizes import size
from .world import make_merchant, make_user

_numbers = itertools.count(1)


@pytest.mark.slow
@pytest.mark.django_db
def test_releases_plus_refund_equal_the_deposit(
    record_counts: Callable[[dict[str, Any]], None],
) -> None:
    from district.custody import services
    from district.custody.models import Account, CheckIn, Contract, Merchant, Refund

    checked = {"examples": 0, "check_ins": 0, "deposit_fen": 0, "invariant_checks": 0}
    admin = make_user("rounding-admin", "administrator", "notary", "regulator", superuser=True)

    @settings(max_examples=size("ROUNDING"), deadline=None, database=None)
    @given(
        data=st.data(),
        sessions=st.integers(min_value=1, max_value=60),
        price_fen=st.integers(min_value=1, max_value=2_000_000),
        refund_by=st.sampled_from(["closure", "dispute"]),
    )
    def example(data: st.DataObject, sessions: int, price_fen: int, refund_by: str) -> None:
        price_fen = max(price_fen, sessions)  # at least one fen per session
        used = data.draw(st.integers(min_value=0, max_value=sessions), label="used")
        by_staff = data.draw(st.lists(st.booleans(), min_size=used, max_size=used), label="staff")
        n = next(_numbers)
        party = make_merchant("rounding", 500_000 + n, admin)
        merchant = Merchant.objects.get(pk=party.merchant_pk)
        staff = merchant.staff.get()
        user = make_user(f"rounding-c{n}", "resident")
        contract = services.sign_contract(
            key=f"round-{n}",
            merchant=merchant,
            consumer=services.consumer_for(user),
            product_type="class_pack",
            price_fen=price_fen,
            sessions=sessions,
            starts_on=timezone.localdate(),
            by=user,
        )
        for number, staff_records in enumerate(by_staff, start=1):
            key = f"round-{n}-{number}"
            if staff_records:
                check_in = services.record_check_in(key=key, contract=contract, by=staff)
                services.confirm_check_in(check_in=check_in, by=user)
            else:
                services.record_check_in(key=key, contract=contract, by=user)
        if used < sessions:
            if refund_by == "closure":
                services.close_merchant(
                    key=f"round-{n}-close", merchant=merchant, by=admin, reason="test"
                )
            else:
                dispute = services.open_dispute(
                    key=f"round-{n}-dispute", contract=contract, by=user, reason="test"
                )
                services.resolve_dispute(dispute=dispute, by=admin, outcome="refund")
        contract = Contract.objects.get(pk=contract.pk)
        position = services.contract_position(contract)
        confirmed = CheckIn.objects.filter(contract=contract, status="confirmed")
        released = confirmed.aggregate(total=Sum("release_fen"))["total"] or 0
        refunds = Refund.objects.filter(contract=contract)
        refunded = refunds.aggregate(total=Sum("amount_fen"))["total"] or 0
        assert released + refunded == price_fen
        assert (position.released_fen, position.refunded_fen) == (released, refunded)
        assert (position.remaining_fen, position.pending_fen) == (0, 0)
        account = Account.objects.get(contract=contract)
        assert account.credits_posted == account.debits_posted == price_fen
        assert account.debits_pending == 0
        checked["examples"] += 1
        checked["check_ins"] += used
        checked["deposit_fen"] += price_fen
        checked["invariant_checks"] += 4

    example()
    record_counts({**checked, "database": connection.vendor})
