"""The achievement report: the PDF is opened and its text read back; HTML and Markdown
carry the same notes; the Chinese words say what the English ones say."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from district.indicators.arithmetic import Period, Qualifier, Quantity, get_unit
from district.indicators.models import Value
from district.indicators.report import render_report
from district.indicators.words import period_text, quantity_text


def _squeeze(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines where the layout did."""
    return re.sub(r"\s+", "", text)


def _pdf_text(lang: str, area: str | None = None) -> str:
    content = render_report(fmt="pdf", lang=lang, area=area).content
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_english_pdf_holds_every_figure_and_its_sentence(loaded):
    text = _pdf_text("en")
    flat = _squeeze(text)
    assert "Changning District: achievements of the 14th Five-Year Plan" in text
    for area in ("Leap in Economic Scale", "Broad Participation in Urban Governance"):
        assert _squeeze(area) in flat
    for value in Value.objects.current():
        assert _squeeze(value.sentence) in flat, value.code  # in the note of its figure
    for figure in ("278.9 billion yuan", "1.8 times", "7,411", "about 15.37 km²", "No. 1"):
        assert _squeeze(figure) in flat
    # the working of the GDP inconsistency, and the annex
    assert _squeeze("1.8^(1/4) - 1 = 15.83%") in flat
    assert _squeeze("1.078^4 = 1.350 times") in flat
    assert _squeeze("Annex: consistency findings") in flat
    assert (
        _squeeze("A.1 GDP of Changning District: multiple and average growth rate — INCONSISTENT")
        in flat
    )
    assert _squeeze("Sources and notes") in flat
    # charts: the growth paths and a target trajectory are drawn with their titles
    assert _squeeze("the 2020–2024 paths its growth claims imply") in flat
    assert _squeeze("illustrative target 400 billion yuan by 2030") in flat
    assert _squeeze("The industrial clusters") in flat
    # a live figure says when it was computed
    assert _squeeze("district.geo.services.summarize_district()") in flat


def test_the_chinese_pdf_reads_back_in_chinese(loaded):
    text = _pdf_text("zh-hans", area="economic_scale")
    flat = _squeeze(text)
    assert "长宁区“十四五”规划实施成效报告" in flat
    assert "经济规模跃升" in flat
    assert "城市治理广泛参与" not in flat  # one area only
    assert "长宁区地区生产总值" in flat and "278.9十亿元" in flat
    assert "长宁区地区生产总值：倍数与年均增长率—不一致" in flat
    assert _squeeze("1.8^(1/4) - 1 = 15.83%") in flat
    assert "如果“7.8%”是按可比价格计算的实际增长" in flat
    assert "附件：一致性检查结果" in flat and "来源与注释" in flat
    assert _squeeze("In 2024, Changning’s GDP reached 278.9 billion yuan") in flat


def test_html_and_markdown_link_every_number_to_its_note(loaded):
    page = render_report(fmt="html", lang="en").content.decode()
    refs = re.findall(r'<sup id="ref-(\d+)"><a href="#note-(\d+)"', page)
    notes = re.findall(r'<li id="note-(\d+)">', page)
    assert refs and [a for a, b in refs] == [b for a, b in refs] == notes
    assert len(notes) >= Value.objects.current().count()
    assert page.count("<svg") >= 7
    markdown = render_report(fmt="md", lang="en").content.decode()
    marks = re.findall(r"\[\^(\d+)\](?!:)", markdown)
    footnotes = re.findall(r"^\[\^(\d+)\]: ", markdown, flags=re.M)
    assert marks == footnotes == notes
    for value in Value.objects.current()[:5]:
        assert value.sentence in markdown
    assert "| 2020 |" in markdown  # a chart's numbers as a table


def test_chinese_words_for_quantities_and_periods():
    billion = get_unit("billion_yuan")
    over = Quantity.parse("5", billion, Qualifier.OVER)
    assert quantity_text(over, "zh-hans") == "超过5十亿元"
    assert quantity_text(over, "en") == "over 5 billion yuan"
    assert quantity_text(Quantity.parse("1", get_unit("rank")), "zh-hans") == "第1位"
    assert (
        quantity_text(Quantity.parse("900", get_unit("count"), Qualifier.NEARLY), "zh-hans")
        == "近900"
    )
    assert period_text(Period.parse("2020", "2024"), "zh-hans") == "2020—2024年"
    assert period_text(Period.parse("", "2025-09-23"), "zh-hans") == "截至2025-09-23"
    assert period_text(Period.parse("2021-01-01", "2025-09-23"), "en") == "2021-01-01 to 2025-09-23"
