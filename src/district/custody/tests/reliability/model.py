"""A simple in-memory model of custody: a pure-Python dict ledger and the contract rules.

The Hypothesis state machine (:mod:`.test_stateful`) runs every step against the real
services and against this model, and compares them. The model is written from the
specification (issue 6, ``CUSTODY_PLAN.md``, ``docs/custody.md``), not from the services'
code: sessions are numbered from the lowest free number, each releases
``money.unit_release_fen`` of its number, a dispute freezes, a closure voids pending releases
and pays each claim from the merchant's pool. No Django here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from district.custody import money
from district.custody.money import SHANGHAI

CONFIRM_HOURS = 72
OPEN = ("held", "active", "frozen")
RELEASABLE = ("held", "active")


class Refused(Exception):
    """The model's prediction that the service refuses: ``kind`` is the error class name."""

    def __init__(self, kind: str, why: str) -> None:
        super().__init__(f"{kind}: {why}")
        self.kind = kind


@dataclass
class CheckIn:
    contract: int
    number: int
    status: str  # confirmed | awaiting | disputed | void
    release_fen: int
    confirm_by: datetime | None


@dataclass
class Contract:
    merchant: int
    consumer: int
    price_fen: int
    sessions: int
    signed_at: datetime
    status: str = "held"
    activated: bool = False
    status_before: str = ""


@dataclass
class Dispute:
    contract: int
    status: str = "open"
    outcome: str = ""


@dataclass
class Ledger:
    """Posted and pending balances by account name, and every posted credit to a merchant's
    receivable with its time (settlement pays what was credited before the period's end)."""

    posted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    receivable_credits: dict[int, list[tuple[datetime, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def move(self, debit: str, credit: str, amount: int, at: datetime) -> None:
        """Post ``amount``: a liability's balance is credits − debits; the bank's the reverse."""
        if amount <= 0:
            return
        self.posted[debit] -= amount
        self.posted[credit] += amount
        if credit.startswith("receivable:"):
            self.receivable_credits[int(credit.split(":")[1])].append((at, amount))

    def balance(self, account: str) -> int:
        return self.posted[account]


def held(contract: int) -> str:
    return f"held:{contract}"


def receivable(merchant: int) -> str:
    return f"receivable:{merchant}"


BANK = "bank"  # kept negated: the bank is an asset, Σ of all posted balances stays 0
PAYABLE = "payable"


@dataclass
class Model:
    contracts: dict[int, Contract] = field(default_factory=dict)
    check_ins: dict[int, CheckIn] = field(default_factory=dict)
    disputes: dict[int, Dispute] = field(default_factory=dict)
    merchant_status: dict[int, str] = field(default_factory=dict)
    settlements: dict[int, list[date]] = field(default_factory=lambda: defaultdict(list))
    settled_fen: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    ledger: Ledger = field(default_factory=Ledger)

    # --- reads ---------------------------------------------------------------------------

    def live(self, contract: int) -> list[CheckIn]:
        return [
            c
            for c in self.check_ins.values()
            if c.contract == contract and c.status in ("confirmed", "awaiting")
        ]

    def confirmed_count(self, contract: int) -> int:
        return sum(1 for c in self.live(contract) if c.status == "confirmed")

    def pending_fen(self, contract: int) -> int:
        return self.ledger.pending[held(contract)]

    def remaining_fen(self, contract: int) -> int:
        return self.ledger.balance(held(contract))

    def available_fen(self, contract: int) -> int:
        return self.remaining_fen(contract) - self.pending_fen(contract)

    # --- writes (each returns what the service should return, or raises Refused) ---------

    def sign(
        self, pk: int, *, merchant: int, consumer: int, price_fen: int, sessions: int, at: datetime
    ) -> None:
        if self.merchant_status.get(merchant, "active") != "active":
            raise Refused("ConflictError", "the merchant does not sell")
        self.contracts[pk] = Contract(merchant, consumer, price_fen, sessions, at)
        self.ledger.move(BANK, held(pk), price_fen, at)

    def next_number(self, contract: int) -> int:
        c = self.contracts[contract]
        taken = {x.number for x in self.live(contract)}
        free = [n for n in range(1, c.sessions + 1) if n not in taken]
        if self.merchant_status[c.merchant] != "active" or c.status not in RELEASABLE:
            raise Refused("ConflictError", f"contract {c.status}, merchant not active")
        if not free:
            raise Refused("ConflictError", "every session is used")
        return free[0]

    def check_in(self, pk: int, *, contract: int, number: int, staff: bool, at: datetime) -> None:
        c = self.contracts[contract]
        release = money.unit_release_fen(c.price_fen, c.sessions, number)
        if staff:
            self.check_ins[pk] = CheckIn(
                contract, number, "awaiting", release, at + timedelta(hours=CONFIRM_HOURS)
            )
            if release:
                self.ledger.pending[held(contract)] += release
        else:
            self.check_ins[pk] = CheckIn(contract, number, "confirmed", release, None)
            self.ledger.move(held(contract), receivable(c.merchant), release, at)
        if not staff:
            self._activate(contract)
        self._complete_if_used(contract)

    def _activate(self, contract: int) -> None:
        """The first *confirmed* session activates the contract (an unconfirmed staff entry
        cannot take the cooling-off right away)."""
        c = self.contracts[contract]
        if not c.activated:
            c.activated = True
            if c.status == "held":
                c.status = "active"

    def _complete_if_used(self, contract: int) -> None:
        c = self.contracts[contract]
        used = self.confirmed_count(contract) >= c.sessions
        if c.status == "active" and used and self.remaining_fen(contract) == 0:
            c.status = "completed"

    def confirm(self, check_in: int, at: datetime) -> None:
        ci = self.check_ins[check_in]
        c = self.contracts[ci.contract]
        if ci.status == "confirmed":
            return
        if ci.status != "awaiting":
            raise Refused("ConflictError", f"check-in {ci.status}")
        if self.merchant_status[c.merchant] != "active" or c.status not in RELEASABLE:
            raise Refused("ConflictError", "not releasable")
        ci.status = "confirmed"
        self._activate(ci.contract)
        if ci.release_fen:
            self.ledger.pending[held(ci.contract)] -= ci.release_fen
            self.ledger.move(held(ci.contract), receivable(c.merchant), ci.release_fen, at)
        self._complete_if_used(ci.contract)

    def dispute_check_in(self, check_in: int) -> None:
        ci = self.check_ins[check_in]
        if ci.status == "disputed":
            return
        if ci.status != "awaiting":
            raise Refused("ConflictError", f"check-in {ci.status}")
        ci.status = "disputed"
        self.ledger.pending[held(ci.contract)] -= ci.release_fen

    def confirm_due(self, at: datetime) -> int:
        due = sorted(
            (ci.confirm_by, pk)
            for pk, ci in self.check_ins.items()
            if ci.status == "awaiting"
            and ci.confirm_by is not None
            and ci.confirm_by <= at
            and self.contracts[ci.contract].status in RELEASABLE
            and self.merchant_status[self.contracts[ci.contract].merchant] == "active"
        )
        for _when, pk in due:
            self.confirm(pk, at)
        return len(due)

    def cooling_off(self, contract: int, at: datetime) -> None:
        c = self.contracts[contract]
        if c.status != "held":
            raise Refused("ConflictError", f"contract {c.status}")
        decision = money.cooling_off_refund(
            c.price_fen, c.signed_at, at, at if c.activated else None
        )
        if not decision.eligible:
            raise Refused("InputError", decision.reason)
        self._void_awaiting(contract)  # as the service: unconfirmed staff entries are voided
        self._refund(contract, c.price_fen, at)
        c.status = "refunded"

    def _refund(self, contract: int, amount: int, at: datetime) -> None:
        self.ledger.move(held(contract), PAYABLE, amount, at)
        self.ledger.move(PAYABLE, BANK, amount, at)

    def _void_awaiting(self, contract: int) -> None:
        for ci in self.check_ins.values():
            if ci.contract == contract and ci.status == "awaiting":
                ci.status = "void"
                self.ledger.pending[held(contract)] -= ci.release_fen

    def _claim(self, contract: int) -> int:
        c = self.contracts[contract]
        released = sum(x.release_fen for x in self.live(contract) if x.status == "confirmed")
        return c.price_fen - released

    def open_dispute(self, pk: int, contract: int) -> None:
        c = self.contracts[contract]
        if c.status not in RELEASABLE:
            raise Refused("ConflictError", f"contract {c.status}")
        self.disputes[pk] = Dispute(contract)
        c.status_before = c.status
        c.status = "frozen"

    def resolve(self, dispute: int, outcome: str, at: datetime) -> None:
        d = self.disputes[dispute]
        c = self.contracts[d.contract]
        if d.status == "resolved":
            if d.outcome != outcome:
                raise Refused("ConflictError", f"resolved as {d.outcome}")
            return
        if outcome == "refund":
            self._void_awaiting(d.contract)
            balance = self.available_fen(d.contract)
            claim = self._claim(d.contract)
            self._refund(d.contract, min(claim, balance), at)
            self.ledger.move(
                held(d.contract), receivable(c.merchant), self.remaining_fen(d.contract), at
            )
            c.status = "refunded"
        else:
            c.status = c.status_before or "active"
        d.status, d.outcome = "resolved", outcome

    def settle(self, merchant: int, period_end: date, at: datetime) -> int | None:
        """The amount paid, or None when the same period was settled before (no effect)."""
        done = self.settlements[merchant]
        if period_end in done:
            return None
        if any(day > period_end for day in done):
            raise Refused("ConflictError", "a later period is settled")
        end = datetime.combine(period_end + timedelta(days=1), time(0), SHANGHAI)
        credited = sum(a for when, a in self.ledger.receivable_credits[merchant] if when < end)
        owed = credited - self.settled_fen[merchant]
        amount = max(0, min(owed, self.ledger.balance(receivable(merchant))))
        done.append(period_end)
        self.settled_fen[merchant] += amount
        self.ledger.move(receivable(merchant), BANK, amount, at)
        return amount

    def close(self, merchant: int, at: datetime) -> None:
        if self.merchant_status[merchant] == "closed":
            raise Refused("ConflictError", "already closed")
        self.merchant_status[merchant] = "closed"
        open_contracts = sorted(
            pk for pk, c in self.contracts.items() if c.merchant == merchant and c.status in OPEN
        )
        balances, claims = [], []
        for pk in open_contracts:
            self._void_awaiting(pk)
            balances.append(self.available_fen(pk))
            claims.append(self._claim(pk))
        split = money.split_pool_fen(sum(balances), claims)
        for pk, balance, part in zip(open_contracts, balances, split.parts_fen, strict=True):
            self.ledger.move(held(pk), PAYABLE, balance, at)
            self.ledger.move(PAYABLE, BANK, part, at)
        self.ledger.move(PAYABLE, receivable(merchant), split.surplus_fen, at)
        for d in self.disputes.values():
            if d.contract in open_contracts and d.status == "open":
                d.status, d.outcome = "resolved", "closure"
        for pk in open_contracts:
            self.contracts[pk].status = "closed"

    # --- the conservation law of the model itself -------------------------------------------

    def problems(self) -> list[str]:
        total = sum(self.ledger.posted.values())
        out = [] if total == 0 else [f"model: Σ balances {total} ≠ 0"]
        out += [
            f"model: {k} = {v} < 0" for k, v in self.ledger.posted.items() if v < 0 and k != BANK
        ]
        return out
