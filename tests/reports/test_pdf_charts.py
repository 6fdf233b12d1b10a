"""Charts drawn once for pages and PDFs: each element carries its look, fpdf2 draws the very
SVG a page shows, and the correlation bars sit on the right side of zero."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from tests.reports.report_data import pdf_text
from workers.reports import bars, pdfpage
from workers.reports.bars import correlation_bars
from workers.reports.charts import line_chart
from workers.reports.series import Series, engagement_series

SVG = "{http://www.w3.org/2000/svg}"

#: Elements that draw something, and so need a stroke or a fill of their own.
DRAWN = ("line", "polyline", "circle", "rect", "path", "text")


def metric() -> Series:
    points = [("C1", "Cycle 1", 72.0), ("C2", "Cycle 2", 80.0)]
    return Series(name="Retention <b>", unit="%", baseline=70, target=85, points=points)


def drawn(svg: str) -> list[ET.Element]:
    root = ET.fromstring(str(svg))
    return [e for e in root.iter() if e.tag.removeprefix(SVG) in DRAWN]


def test_every_drawn_element_carries_its_look_without_a_stylesheet():
    bar_chart = correlation_bars([("Attending", 0.6, False), ("Replying", -0.05, True)])
    for svg in (line_chart(metric()), bar_chart):
        elements = drawn(svg)
        assert elements and all(e.get("fill") or e.get("stroke") for e in elements)
        assert ET.fromstring(str(svg)).get("font-family").startswith("DejaVu Sans")


def test_the_pdf_draws_the_svg_the_page_shows():
    # Given the chart a page shows
    svg = line_chart(metric(), "retention")
    # When the same SVG is placed in a PDF and the PDF read again
    pdf = pdfpage.new_document("Charts", "Tandem", dt.datetime(2026, 11, 30))
    pdfpage.place_svg(pdf, svg, 170)
    text = pdf_text(bytes(pdf.output()))
    # Then its labels and values are there, and nothing of the screen-reader title
    for label in ("target 85", "baseline", "72", "80", "C1", "C2", "%"):
        assert label in text
    assert "<b>" not in text and "against target" not in text


def test_the_dashboard_and_the_report_chart_the_same_weeks():
    weeks = [{"week": "2026-11-02", "events": 6, "active": 3},
             {"week": "2026-11-09", "events": 3, "active": 2}]  # fmt: skip
    charts = dict(engagement_series(weeks))
    assert [p[2] for p in charts["events"].points] == [6.0, 3.0]
    assert [p[2] for p in charts["active"].points] == [3.0, 2.0]
    assert charts["events"].name == "Engagement events per week"


def test_bars_sit_on_the_side_of_zero_their_sign_says():
    svg = correlation_bars([("Up", 0.5, False), ("Down", -0.5, False), ("None", None, True)])
    zero = bars.LABEL_WIDTH + (bars.WIDTH - bars.LABEL_WIDTH - 40) / 2
    up, down = (e for e in drawn(svg) if e.tag == f"{SVG}rect")
    assert float(up.get("x")) == zero and float(up.get("width")) > 0
    assert float(down.get("x")) + float(down.get("width")) == zero
    assert "not enough data" in str(svg)
