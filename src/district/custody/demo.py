"""Demo custody data: made-up merchants, clearly labelled, with a few months of activity.

Every merchant is ``is_demo=True``, its name ends in "（演示）" and its licence starts with
``DEMO`` (never a real unified social credit code). Consumers are demo users
``demo-consumer-1`` … ``demo-consumer-6`` (password ``district-demo``) beside the accounts
app's ``resident``; the accounts app's ``merchant`` user is staff of 长宁力健健身（演示）.

What it shows: contracts of each product type, check-ins by consumers and by the merchant
(one awaiting the resident's confirmation), a cooling-off refund, a contract still inside
its cooling-off period, a monthly settlement, a closure with every consumer refunded, a
burst of sales that the risk scan reports, and a reconciled bank statement.

Idempotent: every write uses a fixed key, so running ``district demo`` again adds nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from district.accounts import services as accounts
from district.accounts.demo import DEMO_PASSWORD
from district.accounts.models import User
from district.custody import money, services
from district.custody.ledger import custody_bank
from district.custody.models import (
    BankStatement,
    CheckIn,
    Closure,
    Contract,
    Merchant,
    Refund,
    Settlement,
    Transfer,
)
from district.custody.services.settlement import last_month_end

MERCHANTS = [
    # licence, name, sector, address, registered, last year's revenue (fen)
    (
        "DEMO31010500000001",
        "长宁力健健身（演示）",
        "fitness",
        "长宁区天山路 (demo)",
        date(2019, 4, 1),
        680_000_000,
    ),
    (
        "DEMO31010500000002",
        "虹桥启明培训学校（演示）",
        "training",
        "长宁区虹桥路 (demo)",
        date(2021, 9, 1),
        240_000_000,
    ),
    (
        "DEMO31010500000003",
        "天山游泳健身会所（演示）",
        "fitness",
        "长宁区遵义路 (demo)",
        date(2018, 2, 1),
        410_000_000,
    ),
    (
        "DEMO31010500000004",
        "中山公园瑜伽馆（演示）",
        "fitness",
        "长宁区长宁路 (demo)",
        date(2026, 1, 5),
        None,
    ),
]
CONSUMERS = [f"demo-consumer-{n}" for n in range(1, 7)]


def _user(username: str, display_name: str) -> User:
    return accounts.ensure_user(
        username=username,
        roles=["resident"],
        display_name=display_name,
        password=DEMO_PASSWORD,
        is_demo=True,
    )


def _sign(key: str, merchant: Merchant, user: User, now: datetime, **terms: Any) -> Contract:
    existing = Contract.objects.filter(key=key).first()
    if existing is not None:
        return existing
    return services.sign_contract(
        key=key,
        merchant=merchant,
        consumer=services.consumer_for(user),
        starts_on=now.date(),
        by=user,
        now=now,
        **terms,
    )


def _check_in(key: str, contract: Contract, user: User, now: datetime) -> CheckIn:
    existing = CheckIn.objects.filter(key=key).first()
    if existing is not None:
        return existing
    return services.record_check_in(key=key, contract=contract, by=user, now=now)


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    now = timezone.now()
    notary = User.objects.get(username="notary")
    regulator = User.objects.get(username="regulator")
    resident = User.objects.get(username="resident")
    staff = User.objects.get(username="merchant")
    people = [_user(name, f"消费者 {chr(65 + n)} (demo)") for n, name in enumerate(CONSUMERS)]

    merchants = []
    for licence, name, sector, address, registered_on, revenue in MERCHANTS:
        merchant = Merchant.objects.filter(licence=licence).first() or services.register_merchant(
            name=name,
            licence=licence,
            sector=sector,
            address=address,
            registered_on=registered_on,
            last_year_revenue_fen=revenue,
            is_demo=True,
            by=notary,
        )
        merchants.append(merchant)
    gym, school, pool, yoga = merchants
    if not gym.staff.filter(pk=staff.pk).exists():
        services.add_merchant_staff(merchant=gym, user=staff, by=notary)
    day = timedelta(days=1)

    # The resident: an active class pack with an awaiting merchant check-in, and a membership
    # signed an hour ago (inside its cooling-off period).
    pack = _sign(
        "demo:resident:pack",
        gym,
        resident,
        now - 60 * day,
        product_type="class_pack",
        price_fen=360_000,
        sessions=20,
    )
    for n, days_ago in enumerate((50, 45, 38, 20), start=1):
        _check_in(f"demo:resident:pack:{n}", pack, resident, now - days_ago * day)
    _check_in("demo:resident:pack:merchant", pack, staff, now - 2 * 3600 * timedelta(seconds=1))
    _sign(
        "demo:resident:membership",
        gym,
        resident,
        now - timedelta(hours=1),
        product_type="membership",
        price_fen=298_000,
        term_months=12,
    )

    # A cooling-off refund: signed three days ago, refunded the next day.
    cooled = _sign(
        "demo:c1:pack",
        gym,
        people[0],
        now - 3 * day,
        product_type="class_pack",
        price_fen=120_000,
        sessions=10,
    )
    if not Refund.objects.filter(key="demo:c1:cooling-off").exists():
        services.request_cooling_off_refund(
            key="demo:c1:cooling-off", contract=cooled, by=people[0], now=now - 2 * day
        )

    # Training: 48 class hours over three months, some used.
    lessons = _sign(
        "demo:c2:lessons",
        school,
        people[1],
        now - 40 * day,
        product_type="class_pack",
        price_fen=480_000,
        sessions=48,
        term_months=3,
        training_kind="non_subject",
    )
    for n in range(1, 9):
        _check_in(f"demo:c2:lessons:{n}", lessons, people[1], now - (40 - 4 * n) * day)

    # The swimming club: several consumers, then closure with every balance refunded.
    members = []
    for n, person in enumerate(people[2:5], start=3):
        members.append(
            _sign(
                f"demo:c{n}:swim",
                pool,
                person,
                now - 70 * day,
                product_type="class_pack",
                price_fen=200_000 + 333 * n,
                sessions=30,
            )
        )
        _sign(
            f"demo:c{n}:swim-card",
            pool,
            person,
            now - 65 * day,
            product_type="stored_value",
            price_fen=50_000 * (n - 2),
        )
    for n, contract in enumerate(members, start=3):
        for s in range(1, n + 2):
            _check_in(f"demo:c{n}:swim:{s}", contract, people[n - 1], now - (60 - 3 * s) * day)

    # Monthly settlement of the gym and the school for the last complete month.
    period_end = last_month_end(now.date())
    for merchant in (gym, school, pool):
        if not Settlement.objects.filter(merchant=merchant, period_end=period_end).exists():
            services.settle_merchant(
                key=f"demo:settle:{merchant.licence}:{period_end.isoformat()}",
                merchant=merchant,
                period_end=period_end,
                by=notary,
            )

    if not Closure.objects.filter(merchant=pool).exists():
        services.close_merchant(
            key="demo:close:pool",
            merchant=pool,
            by=regulator,
            now=now - 5 * day,
            reason="经营者停业且未提前三十日公告 (demo)",
        )

    # A burst of sales at the young yoga studio: the risk scan reports it.
    for n, person in enumerate(people):
        _sign(
            f"demo:c{n + 1}:yoga",
            yoga,
            person,
            now - timedelta(hours=6 * n + 3),
            product_type="membership",
            price_fen=480_000,
            term_months=12,
        )
    services.scan_risks()

    _bank_statement(notary)
    services.sign_tree_head()
    summary = services.custody_summary()
    log(
        f"custody: {len(MERCHANTS)} demo merchants ({summary['merchants']} open), "
        f"{summary['contracts']} contracts, "
        f"RMB {money.format_yuan(summary['balance_fen'])} in custody, "
        f"{summary['journal_entries']} journal entries; demo consumers "
        f"{', '.join(CONSUMERS)} (password {DEMO_PASSWORD!r})"
    )


def _bank_statement(notary: User) -> None:
    """The custody bank's statement of the demo's deposits and payouts (all matched)."""
    if BankStatement.objects.filter(file_name="demo-custody-statement.csv").exists():
        return
    bank = custody_bank()
    rows = ["date,amount,reference,counterparty,balance"]
    balance = 0
    movements = Transfer.objects.filter(
        Q(debit_account=bank) | Q(credit_account=bank), key__startswith="demo:", kind="posted"
    ).order_by("created_at", "pk")
    for transfer in movements:
        signed = (
            transfer.amount_fen if transfer.debit_account_id == bank.pk else -transfer.amount_fen
        )
        balance += signed
        day = transfer.created_at.astimezone(money.SHANGHAI).date().isoformat()
        rows.append(
            f"{day},{'-' if signed < 0 else ''}{money.format_yuan(abs(signed)).replace(',', '')},"
            f"{transfer.reference},,{money.format_yuan(balance).replace(',', '')}"
        )
    if len(rows) == 1:
        return
    data = ("\n".join(rows) + "\n").encode("utf-8")
    services.import_bank_statement(
        path_or_file=io.BytesIO(data), by=notary, name="demo-custody-statement.csv"
    )
