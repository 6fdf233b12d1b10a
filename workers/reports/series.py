"""What a chart shows: a metric's values over time with its baseline and target, and its
progress and numbers in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from workers.reports.figures import amount, fmt


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


#: The weekly engagement charts: the figure charted and its name.
ENGAGEMENT_CHARTS = (("events", "Engagement events"), ("active", "Active participants"))


def engagement_series(weeks: list[dict]) -> list[tuple[str, Series]]:
    """Return the weekly engagement series (events, and participants active) with their keys."""
    found = []
    for key, name in ENGAGEMENT_CHARTS:
        points = [(w["week"][5:], f"week of {w['week']}", float(w[key])) for w in weeks]
        found.append((key, Series(name=f"{name} per week", points=points)))
    return found
