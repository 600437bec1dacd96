"""The plan scorecard in a browser: filters by area, a figure's source sentence, the
report download, the English version, and a planner recording a revision."""

from __future__ import annotations

import re
from typing import Any

from pypdf import PdfReader


def test_filter_source_and_download(page: Any) -> None:
    page.goto("/indicators/")
    assert page.locator("h1").inner_text() == "规划指标"
    figures = page.locator("[data-testid=figure]")
    assert figures.count() == 47
    assert page.locator("section.area").count() == 6

    page.click(".area-filter a[data-area=urban_governance]")
    page.wait_for_url(re.compile(r"area=urban_governance"))
    assert page.locator("section.area").count() == 1
    assert page.locator("section.area h2").inner_text() == "城市治理广泛参与"
    assert figures.count() == 8
    assert page.locator(".area-filter a[aria-current=true]").inner_text() == "城市治理广泛参与"

    # A figure's source: the sentence it was taken from, word for word.
    row = page.locator("[data-testid=figure][data-code=sponge-city-area]")
    assert "约15.37平方公里" in row.inner_text()
    sentence = row.locator("details.source blockquote")
    assert not sentence.is_visible()
    row.locator("details.source summary").click()
    assert sentence.inner_text() == (
        "Some 15.37 square kilometers of sponge city construction have been completed, "
        "covering 41 percent of the built-up area."
    )
    # ... and where it stands in the source document.
    row.locator("details.source a").click()
    page.wait_for_url(re.compile(r"/indicators/sources/.+#s-[0-9a-f]{10}$"))
    anchor = page.url.rsplit("#", 1)[1]
    mark = page.locator(f"mark#{anchor}")
    assert mark.inner_text().startswith("Some 15.37 square kilometers")
    assert mark.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"  # :target

    # The report of this area, downloaded as a PDF, holds the same figure and its sentence.
    page.go_back()
    with page.expect_download() as download:
        page.click("[data-testid=download-pdf-zh]")
    assert download.value.suggested_filename == (
        "changning-plan-scorecard-zh-hans-urban_governance.pdf"
    )
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages).replace(
        "\n", ""
    )
    assert "城市治理广泛参与" in text and "约15.37平方公里" in text
    assert "Some 15.37 square kilometers" in text


def test_english_and_the_inconsistency(page: Any) -> None:
    page.goto("/indicators/")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Plan scorecard"
    finding = page.locator("#finding-1")
    assert "inconsistent" in finding.locator("h4").inner_text()
    assert "1.8^(1/4) - 1 = 15.83%" in finding.inner_text()
    assert page.locator("[data-testid=live-figure]").count() >= 1  # the district area
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=zh-hans]")


def test_a_planner_records_a_revision_and_the_history_keeps_both(page: Any, login: Any) -> None:
    login("planner")
    page.goto("/indicators/nursing_beds/")
    assert page.locator("[data-testid=revision]").count() == 1
    page.click("#history a:text('修订')")
    page.fill("input[name=value]", "7450")
    page.fill("input[name=period_end]", "2025-12-31")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/indicators/nursing_beds/#v-nursing-beds-2$"))
    rows = page.locator("[data-testid=revision]")
    assert rows.count() == 2
    assert "7,450" in rows.nth(1).inner_text() and "现行" in rows.nth(1).inner_text()
    assert "已被取代" in rows.nth(0).inner_text()
