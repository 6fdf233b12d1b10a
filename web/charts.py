"""Small server-rendered SVG line charts of a metric against its target, over cycles."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup

#: Chart size in pixels, and the margins kept for the axis labels.
WIDTH, HEIGHT = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 64, 24, 36
#: Share of the value range left free above and below, so labels clear the edges.
PAD = 0.08
#: Longest axis label before it is shortened (the full text stays in the point's tooltip).
MAX_LABEL = 12
#: Colours of the value line and of the target, by whether it has been reached.
LINE, TARGET, BASELINE = "#2f6fdf", "#1e8e3e", "#66788a"


@dataclass(frozen=True)
class Series:
    """A metric's baseline, target and the value reported in each cycle (None: no value)."""

    name: str
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    direction: str = "up"
    points: list[tuple[str, str, float | None]] = field(default_factory=list)
    # each point is (short axis label, full label, value)

    def values(self) -> list[float]:
        """Return the reported values, oldest first."""
        return [v for _, _, v in self.points if v is not None]

    def latest(self) -> float | None:
        """Return the most recent reported value, if any."""
        values = self.values()
        return values[-1] if values else None


def amount(value: float, unit: str = "") -> str:
    """Format a number with its unit ("12 incidents", "85%")."""
    if not unit:
        return fmt(value)
    return f"{fmt(value)}{'' if unit == '%' else ' '}{unit}"


def fmt(value: float) -> str:
    """Format a number briefly: no trailing zeros, at most two decimals."""
    if not math.isfinite(value):
        return str(value)
    text = f"{round(value, 2):,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Return round tick values covering ``low``..``high`` (about ``count`` intervals)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def progress(series: Series) -> tuple[int | None, str]:
    """Return the latest value's progress from baseline to target (percent) and the gap in words."""
    latest, target = series.latest(), series.target
    if latest is None:
        return None, "no value reported yet"
    if target is None:
        return None, "no target set"
    better = latest >= target if series.direction != "down" else latest <= target
    if better:
        text = "target reached"
        if latest != target:
            text += f" ({amount(abs(latest - target), series.unit)} beyond)"
        percent = 100
    else:
        text = f"{amount(abs(target - latest), series.unit)} to go"
        percent = None
    if series.baseline is not None and series.baseline != target:
        percent = round((latest - series.baseline) / (target - series.baseline) * 100)
    return percent, text


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


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


def _frame(series: Series, scale: _Scale, width: int, chart_id: str) -> list[Markup]:
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            'aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg">'
        ).format(w=width, h=scale.bottom + BOTTOM, id=chart_id),
        Markup('<title id="{}-t">{} against target</title>').format(chart_id, series.name),
        Markup('<desc id="{}-d">{}</desc>').format(chart_id, describe(series)),
    ]
    for tick in scale.ticks:
        y = scale.y(tick)
        parts.append(
            Markup(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>'
            ).format(scale.left, scale.right, y, y, scale.left - 6, y + 4, fmt(tick))
        )
    if series.unit:
        parts.append(
            Markup('<text class="unit" x="{}" y="{}" text-anchor="end">{}</text>').format(
                scale.left - 6, TOP - 10, series.unit
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
            '<rect class="good-zone" x="{}" y="{}" width="{}" height="{}"/>'
            '<line class="target" x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text class="target-label" x="{}" y="{}">target {}</text>'
        ).format(
            scale.left,
            good_top,
            scale.right - scale.left,
            max(good_bottom - good_top, 0),
            scale.left,
            scale.right,
            y,
            y,
            scale.right + 4,
            y + 4,
            fmt(series.target),
        )
    ]


def _points(series: Series, scale: _Scale) -> list[Markup]:
    parts, coords = [], []
    slot = 0
    if series.baseline is not None:
        x, y = scale.x(0), scale.y(series.baseline)
        coords.append((x, y))
        parts.append(
            Markup(
                '<path class="baseline" d="M{} {}l5 5l-5 5l-5 -5z"><title>baseline: {}</title>'
                '</path><text class="value" x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text class="axis" x="{}" y="{}" text-anchor="middle">baseline</text>'
            ).format(
                x, y - 5, fmt(series.baseline), x, y - 9, fmt(series.baseline), x, scale.bottom + 16
            )
        )
        slot = 1
    for i, (short, full, value) in enumerate(series.points, start=slot):
        x = scale.x(i)
        parts.append(
            Markup(
                '<text class="axis" x="{}" y="{}" text-anchor="middle">{}<title>{}</title></text>'
            ).format(x, scale.bottom + 16, _shorten(short), full)
        )
        if value is None:
            continue
        y = scale.y(value)
        coords.append((x, y))
        parts.append(
            Markup(
                '<circle class="value" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>'
                '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>'
            ).format(x, y, full, fmt(value), x, y - 9, fmt(value))
        )
    if len(coords) > 1:
        path = " ".join(f"{x},{y}" for x, y in coords)
        parts.insert(0, Markup('<polyline class="line" points="{}"/>').format(path))
    return parts


def describe(series: Series) -> str:
    """Return the chart's numbers as one plain sentence (for screen readers)."""
    words = [f"{series.name}:"]
    if series.baseline is not None:
        words.append(f"baseline {fmt(series.baseline)};")
    for _, full, value in series.points:
        words.append(f"{full} {fmt(value) if value is not None else 'no value'};")
    if series.target is not None:
        better = "lower" if series.direction == "down" else "higher"
        words.append(f"target {fmt(series.target)} ({better} is better).")
    return " ".join(words)


def line_chart(
    series: Series, chart_id: str = "chart", width: int = WIDTH, height: int = HEIGHT
) -> Markup:
    """Return an inline SVG line chart of ``series`` with its baseline and dashed target."""
    scale = _Scale(series, width, height)
    parts = _frame(series, scale, width, chart_id) + _target(series, scale)
    parts += _points(series, scale)
    if not series.values():
        parts.append(
            Markup('<text class="empty" x="{}" y="{}" text-anchor="middle">{}</text>').format(
                (scale.left + scale.right) / 2,
                (scale.top + scale.bottom) / 2,
                "no value reported yet",
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
