"""SVG bar charts of correlations (-1 to 1), styled like the line charts, for pages and PDFs."""

from __future__ import annotations

from markupsafe import Markup

from workers.reports.charts import look, open_svg, shorten
from workers.reports.figures import fmt

#: Chart width, the room kept for labels on the left, and each bar's height, in pixels.
WIDTH, LABEL_WIDTH, BAR, GAP, TOP = 520, 190, 14, 8, 18

#: Longest bar label.
MAX_LABEL = 30


def correlation_bars(
    rows: list[tuple[str, float | None, bool]], chart_id: str = "bars", title: str = ""
) -> Markup:
    """Return a bar chart of (label, coefficient or None, weak) rows around a zero line."""
    height = TOP + len(rows) * (BAR + GAP) + 10
    middle = LABEL_WIDTH + (WIDTH - LABEL_WIDTH - 40) / 2
    half = (WIDTH - LABEL_WIDTH - 40) / 2
    words = "; ".join(f"{label} {'—' if v is None else fmt(v)}" for label, v, _ in rows)
    parts = open_svg(WIDTH, height, chart_id, title or "Correlations", words)
    for tick in (-1, -0.5, 0, 0.5, 1):
        x = round(middle + tick * half, 1)
        parts.append(
            Markup(
                '<line {} x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text {} x="{}" y="{}" text-anchor="middle">{}</text>'
            ).format(
                look("grid"),
                x,
                x,
                TOP - 4,
                height - 10,
                look("text", "tick"),
                x,
                TOP - 8,
                fmt(tick),
            )  # fmt: skip
        )
    for i, (label, value, weak) in enumerate(rows):
        y = TOP + i * (BAR + GAP)
        parts.append(
            Markup('<text {} x="{}" y="{}" text-anchor="end">{}<title>{}</title></text>').format(
                look("text", "axis"), LABEL_WIDTH - 8, y + BAR - 3, shorten(label, MAX_LABEL), label
            )
        )
        if value is None:
            parts.append(
                Markup('<text {} x="{}" y="{}">not enough data</text>').format(
                    look("empty"), middle + 4, y + BAR - 3
                )
            )
            continue
        left = min(middle, middle + value * half)
        parts.append(
            Markup(
                '<rect {} x="{}" y="{}" width="{}" height="{}"/>'
                '<text {} x="{}" y="{}" text-anchor="{}">{}</text>'
            ).format(
                look("bar-weak" if weak else "bar", "bar"),
                round(left, 1),
                y,
                max(round(abs(value) * half, 1), 1),
                BAR,
                look("value"),
                round(middle + value * half + (4 if value >= 0 else -4), 1),
                y + BAR - 3,
                "start" if value >= 0 else "end",
                fmt(value),
            )  # fmt: skip
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
