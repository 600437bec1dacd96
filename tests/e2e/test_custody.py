"""Prepaid custody in the browser, against the demo: the public page, a consumer's balance,
receipts and a check-in confirmed, a merchant recording a check-in, the regulator's balances
and warnings, the notary's journal status and settling one merchant."""

from __future__ import annotations

import re
from typing import Any


def switch_user(page: Any, login: Any, username: str) -> None:
    page.context.clear_cookies()
    login(username)


def test_the_public_page_shows_figures_and_no_personal_data(page: Any) -> None:
    page.goto("/custody/")
    assert page.locator("h1").inner_text() == "预付资金提存"
    figures = page.locator("[data-testid=public-figures]").inner_text()
    assert "¥" in figures
    assert "王女士" not in page.content()  # the demo consumer's name never shows
    page.click("text=核验收据")
    page.wait_for_url("**/custody/verify/")
    assert page.locator("[data-testid=verify-offline]").is_visible()


def test_a_consumer_sees_balance_and_receipts_and_confirms_a_check_in(
    page: Any, login: Any
) -> None:
    login("resident")
    page.goto("/custody/me/")
    assert page.locator("h1").inner_text() == "我的合同"
    page.locator("[data-testid=awaiting] a").first.click()
    page.wait_for_url(re.compile(r"/custody/me/c/\d+/$"))
    assert "¥" in page.locator("[data-testid=remaining]").inner_text()
    released_before = page.locator("[data-testid=released]").inner_text()
    page.locator("[data-testid^=confirm-]").first.click()
    page.wait_for_selector(".message.success")
    assert page.locator("[data-testid=released]").inner_text() != released_before
    assert page.locator("[data-testid=receipts] tbody tr").count() >= 1
    with page.expect_download() as download:
        page.locator("[data-testid=receipt-download]").first.click()
    assert download.value.suggested_filename.startswith("custody-receipt-")
    page.goto("/custody/me/receipts/")
    assert page.locator("[data-testid=verify-offline]").is_visible()


def test_a_consumer_sees_the_cooling_off_offer(page: Any, login: Any) -> None:
    login("resident")
    page.goto("/custody/me/")
    links = page.locator("[data-testid=contracts] tbody tr td:first-child a")
    for index in range(links.count()):
        page.goto("/custody/me/")
        links.nth(index).click()
        page.wait_for_url(re.compile(r"/custody/me/c/\d+/$"))
        if page.locator("[data-testid=cooling-off]").count():
            page.click("[data-testid=refund-link]")
            assert "¥" in page.locator("[data-testid=refund-offer]").inner_text()
            return
    raise AssertionError("no demo contract of the resident is inside its cooling-off period")


def test_buying_over_the_limit_is_refused_with_the_rule(page: Any, login: Any) -> None:
    login("resident")
    page.goto("/custody/me/buy/")
    gym = page.locator("#id_merchant option", has_text="力健").first.get_attribute("value")
    page.select_option("#id_merchant", gym)
    page.select_option("#id_product_type", "membership")
    page.fill("#id_price", "6000")
    page.fill("#id_term_months", "12")
    page.click("[data-testid=sign]")
    refusal = page.locator("[data-testid=refusal]")
    refusal.wait_for()
    assert "拒绝签约" in refusal.inner_text()
    assert page.locator("[data-testid=violation]").count() >= 1  # each cites its rule


def test_a_merchant_records_a_check_in(page: Any, login: Any) -> None:
    login("merchant")
    page.goto("/custody/merchant/")
    page.wait_for_url(re.compile(r"/custody/merchant/\d+/$"))
    assert page.locator("[data-testid=sales] tbody tr").count() >= 1
    rows_before = page.locator("[data-testid=merchant-check-ins] tbody tr").count()
    page.click("[data-testid=record-check-in]")
    page.wait_for_selector(".message.success")
    assert page.locator("[data-testid=merchant-check-ins] tbody tr").count() >= rows_before


def test_the_regulator_sees_balances_and_warnings(page: Any, login: Any) -> None:
    login("regulator")
    page.goto("/custody/regulator/")
    assert page.locator("[data-testid=by-merchant] tbody tr").count() >= 2
    assert page.locator("[data-testid=by-sector] tbody tr").count() >= 1
    assert page.locator("[data-testid=warnings]").is_visible()
    page.click("text=争议")
    page.wait_for_url("**/custody/regulator/disputes/")
    assert page.locator("h1").inner_text() == "争议"
    page.goto("/custody/regulator/")
    page.click("main >> text=闭店处置")
    page.wait_for_url("**/custody/regulator/closures/")
    assert page.locator("[data-testid=closures] tbody tr").count() >= 1
    page.locator("[data-testid=closures] a").first.click()
    assert page.locator("[data-testid=closure-refunds] tbody tr").count() >= 1


def test_the_notary_sees_the_journal_status(page: Any, login: Any) -> None:
    login("notary")
    page.goto("/custody/notary/")
    assert page.locator("[data-testid=chain-check]").inner_text() == "完好"
    assert page.locator("[data-testid=ledger-check]").inner_text() == "完好"
    assert int(page.locator("[data-testid=journal-size]").inner_text()) > 0
    # Settle one merchant from its row: the answer names it and says what was paid, or why
    # nothing (the demo settled last month already, or nothing was released to it).
    rows = page.locator("[data-testid=settle-by-merchant] tbody tr")
    assert rows.count() >= 3
    row = rows.filter(has=page.locator("[data-testid^=settle-merchant-]")).first
    name = row.locator("td").first.inner_text().split(" ")[0]
    button = row.locator("[data-testid^=settle-merchant-]")
    assert button.inner_text() == "结算"
    button.click()
    page.wait_for_url("**/custody/notary/")
    message = page.locator(".message").first
    message.wait_for()
    assert "error" not in (message.get_attribute("class") or "")
    assert name in message.inner_text() and "结算" in message.inner_text()
    assert page.locator("[data-testid=settlements] tbody tr").count() >= 1
    page.click("text=银行对账单与对账")
    page.wait_for_url("**/custody/notary/statements/")
    assert page.locator("h1").inner_text() == "银行对账单"


def test_the_wrong_person_is_refused_in_the_browser(page: Any, login: Any) -> None:
    login("resident")
    response = page.goto("/custody/regulator/")
    assert response.status == 403
