"""Weekly availability windows: parse them, lay them on real instants, and measure overlaps.

A person gives windows in their own time zone (``Mon 16:00-18:00; Wed 15:00-17:00``). Over a
programme's weeks each window becomes a real interval in UTC minutes, so daylight-saving
changes on different dates in different zones are counted as they happen. Interval sets are
numpy arrays of ``[start, end)`` rows, sorted and merged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

#: Day names a window may start with (English, three letters or full, any case).
DAYS = {
    name: index
    for index, full in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
    for name in (full[:3], full)
} | {"tues": 1, "thur": 3, "thurs": 3}

#: One window: a day name, a start time and an end time (``24:00`` may end a day).
WINDOW_RE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})$")

#: Minutes in a day; a window ends at most here.
DAY_MINUTES = 24 * 60

#: Extra local days expanded on each side of a span, because zones lie up to 14 hours from UTC.
MARGIN_DAYS = 2


class AvailabilityError(ValueError):
    """An availability text or time zone that cannot be read."""


@dataclass(frozen=True, order=True)
class Window:
    """A weekly window: a weekday (0 = Monday) and start/end minutes after local midnight."""

    day: int
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    """A programme's weeks as real time: ``weeks`` weeks from local midnight of ``start``."""

    start: dt.date
    weeks: int
    zone: str = "UTC"

    def bounds(self) -> tuple[int, int]:
        """Return the span as ``[first, last)`` UTC minutes since the epoch."""
        first = _utc_minute(self.zone, self.start.toordinal(), 0)
        return first, _utc_minute(self.zone, self.start.toordinal() + 7 * self.weeks, 0)


def parse_windows(text: str) -> list[Window]:
    """Parse ``Mon 16:00-18:00; Wed 15:00-17:00`` into windows, naming the piece that is wrong."""
    windows = [_parse_window(piece.strip()) for piece in text.split(";") if piece.strip()]
    return sorted(windows)


def _parse_window(piece: str) -> Window:
    found = WINDOW_RE.match(piece)
    if found is None:
        raise AvailabilityError(f"{piece!r} is not a window like 'Mon 16:00-18:00'")
    day, start_h, start_m, end_h, end_m = found.groups()
    if day.lower() not in DAYS:
        raise AvailabilityError(f"{piece!r}: {day!r} is not a day of the week")
    start = _minutes(piece, int(start_h), int(start_m))
    end = _minutes(piece, int(end_h), int(end_m))
    if start == DAY_MINUTES or end == start:
        raise AvailabilityError(f"{piece!r} is empty")
    if end < start:
        raise AvailabilityError(f"{piece!r} crosses midnight; split it at 24:00")
    return Window(DAYS[day.lower()], start, end)


def _minutes(piece: str, hours: int, minutes: int) -> int:
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise AvailabilityError(f"{piece!r}: {hours:02d}:{minutes:02d} is not a time of day")
    return hours * 60 + minutes


def check_zone(zone: str) -> ZoneInfo:
    """Return the IANA zone named ``zone``, or raise AvailabilityError naming it."""
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AvailabilityError(f"{zone!r} is not an IANA time zone") from exc


@lru_cache(maxsize=1 << 17)
def _utc_minute(zone: str, ordinal: int, minute: int) -> int:
    # A local time in a spring-forward gap reads with the offset from before the change
    # (fold=0), so a window spanning the gap keeps its real length, shorter by the gap.
    local = dt.datetime.fromordinal(ordinal) + dt.timedelta(minutes=minute)
    return int(local.replace(tzinfo=check_zone(zone)).timestamp()) // 60


def expand(windows: Sequence[Window], zone: str, span: Span) -> np.ndarray:
    """Lay weekly ``windows`` in ``zone`` on the real minutes of ``span``; merged, sorted."""
    check_zone(zone)
    first, last = span.bounds()
    begin = span.start.toordinal() - MARGIN_DAYS
    stop = span.start.toordinal() + 7 * span.weeks + MARGIN_DAYS
    rows = []
    for window in windows:
        day = begin + (window.day - dt.date.fromordinal(begin).weekday()) % 7
        for ordinal in range(day, stop, 7):
            start = max(_utc_minute(zone, ordinal, window.start), first)
            end = min(_utc_minute(zone, ordinal, window.end), last)
            if start < end:
                rows.append((start, end))
    return merge(np.array(rows, dtype=np.int64).reshape(-1, 2))


def merge(intervals: np.ndarray) -> np.ndarray:
    """Sort ``[start, end)`` rows and merge those that overlap or touch."""
    if len(intervals) == 0:
        return np.empty((0, 2), dtype=np.int64)
    rows = intervals[np.argsort(intervals[:, 0], kind="stable")]
    reach = np.maximum.accumulate(rows[:, 1])
    # A new run starts where a start lies beyond every end before it.
    new = np.concatenate(([True], rows[1:, 0] > reach[:-1]))
    starts = rows[new, 0]
    ends = reach[np.concatenate((np.flatnonzero(new)[1:] - 1, [len(rows) - 1]))]
    return np.stack([starts, ends], axis=1)


def intersect(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """Return the stretches two merged interval sets share, by walking both in step."""
    shared = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i, 0], b[j, 0]), min(a[i, 1], b[j, 1])
        if start < end:
            shared.append((int(start), int(end)))
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return shared


def shared_minutes(a: np.ndarray, b: np.ndarray) -> int:
    """Return how many real minutes two merged interval sets share."""
    return sum(end - start for start, end in intersect(a, b))


def longest_stretch(a: np.ndarray, b: np.ndarray) -> int:
    """Return the longest unbroken run, in minutes, that two merged interval sets share."""
    return max((end - start for start, end in intersect(a, b)), default=0)


def shared_hours_per_week(a: np.ndarray, b: np.ndarray, weeks: int) -> float:
    """Return the shared hours of two expansions, averaged over the programme's weeks."""
    return shared_minutes(a, b) / 60 / max(weeks, 1)


def has_shared_stretch(a: np.ndarray, b: np.ndarray, session_minutes: int = 60) -> bool:
    """Tell whether two expansions share at least one unbroken stretch of a session's length."""
    return longest_stretch(a, b) >= session_minutes


def erode(intervals: np.ndarray, minutes: int) -> np.ndarray:
    """Return the start minutes at which a stretch of ``minutes`` fits inside ``intervals``."""
    # [t, t + minutes) lies inside [s, e) exactly when s <= t < e - minutes + 1; two people
    # share such a stretch exactly when their eroded sets overlap.
    keep = intervals[intervals[:, 1] - intervals[:, 0] >= minutes]
    return np.stack([keep[:, 0], keep[:, 1] - max(minutes, 1) + 1], axis=1)


def overlap_matrix(rows: Sequence[np.ndarray], cols: Sequence[np.ndarray]) -> np.ndarray:
    """Return shared minutes for every (row set, column set) pair, as one matrix product."""
    # Cut time at every boundary anyone has; each cut segment is covered or not by each
    # person. Segments nobody on one side covers are dropped, and segments covered by the
    # same people (the same hour in every ordinary week) are folded into one weighted column.
    pieces = [iv.ravel() for iv in (*rows, *cols)]
    cuts = np.unique(np.concatenate([np.empty(0, dtype=np.int64), *pieces]))
    if len(cuts) < 2:
        return np.zeros((len(rows), len(cols)))
    a, b = _cover(rows, cuts), _cover(cols, cuts)
    used = a.any(axis=0) & b.any(axis=0)
    a, b, width = a[:, used], b[:, used], np.diff(cuts)[used]
    packed = np.ascontiguousarray(np.packbits(np.vstack([a, b]), axis=0).T)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=width, minlength=len(first))
    return (a[:, first] * weight) @ b[:, first].T.astype(np.float64)


def _cover(sets: Sequence[np.ndarray], cuts: np.ndarray) -> np.ndarray:
    marks = np.zeros((len(sets), len(cuts)), dtype=np.int8)
    for row, intervals in enumerate(sets):
        if len(intervals):
            marks[row, np.searchsorted(cuts, intervals[:, 0])] += 1
            marks[row, np.searchsorted(cuts, intervals[:, 1])] -= 1
    return np.cumsum(marks, axis=1, dtype=np.int8)[:, :-1] > 0
