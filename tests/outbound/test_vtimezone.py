"""VTIMEZONE written as Google and Outlook write it, read back by ical.js and by icalendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from tests.outbound.icaljs import iso, read_with_icaljs
from workers.outbound.vtimezone import vtimezone

#: Zones of both hemispheres, with and without DST.
ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Pacific/Auckland",
)

#: The years invitations go out in now; each calendar covers one, as an invitation does.
YEARS = range(2026, 2029)

#: Years in which a rule changed: the US, Australia and New Zealand moved DST in 2007-2008;
#: Brazil moved its start in 2018 and dropped DST in 2019. One calendar covers all of them.
HISTORY = (
    ("America/Sao_Paulo", range(2016, 2020)),
    ("Australia/Sydney", range(2006, 2010)),
    ("Pacific/Auckland", range(2006, 2009)),
    ("America/New_York", range(2006, 2009)),
)

#: Every calendar of the batch: (zone, years its VTIMEZONE covers).
COVERS = tuple((zone, range(year, year + 1)) for zone in ZONES for year in YEARS) + HISTORY


@dataclass(frozen=True)
class Case:
    """One event: its zone, its local start, and when it starts and ends in UTC."""

    uid: str
    zone: str
    local: dt.datetime
    start: dt.datetime
    end: dt.datetime


def change_days(zone: str, year: int) -> list[dt.date]:
    """Return the local days of ``year`` on which ``zone``'s offset changes."""
    tz, days = ZoneInfo(zone), []
    day = dt.date(year, 1, 1)
    while day.year == year:
        tomorrow = day + dt.timedelta(days=1)
        today_offset = dt.datetime.combine(day, dt.time(), tz).utcoffset()
        if today_offset != dt.datetime.combine(tomorrow, dt.time(), tz).utcoffset():
            days.append(day)
        day = tomorrow
    return days


def local_times(zone: str, year: int) -> list[dt.datetime]:
    """Return local times before, on and after each change of ``year``, and mid-month ones."""
    times = [dt.datetime(year, month, 15, 9) for month in range(1, 13)]
    for day in change_days(zone, year):
        start = dt.datetime.combine(day, dt.time())
        times += [start - dt.timedelta(hours=12), start + dt.timedelta(days=1, hours=12)]
        times += [start + dt.timedelta(minutes=30 * n) for n in range(48)]
        times.append(start + dt.timedelta(days=7, hours=12))
    return times


def unambiguous(local: dt.datetime, tz: ZoneInfo) -> bool:
    """Tell whether a wall time names one instant (not skipped or repeated by a change)."""
    return (
        local.replace(tzinfo=tz, fold=0).utcoffset() == local.replace(tzinfo=tz, fold=1).utcoffset()
    )


def cases_for(zone: str, years: range) -> list[Case]:
    """Return the events of one calendar, each lasting 90 minutes."""
    tz, cases = ZoneInfo(zone), []
    for year in years:
        for local in local_times(zone, year):
            start = local.replace(tzinfo=tz).astimezone(dt.UTC)
            end = start + dt.timedelta(minutes=90)
            # A repeated wall time cannot say which of the two it means in iCalendar; ical.js
            # takes the later one, RFC 5545 the earlier.
            if unambiguous(local, tz) and unambiguous(end.astimezone(tz).replace(tzinfo=None), tz):
                uid = f"{zone}-{years.start}-{local:%Y%m%dT%H%M}@tandem.test"
                cases.append(Case(uid, zone, local, start, end))
    return cases


def calendar_text(zone: str, years: range, cases: list[Case]) -> str:
    """Return a VCALENDAR with the zone's VTIMEZONE and one VEVENT per case, in local time."""
    tz = ZoneInfo(zone)
    cal = Calendar()
    cal.add("prodid", "-//Tandem//Tests//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone(zone, years))
    for case in cases:
        event = Event()
        event.add("uid", case.uid)
        event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        event.add("dtstart", case.start.astimezone(tz))
        event.add("dtend", case.end.astimezone(tz))
        event.add("summary", f"Session at {case.local:%Y-%m-%d %H:%M} in {zone}")
        cal.add_component(event)
    return cal.to_ical().decode()


@pytest.fixture(scope="module")
def batch() -> dict[tuple[str, int], tuple[str, list[Case]]]:
    """Return every calendar of ``COVERS`` with its cases, keyed by (zone, first year)."""
    found = {}
    for zone, years in COVERS:
        cases = cases_for(zone, years)
        found[zone, years.start] = (calendar_text(zone, years, cases), cases)
    return found


@pytest.fixture(scope="module")
def icaljs(batch) -> dict[str, dict]:
    """Return what ical.js reads in every calendar of the batch, by UID (one node run)."""
    read = read_with_icaljs([text for text, _ in batch.values()])
    return {event["uid"]: event for event in read}


def subcomponents(zone: str, years: range) -> list:
    """Return the STANDARD and DAYLIGHT parts of a VTIMEZONE as icalendar reads it back."""
    text = vtimezone(zone, years).to_ical().decode()
    assert "RDATE" not in text
    return Calendar.from_ical(text).subcomponents


def test_it_writes_one_yearly_rule_per_observance_as_google_does():
    parts = {p.name: p for p in subcomponents("Europe/London", range(2026, 2027))}
    daylight, standard = parts["DAYLIGHT"], parts["STANDARD"]
    # RFC 5545 3.6.5: the onset is the local time before the change, 01:00 GMT and 02:00 BST.
    assert daylight["DTSTART"].to_ical() == b"20250330T010000"
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert daylight["TZOFFSETFROM"].to_ical() == "+0000"
    assert daylight["TZOFFSETTO"].to_ical() == "+0100"
    assert str(daylight["TZNAME"]) == "BST"
    assert standard["DTSTART"].to_ical() == b"20251026T020000"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    assert str(standard["TZNAME"]) == "GMT"


def test_it_writes_the_us_and_southern_rules_by_weekday():
    new_york = {p.name: p["RRULE"].to_ical() for p in subcomponents("America/New_York", [2027])}
    assert new_york == {
        "DAYLIGHT": b"FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
        "STANDARD": b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
    }
    sydney = {p.name: p for p in subcomponents("Australia/Sydney", [2027])}
    assert sydney["DAYLIGHT"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"
    assert sydney["STANDARD"]["DTSTART"].to_ical() == b"20260405T030000"


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/Sao_Paulo"])
def test_it_writes_a_zone_without_dst_as_one_standard(zone):
    (part,) = subcomponents(zone, range(2026, 2029))
    assert part.name == "STANDARD"
    assert "RRULE" not in part
    assert part["TZOFFSETFROM"].to_ical() == part["TZOFFSETTO"].to_ical()


def test_it_closes_a_rule_that_changed_with_until():
    parts = subcomponents("Australia/Sydney", range(2006, 2010))
    rules = [p["RRULE"] for p in parts if "RRULE" in p]
    assert any("UNTIL" in rule for rule in rules)
    # The rule in force at the end stays open, as Google writes it.
    assert any("UNTIL" not in rule for rule in rules)


@pytest.mark.parametrize(("zone", "years"), COVERS)
def test_each_onset_is_the_local_time_before_the_change(zone, years):
    tz = ZoneInfo(zone)
    for part in subcomponents(zone, years):
        before, after = part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td
        if before == after:
            continue
        instant = (part["DTSTART"].dt - before).replace(tzinfo=dt.UTC)
        assert (instant - dt.timedelta(seconds=1)).astimezone(tz).utcoffset() == before
        assert instant.astimezone(tz).utcoffset() == after


@pytest.mark.parametrize(("zone", "years"), COVERS)
def test_icaljs_reads_each_event_at_the_zoneinfo_instant(batch, icaljs, zone, years):
    _, cases = batch[zone, years.start]
    wrong = []
    for case in cases:
        read = icaljs[case.uid]
        assert read["tzid"] == zone
        if (read["start"], read["end"]) != (iso(case.start), iso(case.end)):
            wrong.append((f"{case.local:%Y-%m-%d %H:%M}", read["start"], iso(case.start)))
    assert not wrong, f"{len(wrong)} of {len(cases)} off in ical.js: {wrong[:5]}"


@pytest.mark.parametrize(("zone", "years"), COVERS)
def test_icalendar_reads_each_event_back_through_the_vtimezone(batch, zone, years):
    text, cases = batch[zone, years.start]
    cal = Calendar.from_ical(text)
    # Read the zone from the VTIMEZONE itself, not from icalendar's copy of tzdata.
    own = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    expected = {case.uid: case for case in cases}
    events = cal.walk("VEVENT")
    assert len(events) == len(cases)
    for event in events:
        case = expected[str(event["UID"])]
        local = event["DTSTART"].dt.replace(tzinfo=None)
        assert local == case.local
        assert local.replace(tzinfo=own).astimezone(dt.UTC) == case.start, case.local


def test_it_needs_a_year_to_cover():
    with pytest.raises(ValueError):
        vtimezone("Europe/London", [])
