"""The custody demo loads, tells the story the screens need, and loads twice without change."""

from __future__ import annotations

import pytest
from django.conf import settings

from district.accounts.models import User
from district.custody import services
from district.custody.demo import load_demo
from district.custody.models import (
    BankStatement,
    CheckIn,
    Closure,
    Contract,
    JournalRecord,
    Merchant,
    Refund,
    RiskWarning,
    Settlement,
    Transfer,
)

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Merchant,
            Contract,
            CheckIn,
            Refund,
            Settlement,
            Closure,
            Transfer,
            JournalRecord,
            RiskWarning,
            BankStatement,
        )
    }


def test_demo_is_labelled_complete_and_idempotent() -> None:
    lines: list[str] = []
    load_demo(data_dir=settings.DEMO_DATA_DIR, log=lines.append)
    first = _counts()
    load_demo(data_dir=settings.DEMO_DATA_DIR, log=lines.append)
    assert _counts() == first

    merchants = list(Merchant.objects.all())
    assert len(merchants) == 4
    assert all(
        m.is_demo and m.name.endswith("（演示）") and m.licence.startswith("DEMO")
        for m in merchants
    )
    resident = services.consumer_for(User.objects.get(username="resident"))
    contracts = list(services.consumer_contracts(resident))
    assert {c.status for c in contracts} >= {"active", "held"}
    pack = next(c for c in contracts if c.product_type == "class_pack")
    assert pack.check_ins.filter(status="awaiting", recorded_by="merchant").exists()
    assert pack.merchant.staff.filter(username="merchant").exists()
    assert services.receipts_for(pack)
    assert Refund.objects.filter(reason="cooling_off").count() == 1
    closure = Closure.objects.get()
    rows = services.closure_refunds(closure)
    assert sum(r.amount_fen for r in rows) == closure.refunded_fen == closure.claims_fen
    assert Settlement.objects.exists()
    assert RiskWarning.objects.filter(kind="sales_burst").exists()
    report = services.reconciliation_report(BankStatement.objects.get())
    assert report.ok, report.differences
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []
    summary = services.custody_summary()
    assert summary["coverage_rate"] == 100.0
    assert "custody:" in lines[0]
