"""Monthly settlement to merchants, and the closure of a merchant with every refund.

**Settlement** (结算) pays a merchant what was released to it up to the end of
``period_end`` (Shanghai time) and not yet paid: merchant receivable → custody bank, less the
platform fee (``CUSTODY_FEE_PERMILLE``, default 0) which goes to the fees account. Before
paying, memberships release what their days used have earned (``money.released_fen`` of the
price over the term's days, cumulative, so repeated settlements never pay a fen twice).
One settlement per merchant and period end (UNIQUE); a merchant with nothing to pay gets a
zero settlement so that ``settle_all`` is idempotent.

**Closure** (停业清退) freezes everything of a merchant in one transaction: the merchant row
is locked first (a signing waits for it), then every open contract (a release waits for
its contract), pending releases are voided, and each consumer's unconsumed balance is paid
back. The merchant's custody balances form a pool (``money.split_pool_fen``): claims are paid
in full when it suffices, else pro rata by largest remainder, so the parts add up to the
fen; what the pool keeps beyond the claims (membership days used) is released to the
merchant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Sum

from district.core.errors import ConflictError, InputError
from district.custody import money
from district.custody.ledger import (
    TransferSpec,
    append_event,
    append_events,
    contract_account,
    contract_accounts,
    create_transfer,
    create_transfers,
    custody_bank,
    fees_account,
    merchant_receivable,
    refunds_payable,
    run_atomic,
)
from district.custody.models import (
    OPEN_CONTRACT_STATUSES,
    Closure,
    Contract,
    Dispute,
    Merchant,
    Refund,
    Settlement,
    Transfer,
)
from district.custody.money import SHANGHAI

from .common import (
    OTHER_REFUND_WORKING_DAYS,
    check_key,
    clock,
    fee_permille,
    local_day,
    refund_due_on,
    require_permission,
    require_reason,
    user_ref,
)
from .contracts import _claim_fen, _void_awaiting_all, confirmed_numbers


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def _accrue_memberships(
    merchant: Merchant, *, key: str, through: date, moment: datetime
) -> list[tuple[Contract, dict[str, Any]]]:
    """Release the membership days used through ``through``; returns the journal events,
    which the caller appends after its last transfer (the journal head is locked last).

    A membership counts its days from ``starts_on``; one never used accrues too once its
    cooling-off period is over (the consumer could no longer take it back).
    """
    events: list[tuple[Contract, dict[str, Any]]] = []
    receivable = merchant_receivable(merchant)
    memberships = merchant.contracts.filter(
        product_type=Contract.ProductType.MEMBERSHIP,
        status__in=[Contract.Status.HELD, Contract.Status.ACTIVE],
        ends_on__isnull=False,
    ).order_by("pk")
    for contract in memberships.select_for_update(no_key=True):
        if contract.ends_on is None:
            continue
        if contract.status == Contract.Status.HELD and moment < money.cooling_off_deadline(
            contract.signed_at
        ):
            continue
        used, term_days = money.membership_days_used(
            contract.starts_on, contract.ends_on, through + timedelta(days=1)
        )
        earned = money.released_fen(contract.price_fen, term_days, used)
        account = contract_account(contract)
        already = contract.price_fen - account.credit_balance_fen
        due = min(earned - already, account.available_fen)
        if due > 0:
            create_transfer(
                TransferSpec(
                    key=f"{key}:accrue:{contract.pk}",
                    code="release",
                    debit=account,
                    credit=receivable,
                    amount_fen=due,
                    contract=contract,
                    merchant=merchant,
                ),
                now=moment,
            )
            events.append(
                (
                    contract,
                    {
                        "type": "release",
                        "contract": contract.number,
                        "amount_fen": due,
                        "days_used": used,
                        "term_days": term_days,
                        "through": through.isoformat(),
                    },
                )
            )
        if used >= term_days and contract_account(contract).credit_balance_fen == 0:
            contract.status = Contract.Status.COMPLETED
            contract.save(update_fields=["status"])
    return events


def settle_merchant(
    *, key: str, merchant: Merchant, period_end: date, by: Any = None, now: datetime | None = None
) -> Settlement:
    """Pay ``merchant`` its released, unsettled money up to the end of ``period_end``.

    ``by`` is a user with ``custody.add_settlement`` (the notary), or None for the
    scheduled job.
    """
    check_key(key)
    moment = clock(now)
    if by is not None:
        require_permission(by, "custody.add_settlement", "settle with a merchant")
    if period_end >= local_day(moment):
        raise InputError(
            f"截至 {period_end.isoformat()} 的结算期尚未结束。"
            f"The period ending {period_end.isoformat()} is not over yet",
            field="period_end",
            value=period_end.isoformat(),
            fix="请结算今天之前已结束的结算期。Settle a period that ended before today.",
        )

    def work() -> Settlement:
        existing = Settlement.objects.filter(key=key).first()
        if existing is not None:
            if (existing.merchant_id, existing.period_end) != (merchant.pk, period_end):
                name = "merchant" if existing.merchant_id != merchant.pk else "period_end"
                raise ConflictError(
                    f"幂等键 {key!r} 已用于另一笔结算。"
                    f"The key {key!r} was already used to settle another {name}",
                    field=name,
                    fix="新的结算请使用新的键。Use a new key for a new settlement.",
                )
            return existing
        locked = Merchant.objects.select_for_update(no_key=True).get(pk=merchant.pk)
        same_period = Settlement.objects.filter(merchant=locked, period_end=period_end).first()
        if same_period is not None:
            return same_period
        later = Settlement.objects.filter(merchant=locked, period_end__gt=period_end).first()
        if later is not None:
            raise ConflictError(
                f"{locked.name} 已结算至 {later.period_end.isoformat()}，不能再结算更早的结算期。"
                f"{locked.name} was already settled through {later.period_end.isoformat()}",
                field="period_end",
                value=period_end.isoformat(),
            )
        if locked.status in (Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED):
            accrued = _accrue_memberships(locked, key=key, through=period_end, moment=moment)
        else:
            accrued = []
        receivable = merchant_receivable(locked)
        credited = (
            Transfer.objects.filter(
                credit_account=receivable,
                kind__in=["posted", "post"],
                created_at__lt=_end_of(period_end),
            ).aggregate(total=Sum("amount_fen"))["total"]
            or 0
        )
        owed = int(credited) - receivable.debits_posted
        amount = max(0, min(owed, receivable.available_fen))
        fee = amount * fee_permille() // 1000
        settlement = Settlement.objects.create(
            merchant=locked,
            period_end=period_end,
            amount_fen=amount - fee,
            fee_fen=fee,
            created_at=moment,
            key=key,
            created_by=by,
        )
        specs = []
        if amount - fee > 0:
            specs.append(
                TransferSpec(
                    key=f"{key}:payout",
                    code="settlement",
                    debit=receivable,
                    credit=custody_bank(),
                    amount_fen=amount - fee,
                    reference=str(settlement),
                    merchant=locked,
                )
            )
        if fee > 0:
            specs.append(
                TransferSpec(
                    key=f"{key}:fee",
                    code="fee",
                    debit=receivable,
                    credit=fees_account(),
                    amount_fen=fee,
                    merchant=locked,
                )
            )
        if specs:
            create_transfers(specs, now=moment)
        for contract, event in accrued:
            append_event(event, now=moment, contract=contract)
        append_event(
            {
                "type": "settlement",
                "merchant": locked.licence,
                "settlement": str(settlement),
                "period_end": period_end.isoformat(),
                "amount_fen": amount - fee,
                "fee_fen": fee,
                "by": user_ref(by),
            },
            now=moment,
            merchant=locked,
        )
        return settlement

    return run_atomic(work)


def last_month_end(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def settlement_key(merchant: Merchant, period_end: date) -> str:
    """The key of ``merchant``'s settlement for the period ending ``period_end``.

    ``settle_all``, the scheduled job and the notary's per-merchant button all use it, so
    whichever runs first settles the period and the others find that settlement.
    """
    return f"settle:{merchant.pk}:{period_end.isoformat()}"


@dataclass(frozen=True)
class SettleOutcome:
    """What :func:`settle_one` did: ``created`` is False when the period was already
    settled (``settlement`` is that earlier settlement, and nothing was paid now)."""

    settlement: Settlement
    created: bool


def settle_one(
    *,
    merchant: Merchant,
    period_end: date | None = None,
    by: Any = None,
    now: datetime | None = None,
) -> SettleOutcome:
    """Settle one merchant for the period (default: the last complete month).

    The same settlement ``settle_all`` makes for this merchant: the key is
    :func:`settlement_key`, the journal entry the same ``settlement`` event. ``by`` is a
    user with ``custody.add_settlement`` (the notary), or None for the scheduled job. A
    closed merchant is refused (``settle_all`` skips it too), as is a period before one
    already settled or one not over yet.
    """
    moment = clock(now)
    end = period_end or last_month_end(local_day(moment))
    if by is not None:
        require_permission(by, "custody.add_settlement", "settle with a merchant")
    if merchant.status == Merchant.Status.CLOSED:
        raise ConflictError(
            f"{merchant.name} 已停业，不再按月结算（停业清退已处理其款项）。"
            f"{merchant.name} is closed: it is not settled monthly (its closure handled "
            "its money)",
            field="merchant",
            value=merchant.licence,
        )
    settlement = settle_merchant(
        key=settlement_key(merchant, end), merchant=merchant, period_end=end, by=by, now=moment
    )
    # A settlement made by this call carries this call's time; one found by its key or its
    # period was made earlier.
    return SettleOutcome(settlement, created=settlement.created_at == moment)


def settle_all(*, period_end: date | None = None, now: datetime | None = None) -> list[Settlement]:
    """Settle every merchant for the period (default: the last complete month)."""
    moment = clock(now)
    end = period_end or last_month_end(local_day(moment))
    done = []
    for merchant in Merchant.objects.exclude(status=Merchant.Status.CLOSED).order_by("pk"):
        if Settlement.objects.filter(merchant=merchant, period_end__gte=end).exists():
            continue
        done.append(settle_one(merchant=merchant, period_end=end, by=None, now=moment).settlement)
    return done


# --- closure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureRefundRow:
    """One consumer's line on a closure (the regulator's page)."""

    contract_id: int
    contract_number: str
    consumer: str
    claim_fen: int
    amount_fen: int


def close_merchant(
    *, key: str, merchant: Merchant, by: Any, reason: str, now: datetime | None = None
) -> Closure:
    """Close ``merchant``: freeze everything at once and refund every consumer (see above).

    Needs ``custody.add_closure`` (the regulator or the notary).
    """
    check_key(key)
    moment = clock(now)
    require_permission(by, "custody.add_closure", "close a merchant")
    text = require_reason(reason, "请说明闭店处置的理由。Give the reason for the closure")

    def work() -> Closure:
        existing = Closure.objects.filter(key=key).first()
        if existing is not None:
            if existing.merchant_id != merchant.pk:
                raise ConflictError(
                    f"幂等键 {key!r} 已用于关闭另一家商户。The key {key!r} closed another merchant",
                    field="merchant",
                    fix="请使用新的键。Use a new key.",
                )
            return existing
        locked = Merchant.objects.select_for_update(no_key=True).get(pk=merchant.pk)
        if locked.status == Merchant.Status.CLOSED:
            closure = Closure.objects.filter(merchant=locked).first()
            if closure is not None:
                raise ConflictError(
                    f"{locked.name} 已完成闭店处置（{closure}）。"
                    f"{locked.name} was already closed ({closure})",
                    field="merchant",
                    value=locked.licence,
                )
        locked.status = Merchant.Status.CLOSED
        locked.save(update_fields=["status"])
        contracts = list(
            Contract.objects.select_for_update(no_key=True)
            .filter(merchant=locked, status__in=OPEN_CONTRACT_STATUSES)
            .order_by("pk")
        )
        for contract in contracts:
            contract.merchant = locked  # no query per contract for the journal's owner
        # Every contract at once: a merchant may hold thousands (one query per step, not
        # one per contract).
        _void_awaiting_all(contracts, moment=moment, why="merchant closed")
        accounts = contract_accounts(contracts)
        numbers = confirmed_numbers(contracts)
        today = local_day(moment)
        held = [accounts[contract.pk].available_fen for contract in contracts]
        claims = [
            _claim_fen(contract, today, balance, numbers.get(contract.pk, []))
            for contract, balance in zip(contracts, held, strict=True)
        ]
        pool = sum(held)
        split = money.split_pool_fen(pool, claims)
        closure = Closure.objects.create(
            merchant=locked,
            reason=text[:4000],
            created_at=moment,
            pool_fen=pool,
            claims_fen=sum(claims),
            refunded_fen=split.paid_fen,
            shortfall_fen=split.shortfall_fen,
            released_fen=split.surplus_fen,
            contract_count=len(contracts),
            key=key,
            closed_by=by,
        )
        payable = refunds_payable()
        receivable = merchant_receivable(locked)
        bank = custody_bank()
        due_on = refund_due_on(moment, OTHER_REFUND_WORKING_DAYS)
        refunds = Refund.objects.bulk_create(
            [
                Refund(
                    contract=contract,
                    reason=Refund.Reason.CLOSURE,
                    amount_fen=part,
                    claim_fen=claim,
                    requested_at=moment,
                    due_on=due_on,
                    closure=closure,
                    key=f"{key}:refund:{contract.pk}",
                    requested_by=by,
                )
                for contract, claim, part in zip(contracts, claims, split.parts_fen, strict=True)
            ]
        )
        specs: list[TransferSpec] = []
        pooled = split.shortfall_fen > 0
        for contract, balance, part, refund in zip(
            contracts, held, split.parts_fen, refunds, strict=True
        ):
            # Enough for every claim: each contract refunds its own claim and releases the
            # rest (membership days used) to the merchant. A shortfall: every balance goes
            # into the pool first, and the pool pays the pro-rata parts.
            into_pool = balance if pooled else part
            earned = 0 if pooled else balance - part
            account = accounts[contract.pk]
            if earned > 0:
                specs.append(
                    TransferSpec(
                        key=f"{key}:earned:{contract.pk}",
                        code="release",
                        debit=account,
                        credit=receivable,
                        amount_fen=earned,
                        contract=contract,
                        merchant=locked,
                    )
                )
            if into_pool > 0:
                specs.append(
                    TransferSpec(
                        key=f"{key}:pool:{contract.pk}",
                        code="closure_pool",
                        debit=account,
                        credit=payable,
                        amount_fen=into_pool,
                        contract=contract,
                        merchant=locked,
                    )
                )
            if part > 0:
                specs.append(
                    TransferSpec(
                        key=f"{key}:payout:{contract.pk}",
                        code="refund_payout",
                        debit=payable,
                        credit=bank,
                        amount_fen=part,
                        reference=str(refund),
                        contract=contract,
                        merchant=locked,
                    )
                )
        if specs:
            create_transfers(specs, now=moment, batch=key)
        contract_ids = [contract.pk for contract in contracts]
        Dispute.objects.filter(contract__in=contract_ids, status="open").update(
            status="resolved", outcome="closure", resolved_at=moment, resolved_by=by
        )
        Contract.objects.filter(pk__in=contract_ids).update(status=Contract.Status.CLOSED)
        for contract in contracts:
            contract.status = Contract.Status.CLOSED
        closed_event = {
            "type": "merchant_closed",
            "merchant": locked.licence,
            "closure": str(closure),
            "reason": text[:500],
            "pool_fen": pool,
            "claims_fen": sum(claims),
            "refunded_fen": split.paid_fen,
            "shortfall_fen": split.shortfall_fen,
            "released_fen": split.surplus_fen,
            "contracts": len(contracts),
            "by": user_ref(by),
        }
        refund_events = [
            {
                "type": "refund",
                "contract": contract.number,
                "refund": str(refund),
                "reason": "closure",
                "amount_fen": refund.amount_fen,
                "claim_fen": refund.claim_fen,
                "closure": str(closure),
                "due_on": due_on.isoformat(),
            }
            for contract, refund in zip(contracts, refunds, strict=True)
        ]
        append_events(
            [closed_event, *refund_events],
            now=moment,
            merchant=locked,
            contracts=[None, *contracts],
        )
        return closure

    return run_atomic(work)


def closure_refunds(closure: Closure) -> list[ClosureRefundRow]:
    """Each consumer's claim and refund in a closure."""
    return [
        ClosureRefundRow(
            contract_id=refund.contract_id,
            contract_number=refund.contract.number,
            consumer=refund.contract.consumer.display_name,
            claim_fen=refund.claim_fen,
            amount_fen=refund.amount_fen,
        )
        for refund in closure.refunds.select_related("contract__consumer").order_by("contract_id")
    ]
