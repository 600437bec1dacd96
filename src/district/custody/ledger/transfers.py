"""Accounts and transfers with TigerBeetle's semantics, on the Django ORM.

- **Idempotency.** Every transfer carries a client key (UNIQUE in the database). Creating a
  transfer whose key exists with the same fields returns the stored transfer and changes
  nothing; with a different field it raises :class:`ConflictError` naming the field
  (TigerBeetle's ``exists_with_different_amount`` and friends).
- **Two-phase.** A ``pending`` transfer adds to ``debits_pending``/``credits_pending`` and so
  reserves the money; a ``post`` moves all or part of it to ``*_posted`` (the rest is
  released), a ``void`` releases all of it. A pending transfer is resolved once (UNIQUE).
- **Linked.** :func:`create_transfers` applies a list all-or-nothing inside a savepoint: if
  one fails, none is applied.
- **Balance flags.** ``debits_must_not_exceed_credits`` (a liability cannot go below zero,
  counting pending debits) and ``credits_must_not_exceed_debits`` are checked before the
  write, and the same rules are CHECK constraints on the account row.
- **Concurrency.** The touched account rows are locked in ascending id order
  (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serializes writers at BEGIN), so two
  writers never deadlock on each other and never both spend the same fen.

Call these inside a service transaction (:func:`..retry.run_atomic`): the journal entry of the
business event belongs in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from district.core.errors import ConflictError, InputError, NotFoundError
from district.custody.models import KEY_LENGTH, Account, Contract, Merchant, Transfer

from .crash import crashpoint

CNY = 156
BANK_CODE = "custody:bank"
REFUNDS_CODE = "custody:refunds-payable"
FEES_CODE = "custody:fees"
KINDS = frozenset(Transfer.Kind.values)


# --- accounts ----------------------------------------------------------------------------


def _account(code: str, **defaults: Any) -> Account:
    account, _created = Account.objects.get_or_create(code=code, defaults=defaults)
    return account


def custody_bank() -> Account:
    """The notary's custody bank account (asset: money in custody is debited to it)."""
    return _account(BANK_CODE, kind=Account.Kind.CUSTODY_BANK, credits_must_not_exceed_debits=True)


def refunds_payable() -> Account:
    return _account(
        REFUNDS_CODE, kind=Account.Kind.REFUNDS_PAYABLE, debits_must_not_exceed_credits=True
    )


def fees_account() -> Account:
    return _account(FEES_CODE, kind=Account.Kind.FEES, debits_must_not_exceed_credits=True)


def merchant_receivable(merchant: Merchant) -> Account:
    """Money released to ``merchant`` and not yet settled."""
    return _account(
        f"merchant:{merchant.pk}:receivable",
        kind=Account.Kind.MERCHANT_RECEIVABLE,
        merchant=merchant,
        debits_must_not_exceed_credits=True,
    )


def contract_account(contract: Contract) -> Account:
    """The consumer's money in custody for ``contract``."""
    return _account(
        f"contract:{contract.pk}:held",
        kind=Account.Kind.CONSUMER_HELD,
        merchant_id=contract.merchant_id,
        contract=contract,
        debits_must_not_exceed_credits=True,
    )


def contract_accounts(contracts: Sequence[Contract]) -> dict[int, Account]:
    """Each contract's account (:func:`contract_account`), by contract id, in one query;
    a missing one is created."""
    found = {
        account.contract_id: account
        for account in Account.objects.filter(contract__in=[contract.pk for contract in contracts])
        if account.contract_id is not None
    }
    for contract in contracts:
        if contract.pk not in found:
            found[contract.pk] = contract_account(contract)
    return found


# --- transfers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferSpec:
    """One transfer to create.

    ``kind`` is ``posted`` or ``pending`` (give ``debit``, ``credit`` and ``amount_fen``), or
    ``post``/``void`` of the pending transfer whose key is ``pending_key`` (accounts come
    from it; a ``post`` may give a smaller ``amount_fen`` to post part of it).
    """

    key: str
    code: str
    debit: Account | None = None
    credit: Account | None = None
    amount_fen: int | None = None
    kind: str = Transfer.Kind.POSTED
    pending_key: str | None = None
    reference: str = ""
    contract: Contract | None = None
    merchant: Merchant | None = None


def _check_spec(spec: TransferSpec, position: int) -> None:
    where = f"transfers[{position}]"
    if not isinstance(spec.key, str) or not spec.key.strip() or len(spec.key) > KEY_LENGTH:
        raise InputError(
            f"{where}: the key {spec.key!r} is empty or longer than {KEY_LENGTH} characters",
            field="key",
            value=spec.key,
            fix="Send a unique key per transfer, e.g. a UUID.",
        )
    if spec.kind not in KINDS:
        raise InputError(
            f"{where}: kind {spec.kind!r} is not one of {', '.join(Transfer.Kind.values)}",
            field="kind",
            value=spec.kind,
        )
    amount = spec.amount_fen
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        raise InputError(
            f"{where}: amount_fen {amount!r} is not a whole number of fen",
            field="amount_fen",
            value=amount,
            fix="Give money as an integer of fen (RMB 1 = 100).",
        )
    if spec.kind in (Transfer.Kind.POSTED, Transfer.Kind.PENDING):
        if spec.debit is None or spec.credit is None:
            raise InputError(f"{where}: a {spec.kind} transfer needs both accounts", field="debit")
        if amount is None or amount <= 0:
            raise InputError(
                f"{where}: amount_fen is {amount!r}; a transfer moves at least 1 fen",
                field="amount_fen",
                value=amount,
                fix="Give a positive amount in fen.",
            )
        if spec.debit.pk == spec.credit.pk:
            raise InputError(
                f"{where}: debit and credit are the same account {spec.debit.code}",
                field="credit",
                value=spec.credit.code,
            )
        if spec.debit.ledger != spec.credit.ledger:
            raise InputError(
                f"{where}: accounts on different ledgers ({spec.debit.ledger} and "
                f"{spec.credit.ledger})",
                field="ledger",
            )
        if spec.pending_key is not None:
            raise InputError(
                f"{where}: only post and void name a pending transfer", field="pending_key"
            )
    else:
        if not spec.pending_key:
            raise InputError(
                f"{where}: a {spec.kind} needs the pending transfer's key",
                field="pending_key",
                fix="Pass pending_key of the pending transfer to post or void.",
            )
        if amount is not None and amount <= 0:
            raise InputError(
                f"{where}: amount_fen is {amount}; post at least 1 fen or void the transfer",
                field="amount_fen",
                value=amount,
            )


def _differs(existing: Transfer, spec: TransferSpec) -> tuple[str, object, object] | None:
    """The first field in which ``spec`` differs from the stored transfer, if any."""
    pending_key = existing.pending_of.key if existing.pending_of is not None else None
    checks: list[tuple[str, object, object]] = [
        ("kind", existing.kind, spec.kind),
        ("code", existing.code, spec.code),
        ("pending_key", pending_key, spec.pending_key),
    ]
    if spec.kind in (Transfer.Kind.POSTED, Transfer.Kind.PENDING):
        assert spec.debit is not None and spec.credit is not None
        checks += [
            ("debit_account", existing.debit_account.code, spec.debit.code),
            ("credit_account", existing.credit_account.code, spec.credit.code),
            ("amount_fen", existing.amount_fen, spec.amount_fen),
        ]
    elif spec.kind == Transfer.Kind.POST and spec.amount_fen is not None:
        checks.append(("amount_fen", existing.amount_fen, spec.amount_fen))
    for name, stored, given in checks:
        if stored != given:
            return name, stored, given
    return None


def _existing(specs: Sequence[TransferSpec]) -> list[Transfer] | None:
    """The stored transfers when every key exists identically; None when none exists."""
    keys = [spec.key for spec in specs]
    stored = {
        t.key: t
        for t in Transfer.objects.filter(key__in=keys).select_related(
            "debit_account", "credit_account", "pending_of"
        )
    }
    if not stored:
        return None
    for spec in specs:
        found = stored.get(spec.key)
        if found is None:
            raise ConflictError(
                f"Transfer key {spec.key!r} is new but other keys of its linked batch exist: "
                "the batch was already applied with different members",
                field="key",
                value=spec.key,
                fix="Repeat the original batch exactly, or use new keys for a new batch.",
            )
        difference = _differs(found, spec)
        if difference is not None:
            name, old, new = difference
            raise ConflictError(
                f"Transfer key {spec.key!r} already exists with a different {name} "
                f"({old!r}, not {new!r}): exists_with_different_{name}",
                field=name,
                value=new,
                fix="Repeat the original request exactly, or use a new key for a new transfer.",
            )
    return [stored[spec.key] for spec in specs]


def _limit_problem(account: Account) -> str | None:
    if account.debits_must_not_exceed_credits and (
        account.debits_posted + account.debits_pending > account.credits_posted
    ):
        return (
            f"account {account.code} would have debits ({account.debits_posted} posted + "
            f"{account.debits_pending} pending fen) exceeding its credits "
            f"({account.credits_posted} fen): exceeds_credits"
        )
    if account.credits_must_not_exceed_debits and (
        account.credits_posted + account.credits_pending > account.debits_posted
    ):
        return (
            f"account {account.code} would have credits ({account.credits_posted} posted + "
            f"{account.credits_pending} pending fen) exceeding its debits "
            f"({account.debits_posted} fen): exceeds_debits"
        )
    return None


TOTALS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


def totals_sql(accounts: Sequence[Account]) -> tuple[str, list[int]]:
    """The one UPDATE that stores the new totals of the locked ``accounts``.

    Plain SQL: this runs once per transfer, and compiling the ORM's ``Case``/``When`` form
    cost more than the statement itself. The CHECK constraints on the row still apply.
    """
    table = connection.ops.quote_name(Account._meta.db_table)
    if len(accounts) == 1:
        account = accounts[0]
        assignments = ", ".join(f"{name} = %s" for name in TOTALS)
        params: list[int] = [getattr(account, name) for name in TOTALS]
        params.append(account.pk)
        return f"UPDATE {table} SET {assignments} WHERE id = %s", params
    whens = " ".join("WHEN %s THEN %s" for _account in accounts)
    assignments = ", ".join(f"{name} = CASE id {whens} END" for name in TOTALS)
    params = [
        value
        for name in TOTALS
        for account in accounts
        for value in (account.pk, getattr(account, name))
    ]
    params += [account.pk for account in accounts]
    marks = ", ".join("%s" for _account in accounts)
    return f"UPDATE {table} SET {assignments} WHERE id IN ({marks})", params


def _write_totals(accounts: list[Account]) -> None:
    sql, params = totals_sql(accounts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refuse_over_limit(key: str, amount: int, accounts: Sequence[Account]) -> None:
    """Raise when a balance flag of ``accounts`` (totals already moved) would break."""
    for account in accounts:
        problem = _limit_problem(account)
        if problem is not None:
            raise ConflictError(
                f"Transfer {key!r} of {amount} fen refused: {problem}",
                field="amount_fen",
                value=amount,
                fix="Nothing in the batch was applied; check the balance first.",
            )


def prepare_transfer(spec: TransferSpec, *, now: datetime, batch: str = "") -> Transfer:
    """A new posted or pending transfer between ``spec.debit`` and ``spec.credit``, which
    the caller has locked (read under the lock) in this transaction and whose key it knows
    to be unused: the balance flags are checked, the accounts' totals moved in place, and
    the unsaved row returned. The caller writes the row and :func:`totals_sql` in the same
    transaction (:func:`create_transfers` does both for a batch)."""
    _check_spec(spec, 0)
    if spec.kind not in (Transfer.Kind.POSTED, Transfer.Kind.PENDING):
        raise InputError(
            f"prepare_transfer takes a posted or pending transfer, not {spec.kind}",
            field="kind",
            value=spec.kind,
        )
    assert spec.debit is not None and spec.credit is not None and spec.amount_fen is not None
    debit, credit, amount = spec.debit, spec.credit, spec.amount_fen
    if spec.kind == Transfer.Kind.PENDING:
        debit.debits_pending += amount
        credit.credits_pending += amount
    else:
        debit.debits_posted += amount
        credit.credits_posted += amount
    _refuse_over_limit(spec.key, amount, (debit, credit))
    return _row(spec, debit, credit, amount, now=now, batch=batch)


def _row(
    spec: TransferSpec,
    debit: Account,
    credit: Account,
    amount: int,
    *,
    now: datetime,
    batch: str,
    pending: Transfer | None = None,
) -> Transfer:
    """The unsaved transfer row of ``spec`` (a post or void names its ``pending``)."""
    return Transfer(
        key=spec.key,
        ledger=debit.ledger,
        kind=spec.kind,
        debit_account=debit,
        credit_account=credit,
        amount_fen=amount,
        pending_of=pending,
        code=spec.code,
        reference=spec.reference,
        batch=batch,
        contract=spec.contract or (pending.contract if pending else None),
        merchant=spec.merchant or (pending.merchant if pending else None),
        created_at=now,
    )


def create_transfers(
    specs: Sequence[TransferSpec],
    *,
    now: datetime | None = None,
    batch: str = "",
    known_new: bool = False,
    locked: Mapping[int, Account] | None = None,
    savepoint: bool = True,
) -> list[Transfer]:
    """Apply ``specs`` all-or-nothing (a linked batch) and return the stored transfers.

    Repeating the same batch returns the original transfers without a second effect.
    ``locked``: the accounts by id, already locked in ascending id order by the caller in
    this transaction (read under the lock); they are not read again, and their totals are
    updated in place. ``savepoint=False`` skips the savepoint around the batch: only for a
    caller whose whole transaction fails with the error (a service's :func:`run_atomic`),
    since every check runs before the first write.
    Raises :class:`InputError` for a malformed transfer, :class:`NotFoundError` for an
    unknown pending transfer and :class:`ConflictError` for a key reused with different
    fields, a pending transfer already resolved, or a balance flag that would be broken.
    """
    if not specs:
        raise InputError("No transfers given", field="transfers", fix="Give at least one.")
    for position, spec in enumerate(specs):
        _check_spec(spec, position)
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise InputError(
            "A linked batch repeats a key", field="key", fix="Use one key per transfer."
        )
    moment = now or timezone.now()
    with transaction.atomic(savepoint=savepoint):
        # ``known_new``: the keys derive from a business key the caller just found unused in
        # the same transaction; the UNIQUE key still refuses a raced twin (and the retry
        # then finds the business object).
        existing = None if known_new else _existing(specs)
        if existing is not None:
            return existing
        crashpoint("transfer.before_apply")
        pendings: dict[str, Transfer] = {}
        account_ids: set[int] = set()
        for spec in specs:
            if spec.pending_key:
                pending = (
                    Transfer.objects.select_for_update(no_key=True)
                    .filter(key=spec.pending_key)
                    .first()
                )
                if pending is None:
                    raise NotFoundError(
                        f"No pending transfer has the key {spec.pending_key!r}",
                        field="pending_key",
                        value=spec.pending_key,
                    )
                if pending.kind != Transfer.Kind.PENDING:
                    raise InputError(
                        f"Transfer {spec.pending_key!r} is {pending.kind}, not pending: only a "
                        "pending transfer can be posted or voided",
                        field="pending_key",
                        value=spec.pending_key,
                    )
                pendings[spec.key] = pending
                account_ids |= {pending.debit_account_id, pending.credit_account_id}
            else:
                assert spec.debit is not None and spec.credit is not None
                account_ids |= {spec.debit.pk, spec.credit.pk}
        if locked is not None and account_ids <= locked.keys():
            accounts = {pk: locked[pk] for pk in sorted(account_ids)}
        else:
            # Lock in ascending id order: concurrent writers queue instead of deadlocking.
            accounts = {
                account.pk: account
                for account in Account.objects.select_for_update(no_key=True)
                .filter(pk__in=account_ids)
                .order_by("pk")
            }
        resolved_in_batch: set[int] = set()
        rows: list[Transfer] = []
        batch_name = batch or (specs[0].key if len(specs) > 1 else "")
        for spec in specs:
            pending = pendings.get(spec.key)
            if pending is not None:
                if (
                    pending.pk in resolved_in_batch
                    or Transfer.objects.filter(pending_of=pending).exists()
                ):
                    done = Transfer.objects.filter(pending_of=pending).first()
                    state = "posted" if done is None or done.kind == "post" else "voided"
                    raise ConflictError(
                        f"The pending transfer {pending.key!r} was already {state}: "
                        f"pending_transfer_already_{state}",
                        field="pending_key",
                        value=pending.key,
                    )
                resolved_in_batch.add(pending.pk)
                debit = accounts[pending.debit_account_id]
                credit = accounts[pending.credit_account_id]
                debit.debits_pending -= pending.amount_fen
                credit.credits_pending -= pending.amount_fen
                if spec.kind == Transfer.Kind.POST:
                    amount = pending.amount_fen if spec.amount_fen is None else spec.amount_fen
                    if amount > pending.amount_fen:
                        raise InputError(
                            f"Cannot post {amount} fen of the pending transfer {pending.key!r}, "
                            f"which holds {pending.amount_fen} fen: "
                            "exceeds_pending_transfer_amount",
                            field="amount_fen",
                            value=amount,
                            fix="Post at most the pending amount.",
                        )
                    debit.debits_posted += amount
                    credit.credits_posted += amount
                else:
                    amount = pending.amount_fen
            else:
                assert spec.debit is not None and spec.credit is not None
                debit, credit = accounts[spec.debit.pk], accounts[spec.credit.pk]
                rows.append(
                    prepare_transfer(
                        replace(spec, debit=debit, credit=credit), now=moment, batch=batch_name
                    )
                )
                continue
            _refuse_over_limit(spec.key, amount, (debit, credit))
            rows.append(
                _row(spec, debit, credit, amount, now=moment, batch=batch_name, pending=pending)
            )
        _write_totals(list(accounts.values()))
        for row in rows:
            row.save(force_insert=True)
        crashpoint("transfer.after_apply")
    return rows


def create_transfer(
    spec: TransferSpec,
    *,
    now: datetime | None = None,
    known_new: bool = False,
    locked: Mapping[int, Account] | None = None,
    savepoint: bool = True,
) -> Transfer:
    """One transfer (see :func:`create_transfers`)."""
    return create_transfers(
        [spec], now=now, known_new=known_new, locked=locked, savepoint=savepoint
    )[0]


def lock_accounts(codes: Sequence[str]) -> dict[str, Account]:
    """Lock the accounts with ``codes`` in ascending id order, in one query; by code.

    Codes with no account are missing from the answer (create them, then lock again).
    """
    return {
        account.code: account
        for account in Account.objects.select_for_update(no_key=True)
        .filter(code__in=codes)
        .order_by("pk")
    }


def post_pending(
    *,
    key: str,
    pending_key: str,
    code: str,
    amount_fen: int | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Post all (or ``amount_fen``) of a pending transfer."""
    return create_transfer(
        TransferSpec(
            key=key,
            code=code,
            kind=Transfer.Kind.POST,
            pending_key=pending_key,
            amount_fen=amount_fen,
        ),
        now=now,
    )


def void_pending(*, key: str, pending_key: str, code: str, now: datetime | None = None) -> Transfer:
    """Void a pending transfer: the reserved money is available again."""
    return create_transfer(
        TransferSpec(key=key, code=code, kind=Transfer.Kind.VOID, pending_key=pending_key), now=now
    )


def pending_state(transfer: Transfer) -> str:
    """``pending``, ``posted`` or ``voided`` for a pending transfer."""
    resolution = Transfer.objects.filter(pending_of=transfer).values_list("kind", flat=True).first()
    if resolution is None:
        return "pending"
    return "posted" if resolution == Transfer.Kind.POST else "voided"
