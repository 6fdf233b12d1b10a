"""Choosing a recurring slot inside everyone's availability, through daylight-saving changes.

A series' RRULE keeps its wall time in its own zone only. When two zones change their clocks
on different dates (London and New York, in March and around the end of October), the other
person's wall time moves for those weeks. So every candidate start is laid out as the real
occurrences its rule gives (expanded by ``recurring-ical-events``, as calendars expand it) and
checked against each person's availability on those very dates; a candidate that stays inside
on every date wins, and otherwise the one that leaves it least, with the dates named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import recurring_ical_events
from icalendar import Calendar, Event, vRecur

from workers.mentoring.availability import Span, erode, expand, intersect, parse_windows

#: Candidate starts are on this grid of minutes (a quarter hour).
STEP = 15

#: How many days after the earliest start the first occurrence may fall.
SEARCH_DAYS = 14

#: RRULE of each rhythm, before its COUNT (and, monthly, its BYDAY).
RULES = {"biweekly": "FREQ=WEEKLY;INTERVAL=2", "monthly": "FREQ=MONTHLY"}

#: Weeks one occurrence of each rhythm takes, to size the span availability is laid on.
WEEKS_PER = {"biweekly": 2, "monthly": 5, "once": 1}

#: iCalendar weekday names, indexed by ``datetime.weekday()``.
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Person:
    """Someone who must attend: a name, their weekly windows and their time zone."""

    name: str
    availability: str
    zone: str


@dataclass
class Slot:
    """A chosen series: its zone (TZID), rule, occurrences and the dates someone cannot make."""

    zone: str
    rrule: str
    minutes: int
    starts: list[dt.datetime]  # naive UTC, every occurrence
    outside: dict[dt.datetime, list[str]] = field(default_factory=dict)  # start -> names

    @property
    def first(self) -> dt.datetime:
        """Return the first occurrence's start (naive UTC)."""
        return self.starts[0]


def rule_for(rhythm: str, first_local: dt.datetime, count: int) -> str:
    """Return the RRULE of ``count`` occurrences of ``rhythm`` from ``first_local`` ("" once)."""
    if rhythm == "once" or count <= 1:
        return ""
    rule = f"{RULES[rhythm]};COUNT={count}"
    if rhythm == "monthly":
        nth = (first_local.day - 1) // 7 + 1
        rule += f";BYDAY={-1 if nth == 5 else nth}{WEEKDAYS[first_local.weekday()]}"
    return rule


def expand_starts(zone: str, first: dt.datetime, minutes: int, rrule: str) -> list[dt.datetime]:
    """Return every occurrence start (naive UTC) of a rule written in ``zone`` from ``first``."""
    tz = ZoneInfo(zone)
    event = Event()
    event.add("uid", "slot")
    event.add("dtstamp", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    start = first.replace(tzinfo=dt.UTC).astimezone(tz)
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=minutes))
    if rrule:
        event.add("rrule", vRecur.from_ical(rrule))
    cal = Calendar()
    cal.add_component(event)
    found = recurring_ical_events.of(cal).between(start, start + dt.timedelta(days=3 * 366))
    return sorted(e["DTSTART"].dt.astimezone(dt.UTC).replace(tzinfo=None) for e in found)


def _epoch_minutes(naive_utc: dt.datetime) -> int:
    return int(naive_utc.replace(tzinfo=dt.UTC).timestamp()) // 60


def _from_minutes(minutes: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(minutes * 60, dt.UTC).replace(tzinfo=None)


def _covers(intervals: np.ndarray, start: int, minutes: int) -> bool:
    """Tell whether ``[start, start + minutes)`` lies inside one merged interval."""
    index = int(np.searchsorted(intervals[:, 0], start, side="right")) - 1
    return index >= 0 and intervals[index, 1] >= start + minutes


def _candidates(sets: list[np.ndarray], earliest: int, minutes: int) -> list[int]:
    """Return grid starts within SEARCH_DAYS of ``earliest`` where everyone is free."""
    shared = sets[0]
    for other in sets[1:]:
        shared = np.array(intersect(shared, other), dtype=np.int64).reshape(-1, 2)
    found = []
    last = earliest + SEARCH_DAYS * 24 * 60
    for begin, end in erode(shared, minutes) if len(shared) else []:
        start = max(int(begin), earliest)
        start += -start % STEP
        found.extend(range(start, min(int(end), last), STEP))
    return found


def find_slot(
    people: list[Person],
    minutes: int,
    rhythm: str,
    count: int,
    earliest: dt.datetime,
) -> Slot | None:
    """Return the best series for ``people``, or None when they share no time at all.

    Candidates are written in each person's zone in turn (the first person's first); the
    winner stays inside everyone's availability on the most dates, then starts soonest.
    """
    weeks = WEEKS_PER[rhythm] * max(count, 1) + 3
    span = Span(earliest.date() - dt.timedelta(days=1), weeks, "UTC")
    sets = [expand(parse_windows(p.availability), p.zone, span) for p in people]
    best: tuple | None = None
    for start in _candidates(sets, _epoch_minutes(earliest), minutes):
        first = _from_minutes(start)
        for rank, zone in enumerate(dict.fromkeys(p.zone for p in people)):
            local = first.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
            rrule = rule_for(rhythm, local, count)
            starts = expand_starts(zone, first, minutes, rrule)
            outside = _outside(people, sets, starts, minutes)
            key = (len(outside), start, rank)
            if best is None or key < best[0]:
                best = (key, Slot(zone, rrule, minutes, starts, outside))
    return best[1] if best else None


def _outside(
    people: list[Person], sets: list[np.ndarray], starts: list[dt.datetime], minutes: int
) -> dict[dt.datetime, list[str]]:
    """Return the occurrences that leave someone's availability, with whose."""
    found: dict[dt.datetime, list[str]] = {}
    for when in starts:
        names = [
            p.name
            for p, free in zip(people, sets, strict=True)
            if not _covers(free, _epoch_minutes(when), minutes)
        ]
        if names:
            found[when] = names
    return found


def local_rows(starts: list[dt.datetime], minutes: int, zone: str, outside: dict) -> list[dict]:
    """Return each occurrence as ``zone`` reads it, marking where its wall time moves."""
    tz = ZoneInfo(zone)
    rows, usual = [], None
    for when in starts:
        local = when.replace(tzinfo=dt.UTC).astimezone(tz)
        end = local + dt.timedelta(minutes=minutes)
        usual = usual or local.time()
        rows.append(
            {
                "date": f"{local:%a} {local.day} {local:%b %Y}",
                "time": f"{local:%H:%M}–{end:%H:%M}",
                "shifted": local.time() != usual,
                "outside": ", ".join(outside.get(when, [])),
            }
        )
    return rows
