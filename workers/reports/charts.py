"""SVG line charts of a metric against its target, drawn the same for pages and PDFs.

Every element carries its look as presentation attributes (stroke, fill, font), so the SVG
needs no stylesheet: a page shows it as it is (its CSS classes stay for the page's own
rules), and ``pdfpage.place_svg`` draws the same bytes into a PDF with fpdf2.
"""

from __future__ import annotations

import math

from markupsafe import Markup

from workers.reports.figures import fmt, ticks
from workers.reports.series import Series, describe

#: Chart size in pixels, and the margins kept for the axis labels.
WIDTH, HEIGHT = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 64, 24, 36
#: Share of the value range left free above and below, so labels clear the edges.
PAD = 0.08
#: Longest axis label before it is shortened (the full text stays in the point's tooltip).
MAX_LABEL = 12
#: Colours: the value line, the target (and its good side), muted text, strong text, grid.
LINE, TARGET, MUTED, INK, GRID = "#2563c9", "#187a34", "#5b6b7c", "#1f2933", "#eef2f7"
#: The font of every label; a PDF registers a font of this first family name.
FONT_FAMILY = "DejaVu Sans, system-ui, sans-serif"

#: Each element class's look, as presentation attributes.
STYLE = {
    "svg": f'font-family="{FONT_FAMILY}" font-size="11"',
    "text": f'fill="{MUTED}"',
    "grid": f'stroke="{GRID}" stroke-width="1"',
    "good-zone": f'fill="{TARGET}" fill-opacity="0.06"',
    "target": f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="5 4"',
    "target-label": f'fill="{TARGET}" font-weight="bold"',
    "line": f'fill="none" stroke="{LINE}" stroke-width="2"',
    "point": f'fill="{LINE}" stroke="#ffffff" stroke-width="1.5"',
    "value": f'fill="{INK}" font-weight="bold"',
    "baseline": f'fill="#ffffff" stroke="{MUTED}" stroke-width="1.5"',
    "empty": f'fill="{MUTED}" font-style="italic" font-size="12"',
    "unit": f'fill="{MUTED}" font-size="10"',
    "bar": f'fill="{LINE}"',
    "bar-weak": f'fill="{MUTED}" fill-opacity="0.45"',
}


def look(name: str, css: str | None = None) -> Markup:
    """Return ``class="..."`` plus the class's presentation attributes."""
    return Markup(f'class="{css or name}" {STYLE[name]}')


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """Cut a label to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Scale:
    """Maps values and slots to pixel coordinates."""

    def __init__(self, series: Series, width: int, height: int) -> None:
        known = series.values() + [x for x in (series.baseline, series.target) if x is not None]
        known = [v for v in known if math.isfinite(v)] or [0.0]
        pad = (max(known) - min(known)) * PAD
        self.ticks = ticks(min(known) - pad, max(known) + pad)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.top, self.bottom = TOP, height - BOTTOM
        self.left, self.right = LEFT, width - RIGHT
        self.slots = len(series.points) + (1 if series.baseline is not None else 0)

    def y(self, value: float) -> float:
        """Return the pixel row of ``value``."""
        share = (value - self.low) / ((self.high - self.low) or 1.0)
        return round(self.bottom - share * (self.bottom - self.top), 1)

    def x(self, slot: int) -> float:
        """Return the pixel column of the ``slot``-th point."""
        if self.slots <= 1:
            return round((self.left + self.right) / 2, 1)
        return round(self.left + 12 + slot * (self.right - self.left - 24) / (self.slots - 1), 1)


def open_svg(width: float, height: float, chart_id: str, title: str, desc: str) -> list[Markup]:
    """Return the opening of a chart's SVG: its size, font, title and description."""
    return [
        Markup(
            '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            'aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg" {font}>'
        ).format(w=width, h=height, id=chart_id, font=Markup(STYLE["svg"])),
        Markup('<title id="{}-t">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-d">{}</desc>').format(chart_id, desc),
    ]


def _frame(series: Series, scale: _Scale, width: int, chart_id: str) -> list[Markup]:
    height = scale.bottom + BOTTOM
    title = f"{series.name} against target"
    parts = open_svg(width, height, chart_id, title, describe(series))
    for tick in scale.ticks:
        y = scale.y(tick)
        parts.append(
            Markup(
                '<line {} x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text {} x="{}" y="{}" text-anchor="end">{}</text>'
            ).format(
                look("grid"),
                scale.left,
                scale.right,
                y,
                y,
                look("text", "tick"),
                scale.left - 6,
                y + 4,
                fmt(tick),
            )  # fmt: skip
        )
    if series.unit:
        parts.append(
            Markup('<text {} x="{}" y="{}" text-anchor="end">{}</text>').format(
                look("unit"), scale.left - 6, TOP - 10, series.unit
            )
        )
    return parts


def _target(series: Series, scale: _Scale) -> list[Markup]:
    if series.target is None:
        return []
    y = scale.y(series.target)
    # Shade the side of the target that is good, so the direction reads at a glance.
    good_top, good_bottom = (scale.top, y) if series.direction != "down" else (y, scale.bottom)
    return [
        Markup(
            '<rect {} x="{}" y="{}" width="{}" height="{}"/>'
            '<line {} x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text {} x="{}" y="{}">target {}</text>'
        ).format(
            look("good-zone"),
            scale.left,
            good_top,
            scale.right - scale.left,
            max(good_bottom - good_top, 0),
            look("target"),
            scale.left,
            scale.right,
            y,
            y,
            look("target-label"),
            scale.right + 4,
            y + 4,
            fmt(series.target),
        )  # fmt: skip
    ]


def _points(series: Series, scale: _Scale) -> list[Markup]:
    parts, coords = [], []
    slot = 0
    axis = look("text", "axis")
    if series.baseline is not None:
        x, y = scale.x(0), scale.y(series.baseline)
        coords.append((x, y))
        parts.append(
            Markup(
                '<path {} d="M{} {}l5 5l-5 5l-5 -5z"><title>baseline: {}</title></path>'
                '<text {} x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text {} x="{}" y="{}" text-anchor="middle">baseline</text>'
            ).format(
                look("baseline"),
                x,
                y - 5,
                fmt(series.baseline),
                look("value"),
                x,
                y - 9,
                fmt(series.baseline),
                axis,
                x,
                scale.bottom + 16,
            )  # fmt: skip
        )
        slot = 1
    for i, (short, full, value) in enumerate(series.points, start=slot):
        x = scale.x(i)
        parts.append(
            Markup('<text {} x="{}" y="{}" text-anchor="middle">{}<title>{}</title></text>').format(
                axis, x, scale.bottom + 16, shorten(short), full
            )
        )
        if value is None:
            continue
        y = scale.y(value)
        coords.append((x, y))
        parts.append(
            Markup(
                '<circle {} cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>'
                '<text {} x="{}" y="{}" text-anchor="middle">{}</text>'
            ).format(
                look("point", "value"),
                x,
                y,
                full,
                fmt(value),
                look("value"),
                x,
                y - 9,
                fmt(value),
            )  # fmt: skip
        )
    if len(coords) > 1:
        path = " ".join(f"{x},{y}" for x, y in coords)
        parts.insert(0, Markup('<polyline {} points="{}"/>').format(look("line"), path))
    return parts


def line_chart(
    series: Series, chart_id: str = "chart", width: int = WIDTH, height: int = HEIGHT
) -> Markup:
    """Return an inline SVG line chart of ``series`` with its baseline and dashed target."""
    scale = _Scale(series, width, height)
    parts = _frame(series, scale, width, chart_id) + _target(series, scale)
    parts += _points(series, scale)
    if not series.values():
        parts.append(
            Markup('<text {} x="{}" y="{}" text-anchor="middle">{}</text>').format(
                look("empty"),
                (scale.left + scale.right) / 2,
                (scale.top + scale.bottom) / 2,
                "no value reported yet",
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
