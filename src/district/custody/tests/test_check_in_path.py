"""The check-in's and the signing's plain-SQL paths (``ledger.sql``): branches the service
tests do not reach."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from district.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from district.custody import rules, services
from district.custody.ledger import BANK_CODE, TransferSpec, create_transfer, custody_bank
from district.custody.models import (
    Account,
    CheckIn,
    Consumer,
    Contract,
    JournalHead,
    JournalRecord,
    Merchant,
    Transfer,
)

from .conftest import T0

pytestmark = pytest.mark.django_db


def _sign(cast: dict[str, Any], key: str, **terms: Any) -> Contract:
    return services.sign_contract(
        key=key,
        merchant=cast["gym"],
        consumer=cast["bob_c"],
        starts_on=T0.date(),
        by=cast["bob"],
        now=T0,
        **terms,
    )


def _last_check_in_event() -> dict[str, Any]:
    record = JournalRecord.objects.filter(event_type="check_in").order_by("-seq").first()
    assert record is not None
    return dict(json.loads(bytes(record.entry))["event"])


def test_inside_an_outer_block_a_refused_check_in_leaves_the_next_one_working(
    core_cast: dict[str, Any], pack: Any
) -> None:
    alice = core_cast["alice"]
    with transaction.atomic():
        first = services.record_check_in(key="o1", contract=pack, by=alice, now=T0)
        with pytest.raises(PermissionDeniedError):
            services.record_check_in(key="o2", contract=pack, by=core_cast["outsider"], now=T0)
        second = services.record_check_in(key="o3", contract=pack, by=alice, now=T0)
        # A refusal by the database (the release's transfer key is taken) rolls back to the
        # savepoint; the prepared statements must survive it.
        create_transfer(
            TransferSpec(
                key="o4:release",
                code="deposit",
                debit=custody_bank(),
                credit=Account.objects.get(contract=pack),
                amount_fen=1,
            ),
            now=T0,
        )
        with pytest.raises(IntegrityError):
            services.record_check_in(key="o4", contract=pack, by=alice, now=T0)
        third = services.record_check_in(key="o5", contract=pack, by=alice, now=T0)
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert not CheckIn.objects.filter(key__in=["o2", "o4"]).exists()
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []


def test_prepared_statements_off(core_cast: dict[str, Any], pack: Any, settings: Any) -> None:
    # DISTRICT_DB_PREPARED=false: Django's own cursor, client-side parameters, for the
    # check-in and the signing.
    settings.DATABASE_PREPARED_STATEMENTS = False
    first = services.record_check_in(key="p1", contract=pack, by=core_cast["alice"], now=T0)
    second = services.record_check_in(key="p2", contract=pack, by=core_cast["gymstaff"], now=T0)
    assert (first.number, second.number) == (1, 2)
    signed = _sign(core_cast, "p3", product_type="class_pack", price_fen=2_000, sessions=2)
    assert services.contract_position(signed).remaining_fen == 2_000
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []


def test_the_returned_check_in_matches_the_stored_row(core_cast: dict[str, Any], pack: Any) -> None:
    moment = T0 + timedelta(hours=1)
    check_in = services.record_check_in(
        key="m1", contract=pack, by=core_cast["gymstaff"], now=moment
    )
    stored = CheckIn.objects.select_related("transfer").get(pk=check_in.pk)
    assert not check_in._state.adding
    for name in (
        "contract_id",
        "number",
        "recorded_by",
        "status",
        "occurred_at",
        "confirm_by",
        "resolved_at",
        "release_fen",
        "transfer_id",
        "recorded_user_id",
        "key",
        "dispute_reason",
    ):
        assert getattr(check_in, name) == getattr(stored, name), name
    assert check_in.transfer is not None and check_in.transfer.pk == stored.transfer_id
    assert stored.transfer is not None
    assert (stored.transfer.kind, stored.transfer.amount_fen) == (Transfer.Kind.PENDING, 10_000)
    assert stored.transfer.created_at == moment
    assert stored.confirm_by == moment + timedelta(hours=72)
    event = _last_check_in_event()
    assert event == {
        "type": "check_in",
        "contract": pack.number,
        "number": 1,
        "recorded_by": "merchant",
        "status": "awaiting",
        "release_fen": 10_000,
        "transfer": "m1:release",
        "pending": True,
        "confirm_by": (moment + timedelta(hours=72)).isoformat(),
        "by": event["by"],
    }
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.HELD


def test_a_merchant_recorded_spend_on_a_stored_value_card(core_cast: dict[str, Any]) -> None:
    card = _sign(core_cast, "card", product_type="stored_value", price_fen=10_000)
    staff = core_cast["gymstaff"]
    spend = services.record_check_in(key="s1", contract=card, by=staff, now=T0, amount_fen=2_500)
    assert (spend.status, spend.release_fen, spend.number) == ("awaiting", 2_500, 1)
    position = services.contract_position(card)
    assert (position.pending_fen, position.available_fen) == (2_500, 7_500)
    again = services.record_check_in(key="s1", contract=card, by=staff, now=T0, amount_fen=2_500)
    assert again.pk == spend.pk
    with pytest.raises(ConflictError):
        services.record_check_in(key="s1", contract=card, by=staff, now=T0, amount_fen=2_501)
    with pytest.raises(ConflictError, match="7500"):
        services.record_check_in(key="s2", contract=card, by=staff, now=T0, amount_fen=7_501)
    services.record_check_in(key="s3", contract=card, by=staff, now=T0, amount_fen=7_500)
    assert services.contract_position(card).available_fen == 0
    assert Contract.objects.get(pk=card.pk).status == Contract.Status.HELD
    assert services.account_balances_check() == []


def test_the_last_session_completes_the_contract(core_cast: dict[str, Any]) -> None:
    single = _sign(core_cast, "single", product_type="class_pack", price_fen=999, sessions=1)
    check_in = services.record_check_in(key="only", contract=single, by=core_cast["bob"], now=T0)
    stored = Contract.objects.get(pk=single.pk)
    assert stored.status == Contract.Status.COMPLETED
    assert stored.activated_at == T0
    assert check_in.contract.status == Contract.Status.COMPLETED
    assert services.contract_position(stored).remaining_fen == 0


def test_a_check_in_creates_a_missing_receivable(core_cast: dict[str, Any]) -> None:
    # The read then finds no row: the receivable is created and the read runs again.
    membership = _sign(
        core_cast, "member", product_type="membership", price_fen=100_000, term_months=12
    )
    code = f"merchant:{core_cast['gym'].pk}:receivable"
    Account.objects.filter(code=code).delete()
    visit = services.record_check_in(key="v1", contract=membership, by=core_cast["bob"], now=T0)
    assert (visit.number, visit.release_fen, visit.transfer) == (1, 0, None)
    assert Account.objects.filter(code=code).exists()
    stored = Contract.objects.get(pk=membership.pk)
    assert (stored.status, stored.activated_at) == (Contract.Status.ACTIVE, T0)
    Account.objects.filter(code=code).delete()
    pack = _sign(core_cast, "pack", product_type="class_pack", price_fen=1_000, sessions=4)
    used = services.record_check_in(key="u1", contract=pack, by=core_cast["bob"], now=T0)
    assert used.transfer is not None
    assert used.transfer.credit_account.code == code
    assert services.account_balances_check() == []


def test_a_check_in_of_a_missing_contract_is_not_found(
    core_cast: dict[str, Any], pack: Any
) -> None:
    gone = Contract(pk=10**6, merchant=core_cast["gym"])
    with pytest.raises(NotFoundError) as caught:
        services.record_check_in(key="gone-1", contract=gone, by=core_cast["alice"], now=T0)
    assert caught.value.field == "contract"
    assert "CT-1000000" in str(caught.value)
    assert not CheckIn.objects.filter(key="gone-1").exists()
    assert not Account.objects.filter(code=f"contract:{10**6}:held").exists()
    # The connection and the real contract go on working.
    used = services.record_check_in(key="gone-2", contract=pack, by=core_cast["alice"], now=T0)
    assert used.number == 1


def test_the_session_filling_the_last_gap_completes_the_contract(
    core_cast: dict[str, Any],
) -> None:
    # Sessions 1 and 3 confirmed, 2 disputed: the next check-in is session 2, the last one
    # missing. Every session is then confirmed and every fen released, so the contract is
    # completed, as when the last number is used last.
    bob, staff = core_cast["bob"], core_cast["gymstaff"]
    pack = _sign(core_cast, "gap", product_type="class_pack", price_fen=282_433, sessions=3)
    services.record_check_in(key="g1", contract=pack, by=bob, now=T0)
    second = services.record_check_in(key="g2", contract=pack, by=staff, now=T0)
    services.record_check_in(key="g3", contract=pack, by=bob, now=T0)
    services.dispute_check_in(check_in=second, by=bob, reason="没有上课", now=T0)
    last = services.record_check_in(key="g4", contract=pack, by=bob, now=T0)
    assert last.number == 2
    assert services.contract_position(pack).remaining_fen == 0
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.COMPLETED
    assert last.contract.status == Contract.Status.COMPLETED


def test_after_a_check_in_the_connection_serves_the_orm(
    core_cast: dict[str, Any], pack: Any
) -> None:
    services.record_check_in(key="c1", contract=pack, by=core_cast["alice"], now=T0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM custody_checkin WHERE key = %s", ["c1"])
        assert cursor.fetchone() == (1,)


def test_write_together_returns_ids_and_fills_references(core_cast: dict[str, Any]) -> None:
    from django.utils import timezone

    from district.custody.ledger import sql
    from district.custody.models import JournalHead

    bank = custody_bank()
    account = Account(code="test:extra", kind=Account.Kind.FEES)
    transfer = Transfer(
        key="test:wt",
        kind=Transfer.Kind.POSTED,
        debit_account=bank,
        amount_fen=1,
        code="fee",
        created_at=timezone.now(),
    )
    ids = sql.write_together(
        [
            sql.insert("acc", account),
            sql.insert("tr", transfer, refs={"credit_account_id": "acc"}),
            sql.update("none", JournalHead, 2, {"size": 0}),  # matches no row
        ]
    )
    assert ids["acc"] == account.pk and ids["tr"] == transfer.pk
    assert ids["none"] is None
    assert not account._state.adding and not transfer._state.adding
    # ``auto_now_add`` is filled as the ORM's save() fills it.
    assert Account.objects.get(pk=account.pk).created_at == account.created_at is not None
    stored = Transfer.objects.get(pk=transfer.pk)
    assert (stored.credit_account_id, stored.kind, stored.created_at) == (
        account.pk,
        Transfer.Kind.POSTED,
        transfer.created_at,
    )


def test_a_check_in_creates_a_missing_journal_head(core_cast: dict[str, Any], pack: Any) -> None:
    from district.custody.models import JournalHead

    # A journal that starts with this check-in and has no head row yet: the head statement
    # finds no row, the head is created, and the head statement runs again.
    JournalRecord.objects.all().delete()
    JournalHead.objects.all().delete()
    check_in = services.record_check_in(key="h1", contract=pack, by=core_cast["alice"], now=T0)
    assert check_in.number == 1
    head = JournalHead.objects.get(pk=1)
    assert head.size == 1 == JournalRecord.objects.count()
    assert services.verify_journal_chain() == []


# --- signing ------------------------------------------------------------------------------


def test_the_returned_contract_matches_the_stored_rows(core_cast: dict[str, Any]) -> None:
    # The contract, its account, the deposit and both journal entries go in one statement,
    # with the contract's id taken beforehand (its number is part of its hash).
    signed = _sign(core_cast, "rows", product_type="membership", price_fen=300_001, term_months=6)
    stored = Contract.objects.get(pk=signed.pk)
    assert not signed._state.adding
    for field in Contract._meta.concrete_fields:
        assert getattr(signed, field.attname) == getattr(stored, field.attname), field.name
    assert stored.number == f"CT-{stored.pk:06d}"
    assert stored.ends_on == rules.add_months(stored.starts_on, 6)
    account = Account.objects.get(contract=stored)
    assert (account.code, account.kind, account.merchant_id) == (
        f"contract:{stored.pk}:held",
        Account.Kind.CONSUMER_HELD,
        core_cast["gym"].pk,
    )
    assert (account.credits_posted, account.debits_posted) == (300_001, 0)
    assert account.debits_must_not_exceed_credits
    deposit = Transfer.objects.get(key="rows:deposit")
    assert (deposit.amount_fen, deposit.credit_account_id, deposit.debit_account.code) == (
        300_001,
        account.pk,
        BANK_CODE,
    )
    assert (deposit.contract_id, deposit.reference, deposit.created_at) == (
        stored.pk,
        stored.number,
        T0,
    )
    records = list(JournalRecord.objects.filter(contract=stored).order_by("seq"))
    events = [json.loads(bytes(record.entry))["event"] for record in records]
    assert [event["type"] for event in events] == ["contract_signed", "deposit"]
    assert events[0]["contract"] == stored.number
    assert events[0]["contract_hash"] == stored.contract_hash != ""
    assert events[1] == {
        "type": "deposit",
        "contract": stored.number,
        "amount_fen": 300_001,
        "transfer": "rows:deposit",
        "reference": stored.number,
    }
    assert {record.merchant_id for record in records} == {core_cast["gym"].pk}
    assert JournalHead.objects.get(pk=1).size == records[-1].seq + 1
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []


def test_contract_numbers_run_on_after_a_replay_and_a_refusal(core_cast: dict[str, Any]) -> None:
    first = _sign(core_cast, "n1", product_type="class_pack", price_fen=1_000, sessions=2)
    again = _sign(core_cast, "n1", product_type="class_pack", price_fen=1_000, sessions=2)
    assert again.pk == first.pk
    with pytest.raises(services.ContractRefusedError):
        _sign(core_cast, "n2", product_type="class_pack", price_fen=2_000_001, sessions=2)
    second = _sign(core_cast, "n3", product_type="class_pack", price_fen=1_000, sessions=2)
    assert second.pk == first.pk + 1
    assert Account.objects.get(contract=second).pk == Account.objects.get(contract=first).pk + 1


def test_signing_with_a_missing_merchant_or_consumer_is_not_found(
    core_cast: dict[str, Any],
) -> None:
    gone = Merchant(pk=10**6, name="gone", sector="fitness", licence="x")
    with pytest.raises(NotFoundError) as caught:
        services.sign_contract(
            key="gone-m",
            merchant=gone,
            consumer=core_cast["bob_c"],
            product_type="class_pack",
            price_fen=1_000,
            sessions=2,
            starts_on=T0.date(),
            by=core_cast["bob"],
            now=T0,
        )
    assert caught.value.field == "merchant"
    ghost = Consumer(pk=10**6, user=core_cast["bob"])
    with pytest.raises(NotFoundError) as caught:
        services.sign_contract(
            key="gone-c",
            merchant=core_cast["gym"],
            consumer=ghost,
            product_type="class_pack",
            price_fen=1_000,
            sessions=2,
            starts_on=T0.date(),
            by=core_cast["bob"],
            now=T0,
        )
    assert caught.value.field == "consumer"
    assert not Contract.objects.filter(key__startswith="gone-").exists()


def test_the_first_signing_creates_the_custody_bank_and_the_journal_head(
    core_cast: dict[str, Any],
) -> None:
    # A fresh platform: no bank account and no journal head yet. Each statement finds no
    # row, the row is created, and the statement runs again.
    assert not Transfer.objects.exists()
    Account.objects.filter(code=BANK_CODE).delete()
    JournalRecord.objects.all().delete()
    JournalHead.objects.all().delete()
    signed = _sign(core_cast, "fresh", product_type="class_pack", price_fen=5_000, sessions=5)
    bank = Account.objects.get(code=BANK_CODE)
    assert (bank.debits_posted, bank.credits_posted) == (5_000, 0)
    assert JournalHead.objects.get(pk=1).size == 2 == JournalRecord.objects.count()
    assert JournalRecord.objects.filter(contract=signed).count() == 2
    assert services.verify_journal_chain() == []
    assert services.account_balances_check() == []


def test_inside_an_outer_block_a_refused_signing_leaves_the_next_one_working(
    core_cast: dict[str, Any],
) -> None:
    terms: dict[str, Any] = {"product_type": "class_pack", "sessions": 4}
    with transaction.atomic():
        first = _sign(core_cast, "b1", price_fen=4_000, **terms)
        with pytest.raises(services.ContractRefusedError):
            _sign(core_cast, "b2", price_fen=2_000_001, **terms)
        second = _sign(core_cast, "b3", price_fen=4_000, **terms)
        # A refusal by the database (the deposit's transfer key is taken) rolls back to the
        # savepoint, with the statements it prepared.
        create_transfer(
            TransferSpec(
                key="b4:deposit",
                code="deposit",
                debit=custody_bank(),
                credit=Account.objects.get(contract=first),
                amount_fen=1,
            ),
            now=T0,
        )
        with pytest.raises(IntegrityError):
            _sign(core_cast, "b4", price_fen=4_000, **terms)
        third = _sign(core_cast, "b5", price_fen=4_000, **terms)
    assert second.pk == first.pk + 1 and third.pk > second.pk
    assert not Contract.objects.filter(key__in=["b2", "b4"]).exists()
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []


@pytest.mark.django_db(transaction=True)
def test_a_check_in_that_waited_for_its_locks_reads_its_sessions_again(
    core_cast: dict[str, Any], pack: Any
) -> None:
    # Another check-in of the same contract is open while this one starts, and commits.
    # PostgreSQL: the one read statement waits for the contract's lock; the locked rows come
    # back as committed, but the sessions and the key come from the statement's older
    # snapshot. The head's size tells the two apart and the statement runs again under its
    # locks. Without that, session number 1 would be taken twice and only the unique index
    # (and a retry of the whole transaction) would catch it. SQLite: a writer takes the
    # database's write lock at BEGIN, so this check-in cannot start (it waits, or is retried
    # as busy) until the other commits, and then reads once, from fresh data.
    import threading
    import time

    from django.db import connections

    from district.custody.ledger import retry_counts

    alice = core_cast["alice"]
    postgresql = connection.vendor == "postgresql"
    holding = threading.Event()
    failures: list[BaseException] = []

    def others_wait(cursor: Any) -> bool:
        if not postgresql:
            return False  # nothing to see from inside: hold for the deadline below
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE "
            "wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cursor.fetchone()[0])

    def hold_the_contract() -> None:
        try:
            with transaction.atomic():
                services.record_check_in(key="w1", contract=pack, by=alice, now=T0)
                holding.set()
                deadline = time.monotonic() + (20 if postgresql else 0.2)
                with connection.cursor() as cursor:
                    while time.monotonic() < deadline and not others_wait(cursor):
                        time.sleep(0.01)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connections.close_all()

    reads: list[str] = []

    def count_reads(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        reads.append(str(sql))
        return execute(sql, params, many, context)

    before = retry_counts()
    holder = threading.Thread(target=hold_the_contract)
    holder.start()
    assert holding.wait(20)
    with connection.execute_wrapper(count_reads):
        second = services.record_check_in(key="w2", contract=pack, by=alice, now=T0)
    holder.join(20)
    assert not failures
    assert second.number == 2
    after = retry_counts()
    if postgresql:
        # No transaction ran twice (no unique violation retried): the read ran again.
        assert after == {**before, "reread": before.get("reread", 0) + 1}
        assert len(reads) == 3  # the read, the read again, the write
    else:
        # Never a stale read; at most the busy database made the transaction start again.
        assert after.get("reread", 0) == before.get("reread", 0)
        assert set(after) - set(before) <= {"sqlite_busy"}
        assert CheckIn.objects.filter(contract=pack, number=1).count() == 1
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []
