"""Recognition certificates: a one-page PDF naming the person, the goal and the date.

fpdf2 places every line exactly where it is told, in pure Python. A Unicode font is used
when the machine has one (DejaVu, in most Linux distributions), so any name prints as
written; otherwise the PDF core font prints Latin-1 and replaces what it cannot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

#: Unicode fonts tried in turn (regular, bold).
FONTS = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
)

#: Longest goal text printed; a longer one is cut with an ellipsis.
MAX_GOAL = 300

#: Each milestone's title and what the person has done ("completed" names a programme).
TITLES = {
    "reached": ("Certificate of achievement", "reached"),
    "halfway": ("Halfway there", "come halfway to"),
    "completed": ("Certificate of completion", "completed"),
}

#: The page: A4 landscape, in millimetres.
WIDTH, HEIGHT = 297, 210


@dataclass(frozen=True)
class Certificate:
    """What a certificate says."""

    programme: str
    person: str
    goal: str
    milestone: str  # "reached", "halfway", or "completed" (``goal`` is then the programme)
    measure: str
    on: dt.date


def _font(pdf: FPDF) -> str:
    """Load a Unicode font if the machine has one; return the family to use."""
    for regular, bold in FONTS:
        if regular.exists() and bold.exists():
            pdf.add_font("Cert", "", str(regular))
            pdf.add_font("Cert", "B", str(bold))
            return "Cert"
    return "Helvetica"


def _text(value: str, family: str) -> str:
    value = " ".join(value.split())
    if family == "Helvetica":
        return value.encode("latin-1", "replace").decode("latin-1")
    return value


def render_certificate(cert: Certificate) -> bytes:
    """Return the certificate as PDF bytes (the same bytes for the same certificate)."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime.combine(cert.on, dt.time(), dt.UTC))
    pdf.set_title(f"Certificate: {cert.person}")
    pdf.set_author(cert.programme)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family = _font(pdf)
    pdf.set_draw_color(40, 90, 140)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, WIDTH - 24, HEIGHT - 24)
    title, verb = TITLES.get(cert.milestone, TITLES["halfway"])
    goal = cert.goal if len(cert.goal) <= MAX_GOAL else cert.goal[: MAX_GOAL - 1] + "…"
    lines = [
        (40, 30, "B", title),
        (70, 14, "", "This certifies that"),
        (86, 28, "B", cert.person),
        (106, 14, "", f"has {verb}"),
        (118, 16, "B", goal),
    ]
    for top, size, style, value in lines:
        pdf.set_font(family, style, size)
        pdf.set_xy(25, top)
        pdf.multi_cell(WIDTH - 50, size * 0.5, _text(value, family), align="C")
    pdf.set_font(family, "", 12)
    if cert.measure:
        pdf.set_xy(25, 150)
        pdf.multi_cell(WIDTH - 50, 6, _text(f"Measure: {cert.measure}", family), align="C")
    pdf.set_xy(25, 172)
    footer = f"{cert.programme} · {cert.on:%d %B %Y}"
    pdf.multi_cell(WIDTH - 50, 6, _text(footer, family), align="C")
    return bytes(pdf.output())
