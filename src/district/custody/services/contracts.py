"""Contracts: signing with the deposit, check-ins and releases, refunds and disputes.

Money moves through the ledger (:mod:`district.custody.ledger`), always in the same
transaction as the journal entry that records it:

- **deposit** (signing): custody bank → the contract's account, the whole price;
- **release** (a session used): contract → merchant receivable, ``money.unit_release_fen``
  of the price for that session number; a consumer's check-in posts it at once, a
  merchant's check-in holds it as a *pending* transfer until the consumer confirms, or
  until ``CUSTODY_CONFIRM_HOURS`` pass without a dispute (:func:`confirm_due_check_ins`);
  a disputed check-in voids it;
- **refund**: contract → refunds payable → custody bank (a linked pair), reference
  ``RF-…`` on the bank transfer, due on the platform's working-day calendar.

Memberships release by days used, not by check-ins (see :mod:`.settlement`); their check-ins
record attendance and end the cooling-off.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Sum

from district.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from district.custody import money, rules
from district.custody.ledger import (
    BANK_CODE,
    TransferSpec,
    append_event,
    chain_records,
    contract_account,
    count_retry,
    crashpoint,
    create_transfer,
    create_transfers,
    custody_bank,
    ensure_head,
    head_state_sql,
    head_update_values,
    post_pending,
    prepare_transfer,
    refunds_payable,
    run_atomic,
    sql,
    totals_sql,
    void_pending,
)
from district.custody.models import (
    OPEN_CONTRACT_STATUSES,
    Account,
    CheckIn,
    Consumer,
    Contract,
    Dispute,
    JournalHead,
    Merchant,
    Refund,
    Transfer,
)

from .common import (
    COOLING_OFF_REFUND_WORKING_DAYS,
    OTHER_REFUND_WORKING_DAYS,
    check_fen,
    check_key,
    clock,
    confirm_hours,
    contract_hash,
    is_consumer_of,
    is_overseer,
    is_staff_of,
    local_day,
    refund_due_on,
    require_login,
    require_permission,
    require_reason,
    same_request,
    status_zh,
    user_ref,
)


class ContractRefusedError(InputError):
    """A contract the legal limits forbid; ``violations`` cite each rule (English and 中文)."""

    def __init__(self, check: rules.ContractCheck) -> None:
        base = check.as_error()
        assert base is not None
        errors = dict(base.errors)
        for violation in check.violations:
            errors.setdefault(violation.field, []).append(violation.message_zh)
        super().__init__(
            base.message, field=base.field, value=base.value, fix=base.fix, errors=errors
        )
        self.violations = check.violations


# --- reads used by the writes ------------------------------------------------------------


@dataclass(frozen=True)
class ContractPosition:
    """Where a contract's money is, to the fen."""

    price_fen: int
    released_fen: int
    pending_fen: int
    refunded_fen: int
    remaining_fen: int
    sessions_used: int
    sessions_left: int | None
    frozen: bool

    @property
    def available_fen(self) -> int:
        """Remaining money not reserved by a pending release."""
        return self.remaining_fen - self.pending_fen


def _sum(queryset: Any) -> int:
    return int(queryset.aggregate(total=Sum("amount_fen"))["total"] or 0)


def contract_position(contract: Contract) -> ContractPosition:
    """The contract's price, released, pending, refunded and remaining fen, and sessions."""
    account = Account.objects.filter(contract=contract).first()
    transfers = Transfer.objects.filter(contract=contract)
    if account is None:
        remaining = pending = 0
    else:
        remaining = account.credits_posted - account.debits_posted
        pending = account.debits_pending
        transfers = transfers.filter(debit_account=account)
    released = _sum(transfers.filter(code="release", kind__in=["posted", "post"]))
    refunded = _sum(Refund.objects.filter(contract=contract))
    used = contract.check_ins.filter(status__in=["confirmed", "awaiting"]).count()
    left = None if contract.sessions is None else contract.sessions - used
    return ContractPosition(
        price_fen=contract.price_fen,
        released_fen=released,
        pending_fen=pending,
        refunded_fen=refunded,
        remaining_fen=remaining,
        sessions_used=used,
        sessions_left=left,
        frozen=contract.status == Contract.Status.FROZEN,
    )


@functools.cache
def _signing_lock_sql(vendor: str) -> str:
    del vendor  # the cache key: the lock clause depends on the database
    return (
        f"SELECT {sql.columns(Merchant, 'm')} FROM {sql.table(Merchant)} m "
        f"JOIN {sql.table(Consumer)} u ON u.id = %s WHERE m.id = %s{sql.lock_clause('m', 'u')}"
    )


def _lock_for_signing(merchant_pk: int, consumer_pk: int, cursor: Any) -> Merchant:
    """The merchant, and the merchant and the consumer locked, in that order, in one query."""
    cursor.execute(_signing_lock_sql(connection.vendor), [consumer_pk, merchant_pk])
    row = cursor.fetchone()
    if row is None:
        missing = "merchant" if not Merchant.objects.filter(pk=merchant_pk).exists() else "consumer"
        raise NotFoundError(
            f"没有该{'商户' if missing == 'merchant' else '消费者'}。There is no such {missing}",
            field=missing,
            value=merchant_pk if missing == "merchant" else consumer_pk,
        )
    (locked,) = sql.read_models(row, Merchant)
    assert isinstance(locked, Merchant)
    return locked


@functools.cache
def _key_prepaid_and_bank_sql(vendor: str) -> str:
    del vendor  # the cache key: the lock clause depends on the database
    assert all(status.isidentifier() for status in OPEN_CONTRACT_STATUSES)
    statuses = ", ".join(f"'{status}'" for status in OPEN_CONTRACT_STATUSES)
    return (
        f"SELECT {sql.columns(Account, 'b')}, "
        f"(SELECT id FROM {sql.table(Contract)} WHERE key = %s), "
        "(SELECT COALESCE(sum(a.credits_posted - a.debits_posted), 0) "
        f"FROM {sql.table(Account)} a JOIN {sql.table(Contract)} c ON c.id = a.contract_id "
        f"WHERE c.consumer_id = %s AND c.merchant_id = %s AND c.status IN ({statuses})) "
        f"FROM {sql.table(Account)} b WHERE b.code = %s{sql.lock_clause('b')}"
    )


def _key_prepaid_and_bank(
    key: str, consumer_pk: int, merchant_pk: int, cursor: Any
) -> tuple[int | None, int, Account]:
    """Read under the merchant's and the consumer's locks (so a twin signing with the same
    key, or another signing by the consumer, has committed or not begun): the id of the
    contract signed with ``key`` (None if new) and the consumer's unconsumed prepaid balance
    with the merchant (open contracts). With them, the custody bank account, locked
    (created if missing)."""
    query = _key_prepaid_and_bank_sql(connection.vendor)
    row = sql.fetchone_creating(
        cursor, query, [key, consumer_pk, merchant_pk, BANK_CODE], custody_bank
    )
    (bank,) = sql.read_models(row[:-2], Account)
    assert isinstance(bank, Account)
    existing = None if row[-2] is None else int(row[-2])
    return existing, int(row[-1]), bank


@functools.cache
def _head_and_ids_sql(vendor: str) -> str:
    del vendor  # the cache key: the SQL depends on the database
    return (
        f"SELECT h.size, h.last_hash, {sql.next_id(Contract)}, {sql.next_id(Account)} "
        f"FROM ({head_state_sql(lock=sql.lock_clause())}) h"
    )


def _head_and_new_ids(cursor: Any) -> tuple[int, bytes, int, int]:
    """The journal head, locked (the last lock a write takes), and the ids the new
    contract and its account will have: ``(size, last_hash, contract_id, account_id)``."""
    row = sql.fetchone_creating(cursor, _head_and_ids_sql(connection.vendor), None, ensure_head)
    return int(row[0]), bytes(row[1]), int(row[2]), int(row[3])


# --- signing -----------------------------------------------------------------------------


def _contract_terms(contract: Contract) -> dict[str, Any]:
    return {
        "contract": contract.number,
        "merchant": contract.merchant.licence,
        "consumer": f"consumer:{contract.consumer_id}",
        "product_type": contract.product_type,
        "training_kind": contract.training_kind,
        "price_fen": contract.price_fen,
        "sessions": contract.sessions,
        "term_months": contract.term_months,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
        "rule_set": contract.rule_set,
    }


def sign_contract(
    *,
    key: str,
    merchant: Merchant,
    consumer: Consumer,
    product_type: str,
    price_fen: int,
    sessions: int | None = None,
    term_months: int | None = None,
    starts_on: date,
    training_kind: str = "",
    by: Any,
    now: datetime | None = None,
) -> Contract:
    """Check the legal limits, create the contract and deposit the whole price in custody.

    ``by`` is the consumer or the merchant's staff. A limit broken raises
    :class:`ContractRefusedError` citing the rule; the same ``key`` again returns the
    contract signed the first time.
    """
    check_key(key)
    moment = clock(now)
    require_login(by, "sign a contract")
    if by.pk != consumer.user_id and not is_staff_of(by, merchant) and not is_overseer(by):
        raise PermissionDeniedError(
            "只有消费者本人或该商户的员工可以签订此合同。"
            "Only the consumer or the merchant's staff may sign this contract.",
            field="consumer",
        )
    if product_type not in Contract.ProductType.values:
        raise InputError(
            f"产品类型 {product_type!r} 无效，应为会员卡、课时卡或储值卡。"
            f"product_type is {product_type!r}; it must be membership, class_pack or stored_value",
            field="product_type",
            value=product_type,
        )
    check_fen("price_fen", price_fen)
    for name, value in (("sessions", sessions), ("term_months", term_months)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise InputError(
                f"{name} 为 {value!r}，请填写不小于 1 的整数。"
                f"{name} is {value!r}; give a whole number of at least 1",
                field=name,
                value=value,
            )
    if training_kind and training_kind not in {kind.value for kind in rules.TrainingKind}:
        raise InputError(
            f"培训类型 {training_kind!r} 无效，应为学科类或非学科类。"
            f"training_kind is {training_kind!r}; it must be subject or non_subject",
            field="training_kind",
            value=training_kind,
        )
    if product_type == Contract.ProductType.CLASS_PACK and sessions is None:
        raise InputError(
            "课时卡须填写课时数。A class pack needs its number of sessions",
            field="sessions",
            fix="请填写课时数。Give sessions.",
        )
    if product_type == Contract.ProductType.MEMBERSHIP and term_months is None:
        raise InputError(
            "会员卡须填写期限（月数）。A membership needs its term in months",
            field="term_months",
            fix="请填写期限月数。Give term_months.",
        )

    def work() -> Contract:
        # Three statements before the writes, all plain SQL (see docs/custody.md,
        # Performance): the merchant and the consumer locked (a closure cannot miss a
        # contract signed meanwhile; two signings cannot both pass the per-consumer limit);
        # under those locks the key, the consumer's open prepaid balance with the merchant
        # and the custody bank, locked; the journal head locked, with the new contract's and
        # account's ids. Then every write in one statement.
        with sql.cursor() as cursor:
            return sign(cursor)

    def sign(cursor: Any) -> Contract:
        locked = _lock_for_signing(merchant.pk, consumer.pk, cursor)
        existing_pk, prepaid, bank = _key_prepaid_and_bank(key, consumer.pk, locked.pk, cursor)
        if existing_pk is not None:
            existing = Contract.objects.get(pk=existing_pk)
            same_request(
                "contract",
                key,
                [
                    ("merchant", existing.merchant_id, merchant.pk),
                    ("consumer", existing.consumer_id, consumer.pk),
                    ("product_type", existing.product_type, product_type),
                    ("price_fen", existing.price_fen, price_fen),
                    ("sessions", existing.sessions, sessions),
                    ("term_months", existing.term_months, term_months),
                    ("starts_on", existing.starts_on, starts_on),
                    ("training_kind", existing.training_kind, training_kind),
                ],
            )
            return existing
        if locked.status != Merchant.Status.ACTIVE:
            raise ConflictError(
                f"{locked.name} 当前状态为「{status_zh(locked)}」，不能销售预付合同。"
                f"{locked.name} is {locked.status}: it may not sell prepaid contracts",
                field="merchant",
                value=locked.licence,
            )
        proposed = rules.ProposedContract(
            sector=rules.Sector(locked.sector),
            product_type=rules.ProductType(product_type),
            price_fen=price_fen,
            signed_on=local_day(moment),
            sessions=sessions,
            term_months=term_months,
            existing_prepaid_fen=prepaid,
            training_kind=rules.TrainingKind(training_kind) if training_kind else None,
        )
        check = rules.check_contract(proposed)
        if not check.ok:
            raise ContractRefusedError(check)
        size, last_hash, contract_pk, account_pk = _head_and_new_ids(cursor)
        contract = Contract(
            pk=contract_pk,
            merchant=locked,
            consumer=consumer,
            product_type=product_type,
            training_kind=training_kind,
            price_fen=price_fen,
            sessions=sessions,
            term_months=term_months,
            starts_on=starts_on,
            ends_on=rules.add_months(starts_on, term_months) if term_months else None,
            signed_at=moment,
            rule_set=",".join(check.rule_sets),
            key=key,
            signed_by=by,
        )
        terms = _contract_terms(contract)
        contract.contract_hash = contract_hash(terms)
        # The new contract's account: nobody else can see it, so it is as good as locked.
        held = Account(
            pk=account_pk,
            code=f"contract:{contract_pk}:held",
            kind=Account.Kind.CONSUMER_HELD,
            merchant=locked,
            contract=contract,
            debits_must_not_exceed_credits=True,
        )
        deposit = prepare_transfer(
            TransferSpec(
                key=f"{key}:deposit",
                code="deposit",
                debit=bank,
                credit=held,
                amount_fen=price_fen,
                reference=contract.number,
                contract=contract,
                merchant=locked,
            ),
            now=moment,
        )
        records = chain_records(
            [
                {
                    "type": "contract_signed",
                    **terms,
                    "contract_hash": contract.contract_hash,
                    "notes": list(check.notes),
                    "by": user_ref(by),
                },
                {
                    "type": "deposit",
                    "contract": contract.number,
                    "amount_fen": price_fen,
                    "transfer": deposit.key,
                    "reference": contract.number,
                },
            ],
            size=size,
            last_hash=last_hash,
            moment=moment,
            contract=contract,
        )
        # The account is written with its totals after the deposit; the bank's are moved.
        parts = [
            sql.insert("co", contract),
            sql.insert("ac", held),
            sql.Part("bk", *totals_sql([bank])),
            sql.insert("tr", deposit),
            *(sql.insert(f"j{n}", record) for n, record in enumerate(records)),
            sql.update("hd", JournalHead, 1, head_update_values(records)),
        ]
        crashpoint("transfer.before_apply")
        sql.write_together(parts, using=cursor)
        crashpoint("transfer.after_apply")
        crashpoint("journal.after_append")
        return contract

    return run_atomic(work)


# --- refunds -----------------------------------------------------------------------------


def _refund(
    *,
    key: str,
    contract: Contract,
    amount_fen: int,
    claim_fen: int,
    reason: str,
    working_days: int,
    by: Any,
    moment: datetime,
    dispute: Dispute | None = None,
) -> Refund:
    """Pay ``amount_fen`` of the contract's balance back (linked: contract → payable → bank)."""
    refund = Refund.objects.create(
        contract=contract,
        reason=reason,
        amount_fen=amount_fen,
        claim_fen=claim_fen,
        requested_at=moment,
        due_on=refund_due_on(moment, working_days),
        dispute=dispute,
        key=key,
        requested_by=by,
    )
    if amount_fen > 0:
        payable = refunds_payable()
        create_transfers(
            [
                TransferSpec(
                    key=f"{key}:refund",
                    code="refund",
                    debit=contract_account(contract),
                    credit=payable,
                    amount_fen=amount_fen,
                    contract=contract,
                    merchant=contract.merchant,
                ),
                TransferSpec(
                    key=f"{key}:payout",
                    code="refund_payout",
                    debit=payable,
                    credit=custody_bank(),
                    amount_fen=amount_fen,
                    reference=str(refund),
                    contract=contract,
                    merchant=contract.merchant,
                ),
            ],
            now=moment,
            known_new=True,  # the refund key was just found unused
        )
    append_event(
        {
            "type": "refund",
            "contract": contract.number,
            "refund": str(refund),
            "reason": reason,
            "amount_fen": amount_fen,
            "claim_fen": claim_fen,
            "due_on": refund.due_on.isoformat(),
            "by": user_ref(by),
        },
        now=moment,
        contract=contract,
    )
    return refund


def request_cooling_off_refund(
    *, key: str, contract: Contract, by: Any, now: datetime | None = None
) -> Refund:
    """The 7-day cooling-off (冷静期) refund: the whole price, when unused and in time.

    Refused with the reason (:func:`district.custody.money.cooling_off_refund`) otherwise.
    Due within 5 working days of the request.
    """
    check_key(key)
    moment = clock(now)
    require_login(by, "ask for a cooling-off refund")
    if not is_consumer_of(by, contract) and not is_overseer(by):
        raise PermissionDeniedError(
            "只有消费者本人可以申请冷静期退款。Only the consumer may ask for a cooling-off refund.",
            field="contract",
        )

    def work() -> Refund:
        existing = Refund.objects.filter(key=key).first()
        if existing is not None:
            same_request(
                "refund",
                key,
                [
                    ("contract", existing.contract_id, contract.pk),
                    ("reason", existing.reason, "cooling_off"),
                ],
            )
            return existing
        locked = Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
        if locked.status != Contract.Status.HELD:
            raise ConflictError(
                f"合同 {locked.number} 当前状态为「{status_zh(locked)}」，冷静期退款仅适用于资金"
                "存管中且尚未使用的合同。"
                f"Contract {locked.number} is {locked.status}; a cooling-off refund needs an "
                "unused contract held in custody",
                field="contract",
                value=locked.number,
            )
        decision = money.cooling_off_refund(
            locked.price_fen, locked.signed_at, moment, locked.activated_at
        )
        if decision.eligible:  # an unconfirmed merchant entry does not count against it
            _void_awaiting(locked, moment=moment, why="cooling-off refund")
        if not decision.eligible:
            raise InputError(
                f"合同 {locked.number} 不能办理冷静期退款：{decision.reason_zh}。"
                f"No cooling-off refund for {locked.number}: {decision.reason}",
                field="contract",
                value=locked.number,
                fix="可按合同约定向商户申请退款，或发起争议。"
                "Ask the merchant for a refund under the contract's terms, or open a dispute.",
            )
        refund = _refund(
            key=key,
            contract=locked,
            amount_fen=decision.refund_fen,
            claim_fen=decision.refund_fen,
            reason=Refund.Reason.COOLING_OFF,
            working_days=COOLING_OFF_REFUND_WORKING_DAYS,
            by=by,
            moment=moment,
        )
        locked.status = Contract.Status.REFUNDED
        locked.save(update_fields=["status"])
        return refund

    return run_atomic(work)


# --- check-ins ---------------------------------------------------------------------------


def _spend_of(check_in: CheckIn) -> int | None:
    """The ``amount_fen`` a check-in was asked with (stored-value cards without sessions)."""
    contract = check_in.contract
    if contract.product_type == Contract.ProductType.STORED_VALUE and contract.sessions is None:
        return check_in.release_fen
    return None


def _units(contract: Contract) -> int | None:
    """Units a check-in releases one of (sessions), or None (membership, open stored value)."""
    if contract.product_type == Contract.ProductType.MEMBERSHIP:
        return None
    return contract.sessions


def _require_releasable(contract: Contract) -> None:
    if contract.merchant.status == Merchant.Status.CLOSED:
        raise ConflictError(
            f"{contract.merchant.name} 已停业，任何课程的款项都不能再释放。"
            f"{contract.merchant.name} is {contract.merchant.status}: no session can be released",
            field="merchant",
            value=contract.merchant.licence,
        )
    if contract.status not in (Contract.Status.HELD, Contract.Status.ACTIVE):
        frozen = contract.status == Contract.Status.FROZEN
        why = "a dispute froze it" if frozen else "it is over"
        why_zh = "因争议已冻结" if frozen else "合同已结束"
        raise ConflictError(
            f"合同 {contract.number} 当前状态为「{status_zh(contract)}」（{why_zh}），"
            "不能再释放款项。"
            f"Contract {contract.number} is {contract.status} ({why}): nothing can be released",
            field="contract",
            value=contract.number,
        )


LIVE_CHECK_IN_STATUSES = (CheckIn.Status.CONFIRMED, CheckIn.Status.AWAITING)


def _complete_if_used(
    contract: Contract, *, confirmed: int | None = None, account: Account | None = None
) -> None:
    """Complete an active contract whose sessions are all confirmed and whose money is all
    released. ``confirmed`` and ``account`` (locked, current totals) when in hand."""
    if contract.sessions is None or contract.status != Contract.Status.ACTIVE:
        return
    if confirmed is None:
        confirmed = contract.check_ins.filter(status=CheckIn.Status.CONFIRMED).count()
    if account is None:
        account = contract_account(contract)
    if _is_used_up(contract, confirmed=confirmed, account=account):
        contract.status = Contract.Status.COMPLETED
        contract.save(update_fields=["status"])


def _is_used_up(contract: Contract, *, confirmed: int, account: Account) -> bool:
    """Whether an active contract has every session confirmed and all its money released
    (``account``: its account, locked, with current totals)."""
    return (
        contract.sessions is not None
        and contract.status == Contract.Status.ACTIVE
        and confirmed >= contract.sessions
        and account.credits_posted == account.debits_posted
    )


def record_check_in(
    *,
    key: str,
    contract: Contract,
    by: Any,
    now: datetime | None = None,
    amount_fen: int | None = None,
) -> CheckIn:
    """Record one session used and release its money.

    By the consumer: confirmed, the release posted at once. By the merchant's staff:
    awaiting the consumer, the release pending until confirmed or until
    ``CUSTODY_CONFIRM_HOURS`` pass. The first check-in activates the contract (the
    cooling-off right ends). ``amount_fen`` is the spend of a stored-value card without
    sessions (and only then).
    """
    check_key(key)
    moment = clock(now)
    require_login(by, "record a check-in")

    def work() -> CheckIn:
        # Two statements before COMMIT (see docs/custody.md, Performance): the contract,
        # both accounts and the journal head locked, in that order, with one read of this
        # key (idempotency: a twin raced ahead is seen here) and of the contract's live
        # sessions; and every write in one statement.
        with sql.cursor() as cursor:
            return write(cursor)

    def write(cursor: Any) -> CheckIn:
        state = _read_for_check_in(contract, key, cursor)
        locked, account, receivable = state.contract, state.account, state.receivable
        number, confirmed = state.number, state.confirmed
        if state.key_used:
            existing = CheckIn.objects.order_by().get(key=key)
            same_request(
                "check-in",
                key,
                [
                    ("contract", existing.contract_id, contract.pk),
                    ("recorded_user", existing.recorded_user_id, by.pk),
                    ("amount_fen", _spend_of(existing), amount_fen),
                ],
            )
            return existing
        if is_consumer_of(by, locked):
            recorded_by = CheckIn.RecordedBy.CONSUMER
        elif is_staff_of(by, locked.merchant):
            recorded_by = CheckIn.RecordedBy.MERCHANT
        else:
            raise PermissionDeniedError(
                "只有消费者本人或该商户的员工可以记录核销。"
                "Only the consumer or the merchant's staff may record a check-in.",
                field="contract",
                value=locked.number,
            )
        _require_releasable(locked)
        # ``number``: the lowest session number not in use: a disputed session is used
        # again, so the releases still add up to the price exactly.
        units = _units(locked)
        if locked.product_type == Contract.ProductType.STORED_VALUE and units is None:
            release = check_fen("amount_fen", amount_fen)
            if release > account.available_fen:
                raise ConflictError(
                    f"储值卡 {locked.number} 余额 {account.available_fen} 分，不足 {release} 分。"
                    f"The card {locked.number} holds {account.available_fen} fen; "
                    f"{release} fen cannot be spent",
                    field="amount_fen",
                    value=release,
                )
        else:
            if amount_fen is not None:
                raise InputError(
                    "只有不按次计的储值卡才填写消费金额。"
                    "amount_fen is only for stored-value cards without sessions",
                    field="amount_fen",
                    value=amount_fen,
                )
            if units is not None and number > units:
                raise ConflictError(
                    f"该合同 {locked.number} 的 {units} 次课程已全部使用。"
                    f"All {units} sessions of {locked.number} are used",
                    field="contract",
                    value=locked.number,
                )
            # A membership's check-in moves no money (it releases by days used at
            # settlement).
            release = money.unit_release_fen(locked.price_fen, units, number) if units else 0
        transfer = None
        confirm_by = None
        if recorded_by == CheckIn.RecordedBy.CONSUMER:
            status = CheckIn.Status.CONFIRMED
        else:
            status = CheckIn.Status.AWAITING
            confirm_by = moment + timedelta(hours=confirm_hours())
        parts = []
        if release > 0:
            transfer = prepare_transfer(
                TransferSpec(
                    key=f"{key}:release",
                    code="release",
                    kind=Transfer.Kind.POSTED if status == "confirmed" else Transfer.Kind.PENDING,
                    debit=account,
                    credit=receivable,
                    amount_fen=release,
                    contract=locked,
                    merchant=locked.merchant,
                ),
                now=moment,
            )
            ordered = sorted((account, receivable), key=lambda row: row.pk)
            parts += [sql.Part("acc", *totals_sql(ordered)), sql.insert("tr", transfer)]
        check_in = CheckIn(
            contract=locked,
            number=number,
            recorded_by=recorded_by,
            status=status,
            occurred_at=moment,
            confirm_by=confirm_by,
            resolved_at=moment if status == CheckIn.Status.CONFIRMED else None,
            release_fen=release,
            recorded_user=by,
            key=key,
        )
        parts.append(sql.insert("ci", check_in, refs={"transfer_id": "tr"} if transfer else None))
        changed: dict[str, Any] = {}
        if status == CheckIn.Status.CONFIRMED:
            changed |= _activation(locked, moment)
            # Not only when ``number`` is the last: after a disputed session the last one
            # missing may be any number.
            if units is not None and _is_used_up(locked, confirmed=confirmed + 1, account=account):
                locked.status = changed["status"] = Contract.Status.COMPLETED
        if changed:
            parts.append(sql.update("co", Contract, locked.pk, changed))
        records = chain_records(
            [
                {
                    "type": "check_in",
                    "contract": locked.number,
                    "number": number,
                    "recorded_by": recorded_by,
                    "status": status,
                    "release_fen": release,
                    "transfer": transfer.key if transfer else None,
                    "pending": status == CheckIn.Status.AWAITING,
                    "confirm_by": confirm_by.isoformat() if confirm_by else None,
                    "by": user_ref(by),
                }
            ],
            size=state.size,
            last_hash=state.last_hash,
            moment=moment,
            contract=locked,
        )
        parts += [
            sql.insert("jr", records[0]),
            sql.update("hd", JournalHead, 1, head_update_values(records)),
        ]
        crashpoint("transfer.before_apply")
        sql.write_together(parts, using=cursor)
        crashpoint("transfer.after_apply")
        crashpoint("journal.after_append")
        check_in.transfer = transfer
        return check_in

    return run_atomic(work)


@functools.cache
def _check_in_read_sql(vendor: str) -> str:
    """The one statement a check-in reads with (cached: it runs on every check-in)."""
    del vendor  # the cache key: the lock clause depends on the database
    table = sql.table(CheckIn)
    accounts = sql.table(Account)
    head = sql.table(JournalHead)
    # The live statuses are in the text, not parameters: the plan the server keeps for the
    # prepared statement can then use the partial unique index on (contract, number) of
    # live check-ins, whose condition it must prove from the text.
    assert all(status.isidentifier() for status in LIVE_CHECK_IN_STATUSES)
    statuses = ", ".join(f"'{status}'" for status in LIVE_CHECK_IN_STATUSES)

    def live(alias: str) -> str:
        return f"{table} {alias} WHERE {alias}.contract_id = %s AND {alias}.status IN ({statuses})"

    # Sessions 1..n in use (the usual case): the next is n + 1, from the count and the
    # maximum. Only after a disputed session leaves a gap is the gap searched, through the
    # unique index on (contract, number) of live check-ins. ``lo`` and ``hi`` are the two
    # accounts in ascending id order: the locks go contract, accounts, head (the order
    # every write takes them in), in the order of the ``OF`` list, for the one row. The
    # head's size comes twice: ``h.size`` as locked, the subquery's as in this statement's
    # snapshot (see :func:`_read_for_check_in`).
    return (
        "WITH s AS (SELECT count(*) AS n, COALESCE(max(k.number), 0) AS top, "
        f"COALESCE(sum(CASE WHEN k.status = '{CheckIn.Status.CONFIRMED}' THEN 1 ELSE 0 END), 0) "
        f"AS confirmed FROM {live('k')}) "
        f"SELECT {sql.columns(Contract, 'c')}, {sql.columns(Merchant, 'm')}, "
        f"{sql.columns(Consumer, 'u')}, {sql.columns(Account, 'lo')}, "
        f"{sql.columns(Account, 'hi')}, h.size, h.last_hash, "
        f"(SELECT size FROM {head} WHERE id = 1), "
        f"EXISTS (SELECT 1 FROM {table} WHERE key = %s), "
        "CASE WHEN s.n = s.top THEN s.top + 1 "
        f"WHEN NOT EXISTS (SELECT 1 FROM {live('k')} AND k.number = 1) THEN 1 "
        f"ELSE (SELECT min(a.number) + 1 FROM {live('a')} "
        f"AND NOT EXISTS (SELECT 1 FROM {live('k')} AND k.number = a.number + 1)) END, "
        "s.confirmed "
        f"FROM {sql.table(Contract)} c "
        f"JOIN {sql.table(Merchant)} m ON m.id = c.merchant_id "
        f"JOIN {sql.table(Consumer)} u ON u.id = c.consumer_id "
        f"JOIN {accounts} lo ON lo.code IN (%s, %s) "
        f"JOIN {accounts} hi ON hi.code IN (%s, %s) AND hi.id > lo.id "
        f"JOIN {head} h ON h.id = 1 CROSS JOIN s "
        f"WHERE c.id = %s{sql.lock_clause('c', 'lo', 'hi', 'h')}"
    )


@dataclass
class _CheckInState:
    """What a check-in reads, under its locks: the contract (with its merchant and
    consumer), its account and its merchant's receivable, the journal head, and the
    contract's sessions."""

    contract: Contract
    account: Account
    receivable: Account
    size: int
    last_hash: bytes
    key_used: bool
    number: int  # the lowest session number not in use by a live check-in
    confirmed: int  # how many live check-ins are confirmed


def _read_for_check_in(contract: Contract, key: str, cursor: Any) -> _CheckInState:
    """Lock the contract, its two accounts (ascending id) and the journal head, and read
    them with the key's use and the contract's sessions: one statement, one row.

    On PostgreSQL a statement reads from the snapshot taken when it began, and a lock it
    waited for returns the row as the holder committed it. So when a concurrent write
    committed while this one waited (the head's size as locked differs from the size in
    the snapshot: every write appends to the journal), the sessions and the key read may
    be older than the locks; the statement then runs once more, under the locks it now
    holds, which nothing can overtake. A missing account or journal head (a fresh
    contract or database) is created and the statement run again.
    """
    codes = [f"contract:{contract.pk}:held", f"merchant:{contract.merchant_id}:receivable"]
    pk = contract.pk
    params = [pk, key, pk, pk, pk, *codes, *codes, pk]
    query = _check_in_read_sql(connection.vendor)
    tables = (Contract, Merchant, Consumer, Account, Account)
    width = sum(len(model._meta.concrete_fields) for model in tables)
    for _attempt in range(3):
        cursor.execute(query, params)
        row = cursor.fetchone()
        if row is None:
            _create_check_in_rows(contract)
            continue
        size, last_hash, seen, key_used, number, confirmed = row[width:]
        if size != seen:  # a write committed while this one waited for its locks
            count_retry("reread")
            continue
        locked, merchant, consumer, first, second = sql.read_models(row, *tables)
        assert isinstance(locked, Contract)
        assert isinstance(first, Account) and isinstance(second, Account)
        locked.merchant = merchant  # type: ignore[assignment]
        locked.consumer = consumer  # type: ignore[assignment]
        accounts = {first.code: first, second.code: second}
        return _CheckInState(
            locked,
            accounts[codes[0]],
            accounts[codes[1]],
            int(size),
            bytes(last_hash),
            bool(key_used),
            int(number),
            int(confirmed),
        )
    if row is not None:  # cannot happen: under its locks no write can move the head
        raise RuntimeError(f"the journal head moved under a check-in's lock ({contract.number})")
    raise NotFoundError(
        f"找不到也无法建立合同 {contract.number} 的账户。"
        f"The accounts of contract {contract.number} cannot be found or created",
        field="contract",
        value=contract.pk,
    )


def _create_check_in_rows(contract: Contract) -> None:
    """The rows a check-in locks and a fresh contract or database may not have yet: the
    contract's account, its merchant's receivable, the journal head. A missing contract is
    an error that names it."""
    found = Contract.objects.filter(pk=contract.pk).select_related("merchant").first()
    if found is None:
        raise NotFoundError(
            f"没有合同 {contract.number}。There is no contract {contract.number}",
            field="contract",
            value=contract.pk,
        )
    contract_account(found)
    _receivable(found.merchant)
    ensure_head()


def _activation(contract: Contract, moment: datetime) -> dict[str, Any]:
    """The first confirmed session activates the contract and ends its cooling-off right:
    the changed fields, set on ``contract`` (not saved); empty when already activated.

    A session the merchant recorded counts only once confirmed (by the consumer or by the
    dispute window passing): an unconfirmed entry cannot take the right away.
    """
    if contract.activated_at is not None:
        return {}
    contract.activated_at = moment
    if contract.status == Contract.Status.HELD:
        contract.status = Contract.Status.ACTIVE
    return {"activated_at": contract.activated_at, "status": contract.status}


def _activate(contract: Contract, moment: datetime) -> None:
    """:func:`_activation`, saved."""
    changed = _activation(contract, moment)
    if changed:
        contract.save(update_fields=list(changed))


def _receivable(merchant: Merchant) -> Account:
    from district.custody.ledger import merchant_receivable

    return merchant_receivable(merchant)


def _confirm(check_in: CheckIn, *, by: Any, moment: datetime, automatic: bool) -> CheckIn:
    contract = (
        Contract.objects.select_for_update(of=("self",), no_key=True)
        .select_related("merchant")
        .get(pk=check_in.contract_id)
    )
    locked = CheckIn.objects.get(pk=check_in.pk)
    if locked.status == CheckIn.Status.CONFIRMED:
        return locked
    if locked.status != CheckIn.Status.AWAITING:
        raise ConflictError(
            f"核销 {locked} 当前状态为「{status_zh(locked)}」，只有待确认的核销可以确认。"
            f"Check-in {locked} is {locked.status}; only an awaiting check-in can be confirmed",
            field="check_in",
            value=locked.pk,
        )
    _require_releasable(contract)
    if locked.transfer is not None:
        post_pending(
            key=f"{locked.key}:post", pending_key=locked.transfer.key, code="release", now=moment
        )
    locked.status = CheckIn.Status.CONFIRMED
    locked.resolved_at = moment
    locked.save(update_fields=["status", "resolved_at"])
    _activate(contract, locked.occurred_at)
    append_event(
        {
            "type": "release",
            "contract": contract.number,
            "number": locked.number,
            "amount_fen": locked.release_fen,
            "automatic": automatic,
            "transfer": f"{locked.key}:post" if locked.transfer else None,
            "by": user_ref(by),
        },
        now=moment,
        contract=contract,
    )
    _complete_if_used(contract)
    return locked


def confirm_check_in(*, check_in: CheckIn, by: Any, now: datetime | None = None) -> CheckIn:
    """The consumer confirms a merchant-recorded check-in: its release is posted."""
    moment = clock(now)
    require_login(by, "confirm a check-in")
    if not is_consumer_of(by, check_in.contract):
        raise PermissionDeniedError(
            "只有消费者本人可以确认此次核销。Only the consumer may confirm this check-in.",
            field="check_in",
        )
    return run_atomic(lambda: _confirm(check_in, by=by, moment=moment, automatic=False))


def dispute_check_in(
    *, check_in: CheckIn, by: Any, reason: str, now: datetime | None = None
) -> CheckIn:
    """The consumer disputes a merchant-recorded check-in: its pending release is voided."""
    moment = clock(now)
    require_login(by, "dispute a check-in")
    if not is_consumer_of(by, check_in.contract):
        raise PermissionDeniedError(
            "只有消费者本人可以对此次核销提出异议。Only the consumer may dispute this check-in.",
            field="check_in",
        )
    text = require_reason(
        reason, "请说明这次课程为什么没有发生。Say why the session did not happen"
    )

    def work() -> CheckIn:
        contract = Contract.objects.select_for_update(no_key=True).get(pk=check_in.contract_id)
        locked = CheckIn.objects.get(pk=check_in.pk)
        if locked.status == CheckIn.Status.DISPUTED:
            return locked
        if locked.status != CheckIn.Status.AWAITING:
            raise ConflictError(
                f"核销 {locked} 当前状态为「{status_zh(locked)}」，只有待确认的核销可以提出异议。"
                f"Check-in {locked} is {locked.status}; only an awaiting check-in can be disputed",
                field="check_in",
                value=locked.pk,
                fix="请改为对整个合同发起争议。Open a dispute on the contract instead.",
            )
        if locked.transfer is not None:
            void_pending(
                key=f"{locked.key}:void",
                pending_key=locked.transfer.key,
                code="release",
                now=moment,
            )
        locked.status = CheckIn.Status.DISPUTED
        locked.resolved_at = moment
        locked.dispute_reason = text[:2000]
        locked.save(update_fields=["status", "resolved_at", "dispute_reason"])
        append_event(
            {
                "type": "check_in_disputed",
                "contract": contract.number,
                "number": locked.number,
                "voided_fen": locked.release_fen,
                "by": user_ref(by),
            },
            now=moment,
            contract=contract,
        )
        return locked

    return run_atomic(work)


def confirm_due_check_ins(*, now: datetime | None = None) -> int:
    """Post every merchant-recorded release whose dispute window has passed; returns how many.

    Frozen contracts (an open dispute) and closed merchants are skipped.
    """
    moment = clock(now)
    due = (
        CheckIn.objects.filter(
            status=CheckIn.Status.AWAITING,
            confirm_by__lte=moment,
            contract__status__in=[Contract.Status.HELD, Contract.Status.ACTIVE],
        )
        .exclude(contract__merchant__status=Merchant.Status.CLOSED)
        .order_by("confirm_by", "pk")
    )
    count = 0
    for check_in in due:
        try:
            run_atomic(
                functools.partial(_confirm, check_in, by=None, moment=moment, automatic=True)
            )
        except ConflictError:
            continue  # frozen or closed meanwhile: stays pending
        count += 1
    return count


# --- disputes ----------------------------------------------------------------------------


def open_dispute(
    *, key: str, contract: Contract, by: Any, reason: str, now: datetime | None = None
) -> Dispute:
    """Freeze the contract's remaining money until the custodian resolves the dispute."""
    check_key(key)
    moment = clock(now)
    require_login(by, "open a dispute")
    if not is_consumer_of(by, contract) and not is_overseer(by):
        raise PermissionDeniedError(
            "只有消费者本人或存管方可以发起争议。"
            "Only the consumer or the custodian may open a dispute.",
            field="contract",
        )
    text = require_reason(reason, "请说明争议的内容。Say what the dispute is about")

    def work() -> Dispute:
        existing = Dispute.objects.filter(key=key).first()
        if existing is not None:
            same_request("dispute", key, [("contract", existing.contract_id, contract.pk)])
            return existing
        locked = Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
        if locked.status not in (Contract.Status.HELD, Contract.Status.ACTIVE):
            raise ConflictError(
                f"合同 {locked.number} 当前状态为「{status_zh(locked)}」，"
                "只有使用中的合同可以发起争议。"
                f"Contract {locked.number} is {locked.status}; only a contract in use can be "
                "disputed",
                field="contract",
                value=locked.number,
            )
        dispute = Dispute.objects.create(
            contract=locked,
            reason=text[:4000],
            opened_at=moment,
            status_before=locked.status,
            opened_by=by,
            key=key,
        )
        locked.status = Contract.Status.FROZEN
        locked.save(update_fields=["status"])
        append_event(
            {
                "type": "dispute_opened",
                "contract": locked.number,
                "dispute": str(dispute),
                "by": user_ref(by),
            },
            now=moment,
            contract=locked,
        )
        return dispute

    return run_atomic(work)


def _void_awaiting(contract: Contract, *, moment: datetime, why: str) -> int:
    """Void every awaiting check-in of the contract; returns the fen released back."""
    return _void_awaiting_all([contract], moment=moment, why=why)


def _void_awaiting_all(contracts: Sequence[Contract], *, moment: datetime, why: str) -> int:
    """Void every awaiting check-in of ``contracts`` (locked by the caller): their pending
    releases in one batch of voids, the check-ins in one UPDATE; returns the fen released
    back."""
    awaiting = list(
        CheckIn.objects.filter(
            contract__in=[contract.pk for contract in contracts], status=CheckIn.Status.AWAITING
        )
        .select_related("transfer")
        .order_by("pk")
    )
    if not awaiting:
        return 0
    pending = [check_in for check_in in awaiting if check_in.transfer is not None]
    if pending:
        create_transfers(
            [
                TransferSpec(
                    key=f"{check_in.key}:void",
                    code="release",
                    kind=Transfer.Kind.VOID,
                    pending_key=check_in.transfer.key,
                )
                for check_in in pending
                if check_in.transfer is not None
            ],
            now=moment,
        )
    CheckIn.objects.filter(pk__in=[check_in.pk for check_in in awaiting]).update(
        status=CheckIn.Status.VOID, resolved_at=moment, dispute_reason=why
    )
    return sum(check_in.release_fen for check_in in pending)


def resolve_dispute(
    *, dispute: Dispute, by: Any, outcome: str, now: datetime | None = None
) -> Dispute:
    """``refund``: pay the remaining balance back (pending check-ins voided); ``resume``:
    unfreeze. Needs ``custody.change_dispute`` (the notary or the regulator)."""
    moment = clock(now)
    require_permission(by, "custody.change_dispute", "resolve a dispute")
    if outcome not in (Dispute.Outcome.REFUND, Dispute.Outcome.RESUME):
        raise InputError(
            f"处理结果 {outcome!r} 无效，应为退还余额或恢复合同。"
            f"outcome is {outcome!r}; it must be refund or resume",
            field="outcome",
            value=outcome,
        )

    def work() -> Dispute:
        contract = Contract.objects.select_for_update(no_key=True).get(pk=dispute.contract_id)
        locked = Dispute.objects.get(pk=dispute.pk)
        if locked.status == Dispute.Status.RESOLVED:
            same_request("dispute resolution", str(locked), [("outcome", locked.outcome, outcome)])
            return locked
        if outcome == Dispute.Outcome.REFUND:
            _void_awaiting(contract, moment=moment, why=f"{locked}: refunded")
            balance = contract_account(contract).available_fen
            claim = _claim_fen(contract, local_day(moment), balance)
            earned = balance - min(claim, balance)
            if earned > 0:  # membership days used: the merchant's
                create_transfer(
                    TransferSpec(
                        key=f"{locked.key}:earned",
                        code="release",
                        debit=contract_account(contract),
                        credit=_receivable(contract.merchant),
                        amount_fen=earned,
                        contract=contract,
                        merchant=contract.merchant,
                    ),
                    now=moment,
                )
            _refund(
                key=f"{locked.key}:refund",
                contract=contract,
                amount_fen=min(claim, balance),
                claim_fen=claim,
                reason=Refund.Reason.DISPUTE,
                working_days=OTHER_REFUND_WORKING_DAYS,
                by=by,
                moment=moment,
                dispute=locked,
            )
            contract.status = Contract.Status.REFUNDED
        else:
            contract.status = locked.status_before or Contract.Status.ACTIVE
        contract.save(update_fields=["status"])
        locked.status = Dispute.Status.RESOLVED
        locked.outcome = outcome
        locked.resolved_at = moment
        locked.resolved_by = by
        locked.save(update_fields=["status", "outcome", "resolved_at", "resolved_by"])
        append_event(
            {
                "type": "dispute_resolved",
                "contract": contract.number,
                "dispute": str(locked),
                "outcome": outcome,
                "by": user_ref(by),
            },
            now=moment,
            contract=contract,
        )
        return locked

    return run_atomic(work)


def _claim_fen(
    contract: Contract, on: date, balance_fen: int, confirmed: Iterable[int] | None = None
) -> int:
    """The consumer's unconsumed balance on ``on`` (what a refund owes them); ``confirmed``:
    the contract's confirmed session numbers, when the caller has read them (else read)."""
    if contract.product_type == Contract.ProductType.MEMBERSHIP and contract.ends_on:
        owed = money.membership_refund_on(
            contract.price_fen, contract.starts_on, contract.ends_on, on
        )
        return min(balance_fen, owed)
    if contract.sessions is not None:
        # Each release is the amount of its own session number (cumulative floor), so after
        # a disputed middle session the sessions used are not 1..k: sum their releases.
        if confirmed is None:
            confirmed = confirmed_numbers([contract]).get(contract.pk, [])
        released = sum(
            money.unit_release_fen(contract.price_fen, contract.sessions, number)
            for number in confirmed
        )
        return min(balance_fen, contract.price_fen - released)
    return balance_fen


def confirmed_numbers(contracts: Sequence[Contract]) -> dict[int, list[int]]:
    """The confirmed session numbers of each of ``contracts``, in one query, by contract id."""
    numbers: dict[int, list[int]] = {}
    rows = CheckIn.objects.filter(
        contract__in=[contract.pk for contract in contracts], status=CheckIn.Status.CONFIRMED
    ).values_list("contract_id", "number")
    for contract_id, number in rows:
        numbers.setdefault(contract_id, []).append(number)
    return numbers


def get_contract(contract_id: int) -> Contract:
    contract = (
        Contract.objects.select_related("merchant", "consumer").filter(pk=contract_id).first()
    )
    if contract is None:
        raise NotFoundError(
            f"合同 {contract_id} 不存在。There is no contract {contract_id}",
            field="contract",
            value=contract_id,
        )
    return contract
