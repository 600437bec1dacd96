"""A Hypothesis state machine: the real services against the in-memory model (:mod:`.model`).

Rules: sign, check in (by the consumer, or by staff then confirm / dispute / let the window
pass), cooling-off refund, open and resolve a dispute, settle, close a merchant, let time
pass, and replay an earlier key (same arguments: same result, no second effect). After every
step each contract's position, each merchant's receivable and the custody bank equal the
model's; after each example the services' own ledger and journal checks and our independent
sums (:mod:`.checks`) find nothing. A failing run shrinks to a short list of steps.

Examples: ``DISTRICT_CUSTODY_EXAMPLES`` (CI 15, full run 200), steps per example
``DISTRICT_CUSTODY_STEPS``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from district.custody.money import SHANGHAI

from . import model as m
from .sizes import size
from .world import make_merchant, make_user

START = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday; far from the year's end
_examples = itertools.count(1)
COUNTS: dict[str, int] = {"examples": 0, "steps": 0, "invariant_checks": 0, "replays": 0}


def _error_kind(error: Exception) -> str:
    from district.core.errors import ConflictError, InputError

    if isinstance(error, ConflictError):
        return "ConflictError"
    if isinstance(error, InputError):
        return "InputError"
    raise error


def refuse(kind: str) -> None:
    raise m.Refused(kind, "predicted")


class CustodyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        from django.contrib.auth import get_user_model

        self.users = get_user_model().objects
        self.n = next(_examples)
        self.model = m.Model()
        self.clock = START
        self.keys = itertools.count(1)
        self.merchants: list[Any] = []  # (merchant, staff user)
        self.consumers: list[Any] = []  # users
        self.replayable: list[tuple[str, Callable[[], Any], Any]] = []
        self.admin = self.users.get(username="stateful-admin")
        from district.custody.ledger import custody_bank

        bank = custody_bank()
        self.bank_before = bank.debits_posted - bank.credits_posted

    def key(self, what: str) -> str:
        return f"sm{self.n}-{what}-{next(self.keys)}"

    @initialize()
    def parties(self) -> None:
        from district.custody import services
        from district.custody.models import Merchant

        for i in range(2):
            party = make_merchant(f"sm{self.n}", 800_000 + self.n * 10 + i, self.admin)
            merchant = Merchant.objects.get(pk=party.merchant_pk)
            self.merchants.append((merchant, self.users.get(pk=party.staff_pk)))
            self.model.merchant_status[merchant.pk] = "active"
        for i in range(2):
            user = make_user(f"sm{self.n}-c{i}", "resident")
            services.consumer_for(user)
            self.consumers.append(user)
        COUNTS["examples"] += 1

    def teardown(self) -> None:
        """Close this example's merchants (no open contract or awaiting check-in is left for
        the next example's ``confirm_due_check_ins`` sweep), then check the whole ledger."""
        from district.custody import services

        from . import checks

        for shop, _staff in self.merchants:
            if self.model.merchant_status[shop.pk] != "closed":
                services.close_merchant(
                    key=self.key("teardown"), merchant=shop, by=self.admin, reason="end"
                )
        problems = checks.all_problems()
        COUNTS["invariant_checks"] += checks.CHECKS_PER_RUN
        assert problems == [], problems

    # --- helpers -----------------------------------------------------------------------

    def expect(self, call: Callable[[], Any], predict: Callable[[], Any]) -> Any:
        """Run the model's prediction and the service; both succeed or both refuse alike."""
        COUNTS["steps"] += 1
        try:
            predicted = predict()
            refused: m.Refused | None = None
        except m.Refused as why:
            refused, predicted = why, None
        try:
            result = call()
        except Exception as error:
            kind = _error_kind(error)
            assert refused is not None, f"service refused ({kind}: {error}); model allowed it"
            assert refused.kind == kind, f"service {kind}: {error}; model {refused}"
            return None
        assert refused is None, f"service allowed it; model refused: {refused}"
        return result, predicted

    def contracts(self) -> list[int]:
        return sorted(self.model.contracts)

    # --- rules -------------------------------------------------------------------------

    @precondition(lambda self: len(self.model.contracts) < 12)
    @rule(
        merchant=st.integers(0, 1),
        consumer=st.integers(0, 1),
        sessions=st.integers(1, 12),
        price_fen=st.integers(1, 400_000),
    )
    def sign(self, merchant: int, consumer: int, sessions: int, price_fen: int) -> None:
        from district.custody import services

        shop, _staff = self.merchants[merchant]
        user = self.consumers[consumer]
        mine = [
            c
            for c in self.model.contracts.values()
            if (c.merchant, c.consumer) == (shop.pk, user.pk)
        ]
        if len(mine) >= 3:  # stay inside the per-consumer limit (RMB 20,000)
            return
        price_fen = max(price_fen, sessions)
        key = self.key("sign")
        starts_on = self.clock.astimezone(SHANGHAI).date()
        signed_at = self.clock

        def call() -> Any:
            return services.sign_contract(
                key=key,
                merchant=shop,
                consumer=services.consumer_for(user),
                product_type="class_pack",
                price_fen=price_fen,
                sessions=sessions,
                starts_on=starts_on,
                by=user,
                now=signed_at,
            )

        if self.model.merchant_status[shop.pk] != "active":
            self.expect(call, lambda: refuse("ConflictError"))
            return
        contract, _ = self.expect(call, lambda: None)
        self.model.sign(
            contract.pk,
            merchant=shop.pk,
            consumer=user.pk,
            price_fen=price_fen,
            sessions=sessions,
            at=self.clock,
        )
        self.replayable.append((key, call, contract.pk))

    @precondition(lambda self: self.model.contracts)
    @rule(data=st.data(), staff=st.booleans())
    def check_in(self, data: st.DataObject, staff: bool) -> None:
        from district.custody import services
        from district.custody.models import Contract

        pk = data.draw(st.sampled_from(self.contracts()), label="contract")
        contract = Contract.objects.get(pk=pk)
        by = (
            next(s for shop, s in self.merchants if shop.pk == contract.merchant_id)
            if staff
            else self.users.get(pk=contract.consumer.user_id)
        )
        key = self.key("ci")

        def call() -> Any:
            return services.record_check_in(key=key, contract=contract, by=by, now=self.clock)

        result = self.expect(call, lambda: self.model.next_number(pk))
        if result is None:
            return
        check_in, number = result
        assert check_in.number == number, f"session {check_in.number}; the lowest free is {number}"
        self.model.check_in(check_in.pk, contract=pk, number=number, staff=staff, at=self.clock)
        assert check_in.release_fen == self.model.check_ins[check_in.pk].release_fen
        self.replayable.append((key, call, check_in.pk))

    @precondition(lambda self: any(c.status == "awaiting" for c in self.model.check_ins.values()))
    @rule(data=st.data(), confirm=st.booleans())
    def answer_check_in(self, data: st.DataObject, confirm: bool) -> None:
        from district.custody import services
        from district.custody.models import CheckIn

        pending = sorted(pk for pk, c in self.model.check_ins.items() if c.status == "awaiting")
        pk = data.draw(st.sampled_from(pending), label="check_in")
        check_in = CheckIn.objects.select_related("contract__consumer__user").get(pk=pk)
        user = check_in.contract.consumer.user
        if confirm:
            self.expect(
                lambda: services.confirm_check_in(check_in=check_in, by=user, now=self.clock),
                lambda: self.model.confirm(pk, self.clock),
            )
        else:
            self.expect(
                lambda: services.dispute_check_in(
                    check_in=check_in, by=user, reason="not there", now=self.clock
                ),
                lambda: self.model.dispute_check_in(pk),
            )

    @rule(hours=st.integers(1, 100))
    def time_passes(self, hours: int) -> None:
        from district.custody import services

        self.clock += timedelta(hours=hours)
        result = self.expect(
            lambda: services.confirm_due_check_ins(now=self.clock),
            lambda: self.model.confirm_due(self.clock),
        )
        if result is not None:
            assert result[0] == result[1], f"{result[0]} confirmed; the model {result[1]}"

    @precondition(lambda self: self.model.contracts)
    @rule(data=st.data())
    def cooling_off_refund(self, data: st.DataObject) -> None:
        from district.custody import services
        from district.custody.models import Contract

        pk = data.draw(st.sampled_from(self.contracts()), label="contract")
        contract = Contract.objects.select_related("consumer__user").get(pk=pk)
        key = self.key("cool")

        def call() -> Any:
            return services.request_cooling_off_refund(
                key=key, contract=contract, by=contract.consumer.user, now=self.clock
            )

        if self.expect(call, lambda: self.model.cooling_off(pk, self.clock)) is not None:
            self.replayable.append((key, call, None))

    @precondition(lambda self: self.model.contracts)
    @rule(data=st.data())
    def open_dispute(self, data: st.DataObject) -> None:
        from district.custody import services
        from district.custody.models import Contract

        pk = data.draw(st.sampled_from(self.contracts()), label="contract")
        contract = Contract.objects.select_related("consumer__user").get(pk=pk)
        key = self.key("dispute")

        def call() -> Any:
            return services.open_dispute(
                key=key, contract=contract, by=contract.consumer.user, reason="x", now=self.clock
            )

        c = self.model.contracts[pk]
        if c.status not in m.RELEASABLE:
            self.expect(call, lambda: self.model.open_dispute(-1, pk))
            return
        dispute, _ = self.expect(call, lambda: None)
        self.model.open_dispute(dispute.pk, pk)
        self.replayable.append((key, call, dispute.pk))

    @precondition(lambda self: self.model.disputes)
    @rule(data=st.data(), outcome=st.sampled_from(["refund", "resume"]))
    def resolve_dispute(self, data: st.DataObject, outcome: str) -> None:
        from district.custody import services
        from district.custody.models import Dispute

        pk = data.draw(st.sampled_from(sorted(self.model.disputes)), label="dispute")
        dispute = Dispute.objects.get(pk=pk)
        self.expect(
            lambda: services.resolve_dispute(
                dispute=dispute, by=self.admin, outcome=outcome, now=self.clock
            ),
            lambda: self.model.resolve(pk, outcome, self.clock),
        )

    @rule(merchant=st.integers(0, 1))
    def settle(self, merchant: int) -> None:
        from district.custody import services

        shop, _staff = self.merchants[merchant]
        period_end = self.clock.astimezone(SHANGHAI).date() - timedelta(days=1)
        key = self.key("settle")
        result = self.expect(
            lambda: services.settle_merchant(
                key=key, merchant=shop, period_end=period_end, by=self.admin, now=self.clock
            ),
            lambda: self.model.settle(shop.pk, period_end, self.clock),
        )
        if result is not None and result[1] is not None:  # None: the period was settled
            settlement, amount = result
            assert settlement.amount_fen + settlement.fee_fen == amount

    @rule(merchant=st.integers(0, 1))
    def close(self, merchant: int) -> None:
        from district.custody import services

        shop, _staff = self.merchants[merchant]
        key = self.key("close")

        def call() -> Any:
            return services.close_merchant(
                key=key, merchant=shop, by=self.admin, reason="closing", now=self.clock
            )

        if self.expect(call, lambda: self.model.close(shop.pk, self.clock)) is not None:
            self.replayable.append((key, call, None))

    @precondition(lambda self: self.replayable)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        key, call, pk = data.draw(st.sampled_from(self.replayable), label="replay")
        COUNTS["replays"] += 1
        result = call()
        if pk is not None:
            assert result.pk == pk, f"replaying {key} returned {result.pk}, first {pk}"

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        from district.custody import services
        from district.custody.ledger import custody_bank, merchant_receivable
        from district.custody.models import Contract

        if not self.merchants:
            return
        COUNTS["invariant_checks"] += 1
        assert self.model.problems() == []
        for pk, expected in self.model.contracts.items():
            contract = Contract.objects.get(pk=pk)
            position = services.contract_position(contract)
            got = (contract.status, position.remaining_fen, position.pending_fen)
            want = (expected.status, self.model.remaining_fen(pk), self.model.pending_fen(pk))
            assert got == want, f"contract {pk}: (status, remaining, pending) {got} ≠ model {want}"
            assert position.sessions_used == len(self.model.live(pk))
        for shop, _staff in self.merchants:
            account = merchant_receivable(shop)
            got_fen = account.credits_posted - account.debits_posted
            assert got_fen == self.model.ledger.balance(m.receivable(shop.pk)), shop
        bank = custody_bank()
        bank_fen = bank.debits_posted - bank.credits_posted
        # The bank holds other examples' money too: compare this example's share.
        assert bank_fen - self.bank_before == -self.model.ledger.balance(m.BANK)


@pytest.mark.slow
@pytest.mark.django_db
def test_services_agree_with_the_in_memory_model(
    record_counts: Callable[[dict[str, Any]], None],
) -> None:
    from django.db import connection

    make_user("stateful-admin", "administrator", "notary", "regulator", superuser=True)
    run_state_machine_as_test(
        CustodyMachine,
        settings=settings(
            max_examples=size("EXAMPLES"),
            stateful_step_count=size("STEPS"),
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    record_counts({**COUNTS, "database": connection.vendor})
