"""Reads for the screens and for other apps: positions, overviews, receipts, invariants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from district.custody import journal, ledger
from district.custody.models import (
    OPEN_CONTRACT_STATUSES,
    Account,
    CheckIn,
    Closure,
    Consumer,
    Contract,
    JournalRecord,
    Merchant,
    RiskWarning,
    Settlement,
    Transfer,
)

from .oversight import merchant_balance_fen


def consumer_contracts(consumer: Consumer) -> QuerySet[Contract]:
    """The consumer's contracts, newest first (use :func:`contract_position` for money)."""
    return (
        Contract.objects.filter(consumer=consumer)
        .select_related("merchant")
        .order_by("-signed_at", "-id")
    )


def _sum(queryset: Any, name: str = "amount_fen") -> int:
    return int(queryset.aggregate(total=Sum(name))["total"] or 0)


@dataclass(frozen=True)
class MerchantOverview:
    """What a merchant sees: sales, money in custody, releases, settlements."""

    merchant: Merchant
    contract_count: int
    open_contract_count: int
    sold_fen: int
    held_fen: int
    pending_fen: int
    released_fen: int
    receivable_fen: int
    settled_fen: int
    awaiting_check_ins: list[CheckIn] = field(default_factory=list)
    recent_contracts: list[Contract] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)


def merchant_overview(merchant: Merchant) -> MerchantOverview:
    contracts = merchant.contracts.all()
    receivable = ledger.merchant_receivable(merchant)
    held_accounts = Account.objects.filter(
        kind=Account.Kind.CONSUMER_HELD, contract__merchant=merchant
    )
    return MerchantOverview(
        merchant=merchant,
        contract_count=contracts.count(),
        open_contract_count=contracts.filter(status__in=OPEN_CONTRACT_STATUSES).count(),
        sold_fen=_sum(contracts, "price_fen"),
        held_fen=merchant_balance_fen(merchant),
        pending_fen=_sum(held_accounts, "debits_pending"),
        released_fen=receivable.credits_posted,
        receivable_fen=receivable.credit_balance_fen,
        settled_fen=_sum(Settlement.objects.filter(merchant=merchant)),
        awaiting_check_ins=list(
            CheckIn.objects.filter(contract__merchant=merchant, status=CheckIn.Status.AWAITING)
            .select_related("contract__consumer")
            .order_by("confirm_by")[:100]
        ),
        recent_contracts=list(contracts.select_related("consumer").order_by("-signed_at")[:50]),
        settlements=list(Settlement.objects.filter(merchant=merchant).order_by("-period_end")[:24]),
    )


@dataclass(frozen=True)
class MerchantBalance:
    merchant: Merchant
    sector: str
    held_fen: int
    receivable_fen: int
    open_contracts: int
    open_warnings: int


@dataclass(frozen=True)
class SectorBalance:
    sector: str
    merchants: int
    held_fen: int
    open_contracts: int


@dataclass(frozen=True)
class RegulatorOverview:
    """Balances by merchant and sector, open warnings and closures."""

    merchants: list[MerchantBalance]
    sectors: list[SectorBalance]
    total_held_fen: int
    open_warnings: int
    closures: list[Closure]


def merchant_balances() -> list[MerchantBalance]:
    """Every merchant's money in custody (its consumers' balances) and released to it but
    not yet settled, by sector and name (the regulator's and the notary's lists)."""
    held: dict[int, int] = {}
    for merchant_id, credits, debits in (
        Account.objects.filter(kind=Account.Kind.CONSUMER_HELD)
        .values("contract__merchant")
        .annotate(c=Sum("credits_posted"), d=Sum("debits_posted"))
        .values_list("contract__merchant", "c", "d")
    ):
        held[int(merchant_id)] = int(credits or 0) - int(debits or 0)
    receivable = {
        int(merchant_id): int(credits) - int(debits)
        for merchant_id, credits, debits in Account.objects.filter(
            kind=Account.Kind.MERCHANT_RECEIVABLE
        ).values_list("merchant", "credits_posted", "debits_posted")
    }
    merchants = Merchant.objects.annotate(
        open_contracts=Count(
            "contracts",
            filter=Q(contracts__status__in=OPEN_CONTRACT_STATUSES),
            distinct=True,
        ),
        open_warnings=Count(
            "warnings", filter=Q(warnings__status=RiskWarning.Status.OPEN), distinct=True
        ),
    ).order_by("sector", "name")
    return [
        MerchantBalance(
            m,
            m.sector,
            held.get(m.pk, 0),
            receivable.get(m.pk, 0),
            int(getattr(m, "open_contracts", 0)),
            int(getattr(m, "open_warnings", 0)),
        )
        for m in merchants
    ]


def regulator_overview() -> RegulatorOverview:
    rows = merchant_balances()
    sectors = []
    for sector in Merchant.Sector.values:
        of_sector = [row for row in rows if row.sector == sector]
        sectors.append(
            SectorBalance(
                sector,
                len(of_sector),
                sum(r.held_fen for r in of_sector),
                sum(r.open_contracts for r in of_sector),
            )
        )
    return RegulatorOverview(
        merchants=rows,
        sectors=sectors,
        total_held_fen=sum(row.held_fen for row in rows),
        open_warnings=RiskWarning.objects.filter(status=RiskWarning.Status.OPEN).count(),
        closures=list(Closure.objects.select_related("merchant").order_by("-created_at")),
    )


RECEIPT_EVENTS = ("contract_signed", "deposit", "check_in", "release", "refund")


def receipts_for(contract: Contract) -> list[journal.Receipt]:
    """Inclusion receipts for the contract's deposit, releases and refunds (signs a tree
    head covering them if the latest does not)."""
    records = list(
        JournalRecord.objects.filter(contract=contract, event_type__in=RECEIPT_EVENTS).order_by(
            "seq"
        )
    )
    return ledger.receipts_for_records(records)


def latest_tree_head() -> journal.SignedTreeHead | None:
    return ledger.latest_tree_head()


def sign_tree_head(*, now: datetime | None = None) -> journal.SignedTreeHead:
    """Sign the journal's current size (the hourly job and the export call this)."""
    return ledger.sign_tree_head(now=now)


def consistency_proof(*, old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 proof that the journal of ``new_size`` entries extends that of ``old_size``
    (for the notary and the bureau comparing two signed tree heads)."""
    return ledger.consistency_proof(old_size, new_size)


def export_journal(*, out: str | Path, overwrite: bool = False) -> journal.ExportSummary:
    """Write the journal, the signed tree heads and the public key to the folder ``out``."""
    return ledger.export(out, overwrite=overwrite)


def verify_journal_chain() -> list[str]:
    """Problems with the stored journal (empty = intact)."""
    return ledger.chain_problems()


def account_balances_check() -> list[str]:
    """Problems with the ledger (empty = intact):

    each account's cached totals equal the sums of its transfers; Σ debits = Σ credits over
    all accounts; the custody bank holds exactly what the liabilities add up to; for the
    consumers' accounts, deposits − releases − refunds = balance.
    """
    problems: list[str] = []
    sums: dict[tuple[int, str, str], int] = {}
    for account_id, kind, total in (
        Transfer.objects.values_list("debit_account", "kind")
        .annotate(s=Sum("amount_fen"))
        .values_list("debit_account", "kind", "s")
    ):
        sums[(int(account_id), "debit", kind)] = int(total or 0)
    for account_id, kind, total in (
        Transfer.objects.values_list("credit_account", "kind")
        .annotate(s=Sum("amount_fen"))
        .values_list("credit_account", "kind", "s")
    ):
        sums[(int(account_id), "credit", kind)] = int(total or 0)
    # Pending still open: pending transfers without a resolution.
    open_pending: dict[tuple[int, str], int] = {}
    for debit_id, credit_id, amount in Transfer.objects.filter(
        kind="pending", resolution__isnull=True
    ).values_list("debit_account", "credit_account", "amount_fen"):
        open_pending[(int(debit_id), "debit")] = open_pending.get(
            (int(debit_id), "debit"), 0
        ) + int(amount)
        open_pending[(int(credit_id), "credit")] = open_pending.get(
            (int(credit_id), "credit"), 0
        ) + int(amount)
    total_debits = total_credits = 0
    liabilities = 0
    bank_balance = 0
    for account in Account.objects.order_by("pk"):
        for side in ("debit", "credit"):
            posted = sums.get((account.pk, side, "posted"), 0) + sums.get(
                (account.pk, side, "post"), 0
            )
            pending = open_pending.get((account.pk, side), 0)
            cached_posted = account.debits_posted if side == "debit" else account.credits_posted
            cached_pending = account.debits_pending if side == "debit" else account.credits_pending
            if posted != cached_posted:
                problems.append(
                    f"{account.code}: {side}s_posted is {cached_posted}, its transfers sum "
                    f"to {posted}"
                )
            if pending != cached_pending:
                problems.append(
                    f"{account.code}: {side}s_pending is {cached_pending}, open pending "
                    f"transfers sum to {pending}"
                )
        total_debits += account.debits_posted
        total_credits += account.credits_posted
        if account.kind == Account.Kind.CUSTODY_BANK:
            bank_balance += account.debits_posted - account.credits_posted
        else:
            liabilities += account.credits_posted - account.debits_posted
        if (
            account.debits_must_not_exceed_credits
            and account.debits_posted + account.debits_pending > account.credits_posted
        ):
            problems.append(f"{account.code}: debits exceed credits")
        if (
            account.credits_must_not_exceed_debits
            and account.credits_posted + account.credits_pending > account.debits_posted
        ):
            problems.append(f"{account.code}: credits exceed debits")
    if total_debits != total_credits:
        problems.append(
            f"posted debits ({total_debits} fen) ≠ posted credits ({total_credits} fen)"
        )
    if bank_balance != liabilities:
        problems.append(
            f"the custody bank holds {bank_balance} fen; the accounts it backs add up to "
            f"{liabilities} fen"
        )
    moved = Transfer.objects.filter(kind__in=["posted", "post"])
    held = Account.objects.filter(kind=Account.Kind.CONSUMER_HELD)
    deposits = _sum(moved.filter(code="deposit"))
    out = _sum(moved.filter(debit_account__kind=Account.Kind.CONSUMER_HELD))
    balance = _sum(held, "credits_posted") - _sum(held, "debits_posted")
    if deposits - out != balance:
        problems.append(
            f"deposits ({deposits}) − releases and refunds ({out}) ≠ consumers' balances "
            f"({balance}) fen"
        )
    return problems


def custody_summary() -> dict[str, Any]:
    """Figures for the indicators and the public page (aggregates only).

    ``balance_fen``: money in the custody bank account now; ``held_fen``: of which the
    consumers' unconsumed balances; ``coverage_rate``: percent of the consumers' prepaid
    balances held in custody (every contract on the platform is deposited in full, so 100
    whenever there is any, None when nothing was sold).
    """
    bank = Account.objects.filter(kind=Account.Kind.CUSTODY_BANK).first()
    balance = bank.debits_posted - bank.credits_posted if bank else 0
    held = Account.objects.filter(kind=Account.Kind.CONSUMER_HELD)
    held_fen = _sum(held, "credits_posted") - _sum(held, "debits_posted")
    contracts = Contract.objects.count()
    deposited = _sum(Transfer.objects.filter(code="deposit", kind="posted"))
    sold = _sum(Contract.objects.all(), "price_fen")
    coverage = None if sold == 0 else round(100 * deposited / sold, 1)
    return {
        "balance_fen": balance,
        "held_fen": held_fen,
        "coverage_rate": coverage,
        "merchants": Merchant.objects.exclude(status=Merchant.Status.CLOSED).count(),
        "contracts": contracts,
        "open_contracts": Contract.objects.filter(status__in=OPEN_CONTRACT_STATUSES).count(),
        "journal_entries": ledger.journal_size(),
    }
