"""VTIMEZONE components written as Google and Outlook write them: yearly rules, not date lists.

ical.js (Thunderbird) and vobject read only the first value of a multi-value RDATE, so a zone
written as lists of transition dates puts events an hour off. Here each observance is one
STANDARD or DAYLIGHT sub-component with an RRULE (``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``), derived
from the zone's real transitions in the years an event covers. When the rule changes within those
years, each rule period gets its own sub-component, closed by UNTIL; a transition that follows no
yearly rule gets a sub-component of its own, with a DTSTART and no RRULE.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

#: How far apart the zone is sampled for changes; no two transitions of a real zone are closer.
STEP = dt.timedelta(hours=6)

#: DTSTART of an observance already in force before the covered years (Google writes 1970 too).
EPOCH = dt.datetime(1970, 1, 1)

#: iCalendar weekday names, indexed by ``datetime.weekday()``.
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

#: (UTC offset, DST offset, abbreviation) of a zone at one instant.
State = tuple[dt.timedelta, dt.timedelta, str]


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset or name, with the local wall time just before it."""

    at: dt.datetime
    local: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    daylight: bool

    @property
    def key(self) -> tuple:
        """Return what every transition of one yearly rule shares."""
        return (
            self.local.month,
            self.local.time(),
            self.offset_from,
            self.offset_to,
            self.name,
            self.daylight,
        )

    @property
    def days(self) -> tuple[tuple[str, str | int], ...]:
        """Return the RRULE day parts that select this transition's day, best first."""
        day, weekday = self.local.day, WEEKDAYS[self.local.weekday()]
        month_days = calendar.monthrange(self.local.year, self.local.month)[1]
        nth = (day - 1) // 7 + 1
        found: list[tuple[str, str | int]] = []
        if day > month_days - 7:
            found.append(("BYDAY", f"-1{weekday}"))
        if nth <= 4:
            found.append(("BYDAY", f"{nth}{weekday}"))
        found.append(("BYMONTHDAY", day))
        return tuple(found)


def vtimezone(zone_name: str, years: Iterable[int]) -> Timezone:
    """Return the VTIMEZONE of ``zone_name`` valid for every instant of ``years`` (min to max)."""
    covered = sorted(set(years))
    if not covered:
        raise ValueError("a VTIMEZONE needs at least one year to cover")
    zone = Timezone()
    zone.add("tzid", zone_name)
    first, last = covered[0], covered[-1]
    for run, open_ended in _periods(zone_name, first, last):
        zone.add_component(_observance(run, open_ended))
    return zone


@lru_cache(maxsize=256)
def _periods(
    zone_name: str, first: int, last: int
) -> tuple[tuple[tuple[Transition, ...], bool], ...]:
    """Return the zone's rule periods for ``first``..``last``, each with whether it stays open."""
    zone = ZoneInfo(zone_name)
    # Starting a year early gives every observance in force on 1 January a real onset.
    start = dt.datetime(first - 1, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last + 1, 1, 1, tzinfo=dt.UTC)
    found = _transitions(zone, start, end)
    if not found or found[0].at > dt.datetime(first, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=1):
        found.insert(0, _initial(_state(zone, start)))
    runs = _runs(found)
    result = []
    for index, run in enumerate(runs):
        later = any(r[0].daylight == run[0].daylight for r in runs[index + 1 :])
        result.append((tuple(run), not later and run[-1].local.year >= last))
    return tuple(result)


def _state(zone: ZoneInfo, instant: dt.datetime) -> State:
    local = instant.astimezone(zone)
    return local.utcoffset(), local.dst(), local.tzname()


def _initial(state: State) -> Transition:
    """Return the observance in force before any transition of the covered years."""
    offset, _, name = state
    return Transition(EPOCH.replace(tzinfo=dt.UTC), EPOCH, offset, offset, name, False)


def _transitions(zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[Transition]:
    """Return every change of ``zone`` between two UTC instants, found by sampling and bisection."""
    found = []
    before, state = start, _state(zone, start)
    while before < end:
        after = min(before + STEP, end)
        new = _state(zone, after)
        if new != state:
            found.append(_bisect(zone, before, after, state, new))
        before, state = after, new
    return found


def _bisect(
    zone: ZoneInfo, before: dt.datetime, after: dt.datetime, old: State, new: State
) -> Transition:
    """Return the transition from ``old`` to ``new``, narrowed down to the second."""
    while after - before > dt.timedelta(seconds=1):
        middle = before + dt.timedelta(seconds=(after - before).total_seconds() // 2)
        if _state(zone, middle) == old:
            before = middle
        else:
            after = middle
    # tzdata marks Dublin's winter as a negative DST, so its summer (DST 0) is the daylight one.
    daylight = new[1] > dt.timedelta(0) or (new[1] == dt.timedelta(0) and old[1] < dt.timedelta(0))
    local = (after + old[0]).replace(tzinfo=None)
    return Transition(after, local, old[0], new[0], new[2], daylight)


def _runs(transitions: list[Transition]) -> list[list[Transition]]:
    """Group transitions into runs that one yearly RRULE reproduces, in order of first onset."""
    runs: list[list[Transition]] = []
    for transition in transitions:
        same = [r for r in runs if r[-1].daylight == transition.daylight]
        if same and _continues(same[-1], transition):
            same[-1].append(transition)
        else:
            runs.append([transition])
    return runs


def _continues(run: list[Transition], transition: Transition) -> bool:
    """Tell whether ``transition`` is the next yearly occurrence of ``run``'s rule."""
    last = run[-1]
    return (
        last.at != EPOCH.replace(tzinfo=dt.UTC)
        and transition.key == last.key
        and transition.local.year == last.local.year + 1
        and bool(_common_days([*run, transition]))
    )


def _common_days(run: list[Transition]) -> list[tuple[str, str | int]]:
    """Return the day parts that select the day of every transition in ``run``, best first."""
    return [part for part in run[0].days if all(part in t.days for t in run[1:])]


def _observance(
    run: tuple[Transition, ...], open_ended: bool
) -> TimezoneStandard | TimezoneDaylight:
    """Return the STANDARD or DAYLIGHT sub-component for one run of transitions."""
    first = run[0]
    sub = TimezoneDaylight() if first.daylight else TimezoneStandard()
    # RFC 5545 3.6.5: the onset is the local time before the change, in the old offset.
    sub.add("dtstart", first.local)
    sub.add("tzoffsetfrom", first.offset_from)
    sub.add("tzoffsetto", first.offset_to)
    sub.add("tzname", first.name)
    if len(run) > 1:
        sub.add("rrule", _rule(run, open_ended))
    return sub


def _rule(run: tuple[Transition, ...], open_ended: bool) -> vRecur:
    """Return the yearly RRULE that yields exactly the onsets of ``run`` (and on, if open)."""
    part, value = _common_days(list(run))[0]
    rule = vRecur({"FREQ": "YEARLY", "BYMONTH": run[0].local.month, part: value})
    if not open_ended:
        last = run[-1]
        # UNTIL is UTC, but some readers compare it with the floating local onset, which lies
        # later than the UTC instant east of Greenwich; the later of the two keeps the last one.
        rule["UNTIL"] = max(last.at, last.local.replace(tzinfo=dt.UTC))
    return rule
