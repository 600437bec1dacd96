"""Custody services: signing, check-ins, refunds, disputes, settlement, closure, risks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from district.core.errors import ConflictError, InputError, PermissionDeniedError
from district.custody import services
from district.custody.models import (
    CheckIn,
    Contract,
    JournalRecord,
    Merchant,
    Refund,
    Settlement,
)

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_sign_contract_deposits_the_price_and_journals_it(
    core_cast: dict[str, Any], pack: Any
) -> None:
    position = services.contract_position(pack)
    assert (position.price_fen, position.remaining_fen, position.released_fen) == (
        100_001,
        100_001,
        0,
    )
    assert pack.status == Contract.Status.HELD
    assert pack.rule_set
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []
    assert services.custody_summary()["balance_fen"] == 100_001


def test_check_ins_release_to_the_fen(core_cast: dict[str, Any], pack: Any) -> None:
    for n in range(10):
        services.record_check_in(
            key=f"ci-{n}", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=n + 1)
        )
    position = services.contract_position(Contract.objects.get(pk=pack.pk))
    assert position.released_fen == 100_001
    assert position.remaining_fen == 0
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.COMPLETED
    with pytest.raises(ConflictError):
        services.record_check_in(
            key="ci-11", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=12)
        )
    assert services.account_balances_check() == []


def test_same_key_different_arguments_names_the_field(core_cast: dict[str, Any], pack: Any) -> None:
    with pytest.raises(ConflictError) as caught:
        services.sign_contract(
            key="pack-1",
            merchant=core_cast["gym"],
            consumer=core_cast["alice_c"],
            product_type="class_pack",
            price_fen=100_002,
            sessions=10,
            starts_on=T0.date(),
            by=core_cast["alice"],
            now=T0,
        )
    assert caught.value.field == "price_fen"
    same = services.sign_contract(
        key="pack-1",
        merchant=core_cast["gym"],
        consumer=core_cast["alice_c"],
        product_type="class_pack",
        price_fen=100_001,
        sessions=10,
        starts_on=T0.date(),
        by=core_cast["alice"],
        now=T0,
    )
    assert same.pk == pack.pk
    assert services.custody_summary()["balance_fen"] == 100_001


def test_a_contract_over_the_limit_is_refused_citing_the_rule(core_cast: dict[str, Any]) -> None:
    with pytest.raises(services.ContractRefusedError) as caught:
        services.sign_contract(
            key="too-big",
            merchant=core_cast["gym"],
            consumer=core_cast["alice_c"],
            product_type="membership",
            price_fen=500_001,
            term_months=12,
            starts_on=T0.date(),
            by=core_cast["alice"],
            now=T0,
        )
    error = caught.value
    assert error.field == "price_fen"
    assert "沪体规文〔2025〕1号" in error.violations[0].document
    assert any("5,000" in m or "5000" in m for m in error.errors["price_fen"])
    assert not Contract.objects.filter(key="too-big").exists()


def test_per_consumer_limit_counts_open_contracts(core_cast: dict[str, Any]) -> None:
    for n in range(4):
        services.sign_contract(
            key=f"sv-{n}",
            merchant=core_cast["gym"],
            consumer=core_cast["bob_c"],
            product_type="stored_value",
            price_fen=500_000,
            starts_on=T0.date(),
            by=core_cast["bob"],
            now=T0,
        )
    with pytest.raises(services.ContractRefusedError):
        services.sign_contract(
            key="sv-5",
            merchant=core_cast["gym"],
            consumer=core_cast["bob_c"],
            product_type="stored_value",
            price_fen=100,
            starts_on=T0.date(),
            by=core_cast["bob"],
            now=T0,
        )


def test_only_the_consumer_or_staff_may_sign(core_cast: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.sign_contract(
            key="x",
            merchant=core_cast["gym"],
            consumer=core_cast["alice_c"],
            product_type="class_pack",
            price_fen=1000,
            sessions=1,
            starts_on=T0.date(),
            by=core_cast["outsider"],
            now=T0,
        )


def test_cooling_off_refund_in_full_when_unused(core_cast: dict[str, Any], pack: Any) -> None:
    refund = services.request_cooling_off_refund(
        key="r1", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=3)
    )
    assert (refund.amount_fen, refund.reason) == (100_001, Refund.Reason.COOLING_OFF)
    assert refund.due_on > (T0 + timedelta(days=3)).date()
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.REFUNDED
    assert services.contract_position(pack).remaining_fen == 0
    assert services.custody_summary()["balance_fen"] == 0
    again = services.request_cooling_off_refund(
        key="r1", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=4)
    )
    assert again.pk == refund.pk
    assert services.account_balances_check() == []


def test_cooling_off_refused_after_activation_or_the_window(
    core_cast: dict[str, Any], pack: Any
) -> None:
    late = services.sign_contract(
        key="pack-2",
        merchant=core_cast["gym"],
        consumer=core_cast["alice_c"],
        product_type="class_pack",
        price_fen=50_000,
        sessions=5,
        starts_on=T0.date(),
        by=core_cast["alice"],
        now=T0,
    )
    with pytest.raises(InputError, match="cooling-off period ended"):
        services.request_cooling_off_refund(
            key="r2", contract=late, by=core_cast["alice"], now=T0 + timedelta(days=9)
        )
    services.record_check_in(
        key="c1", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=1)
    )
    with pytest.raises(ConflictError, match="active"):
        services.request_cooling_off_refund(
            key="r3", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=1)
        )


def test_merchant_check_in_waits_then_confirms(core_cast: dict[str, Any], pack: Any) -> None:
    check_in = services.record_check_in(
        key="m1", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=1)
    )
    assert check_in.status == CheckIn.Status.AWAITING
    position = services.contract_position(pack)
    assert (position.pending_fen, position.released_fen) == (10_000, 0)
    with pytest.raises(PermissionDeniedError):
        services.confirm_check_in(check_in=check_in, by=core_cast["gymstaff"])
    services.confirm_check_in(check_in=check_in, by=core_cast["alice"], now=T0 + timedelta(hours=2))
    position = services.contract_position(pack)
    assert (position.pending_fen, position.released_fen) == (0, 10_000)


def test_disputed_check_in_voids_and_the_session_is_used_again(
    core_cast: dict[str, Any], pack: Any
) -> None:
    first = services.record_check_in(
        key="a", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=1)
    )
    second = services.record_check_in(
        key="b", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=2)
    )
    third = services.record_check_in(
        key="c", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=3)
    )
    assert [first.number, second.number, third.number] == [1, 2, 3]
    services.dispute_check_in(
        check_in=second, by=core_cast["alice"], reason="没有上课", now=T0 + timedelta(hours=4)
    )
    fourth = services.record_check_in(
        key="d", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=5)
    )
    assert fourth.number == 2
    position = services.contract_position(pack)
    assert position.released_fen == sum(c.release_fen for c in (first, third, fourth))
    assert position.pending_fen == 0
    # No gap left: the next session follows the highest.
    fifth = services.record_check_in(
        key="e", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=6)
    )
    assert fifth.number == 4
    # A gap at the top is used again too.
    services.dispute_check_in(
        check_in=fifth, by=core_cast["alice"], reason="没有上课", now=T0 + timedelta(hours=7)
    )
    sixth = services.record_check_in(
        key="f", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=8)
    )
    assert sixth.number == 4


def test_a_disputed_first_session_is_used_again(core_cast: dict[str, Any], pack: Any) -> None:
    alice, staff = core_cast["alice"], core_cast["gymstaff"]
    first = services.record_check_in(key="g1", contract=pack, by=staff, now=T0)
    services.record_check_in(key="g2", contract=pack, by=alice, now=T0 + timedelta(hours=1))
    services.dispute_check_in(
        check_in=first, by=alice, reason="没有上课", now=T0 + timedelta(hours=2)
    )
    again = services.record_check_in(key="g3", contract=pack, by=alice, now=T0 + timedelta(hours=3))
    assert again.number == 1
    following = services.record_check_in(
        key="g4", contract=pack, by=alice, now=T0 + timedelta(hours=4)
    )
    assert following.number == 3


def test_due_check_ins_confirm_themselves(core_cast: dict[str, Any], pack: Any) -> None:
    services.record_check_in(key="m1", contract=pack, by=core_cast["gymstaff"], now=T0)
    assert services.confirm_due_check_ins(now=T0 + timedelta(hours=71)) == 0
    assert services.confirm_due_check_ins(now=T0 + timedelta(hours=72)) == 1
    assert services.contract_position(pack).released_fen == 10_000


def test_dispute_freezes_then_refunds_the_rest(core_cast: dict[str, Any], pack: Any) -> None:
    services.record_check_in(
        key="a", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=1)
    )
    waiting = services.record_check_in(
        key="b", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=2)
    )
    dispute = services.open_dispute(
        key="d1",
        contract=pack,
        by=core_cast["alice"],
        reason="门店装修停课",
        now=T0 + timedelta(days=1),
    )
    assert services.contract_position(Contract.objects.get(pk=pack.pk)).frozen
    with pytest.raises(ConflictError, match="frozen"):
        services.record_check_in(
            key="c", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=2)
        )
    assert (
        services.confirm_due_check_ins(now=T0 + timedelta(days=10)) == 0
    )  # no release while frozen
    with pytest.raises(PermissionDeniedError):
        services.resolve_dispute(dispute=dispute, by=core_cast["alice"], outcome="refund")
    services.resolve_dispute(
        dispute=dispute, by=core_cast["notary"], outcome="refund", now=T0 + timedelta(days=3)
    )
    assert CheckIn.objects.get(pk=waiting.pk).status == CheckIn.Status.VOID
    refund = Refund.objects.get(dispute=dispute)
    assert refund.amount_fen == 100_001 - 10_000
    assert services.contract_position(pack).remaining_fen == 0
    assert services.account_balances_check() == []


def test_dispute_resume_unfreezes(core_cast: dict[str, Any], pack: Any) -> None:
    dispute = services.open_dispute(
        key="d1", contract=pack, by=core_cast["alice"], reason="x", now=T0
    )
    services.resolve_dispute(dispute=dispute, by=core_cast["regulator"], outcome="resume", now=T0)
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.HELD


def test_settlement_pays_released_money_once(
    core_cast: dict[str, Any], pack: Any, settings: Any
) -> None:
    settings.CUSTODY_FEE_PERMILLE = 6
    for n in range(3):
        services.record_check_in(
            key=f"a{n}", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=n)
        )
    late = T0 + timedelta(days=30)  # in April: not in the March period
    services.record_check_in(key="late", contract=pack, by=core_cast["alice"], now=late)
    now = T0 + timedelta(days=40)
    settlement = services.settle_merchant(
        key="s1",
        merchant=core_cast["gym"],
        period_end=T0.date().replace(day=31),
        by=core_cast["notary"],
        now=now,
    )
    released = 30_000
    assert (settlement.amount_fen, settlement.fee_fen) == (
        released - released * 6 // 1000,
        released * 6 // 1000,
    )
    again = services.settle_all(period_end=T0.date().replace(day=31), now=now)
    assert [s.merchant for s in again] == [core_cast["school"]]  # the gym is not paid twice
    assert (
        services.settle_merchant(
            key="s1",
            merchant=core_cast["gym"],
            period_end=T0.date().replace(day=31),
            by=None,
            now=now,
        ).pk
        == settlement.pk
    )
    overview = services.merchant_overview(core_cast["gym"])
    assert overview.receivable_fen == 10_000
    assert services.account_balances_check() == []
    with pytest.raises(InputError):
        services.settle_merchant(
            key="s2", merchant=core_cast["gym"], period_end=now.date(), by=None, now=now
        )


def test_settle_one_pays_one_merchant_with_the_key_settle_all_uses(
    core_cast: dict[str, Any], pack: Any
) -> None:
    for n in range(2):
        services.record_check_in(
            key=f"o{n}", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=n)
        )
    period_end = T0.date().replace(day=31)
    now = T0 + timedelta(days=40)
    with pytest.raises(PermissionDeniedError):
        services.settle_one(
            merchant=core_cast["gym"], period_end=period_end, by=core_cast["gymstaff"], now=now
        )
    first = services.settle_one(
        merchant=core_cast["gym"], period_end=period_end, by=core_cast["notary"], now=now
    )
    assert first.created and first.settlement.amount_fen == 20_000
    assert first.settlement.key == services.settlement_key(core_cast["gym"], period_end)
    assert first.settlement.key == f"settle:{core_cast['gym'].pk}:{period_end.isoformat()}"
    entry = JournalRecord.objects.order_by("-seq").first()
    assert entry is not None and entry.event_type == "settlement"
    event = json.loads(bytes(entry.entry))["event"]
    assert (event["amount_fen"], event["merchant"]) == (20_000, core_cast["gym"].licence)
    # Only the gym was settled; again is nothing new, and settle_all pays only the school.
    assert Settlement.objects.filter(merchant=core_cast["school"]).count() == 0
    again = services.settle_one(
        merchant=core_cast["gym"],
        period_end=period_end,
        by=core_cast["notary"],
        now=now + timedelta(minutes=1),
    )
    assert not again.created and again.settlement.pk == first.settlement.pk
    rest = services.settle_all(period_end=period_end, now=now + timedelta(minutes=2))
    assert [s.merchant for s in rest] == [core_cast["school"]]
    assert Settlement.objects.filter(merchant=core_cast["gym"]).count() == 1
    # An earlier period after a later one is refused, in Chinese first.
    with pytest.raises(ConflictError) as refused:
        services.settle_one(
            merchant=core_cast["gym"],
            period_end=period_end - timedelta(days=31),
            by=core_cast["notary"],
            now=now,
        )
    assert str(refused.value).startswith(f"{core_cast['gym'].name} 已结算至")
    assert "was already settled through" in str(refused.value)
    assert services.account_balances_check() == []


def test_settle_one_refuses_a_closed_merchant(core_cast: dict[str, Any], pack: Any) -> None:
    services.close_merchant(
        key="close", merchant=core_cast["gym"], by=core_cast["regulator"], reason="x", now=T0
    )
    with pytest.raises(ConflictError, match="已停业"):
        services.settle_one(
            merchant=Merchant.objects.get(pk=core_cast["gym"].pk),
            period_end=T0.date().replace(day=31),
            by=core_cast["notary"],
            now=T0 + timedelta(days=40),
        )


def test_membership_releases_by_days_used(core_cast: dict[str, Any]) -> None:
    membership = services.sign_contract(
        key="mem",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="membership",
        price_fen=365_000,
        term_months=12,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    services.record_check_in(key="visit", contract=membership, by=core_cast["bob"], now=T0)
    assert services.contract_position(membership).released_fen == 0  # attendance only
    services.settle_merchant(
        key="s",
        merchant=core_cast["gym"],
        period_end=T0.date().replace(day=31),
        by=None,
        now=T0 + timedelta(days=30),
    )
    days = (T0.date().replace(day=31) - T0.date()).days + 1
    assert services.contract_position(membership).released_fen == 365_000 * days // 365


def test_closure_refunds_every_consumer_to_the_fen(core_cast: dict[str, Any], pack: Any) -> None:
    services.record_check_in(
        key="a", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=1)
    )
    services.record_check_in(
        key="b", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=2)
    )
    other = services.sign_contract(
        key="bob-pack",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="class_pack",
        price_fen=99_999,
        sessions=7,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    card = services.sign_contract(
        key="bob-card",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="stored_value",
        price_fen=12_345,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    services.record_check_in(
        key="spend", contract=card, by=core_cast["bob"], now=T0, amount_fen=345
    )
    with pytest.raises(PermissionDeniedError):
        services.close_merchant(
            key="close", merchant=core_cast["gym"], by=core_cast["gymstaff"], reason="x"
        )
    closure = services.close_merchant(
        key="close",
        merchant=core_cast["gym"],
        by=core_cast["regulator"],
        reason="停业",
        now=T0 + timedelta(days=2),
    )
    rows = {r.contract_id: r for r in services.closure_refunds(closure)}
    assert rows[pack.pk].amount_fen == 100_001 - 10_000  # the awaiting session is not paid
    assert rows[other.pk].amount_fen == 99_999
    assert rows[card.pk].amount_fen == 12_000
    for contract in (pack, other, card):
        position = services.contract_position(contract)
        assert (
            position.price_fen
            == position.released_fen + position.refunded_fen + position.remaining_fen
        )
    assert sum(r.amount_fen for r in rows.values()) == closure.refunded_fen == closure.pool_fen
    assert closure.shortfall_fen == 0
    assert all(c.status == "closed" for c in Contract.objects.filter(merchant=core_cast["gym"]))
    with pytest.raises(ConflictError):
        services.record_check_in(
            key="after", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=3)
        )
    with pytest.raises(ConflictError):
        services.sign_contract(
            key="after-sign",
            merchant=core_cast["gym"],
            consumer=core_cast["bob_c"],
            product_type="class_pack",
            price_fen=1000,
            sessions=1,
            starts_on=T0.date(),
            by=core_cast["bob"],
            now=T0 + timedelta(days=3),
        )
    assert (
        services.close_merchant(
            key="close", merchant=core_cast["gym"], by=core_cast["regulator"], reason="停业"
        ).pk
        == closure.pk
    )
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []
    assert services.custody_summary()["held_fen"] == 0


def test_receipts_cover_deposit_and_releases(core_cast: dict[str, Any], pack: Any) -> None:
    from district.custody import journal

    services.record_check_in(
        key="a", contract=pack, by=core_cast["alice"], now=T0 + timedelta(hours=1)
    )
    receipts = services.receipts_for(pack)
    kinds = [journal.parse_entry(r.entry).event["type"] for r in receipts]
    assert kinds == ["contract_signed", "deposit", "check_in"]
    assert all(journal.verify_receipt(r).ok for r in receipts)


def test_sales_burst_and_complaints_raise_warnings(
    core_cast: dict[str, Any], make_user: Any
) -> None:
    now = T0
    for n in range(5):
        user = make_user(f"c_buyer{n}", "resident")
        services.sign_contract(
            key=f"burst-{n}",
            merchant=core_cast["school"],
            consumer=services.consumer_for(user),
            product_type="class_pack",
            price_fen=480_000,
            sessions=40,
            term_months=3,
            training_kind="non_subject",
            starts_on=now.date(),
            by=user,
            now=now - timedelta(days=1),
        )
    warnings = services.scan_risks(now=now)
    assert [(w.merchant.pk, w.kind) for w in warnings] == [(core_cast["school"].pk, "sales_burst")]
    assert services.scan_risks(now=now)[0].pk == warnings[0].pk  # once a week
    assert list(services.risk_warnings()) == warnings
    services.close_warning(warning=warnings[0], by=core_cast["regulator"])
    assert not services.risk_warnings().exists()


def test_bank_statement_reconciles_and_reports_differences(
    core_cast: dict[str, Any], pack: Any, tmp_path: Any
) -> None:
    day = T0.date().isoformat()
    good = tmp_path / "good.csv"
    good.write_text(
        f"date,amount,reference,counterparty,balance\n{day},1000.01,{pack.number},Alice,1000.01\n"
    )
    report = services.import_bank_statement(path_or_file=good, by=core_cast["notary"])
    assert report.ok and report.matched == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(f"date,amount,reference\n{day},1000.00,{pack.number}\n{day},50,UNKNOWN\n")
    report = services.import_bank_statement(path_or_file=bad, by=core_cast["notary"])
    assert {d.kind for d in report.differences} == {"amount", "not_in_ledger"}
    broken = tmp_path / "broken.csv"
    broken.write_text(f"date,amount,reference\n{day},12.345,X\n")
    from district.core.errors import DataFileError

    with pytest.raises(DataFileError, match="row 2, field 'amount'"):
        services.import_bank_statement(path_or_file=broken, by=core_cast["notary"])
    with pytest.raises(PermissionDeniedError):
        services.import_bank_statement(path_or_file=good, by=core_cast["alice"])


def test_overviews(core_cast: dict[str, Any], pack: Any) -> None:
    overview = services.regulator_overview()
    gym = next(row for row in overview.merchants if row.merchant.pk == core_cast["gym"].pk)
    assert (gym.held_fen, gym.open_contracts) == (100_001, 1)
    fitness = next(s for s in overview.sectors if s.sector == "fitness")
    assert fitness.held_fen == 100_001 == overview.total_held_fen
    assert list(services.consumer_contracts(core_cast["alice_c"])) == [pack]
    summary = services.custody_summary()
    assert (summary["coverage_rate"], summary["contracts"]) == (100.0, 1)


def test_licences_are_checked(core_cast: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="GB 32100"):
        services.register_merchant(
            name="x",
            licence="91310105MA1F000010",
            sector="fitness",
            registered_on=T0.date(),
            by=core_cast["notary"],
        )
    with pytest.raises(InputError, match="DEMO"):
        services.register_merchant(
            name="x",
            licence="DEMO31010500000099",
            sector="fitness",
            registered_on=T0.date(),
            by=core_cast["notary"],
        )
    with pytest.raises(PermissionDeniedError):
        services.register_merchant(
            name="x",
            licence="DEMO31010500000099",
            sector="fitness",
            registered_on=T0.date(),
            is_demo=True,
            by=core_cast["alice"],
        )


def test_suspension_stops_sales_not_use(core_cast: dict[str, Any], pack: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.set_merchant_status(
            merchant=core_cast["gym"], status="suspended", by=core_cast["gymstaff"], reason="x"
        )
    services.set_merchant_status(
        merchant=core_cast["gym"], status="suspended", by=core_cast["regulator"], reason="调查中"
    )
    with pytest.raises(ConflictError, match="suspended"):
        services.sign_contract(
            key="during",
            merchant=core_cast["gym"],
            consumer=core_cast["bob_c"],
            product_type="class_pack",
            price_fen=1000,
            sessions=1,
            starts_on=T0.date(),
            by=core_cast["bob"],
            now=T0,
        )
    services.record_check_in(key="still", contract=pack, by=core_cast["alice"], now=T0)
    with pytest.raises(InputError):
        services.set_merchant_status(
            merchant=core_cast["gym"], status="closed", by=core_cast["regulator"], reason="x"
        )
    services.set_merchant_status(
        merchant=core_cast["gym"], status="active", by=core_cast["regulator"], reason="结束"
    )


def test_an_unconfirmed_merchant_entry_does_not_end_cooling_off(
    core_cast: dict[str, Any], pack: Any
) -> None:
    waiting = services.record_check_in(
        key="m", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=1)
    )
    assert Contract.objects.get(pk=pack.pk).status == Contract.Status.HELD
    refund = services.request_cooling_off_refund(
        key="r", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=1)
    )
    assert refund.amount_fen == 100_001
    assert CheckIn.objects.get(pk=waiting.pk).status == CheckIn.Status.VOID
    assert services.account_balances_check() == []


def test_a_confirmed_merchant_entry_activates(core_cast: dict[str, Any], pack: Any) -> None:
    waiting = services.record_check_in(
        key="m", contract=pack, by=core_cast["gymstaff"], now=T0 + timedelta(hours=1)
    )
    services.confirm_check_in(check_in=waiting, by=core_cast["alice"], now=T0 + timedelta(hours=2))
    contract = Contract.objects.get(pk=pack.pk)
    assert (contract.status, contract.activated_at) == (
        Contract.Status.ACTIVE,
        T0 + timedelta(hours=1),
    )
    with pytest.raises(ConflictError, match="active"):
        services.request_cooling_off_refund(
            key="r", contract=pack, by=core_cast["alice"], now=T0 + timedelta(days=1)
        )


def test_closure_positions_add_up_and_a_shortfall_is_split_to_the_fen(
    core_cast: dict[str, Any], pack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from district.custody.services import settlement

    other = services.sign_contract(
        key="bob-pack",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="class_pack",
        price_fen=33_333,
        sessions=3,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    services.record_check_in(key="a", contract=pack, by=core_cast["alice"], now=T0)
    # A claim larger than the money held (cannot happen through the services): pro rata.
    monkeypatch.setattr(
        settlement, "_claim_fen", lambda contract, on, balance, *confirmed: balance + 1_000
    )
    closure = services.close_merchant(
        key="close",
        merchant=core_cast["gym"],
        by=core_cast["regulator"],
        reason="停业",
        now=T0 + timedelta(days=1),
    )
    rows = services.closure_refunds(closure)
    assert closure.shortfall_fen == 2_000
    assert sum(r.amount_fen for r in rows) == closure.pool_fen == 100_001 - 10_000 + 33_333
    assert all(r.amount_fen <= r.claim_fen for r in rows)
    for contract in (pack, other):
        position = services.contract_position(contract)
        assert position.remaining_fen == 0
    assert services.account_balances_check() == []


def test_a_repeated_spend_with_another_amount_is_a_conflict(core_cast: dict[str, Any]) -> None:
    card = services.sign_contract(
        key="card",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="stored_value",
        price_fen=10_000,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    first = services.record_check_in(
        key="spend", contract=card, by=core_cast["bob"], now=T0, amount_fen=300
    )
    assert (
        services.record_check_in(
            key="spend", contract=card, by=core_cast["bob"], now=T0, amount_fen=300
        ).pk
        == first.pk
    )
    with pytest.raises(ConflictError) as caught:
        services.record_check_in(
            key="spend", contract=card, by=core_cast["bob"], now=T0, amount_fen=301
        )
    assert caught.value.field == "amount_fen"
    assert services.contract_position(card).released_fen == 300


def test_a_closure_after_a_disputed_middle_session_refunds_exactly_what_is_held(
    core_cast: dict[str, Any],
) -> None:
    # Sessions 1 and 3 used, session 2 disputed: the releases are those of numbers 1 and 3,
    # not of "two sessions", so the claim must be the price less those two releases
    # (282,433 fen over 3 sessions: 94,144 + 94,145 released, 94,144 held).
    contract = services.sign_contract(
        key="odd-pack",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="class_pack",
        price_fen=282_433,
        sessions=3,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    bob, staff = core_cast["bob"], core_cast["gymstaff"]
    services.record_check_in(key="s1", contract=contract, by=bob, now=T0 + timedelta(hours=1))
    awaiting = services.record_check_in(
        key="s2", contract=contract, by=staff, now=T0 + timedelta(hours=2)
    )
    services.record_check_in(key="s3", contract=contract, by=bob, now=T0 + timedelta(hours=3))
    services.dispute_check_in(
        check_in=awaiting, by=bob, reason="not there", now=T0 + timedelta(hours=4)
    )
    closure = services.close_merchant(
        key="close-odd",
        merchant=core_cast["gym"],
        by=core_cast["regulator"],
        reason="停业",
        now=T0 + timedelta(days=2),
    )
    rows = {r.contract_id: r for r in services.closure_refunds(closure)}
    assert rows[contract.pk].amount_fen == 94_144
    position = services.contract_position(contract)
    assert position.released_fen == 94_144 + 94_145
    assert position.price_fen == position.released_fen + position.refunded_fen
    assert position.remaining_fen == 0
    assert closure.shortfall_fen == 0
    assert services.account_balances_check() == []


def test_a_closure_voids_every_awaiting_session_and_journals_each_refund_in_order(
    core_cast: dict[str, Any], pack: Any
) -> None:
    # The closure handles all of a merchant's contracts at once (one query per step):
    # awaiting sessions on two contracts are voided together, and the journal holds the
    # closure followed by one refund per contract, in contract order, each on its contract.
    other = services.sign_contract(
        key="bob-pack",
        merchant=core_cast["gym"],
        consumer=core_cast["bob_c"],
        product_type="class_pack",
        price_fen=70_000,
        sessions=7,
        starts_on=T0.date(),
        by=core_cast["bob"],
        now=T0,
    )
    staff = core_cast["gymstaff"]
    for key, contract in (("w1", pack), ("w2", other), ("w3", other)):
        services.record_check_in(key=key, contract=contract, by=staff, now=T0)
    services.record_check_in(key="c1", contract=other, by=core_cast["bob"], now=T0)
    before = JournalRecord.objects.count()
    closure = services.close_merchant(
        key="close",
        merchant=core_cast["gym"],
        by=core_cast["regulator"],
        reason="停业",
        now=T0 + timedelta(days=1),
    )
    assert set(
        CheckIn.objects.filter(key__in=["w1", "w2", "w3"]).values_list("status", flat=True)
    ) == {CheckIn.Status.VOID}
    assert CheckIn.objects.get(key="c1").status == CheckIn.Status.CONFIRMED
    rows = {r.contract_id: r for r in services.closure_refunds(closure)}
    assert rows[pack.pk].amount_fen == 100_001
    assert rows[other.pk].amount_fen == 70_000 - 10_000  # the confirmed session stays paid
    records = list(JournalRecord.objects.filter(seq__gte=before).order_by("seq"))
    events = [json.loads(bytes(record.entry))["event"] for record in records]
    assert [event["type"] for event in events] == ["merchant_closed", "refund", "refund"]
    assert [record.contract_id for record in records] == [None, pack.pk, other.pk]
    assert {record.merchant_id for record in records} == {core_cast["gym"].pk}
    assert [event["contract"] for event in events[1:]] == [pack.number, other.number]
    assert services.account_balances_check() == []
    assert services.verify_journal_chain() == []
