"""Numbers as charts and reports print them, round axis ticks, and a metric's progress."""

from __future__ import annotations

import math


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


def percent(value: float | None) -> str:
    """Format a 0-1 rate as a percentage ("72.5%"), or a dash when there is none."""
    return "—" if value is None else f"{fmt(round(value * 100, 1))}%"


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
