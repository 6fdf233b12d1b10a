"""PDF pages with fpdf2: a document with a Unicode font, headings, tables and SVG charts.

fpdf2 is the library the certificates use already: pure Python (no system libraries to
install), and it places text and charts exactly where told. A chart is the SVG a page
shows (``charts``), drawn by fpdf2's SVG reader, so both look the same.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from workers.reports.charts import FONT_FAMILY

#: The Unicode font files (regular, bold); without them the PDF core font prints Latin-1.
FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)

#: The family charts name first, registered with the font files above.
FAMILY = FONT_FAMILY.split(",")[0].strip()

#: The margin on each side of a page, in millimetres.
MARGIN = 15

#: What fpdf2's SVG reader does not draw: titles and descriptions are for screen readers.
SCREEN_READER_ONLY = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>", re.S)

#: How a table's header row looks.
HEADINGS = FontFace(emphasis="BOLD", fill_color=(238, 242, 247))

#: Longest text put in a table cell; longer text is cut with an ellipsis.
MAX_CELL = 160


class Document(FPDF):
    """An A4 report document that knows the font family it prints with."""

    family = "Helvetica"


def new_document(title: str, author: str, when: dt.datetime) -> Document:
    """Return a new A4 document with its font set and a first page added."""
    # Each document reads the font files again: a copy of one that has read them would share
    # the parsed font, which fpdf2 cuts down in place to the glyphs of the first one saved.
    pdf = Document(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when)
    pdf.set_title(clean(title))
    pdf.set_author(clean(author))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    if all(path.exists() for path in FONT_FILES):
        pdf.add_font(FAMILY, "", str(FONT_FILES[0]))
        pdf.add_font(FAMILY, "B", str(FONT_FILES[1]))
        pdf.family = FAMILY
    pdf.add_page()
    pdf.set_font(pdf.family, "", 10)
    return pdf


def clean(text: object, family: str = FAMILY, limit: int | None = None) -> str:
    """Return text on one line (cut at ``limit``), in characters the font can print."""
    value = " ".join(str(text).split())
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    if family == "Helvetica":
        return value.encode("latin-1", "replace").decode("latin-1")
    return value


def heading(pdf: Document, text: str, size: int = 14) -> None:
    """Write a bold heading on its own line."""
    pdf.set_font(pdf.family, "B", size)
    pdf.multi_cell(0, size * 0.5, clean(text, pdf.family), new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(1.5)
    pdf.set_font(pdf.family, "", 10)


def paragraph(pdf: Document, text: str, size: int = 10, muted: bool = False) -> None:
    """Write a paragraph that wraps at the margins."""
    pdf.set_font(pdf.family, "", size)
    if muted:
        pdf.set_text_color(91, 107, 124)
    pdf.multi_cell(0, size * 0.5, clean(text, pdf.family), new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)  # fmt: skip
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def table(pdf: Document, header: list[str], rows: list[list], widths: list[float]) -> None:
    """Write a table: a bold header row, then one row per line (long cells wrap)."""
    family = pdf.family
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        line_height=5,
        text_align="LEFT",
        headings_style=HEADINGS,
        first_row_as_headings=True,
    ) as grid:
        pdf.set_font(family, "", 9)
        for values in [header, *rows]:
            line = grid.row()
            for value in values:
                line.cell(clean("—" if value is None else value, family, MAX_CELL))
    pdf.set_font(family, "", 10)
    pdf.ln(3)


def place_svg(pdf: Document, svg: str, width: float) -> None:
    """Draw an SVG chart at the current line, ``width`` millimetres wide, and move below it."""
    data = SCREEN_READER_ONLY.sub("", str(svg)).encode("utf-8")
    if pdf.will_page_break(width * 0.6):
        pdf.add_page()
    info = pdf.image(io.BytesIO(data), x=pdf.l_margin, y=pdf.get_y(), w=width)
    pdf.set_y(pdf.get_y() + float(info.rendered_height) + 3)
