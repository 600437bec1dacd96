"""The ledger invariants, checked twice: by the services' own checks and by independent sums.

:func:`all_problems` returns a list of human-readable problems (empty = intact):

1. ``services.account_balances_check()`` and ``services.verify_journal_chain()``;
2. our own sums, written from the models and not from the ledger code:
   - every account's cached ``debits_*``/``credits_*`` equal the sums of its transfers
     (posted = ``posted`` + ``post`` transfers; pending = pending transfers not yet resolved);
   - Σ debits = Σ credits over all accounts, posted and pending;
   - the custody bank's balance equals the sum of every liability (consumer balances,
     merchant receivables, refunds payable, fees): the money held is all owed to someone;
   - Σ consumer balances in custody = Σ prices − Σ releases − Σ refunds, from the contract,
     check-in and refund rows (deposits − releases − refunds);
   - no consumer balance is negative, counting pending releases;
   - per contract: no more live check-ins than sessions, each release is exactly the
     cumulative-floor amount of its session, position parts add up to the price, and the
     ledger's release transfers match the check-ins one to one (one effect per key);
   - the journal's ``seq`` runs 0 … n−1 without a gap and matches the head's size.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

CHECKS_PER_RUN = 10
"""How many named invariants one :func:`all_problems` call checks (for the counts)."""

POSTED_KINDS = ("posted", "post")
LIABILITIES = ("consumer_held", "merchant_receivable", "refunds_payable", "fees")


def service_problems() -> list[str]:
    from district.custody import services

    return [f"account_balances_check: {p}" for p in services.account_balances_check()] + [
        f"verify_journal_chain: {p}" for p in services.verify_journal_chain()
    ]


def ledger_problems() -> list[str]:
    from district.custody.models import Account, Transfer

    problems: list[str] = []
    sums: dict[int, dict[str, int]] = defaultdict(
        lambda: {"debits_pending": 0, "debits_posted": 0, "credits_pending": 0, "credits_posted": 0}
    )
    resolved = set(
        Transfer.objects.filter(pending_of__isnull=False).values_list("pending_of_id", flat=True)
    )
    for pk, kind, debit, credit, amount in Transfer.objects.values_list(
        "pk", "kind", "debit_account_id", "credit_account_id", "amount_fen"
    ).iterator():
        if amount <= 0:
            problems.append(f"transfer {pk} moves {amount} fen")
        if kind in POSTED_KINDS:
            sums[debit]["debits_posted"] += amount
            sums[credit]["credits_posted"] += amount
        elif kind == "pending" and pk not in resolved:
            sums[debit]["debits_pending"] += amount
            sums[credit]["credits_pending"] += amount
    totals = {"debits_pending": 0, "debits_posted": 0, "credits_pending": 0, "credits_posted": 0}
    balances: dict[str, int] = defaultdict(int)
    for account in Account.objects.all().iterator():
        want = sums.get(account.pk, dict.fromkeys(totals, 0))
        for field, value in want.items():
            cached = getattr(account, field)
            totals[field] += cached
            if cached != value:
                problems.append(
                    f"account {account.code}: cached {field} {cached} ≠ Σ transfers {value}"
                )
        if account.kind == "custody_bank":
            balances["custody_bank"] += account.debits_posted - account.credits_posted
        else:
            balances[account.kind] += account.credits_posted - account.debits_posted
        if account.kind == "consumer_held" and account.available_fen < 0:
            problems.append(f"account {account.code}: consumer balance {account.available_fen} < 0")
    if totals["debits_posted"] != totals["credits_posted"]:
        problems.append(
            f"Σ debits posted {totals['debits_posted']} ≠ Σ credits posted "
            f"{totals['credits_posted']}"
        )
    if totals["debits_pending"] != totals["credits_pending"]:
        problems.append(
            f"Σ debits pending {totals['debits_pending']} ≠ Σ credits pending "
            f"{totals['credits_pending']}"
        )
    owed = sum(balances[kind] for kind in LIABILITIES)
    if balances["custody_bank"] != owed:
        problems.append(
            f"custody bank holds {balances['custody_bank']} fen but {owed} fen is owed "
            f"({dict(balances)})"
        )
    return problems


def business_problems() -> list[str]:
    """Contracts, check-ins and refunds against the ledger and the money rules."""
    from django.db.models import Sum

    from district.custody import money, services
    from district.custody.models import Account, CheckIn, Contract, Refund, Transfer

    problems: list[str] = []

    def total(queryset: Any, field: str = "amount_fen") -> int:
        return int(queryset.aggregate(total=Sum(field))["total"] or 0)

    prices = total(Contract.objects, "price_fen")
    transfers = Transfer.objects.all()
    deposits = total(transfers.filter(code="deposit", kind="posted"))
    from_held = transfers.filter(debit_account__kind="consumer_held", kind__in=POSTED_KINDS)
    released = total(from_held.filter(code="release"))
    refunded = total(from_held.filter(code__in=["refund", "closure_pool"]))
    confirmed = total(CheckIn.objects.filter(status="confirmed"), "release_fen")
    refund_rows = total(Refund.objects)
    payouts = total(transfers.filter(code="refund_payout", kind="posted"))
    held = sum(
        a.credits_posted - a.debits_posted for a in Account.objects.filter(kind="consumer_held")
    )
    if deposits != prices:
        problems.append(f"Σ deposits {deposits} ≠ Σ contract prices {prices}")
    if held != deposits - released - refunded:
        problems.append(
            f"Σ consumer balances {held} ≠ deposits {deposits} − releases {released} − refunds "
            f"{refunded} = {deposits - released - refunded}"
        )
    if confirmed > released:
        problems.append(f"confirmed check-ins release {confirmed} > {released} released")
    if payouts != refund_rows:
        problems.append(f"refunds paid out {payouts} ≠ Σ refund rows {refund_rows}")
    payable = Account.objects.filter(kind="refunds_payable")
    if any(a.credits_posted != a.debits_posted for a in payable):
        problems.append("refunds payable does not net to zero")
    live = defaultdict(list)
    for check_in in CheckIn.objects.filter(status__in=["confirmed", "awaiting"]).values(
        "contract_id", "number", "release_fen", "status", "transfer_id"
    ):
        live[check_in["contract_id"]].append(check_in)
    release_transfers: dict[int, int] = defaultdict(int)
    for contract_id in Transfer.objects.filter(
        kind__in=["posted", "pending"],
        debit_account__kind="consumer_held",
        credit_account__kind="merchant_receivable",
    ).values_list("contract_id", flat=True):
        release_transfers[contract_id] += 1
    released_or_pending = CheckIn.objects.exclude(transfer__isnull=True).values_list(
        "contract_id", flat=True
    )
    transfers_by_check_ins: dict[int, int] = defaultdict(int)
    for contract_id in released_or_pending:
        transfers_by_check_ins[contract_id] += 1
    for contract in Contract.objects.all().iterator():
        rows = live.get(contract.pk, [])
        if contract.sessions is not None:
            if len(rows) > contract.sessions:
                problems.append(
                    f"contract {contract.pk}: {len(rows)} live check-ins > {contract.sessions} "
                    f"sessions"
                )
            for row in rows:
                want = money.unit_release_fen(contract.price_fen, contract.sessions, row["number"])
                if row["release_fen"] != want:
                    problems.append(
                        f"contract {contract.pk} session {row['number']}: release "
                        f"{row['release_fen']} ≠ {want}"
                    )
        position = services.contract_position(contract)
        # The pending releases are part of the remaining balance, reserved.
        parts = position.released_fen + position.refunded_fen + position.remaining_fen
        if parts != contract.price_fen or position.pending_fen > position.remaining_fen:
            problems.append(
                f"contract {contract.pk}: parts {position} ≠ price {contract.price_fen}"
            )
        if min(position.released_fen, position.pending_fen, position.refunded_fen) < 0:
            problems.append(f"contract {contract.pk}: negative part {position}")
        if release_transfers.get(contract.pk, 0) != transfers_by_check_ins.get(contract.pk, 0):
            problems.append(
                f"contract {contract.pk}: {release_transfers.get(contract.pk, 0)} release "
                f"transfers for {transfers_by_check_ins.get(contract.pk, 0)} check-ins"
            )
    return problems


def journal_problems() -> list[str]:
    from django.db.models import Count, Max, Min

    from district.custody.models import JournalHead, JournalRecord

    facts = JournalRecord.objects.aggregate(n=Count("id"), lo=Min("seq"), hi=Max("seq"))
    head = JournalHead.objects.filter(pk=1).first()
    size = head.size if head else 0
    problems = []
    if facts["n"] != size:
        problems.append(f"journal: {facts['n']} records, head says {size}")
    if facts["n"] and (facts["lo"] != 0 or facts["hi"] != facts["n"] - 1):
        problems.append(f"journal: seq runs {facts['lo']}…{facts['hi']} over {facts['n']} records")
    return problems


def all_problems() -> list[str]:
    return service_problems() + ledger_problems() + business_problems() + journal_problems()


def totals() -> dict[str, int]:
    from django.db.models import Sum

    from district.custody.models import Account, CheckIn, Contract, JournalRecord, Refund, Transfer

    def total(queryset: Any, field: str) -> int:
        return int(queryset.aggregate(total=Sum(field))["total"] or 0)

    return {
        "contracts": Contract.objects.count(),
        "deposits_fen": total(Contract.objects, "price_fen"),
        "released_fen": total(CheckIn.objects.filter(status="confirmed"), "release_fen"),
        "refunded_fen": total(Refund.objects, "amount_fen"),
        "held_fen": sum(
            a.credits_posted - a.debits_posted for a in Account.objects.filter(kind="consumer_held")
        ),
        "transfers": Transfer.objects.count(),
        "journal_entries": JournalRecord.objects.count(),
    }


def effect_counts() -> dict[str, int]:
    """Counts and sums that a retried key must not change."""
    from district.custody.models import CheckIn, Dispute, Refund, Settlement

    counts = totals()
    counts.update(
        {
            "check_ins": CheckIn.objects.count(),
            "refunds": Refund.objects.count(),
            "disputes": Dispute.objects.count(),
            "settlements": Settlement.objects.count(),
        }
    )
    return counts


def _model_for(op: str) -> Any:
    from district.custody import models

    return {
        "sign": models.Contract,
        "checkin": models.CheckIn,
        "checkin_consumer": models.CheckIn,
        "checkin_staff": models.CheckIn,
        "refund": models.Refund,
        "cooling_off": models.Refund,
        "open_dispute": models.Dispute,
        "settle": models.Settlement,
        "close": models.Closure,
    }[op]


def acknowledged_problems(acked: dict[str, list[Any]]) -> list[str]:
    """Every acknowledged key is one object, the one the service returned."""
    problems = []
    for key, (op, pk) in acked.items():
        op = op.removeprefix("replay_")
        model = _model_for(op)
        if op == "settle":
            # A second key for a settled period returns that period's settlement.
            if not model.objects.filter(pk=pk).exists():
                problems.append(f"acknowledged settlement {key} → {pk} is missing")
            continue
        rows = list(model.objects.filter(key=key).values_list("pk", flat=True))
        if rows != [pk]:
            problems.append(f"acknowledged {op} {key} → {pk}: found {rows}")
    return problems


def acked_crash_problems(acks: dict[str, tuple[str, str]]) -> list[str]:
    """After a kill -9: each key acknowledged "ok" is present exactly once."""
    problems = []
    for key, (outcome, _pk) in acks.items():
        if outcome != "ok":
            continue
        op = key.rsplit("-", 1)[1]
        op = {"ci": "checkin", "ref": "refund"}.get(op, op)
        count = _model_for(op).objects.filter(key=key).count()
        if count != 1:
            problems.append(f"acknowledged {key} is present {count} times after the crash")
    return problems
