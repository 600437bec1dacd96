"""The custody screens, with a cast: consumers A and B, staff of merchants M1 and M2, the
regulator, the notary and an anonymous visitor; each screen refuses the wrong person."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from district.custody import services
from district.custody.models import CheckIn, Contract, Settlement

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def licence(body17: str) -> str:
    """A unified social credit code with its check character (GB 32100-2015)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return body17 + USCC_CHARS[(31 - total % 31) % 31]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(make_user: Callable[..., Any]) -> dict[str, Any]:
    return build_cast(make_user)


def build_cast(make_user: Callable[..., Any]) -> dict[str, Any]:
    """Consumers alice and bob, staff of M1 (fitness) and M2 (training), the regulator and
    the notary; alice has a class pack at M1 and bob one at M2."""
    people = {
        "alice": make_user("alice", "resident"),
        "bob": make_user("bob", "resident"),
        "m1staff": make_user("m1staff", "merchant"),
        "m2staff": make_user("m2staff", "merchant"),
        "regulator": make_user("reg", "regulator"),
        "notary": make_user("notary", "notary"),
    }
    admin = people["notary"]
    today = timezone.localdate()
    m1 = services.register_merchant(
        name="力健健身 (测试)",
        licence=licence("91310105MA1FL0001"),
        sector="fitness",
        address="长宁路1号",
        registered_on=date(2020, 1, 1),
        by=admin,
    )
    m2 = services.register_merchant(
        name="乐学培训 (测试)",
        licence=licence("91310105MA1FL0002"),
        sector="training",
        registered_on=date(2021, 1, 1),
        by=admin,
    )
    services.add_merchant_staff(merchant=m1, user=people["m1staff"], by=admin)
    services.add_merchant_staff(merchant=m2, user=people["m2staff"], by=admin)
    people["m1"] = m1
    people["m2"] = m2
    people["contract_a"] = services.sign_contract(
        key="t-a",
        merchant=m1,
        consumer=services.consumer_for(people["alice"]),
        product_type="class_pack",
        price_fen=300000,
        sessions=30,
        starts_on=today,
        by=people["alice"],
    )
    people["contract_b"] = services.sign_contract(
        key="t-b",
        merchant=m2,
        consumer=services.consumer_for(people["bob"]),
        product_type="class_pack",
        price_fen=120000,
        sessions=20,
        starts_on=today,
        training_kind="non_subject",
        by=people["bob"],
    )
    return people


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"custody:{name}", args=args)


# ---------------------------------------------------------------- the public page


@pytest.mark.django_db
def test_public_page_shows_aggregates_and_no_personal_data(cast: dict[str, Any]) -> None:
    response = Client().get(url("index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<h1") == 1
    assert 'data-testid="custody-balance"' in body
    assert "力健健身" in body  # merchants are public
    for personal in ("Alice", "Bob", "alice", "bob"):
        assert personal not in body


@pytest.mark.django_db
def test_receipt_checker_is_public(cast: dict[str, Any]) -> None:
    assert Client().get(url("verify")).status_code == 200


# ---------------------------------------------------------------- consumers


@pytest.mark.django_db
def test_consumer_sees_only_their_contracts(cast: dict[str, Any]) -> None:
    alice = as_user(cast["alice"])
    body = alice.get(url("my_contracts")).content.decode()
    assert "力健健身" in body and "乐学培训" not in body
    detail = alice.get(url("contract", cast["contract_a"].pk))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert 'data-testid="remaining"' in text and "3,000.00" in text
    assert 'data-testid="sessions-left"' in text
    assert alice.get(url("contract", cast["contract_b"].pk)).status_code == 403
    assert alice.get(url("refund", cast["contract_b"].pk)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["my_contracts", "my_receipts", "buy"])
def test_consumer_pages_need_a_login(name: str) -> None:
    response = Client().get(url(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_consumer_confirms_a_merchant_check_in(cast: dict[str, Any]) -> None:
    contract = cast["contract_a"]
    check_in = services.record_check_in(key="ci-1", contract=contract, by=cast["m1staff"])
    assert check_in.status == "awaiting"
    alice = as_user(cast["alice"])
    page = alice.get(url("contract", contract.pk)).content.decode()
    assert f'data-testid="confirm-{check_in.number}"' in page
    # Bob may neither confirm nor dispute Alice's check-in.
    bob = as_user(cast["bob"])
    assert bob.post(url("confirm_check_in", check_in.pk)).status_code == 403
    assert bob.post(url("dispute_check_in", check_in.pk), {"reason": "x"}).status_code == 403
    response = alice.post(url("confirm_check_in", check_in.pk))
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.status == "confirmed"
    position = services.contract_position(contract)
    assert position.released_fen == 10000 and position.sessions_left == 29


@pytest.mark.django_db
def test_consumer_disputes_a_merchant_check_in(cast: dict[str, Any]) -> None:
    check_in = services.record_check_in(key="ci-2", contract=cast["contract_a"], by=cast["m1staff"])
    alice = as_user(cast["alice"])
    response = alice.post(url("dispute_check_in", check_in.pk), {"reason": "我那天没去"})
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.status == "disputed"
    assert services.contract_position(cast["contract_a"]).released_fen == 0


@pytest.mark.django_db
def test_cooling_off_refund_shows_amount_and_deadline_then_refunds(cast: dict[str, Any]) -> None:
    alice = as_user(cast["alice"])
    contract = cast["contract_a"]
    page = alice.get(url("refund", contract.pk)).content.decode()
    assert 'data-testid="refund-offer"' in page and "3,000.00" in page
    form = alice.get(url("refund", contract.pk)).context["form"]
    response = alice.post(url("refund", contract.pk), {"key": form.initial["key"], "confirm": "on"})
    assert response.status_code == 302, response.content
    assert services.contract_position(contract).refunded_fen == 300000


@pytest.mark.django_db
def test_refund_refused_with_a_reason_once_used(cast: dict[str, Any]) -> None:
    contract = cast["contract_a"]
    services.record_check_in(key="ci-3", contract=contract, by=cast["alice"])
    page = as_user(cast["alice"]).get(url("refund", contract.pk)).content.decode()
    assert 'data-testid="refund-refused"' in page
    assert 'data-testid="refund-offer"' not in page
    assert "开始使用，冷静期退款权随之终止" in page  # the reason, Chinese first
    assert "which ends the cooling-off right" in page


@pytest.mark.django_db
def test_refusals_on_the_screens_are_in_chinese_first(cast: dict[str, Any]) -> None:
    contract = cast["contract_a"]
    alice = as_user(cast["alice"])
    services.record_check_in(key="ci-zh", contract=contract, by=cast["alice"])
    # Merchant staff record a second session on a one-session pack (the first awaits).
    one = services.sign_contract(
        key="t-one",
        merchant=cast["m1"],
        consumer=services.consumer_for(cast["bob"]),
        product_type="class_pack",
        price_fen=10000,
        sessions=1,
        starts_on=timezone.localdate(),
        by=cast["bob"],
    )
    m1staff = as_user(cast["m1staff"])
    for key in ("staff-1", "staff-2"):
        page = m1staff.post(
            url("record_check_in", cast["m1"].pk), {"key": key, "contract": one.pk}, follow=True
        ).content.decode()
    assert f"该合同 {one.number} 的 1 次课程已全部使用。All 1 sessions of {one.number}" in page
    # A session used on a frozen contract: the message after the redirect.
    services.open_dispute(key="d-zh", contract=contract, by=cast["alice"], reason="x")
    use = alice.get(url("contract", contract.pk)).context["use_form"]
    assert use is None  # the form is gone; a stale one still posts
    page = alice.post(
        url("use_session", contract.pk), {"key": "use-zh"}, follow=True
    ).content.decode()
    message = "因争议已冻结），不能再释放款项。Contract"
    assert message in page and "(a dispute froze it): nothing can be released" in page


@pytest.mark.django_db
def test_receipts_list_and_download(cast: dict[str, Any]) -> None:
    alice = as_user(cast["alice"])
    contract = cast["contract_a"]
    receipts = services.receipts_for(contract)
    page = alice.get(url("my_receipts")).content.decode()
    assert 'data-testid="verify-offline"' in page
    assert receipts, "signing deposits the price, which issues the consumer's first receipt"
    leaf = receipts[0].leaf_index
    response = alice.get(url("receipt_json", contract.pk, leaf))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["format"] == "district-custody-receipt"
    assert as_user(cast["bob"]).get(url("receipt_json", contract.pk, leaf)).status_code == 403
    # and the public checker accepts it
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.json", response.content, content_type="application/json")
    checked = Client().post(url("verify"), {"receipt": upload}).content.decode()
    assert 'data-testid="receipt-ok"' in checked


@pytest.mark.django_db
def test_the_receipts_table_shows_what_each_entry_moved(cast: dict[str, Any]) -> None:
    # A consumer's check-in releases its session's money at once: its receipt shows it. A
    # merchant's entry releases nothing until confirmed; the confirmation's own entry shows
    # the money.
    from district.custody import ledger

    contract = cast["contract_a"]
    mine = services.record_check_in(key="rc1", contract=contract, by=cast["alice"])
    staff = services.record_check_in(key="rc2", contract=contract, by=cast["m1staff"])
    services.confirm_check_in(check_in=staff, by=cast["alice"])
    ledger.sign_tree_head()
    rows = as_user(cast["alice"]).get(url("contract", contract.pk)).context["receipts"]
    # After the signing's entry: the deposit, the two check-ins, the confirmation.
    moved = [row["amount_fen"] for row in rows]
    assert moved[1:] == [contract.price_fen, mine.release_fen, None, staff.release_fen]
    assert mine.release_fen > 0 and staff.release_fen > 0


@pytest.mark.django_db
def test_buying_within_the_limits_and_refusal_citing_the_rule(cast: dict[str, Any]) -> None:
    alice = as_user(cast["alice"])
    page = alice.get(url("buy"))
    key = page.context["form"].initial["key"]
    data = {
        "key": key,
        "merchant": cast["m1"].pk,
        "product_type": "membership",
        "price": "6000",
        "term_months": "12",
        "starts_on": timezone.localdate().isoformat(),
    }
    refused = alice.post(url("buy"), data)
    assert refused.status_code == 200
    # The price field carries the rule's message in the page's language, once; the refusal
    # box cites the rule and says what to change.
    violations = refused.context["violations"]
    assert [v.field for v in violations] == ["price_fen"]
    assert refused.context["form"].errors == {"price": [violations[0].message_zh]}
    text = refused.content.decode()
    assert violations[0].document + violations[0].article_zh in text and "请降低价格" in text
    assert violations[0].article_zh == "第八条"
    assert violations[0].message not in text  # no English beside the Chinese
    assert "课时数" in text and "会话" not in text  # not Django's "Sessions" (会话, web sessions)
    before = Contract.objects.count()
    data.update(price="4800.00", key=key + "x")
    response = alice.post(url("buy"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Contract.objects.count() == before + 1
    # the same page posted twice (same key) makes one contract
    assert alice.post(url("buy"), data).status_code == 302
    assert Contract.objects.count() == before + 1


# ---------------------------------------------------------------- merchant staff


@pytest.mark.django_db
def test_merchant_staff_see_only_their_merchant(cast: dict[str, Any]) -> None:
    m1staff = as_user(cast["m1staff"])
    home = m1staff.get(url("merchant_home"))
    assert home.status_code == 302 and home["Location"] == url("merchant", cast["m1"].pk)
    page = m1staff.get(url("merchant", cast["m1"].pk))
    assert page.status_code == 200
    assert 'data-testid="sales"' in page.content.decode()
    assert m1staff.get(url("merchant", cast["m2"].pk)).status_code == 403
    for who in ("alice", "regulator", "notary", "m2staff"):
        assert as_user(cast[who]).get(url("merchant", cast["m1"].pk)).status_code == 403


@pytest.mark.django_db
def test_merchant_records_a_check_in_only_on_their_contracts(cast: dict[str, Any]) -> None:
    m1staff = as_user(cast["m1staff"])
    form = m1staff.get(url("merchant", cast["m1"].pk)).context["check_in_form"]
    data = {"key": form.initial["key"], "contract": cast["contract_a"].pk}
    response = m1staff.post(url("record_check_in", cast["m1"].pk), data)
    assert response.status_code == 302
    assert CheckIn.objects.filter(contract=cast["contract_a"], status="awaiting").count() == 1
    # the same form twice: still one check-in
    m1staff.post(url("record_check_in", cast["m1"].pk), data)
    assert CheckIn.objects.filter(contract=cast["contract_a"]).count() == 1
    # another merchant's contract, through their own merchant's URL or the other's
    data = {"key": "k2", "contract": cast["contract_b"].pk}
    m1staff.post(url("record_check_in", cast["m1"].pk), data)
    assert (
        as_user(cast["m1staff"]).post(url("record_check_in", cast["m2"].pk), data).status_code
        == 403
    )
    assert (
        as_user(cast["alice"]).post(url("record_check_in", cast["m1"].pk), data).status_code == 403
    )
    assert not CheckIn.objects.filter(contract=cast["contract_b"]).exists()


# ---------------------------------------------------------------- regulator


@pytest.mark.django_db
def test_regulator_sees_balances_and_warnings(cast: dict[str, Any]) -> None:
    page = as_user(cast["regulator"]).get(url("regulator"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "力健健身" in body and "乐学培训" in body
    assert 'data-testid="by-sector"' in body and 'data-testid="warnings"' in body
    for who in ("alice", "m1staff", "notary"):
        assert as_user(cast[who]).get(url("regulator")).status_code == 403
        assert as_user(cast[who]).get(url("closures")).status_code == 403


@pytest.mark.django_db
def test_regulator_closes_a_merchant_and_sees_the_refunds(cast: dict[str, Any]) -> None:
    regulator = as_user(cast["regulator"])
    form = regulator.get(url("closures")).context["form"]
    data = {"key": form.initial["key"], "merchant": cast["m1"].pk, "reason": "跑路 (测试)"}
    assert as_user(cast["m1staff"]).post(url("closures"), data).status_code == 403
    response = regulator.post(url("closures"), data)
    assert response.status_code == 302, response.content
    refunds = regulator.get(response["Location"])
    assert refunds.status_code == 200
    assert "3,000.00" in refunds.content.decode()
    assert services.contract_position(cast["contract_a"]).refunded_fen == 300000


# ---------------------------------------------------------------- notary


@pytest.mark.django_db
def test_notary_sees_the_journal_status(cast: dict[str, Any]) -> None:
    page = as_user(cast["notary"]).get(url("notary"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="chain-check"' in body and 'data-testid="ledger-check"' in body
    assert "BROKEN" not in body and "PROBLEMS" not in body
    for who in ("alice", "m1staff", "regulator"):
        assert as_user(cast[who]).get(url("notary")).status_code == 403
        assert as_user(cast[who]).get(url("statements")).status_code == 403
        assert (
            as_user(cast[who]).post(url("settle"), {"period_end": "2026-01-31"}).status_code == 403
        )


def _one_session_used(cast: dict[str, Any], key: str) -> None:
    """Alice's RMB 1,000 pack at m1, signed three days ago, one session used (RMB 100)."""
    past = timezone.now() - timedelta(days=3)
    pack = services.sign_contract(
        key=f"t-{key}",
        merchant=cast["m1"],
        consumer=services.consumer_for(cast["alice"]),
        product_type="class_pack",
        price_fen=100000,
        sessions=10,
        starts_on=timezone.localdate(past),
        by=cast["alice"],
        now=past,
    )
    services.record_check_in(
        key=f"ci-{key}", contract=pack, by=cast["alice"], now=past + timedelta(hours=1)
    )


@pytest.mark.django_db
def test_notary_runs_a_settlement(cast: dict[str, Any]) -> None:
    _one_session_used(cast, "s")
    notary = as_user(cast["notary"])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = notary.post(url("settle"), {"period_end": yesterday.isoformat()})
    assert response.status_code == 302
    page = notary.get(url("notary")).content.decode()
    assert "100.00" in page


@pytest.mark.django_db
def test_notary_settles_one_merchant(cast: dict[str, Any]) -> None:
    _one_session_used(cast, "s1")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    m1_path = url("settle_merchant", cast["m1"].pk)
    # Only the notary: everyone else gets 403, an anonymous visitor the login page, and
    # nothing is settled by them.
    for who in ("alice", "bob", "m1staff", "m2staff", "regulator"):
        assert as_user(cast[who]).post(m1_path, {"period_end": yesterday}).status_code == 403
    anonymous = Client().post(m1_path, {"period_end": yesterday})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert not Settlement.objects.exists()
    notary = as_user(cast["notary"])
    assert notary.get(url("notary")).content.decode().count('data-testid="settle-merchant-') == 2
    assert notary.get(m1_path).status_code == 405  # POST only
    page = notary.post(m1_path, {"period_end": yesterday}, follow=True).content.decode()
    assert f"已向 {cast['m1'].name} 结算 ¥100.00" in page
    assert list(Settlement.objects.values_list("merchant", "amount_fen")) == [
        (cast["m1"].pk, 10000)
    ]
    page = notary.post(m1_path, {"period_end": yesterday}, follow=True).content.decode()
    assert "已结算过" in page and "本次未再付款" in page
    assert Settlement.objects.count() == 1
    m2_path = url("settle_merchant", cast["m2"].pk)
    page = notary.post(m2_path, {"period_end": yesterday}, follow=True).content.decode()
    assert "没有待结算的款项" in page
    today = timezone.localdate().isoformat()
    page = notary.post(m1_path, {"period_end": today}, follow=True).content.decode()
    assert "尚未结束" in page  # the refusal, Chinese first
    english = Client(headers={"accept-language": "en"})
    english.force_login(cast["notary"])
    english.cookies["django_language"] = "en"
    page = english.post(m2_path, {"period_end": yesterday}, follow=True).content.decode()
    assert "was already settled for the period ending" in page


@pytest.mark.django_db
def test_a_merchant_settled_for_the_period_shows_the_payment_not_the_button(
    cast: dict[str, Any],
) -> None:
    notary = as_user(cast["notary"])
    period_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    m1, m2 = cast["m1"].pk, cast["m2"].pk
    notary.post(url("settle_merchant", m1), {"period_end": period_end.isoformat()})
    page = notary.get(url("notary")).content.decode()
    assert f'data-testid="settled-{m1}"' in page and "本期已结算：¥0.00" in page
    assert f'data-testid="settle-merchant-{m1}"' not in page
    assert f'data-testid="settle-merchant-{m2}"' in page


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_everywhere(cast: dict[str, Any]) -> None:
    client = Client()
    pk = cast["contract_a"].pk
    for path in (
        url("contract", pk),
        url("refund", pk),
        url("merchant", cast["m1"].pk),
        url("regulator"),
        url("notary"),
        url("statements"),
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_consumer_records_a_session_they_used(cast: dict[str, Any]) -> None:
    contract = cast["contract_a"]
    alice = as_user(cast["alice"])
    form = alice.get(url("contract", contract.pk)).context["use_form"]
    data = {"key": form.initial["key"]}
    assert as_user(cast["bob"]).post(url("use_session", contract.pk), data).status_code == 403
    assert alice.post(url("use_session", contract.pk), data).status_code == 302
    assert alice.post(url("use_session", contract.pk), data).status_code == 302  # same key
    position = services.contract_position(contract)
    assert position.sessions_used == 1 and position.released_fen == 10000


@pytest.mark.django_db
def test_notary_imports_a_statement_and_sees_the_reconciliation(cast: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    contract = cast["contract_a"]
    today = timezone.localdate().isoformat()
    csv = (
        "date,amount,reference,counterparty,balance\n"
        f"{today},3000.00,{contract.number},Alice,3000.00\n"
        f"{today},99.00,NO-SUCH-REF,someone,3099.00\n"
    ).encode()
    notary = as_user(cast["notary"])
    upload = SimpleUploadedFile("bank.csv", csv, content_type="text/csv")
    assert (
        as_user(cast["regulator"]).post(url("statements"), {"statement": upload}).status_code == 403
    )
    upload = SimpleUploadedFile("bank.csv", csv, content_type="text/csv")
    response = notary.post(url("statements"), {"statement": upload})
    assert response.status_code == 302, response.content
    report = notary.get(response["Location"])
    assert report.status_code == 200
    body = report.content.decode()
    assert "NO-SUCH-REF" in body
    assert 'data-testid="differences"' in body


@pytest.mark.django_db
def test_a_bad_statement_names_the_row_and_field(cast: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"date,amount,reference\n2026-01-05,12.345,X\n"
    upload = SimpleUploadedFile("bad.csv", csv, content_type="text/csv")
    response = as_user(cast["notary"]).post(url("statements"), {"statement": upload})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["statement"])
    assert "row 2" in errors and "amount" in errors


@pytest.mark.django_db
def test_regulator_marks_a_warning_handled(cast: dict[str, Any]) -> None:
    from district.custody.models import RiskWarning

    warning = RiskWarning.objects.create(
        merchant=cast["m1"],
        kind="sales_burst",
        week_of=timezone.localdate(),
        message="测试预警",
        raised_at=timezone.now(),
    )
    page = as_user(cast["regulator"]).get(url("regulator")).content.decode()
    assert "测试预警" in page
    assert (
        "测试预警" in as_user(cast["m1staff"]).get(url("merchant", cast["m1"].pk)).content.decode()
    )
    assert (
        "测试预警"
        not in as_user(cast["m2staff"]).get(url("merchant", cast["m2"].pk)).content.decode()
    )
    assert as_user(cast["m1staff"]).post(url("close_warning", warning.pk)).status_code == 403
    assert as_user(cast["regulator"]).post(url("close_warning", warning.pk)).status_code == 302
    warning.refresh_from_db()
    assert warning.status == "closed"


@pytest.mark.django_db
def test_the_notary_key_is_published() -> None:
    response = Client().get(url("public_key"))
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert b"BEGIN PUBLIC KEY" in Client().get(url("verify")).content


@pytest.mark.django_db
def test_a_consumer_dispute_freezes_and_the_regulator_refunds(cast: dict[str, Any]) -> None:
    from district.custody.models import Dispute

    contract = cast["contract_a"]
    alice = as_user(cast["alice"])
    form = alice.get(url("contract", contract.pk)).context["open_dispute_form"]
    data = {"key": form.initial["key"], "reason": "门店已停业 (测试)"}
    assert as_user(cast["bob"]).post(url("open_dispute", contract.pk), data).status_code == 403
    assert alice.post(url("open_dispute", contract.pk), data).status_code == 302
    contract.refresh_from_db()
    assert services.contract_position(contract).frozen
    dispute = Dispute.objects.get(contract=contract)
    regulator = as_user(cast["regulator"])
    assert "门店已停业" in regulator.get(url("disputes")).content.decode()
    for who in ("alice", "m1staff"):
        refused = as_user(cast[who]).post(url("resolve_dispute", dispute.pk), {"outcome": "refund"})
        assert refused.status_code == 403
    response = regulator.post(url("resolve_dispute", dispute.pk), {"outcome": "refund"})
    assert response.status_code == 302
    assert services.contract_position(contract).refunded_fen == 300000


@pytest.mark.django_db
def test_regulator_suspends_a_merchant_and_sales_stop(cast: dict[str, Any]) -> None:
    m1 = cast["m1"]
    data = {"status": "suspended", "reason": "无证经营 (测试)"}
    for who in ("m1staff", "notary", "alice"):
        assert as_user(cast[who]).post(url("regulator_merchant", m1.pk), data).status_code == 403
    regulator = as_user(cast["regulator"])
    assert regulator.get(url("regulator_merchant", m1.pk)).status_code == 200
    assert regulator.post(url("regulator_merchant", m1.pk), data).status_code == 302
    m1.refresh_from_db()
    assert m1.status == "suspended"
    # the buy page no longer offers it
    choices = as_user(cast["bob"]).get(url("buy")).context["form"].fields["merchant"].choices
    assert m1.pk not in [value for value, _label in choices]


CAST = ("alice", "bob", "m1staff", "m2staff", "regulator", "notary")
# page name, its arguments (from the cast), who may open it (everyone else gets 403)
MATRIX = [
    ("my_contracts", (), set(CAST)),
    ("my_receipts", (), set(CAST)),
    ("buy", (), set(CAST)),
    ("contract", ("contract_a",), {"alice"}),
    ("refund", ("contract_a",), {"alice"}),
    ("merchant", ("m1",), {"m1staff"}),
    ("merchant_home", (), {"m1staff", "m2staff"}),
    ("regulator", (), {"regulator"}),
    ("regulator_merchant", ("m1",), {"regulator"}),
    ("disputes", (), {"regulator"}),
    ("closures", (), {"regulator"}),
    ("notary", (), {"notary"}),
    ("statements", (), {"notary"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_each_page_refuses_the_wrong_person(
    cast: dict[str, Any], name: str, args: tuple[str, ...], allowed: set[str]
) -> None:
    path = url(name, *(cast[a].pk for a in args))
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for who in CAST:
        status = as_user(cast[who]).get(path).status_code
        if who in allowed:
            assert status in (200, 302), f"{who} refused {path} ({status})"
        else:
            assert status == 403, f"{who} opened {path} ({status})"
