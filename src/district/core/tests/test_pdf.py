"""The PDF writer: Chinese text renders with the built-in CID font and reads back with pypdf.

No CJK font file is needed: STSong-Light is one of the fonts every PDF reader supplies, so
the PDF references it without embedding it. The tests read the text back with pypdf,
check links, notes and metadata, and parse the SVG charts as XML.
"""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader

from district.core.errors import InputError
from district.core.pdf import (
    BarChart,
    BulletList,
    ChartSeries,
    Document,
    Dot,
    Heading,
    Image,
    Label,
    LineChart,
    Link,
    Note,
    PageBreak,
    Paragraph,
    Strong,
    Table,
    chart_shapes,
    chart_svg,
    render_pdf,
    write_pdf,
)

SVG = "{http://www.w3.org/2000/svg}"
# The briefing's own sentence, and a Chinese rendering of the headline (a translation).
ENGLISH = "In 2024, Changning’s GDP reached 278.9 billion yuan, 1.8 times that of 2020."
CHINESE = "2024年，长宁区地区生产总值达到2789亿元，是2020年的1.8倍。"

GDP_BARS = BarChart(
    title="地区生产总值 GDP 2020 (implied) and 2024",
    categories=("2020", "2024"),
    series=(
        ChartSeries("由1.8倍推算 from 1.8 times", (154.9, 278.9)),
        ChartSeries("由7.8%推算 from 7.8%", (206.5, 278.9)),
    ),
    unit="billion yuan 十亿元",
)
GDP_PATH = LineChart(
    title="Illustrative 2030 target 示例目标",
    x_labels=("2024", "2025", "2026", "2027", "2028", "2029", "2030"),
    series=(
        ChartSeries("required", (278.9, 296.2, 314.5, 334.0, 354.7, 376.7, 400.0)),
        ChartSeries("at 7.8%", (278.9, None, 324.1, 349.3, 376.6, 406.0, 437.7), dashed=True),
    ),
    unit="billion yuan",
)


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 20), (0, 114, 178)).save(buffer, format="PNG")
    return buffer.getvalue()


def _document() -> Document:
    return Document(
        title="长宁区“十四五”规划成就 Changning plan achievements",
        subtitle="示例 Demo",
        author="district",
        subject="plan scorecard 规划记分卡",
        keywords=("indicators", "指标"),
        blocks=(
            Heading("一、经济规模跃升 Leap in Economic Scale"),
            Paragraph.of(
                CHINESE,
                Note("Translated from the English release of 2025-09-23."),
                " ",
                ENGLISH,
                " See ",
                Link("the release", "https://example.org/briefing"),
                ". ",
                Strong("注意 Note:"),
                " 15.8% ≠ 7.8% & <tags> stay text.",
            ),
            BulletList(("第一项：养老床位 7,411 张", Paragraph.of("second ", Note("第二条注释")))),
            BulletList(("一", "二"), ordered=True),
            Table(
                header=("指标 Indicator", "2020", "2024"),
                rows=(("地区生产总值 GDP", "154.9", "278.9"), ("一般公共预算收入", "12.85", "18")),
                caption="表1 Table 1",
                numeric_columns=(1, 2),
                column_widths=(0.5, 0.25, 0.25),
            ),
            GDP_BARS,
            GDP_PATH,
            Image(_png(), width_pt=120, caption="图1 a placeholder image"),
            PageBreak(),
            Paragraph.of("第二页 page two"),
        ),
        annex=(Heading("附录 Sources", 2), Paragraph.of(ENGLISH)),
    )


@pytest.fixture(scope="module")
def pdf_bytes():
    return render_pdf(_document())


@pytest.fixture(scope="module")
def reader(pdf_bytes):
    return PdfReader(io.BytesIO(pdf_bytes))


def _child_text(element: ET.Element, tag: str) -> str:
    child = element.find(f"{SVG}{tag}")
    assert child is not None and child.text is not None, tag
    return child.text


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_chinese_text_extracts(reader):
    text = _text(reader)
    compact = text.replace("\n", "").replace(" ", "")
    for expected in (
        "长宁区“十四五”规划成就",
        "一、经济规模跃升",
        CHINESE.replace(" ", ""),
        "第一项：养老床位7,411张",
        "一般公共预算收入",
        "附录",
        "第二条注释",
        "示例目标",  # a chart title, drawn as vector text
    ):
        assert expected in compact, expected
    assert "Changning’s GDP reached 278.9" in text
    assert "15.8% ≠ 7.8% & <tags> stay text." in text


def test_cjk_font_is_referenced_not_embedded(reader):
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            if "STSong" in str(font["/BaseFont"]):
                descendant = font["/DescendantFonts"][0].get_object()
                assert "/FontFile2" not in descendant["/FontDescriptor"].get_object()
    assert any("STSong-Light" in f for f in fonts)
    assert "/Helvetica" in fonts


def test_metadata(reader):
    assert reader.metadata.title == "长宁区“十四五”规划成就 Changning plan achievements"
    assert reader.metadata.author == "district"
    assert reader.metadata.subject == "plan scorecard 规划记分卡"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_links_and_note_marks(reader):
    uris, internal = [], 0
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(action["/URI"])
            elif annotation.get_object().get("/Dest") is not None or action is not None:
                internal += 1
    assert uris == ["https://example.org/briefing"]
    assert internal == 2  # the two note marks link to their notes
    text = _text(reader)
    assert "1. Translated from the English release of 2025-09-23." in text
    assert "2. 第二条注释" in text


def test_page_break_and_annex_start_new_pages(reader):
    pages = [page.extract_text() for page in reader.pages]
    second = next(i for i, text in enumerate(pages) if "第二页" in text)
    annex = next(i for i, text in enumerate(pages) if "附录" in text)
    assert second >= 1 and "表1" not in pages[second]  # not on the page with the table
    assert annex == second + 1 == len(pages) - 1
    assert "Annex" in pages[annex] and "第二页" not in pages[annex]
    # The footer repeats the title on every page, as one line.
    assert all("长宁区“十四五”规划成就 Changning plan achievements" in text for text in pages)


def test_rendering_is_reproducible(pdf_bytes):
    assert render_pdf(_document()) == pdf_bytes


def test_write_pdf(tmp_path):
    path = write_pdf(Document(title="只有标题", blocks=()), tmp_path / "out.pdf")
    assert PdfReader(path).pages[0].extract_text().startswith("只有标题")


# ------------------------------------------------------------------------------ charts


def test_bar_chart_svg_is_valid_and_accessible():
    svg = chart_svg(GDP_BARS, element_id="gdp")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert _child_text(root, "title") == GDP_BARS.title
    assert "2020 154.9" in _child_text(root, "desc")
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 4
    assert _child_text(bars[0], "title") == "由1.8倍推算 from 1.8 times, 2020: 154.9"
    # Bars are drawn series by series; heights are proportional to the values (axis from 0).
    heights = [float(bar.get("height", "nan")) for bar in bars]
    assert heights[1] == pytest.approx(heights[0] * 278.9 / 154.9, rel=1e-3)
    assert heights[2] == pytest.approx(heights[0] * 206.5 / 154.9, rel=1e-3)
    assert "<script" not in svg


def test_line_chart_gaps_split_the_line():
    root = ET.fromstring(chart_svg(GDP_PATH))
    lines = [
        p
        for p in root.findall(f"{SVG}polyline")
        if p.get("stroke-width") == "1.6"  # data lines, not grid lines
    ]
    assert len(lines) == 2  # "required" whole, "at 7.8%" from 2026 on (2024 alone is a dot)
    assert sum(1 for p in lines if p.get("stroke-dasharray")) == 1
    assert len(root.findall(f"{SVG}circle")) == 13


def test_numeric_x_values_space_points_by_time():
    # An as-of point 0.27 years before the first year end sits close to it, not a slot away.
    chart = LineChart(
        title="elevators",
        x_labels=("2025-09-23", "2025", "2026", "2027"),
        x_values=(2025.726, 2026.0, 2027.0, 2028.0),
        series=(ChartSeries("required", (1100.0, 1147.0, 1318.0, 1488.0)),),
    )
    dots = [s for s in chart_shapes(chart) if isinstance(s, Dot)]
    gaps = [b.x - a.x for a, b in itertools.pairwise(dots)]
    assert gaps[0] == pytest.approx(gaps[1] * 0.274, rel=1e-3)
    assert gaps[1] == pytest.approx(gaps[2])
    shapes = chart_shapes(chart)
    labels = [s.text for s in shapes if isinstance(s, Label) and s.anchor == "middle"]
    assert labels == ["2025-09-23", "2025", "2026", "2027"]
    narrow = chart_shapes(replace(chart, width_pt=150))
    labels = [s.text for s in narrow if isinstance(s, Label) and s.anchor == "middle"]
    assert labels == ["2025-09-23", "2026", "2027"]  # in 150 pt "2025" would overlap the date
    with pytest.raises(InputError, match="x_values of chart 'elevators' has 2 values"):
        chart_svg(replace(chart, x_values=(1.0, 2.0)))


def test_svg_escapes_text():
    chart = BarChart(title="a < b & c", categories=("x",), series=(ChartSeries("s", (1.0,)),))
    root = ET.fromstring(chart_svg(chart))
    assert _child_text(root, "title") == "a < b & c"


def test_tick_labels_keep_the_decimals_of_the_step():
    chart = LineChart(title="t", x_labels=("a", "b"), series=(ChartSeries("s", (18.0, 29.9)),))
    labels = [
        s.text
        for s in chart_shapes(replace(chart, from_zero=False))
        if isinstance(s, Label) and s.anchor == "end"
    ]
    assert labels == ["17.5", "20.0", "22.5", "25.0", "27.5", "30.0"]


def test_axis_ticks_cover_the_data():
    shapes = chart_shapes(GDP_PATH)
    labels = [s.text for s in shapes if isinstance(s, Label) and s.anchor == "end"]
    assert labels == ["0", "100", "200", "300", "400", "500"]


# ------------------------------------------------------------------------------ errors


def test_a_series_of_the_wrong_length():
    chart = BarChart(title="t", categories=("a", "b"), series=(ChartSeries("s", (1.0,)),))
    with pytest.raises(InputError, match="has 1 values for 2 labels"):
        chart_svg(chart)


def test_a_script_link_is_refused():
    document = Document(title="t", blocks=(Paragraph.of(Link("x", "javascript:alert(1)")),))
    with pytest.raises(InputError, match="not http"):
        render_pdf(document)


def test_a_ragged_table_is_refused():
    table = Table(header=("a", "b"), rows=(("1",),), caption="ragged")
    with pytest.raises(InputError, match="Row 1 of table 'ragged' has 1 cells for 2 columns"):
        render_pdf(Document(title="t", blocks=(table,)))
