"""The ledger's semantics (TigerBeetle's): idempotency, two-phase, linked, balance limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from district.core.errors import ConflictError, InputError, NotFoundError
from district.custody import journal, ledger
from district.custody.ledger import TransferSpec
from district.custody.ledger.crash import ENVIRONMENT_VARIABLE
from district.custody.models import Account, JournalRecord, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts() -> dict[str, Account]:
    bank = ledger.custody_bank()
    held = Account.objects.create(
        code="test:held", kind="fees", debits_must_not_exceed_credits=True
    )
    return {"bank": bank, "held": held, "payable": ledger.refunds_payable()}


@pytest.fixture
def funded(accounts: dict[str, Account]) -> dict[str, Account]:
    ledger.create_transfer(
        TransferSpec(
            key="fund",
            code="deposit",
            debit=accounts["bank"],
            credit=accounts["held"],
            amount_fen=1_000,
        )
    )
    return accounts


def _fresh(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)


def test_posted_transfer_moves_money_and_repeats_idempotently(funded: dict[str, Account]) -> None:
    held, bank = _fresh(funded["held"]), _fresh(funded["bank"])
    assert (held.credits_posted, bank.debits_posted) == (1_000, 1_000)
    again = ledger.create_transfer(
        TransferSpec(
            key="fund",
            code="deposit",
            debit=funded["bank"],
            credit=funded["held"],
            amount_fen=1_000,
        )
    )
    assert again.pk == Transfer.objects.get(key="fund").pk
    assert _fresh(funded["held"]).credits_posted == 1_000  # no second effect


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_fen": 999}, "amount_fen"),
        ({"code": "release"}, "code"),
        ({"kind": "pending"}, "kind"),
    ],
)
def test_same_key_different_fields_is_a_conflict_naming_the_field(
    funded: dict[str, Account], change: dict[str, Any], field: str
) -> None:
    spec: dict[str, Any] = {
        "key": "fund",
        "code": "deposit",
        "debit": funded["bank"],
        "credit": funded["held"],
        "amount_fen": 1_000,
        **change,
    }
    with pytest.raises(ConflictError) as caught:
        ledger.create_transfer(TransferSpec(**spec))
    assert caught.value.field == field
    assert f"exists_with_different_{field}" in str(caught.value)


def test_balance_flag_refuses_an_overdraft(funded: dict[str, Account]) -> None:
    with pytest.raises(ConflictError, match="exceeds_credits"):
        ledger.create_transfer(
            TransferSpec(
                key="too-much",
                code="refund",
                debit=funded["held"],
                credit=funded["payable"],
                amount_fen=1_001,
            )
        )
    assert not Transfer.objects.filter(key="too-much").exists()


def test_pending_reserves_then_posts_in_part(funded: dict[str, Account]) -> None:
    ledger.create_transfer(
        TransferSpec(
            key="p1",
            code="release",
            kind="pending",
            debit=funded["held"],
            credit=funded["payable"],
            amount_fen=600,
        )
    )
    held = _fresh(funded["held"])
    assert (held.debits_pending, held.available_fen) == (600, 400)
    with pytest.raises(ConflictError, match="exceeds_credits"):  # the reserve counts
        ledger.create_transfer(
            TransferSpec(
                key="x",
                code="refund",
                debit=funded["held"],
                credit=funded["payable"],
                amount_fen=401,
            )
        )
    with pytest.raises(InputError, match="exceeds_pending_transfer_amount"):
        ledger.post_pending(key="p1-post", pending_key="p1", code="release", amount_fen=601)
    ledger.post_pending(key="p1-post", pending_key="p1", code="release", amount_fen=250)
    held = _fresh(funded["held"])
    assert (held.debits_pending, held.debits_posted, held.available_fen) == (0, 250, 750)
    assert ledger.pending_state(Transfer.objects.get(key="p1")) == "posted"
    with pytest.raises(ConflictError, match="already_posted"):
        ledger.void_pending(key="p1-void", pending_key="p1", code="release")
    # Repeating the post is idempotent.
    ledger.post_pending(key="p1-post", pending_key="p1", code="release", amount_fen=250)
    assert _fresh(funded["held"]).debits_posted == 250


def test_void_releases_the_reserve(funded: dict[str, Account]) -> None:
    ledger.create_transfer(
        TransferSpec(
            key="p2",
            code="release",
            kind="pending",
            debit=funded["held"],
            credit=funded["payable"],
            amount_fen=300,
        )
    )
    ledger.void_pending(key="p2-void", pending_key="p2", code="release")
    held = _fresh(funded["held"])
    assert (held.debits_pending, held.debits_posted, held.available_fen) == (0, 0, 1_000)
    with pytest.raises(ConflictError, match="already_voided"):
        ledger.post_pending(key="p2-post", pending_key="p2", code="release")
    with pytest.raises(NotFoundError):
        ledger.post_pending(key="p3-post", pending_key="no-such", code="release")


def test_linked_batch_is_all_or_nothing(funded: dict[str, Account]) -> None:
    specs = [
        TransferSpec(
            key="l1", code="refund", debit=funded["held"], credit=funded["payable"], amount_fen=700
        ),
        TransferSpec(
            key="l2",
            code="refund_payout",
            debit=funded["payable"],
            credit=funded["bank"],
            amount_fen=800,
        ),
    ]
    with pytest.raises(ConflictError, match="exceeds_credits"):
        ledger.create_transfers(specs)
    assert not Transfer.objects.filter(key__in=["l1", "l2"]).exists()
    assert _fresh(funded["held"]).debits_posted == 0
    ok = [
        specs[0],
        TransferSpec(
            key="l2",
            code="refund_payout",
            debit=funded["payable"],
            credit=funded["bank"],
            amount_fen=700,
        ),
    ]
    first = ledger.create_transfers(ok)
    assert {t.batch for t in first} == {"l1"}
    assert [t.pk for t in ledger.create_transfers(ok)] == [t.pk for t in first]
    assert _fresh(funded["bank"]).debits_posted - _fresh(funded["bank"]).credits_posted == 300


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_amounts_must_be_positive_whole_fen(funded: dict[str, Account], amount: Any) -> None:
    with pytest.raises(InputError) as caught:
        ledger.create_transfer(
            TransferSpec(
                key="bad",
                code="deposit",
                debit=funded["bank"],
                credit=funded["held"],
                amount_fen=amount,
            )
        )
    assert caught.value.field == "amount_fen"


def test_database_refuses_what_bypasses_the_code(funded: dict[str, Account]) -> None:
    """CHECK constraints hold even when the ledger code is skipped."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=funded["held"].pk).update(debits_posted=1_001)  # overdraft
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=funded["bank"].pk).update(credits_posted=5_000)  # bank negative
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=funded["held"].pk).update(credits_pending=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            key="zero",
            kind="posted",
            debit_account=funded["bank"],
            credit_account=funded["held"],
            amount_fen=0,
            code="x",
            created_at=Transfer.objects.get(key="fund").created_at,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        fund = Transfer.objects.get(key="fund")
        fund.pk = None
        fund.save()  # the same key twice


def test_journal_appends_chain_and_receipts_verify() -> None:
    for n in range(5):
        ledger.append_event({"type": "test", "n": n})
    records = list(JournalRecord.objects.order_by("seq"))
    assert [r.seq for r in records] == [0, 1, 2, 3, 4]
    parsed = [journal.parse_entry(bytes(r.entry)) for r in records]
    assert parsed[0].prev_hash == journal.GENESIS_PREV
    assert all(parsed[i].prev_hash == bytes(records[i - 1].entry_hash) for i in range(1, 5))
    receipts = ledger.receipts_for_records(records[1:3])
    assert all(journal.verify_receipt(r, ledger.public_key_pem()).ok for r in receipts)
    head = ledger.latest_tree_head()
    assert head is not None and head.tree_size == 5
    ledger.append_event({"type": "test", "n": 5})
    newer = ledger.sign_tree_head()
    assert journal.verify_consistency(
        5, 6, head.root_hash, newer.root_hash, ledger.consistency_proof(5, 6)
    )
    assert ledger.chain_problems() == []


def test_tampering_in_the_table_is_found() -> None:
    for n in range(3):
        ledger.append_event({"type": "test", "n": n})
    ledger.sign_tree_head()
    record = JournalRecord.objects.get(seq=1)
    record.entry = bytes(record.entry).replace(b'"n":1', b'"n":7')
    record.save()
    problems = ledger.chain_problems()
    assert any("entry 1" in p for p in problems)


def test_crashpoint_is_a_no_op_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    kills: list[int] = []
    monkeypatch.setattr("os.kill", lambda pid, signal: kills.append(pid))
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    ledger.reset_crashpoints()
    ledger.crashpoint("commit.before")
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "commit.after")
    ledger.crashpoint("commit.after")  # the variable as first read: unset
    assert kills == []
    ledger.reset_crashpoints()  # what a process that sets the variable calls
    ledger.crashpoint("commit.before")  # not named: still alive
    assert kills == []
    ledger.crashpoint("commit.after")
    assert len(kills) == 1
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "random:0:1")
    ledger.reset_crashpoints()
    ledger.crashpoint("commit.before")
    assert len(kills) == 1
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    ledger.reset_crashpoints()


def test_retry_classification() -> None:
    from django.db import OperationalError

    assert ledger.is_retryable(OperationalError("database is locked"))
    assert not ledger.is_retryable(OperationalError("no such table"))
    assert isinstance(ledger.retry_counts(), dict)
