"""Invitations as Thunderbird's parser (ical.js) and icalendar read them, across DST changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.outbound.icaljs import iso, read_with_icaljs
from workers.outbound import invites

#: Zones of both hemispheres, with and without DST.
ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Pacific/Auckland",
)

#: The zones above without DST in the years below (Brazil dropped it in 2019).
NO_DST = ("America/Sao_Paulo", "Asia/Kolkata")

#: The years sessions are held in.
YEARS = range(2026, 2029)

#: Session starts around each clock change, relative to it: a day before, just before, just
#: after, a week after; the ones starting 30 and 90 minutes before end after the change.
AROUND = tuple(dt.timedelta(minutes=m) for m in (-26 * 60, -90, -30, 30, 120, 7 * 24 * 60))

#: A session as tests/outbound/test_invites.py writes it; cases change its uid, zone and times.
INFO = invites.SessionInfo(
    uid="abc-123@tandem.test",
    sequence=2,
    title="Retention review, round 2",
    starts_at=dt.datetime(2026, 12, 1, 13, 0),
    ends_at=dt.datetime(2026, 12, 1, 14, 30),
    timezone="Europe/Paris",
    location="Room 4; https://meet.example.org/x",
    description="Review the plan.\nDecide next steps.",
)


def build(info: invites.SessionInfo, method: str = "REQUEST") -> str:
    """Return the invitation of ``info`` for one attendee, as a cycle's trigger builds it."""
    return invites.build(
        info,
        method=method,
        organizer="reply+1-s-2-abc-0123456789abcdef@tandem.test",
        organizer_name="Tandem",
        attendee="ann@example.org",
        attendee_name="Ann O'Neil, HR",
        stamp=dt.datetime(2025, 11, 2, 9, 0),
    )


def changes(zone: str, year: int) -> list[dt.datetime]:
    """Return the naive-UTC hours at which ``zone``'s offset changes in ``year``."""
    tz, found = ZoneInfo(zone), []
    hour = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    while hour.year == year:
        if (
            hour.astimezone(tz).utcoffset()
            != (hour - dt.timedelta(hours=1)).astimezone(tz).utcoffset()
        ):
            found.append(hour.replace(tzinfo=None))
        hour += dt.timedelta(hours=1)
    return found


def sessions(zone: str) -> list[invites.SessionInfo]:
    """Return the sessions of one zone: around every change, and mid-month, an hour each."""
    starts = [dt.datetime(y, m, 15, 13) for y in YEARS for m in range(1, 13)]
    starts += [when + delta for y in YEARS for when in changes(zone, y) for delta in AROUND]
    return [
        dataclasses.replace(
            INFO,
            uid=f"{zone}-{start:%Y%m%dT%H%M}@tandem.test",
            timezone=zone,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )
        for start in starts
    ]


@pytest.fixture(scope="module")
def invitations() -> list[tuple[invites.SessionInfo, str]]:
    """Return every session of every zone with its invitation text."""
    found = []
    for zone in ZONES:
        for n, info in enumerate(sessions(zone)):
            found.append((info, build(info, "CANCEL" if n % 5 == 0 else "REQUEST")))
    return found


@pytest.fixture(scope="module")
def icaljs(invitations) -> dict[str, dict]:
    """Return what ical.js reads in every invitation, by UID (one node run)."""
    return {event["uid"]: event for event in read_with_icaljs([t for _, t in invitations])}


def test_the_cases_cross_every_change_of_both_hemispheres():
    counts = {zone: len(changes(zone, 2027)) for zone in ZONES}
    assert counts == {zone: 0 if zone in NO_DST else 2 for zone in ZONES}


@pytest.mark.parametrize("zone", ZONES)
def test_icaljs_reads_each_invitation_at_the_stored_utc_time(invitations, icaljs, zone):
    wrong, count = [], 0
    for info, _ in invitations:
        if info.timezone != zone:
            continue
        count += 1
        read = icaljs[info.uid]
        expected = (
            iso(info.starts_at.replace(tzinfo=dt.UTC)),
            iso(info.ends_at.replace(tzinfo=dt.UTC)),
        )
        if (read["start"], read["end"]) != expected:
            wrong.append((info.uid, read["start"], expected[0]))
    assert count >= 12 * len(YEARS)
    assert not wrong, f"{len(wrong)} of {count} off in ical.js: {wrong[:5]}"


@pytest.mark.parametrize("zone", ZONES)
def test_icalendar_reads_each_invitation_at_the_stored_utc_time(invitations, zone):
    for info, text in invitations:
        if info.timezone != zone:
            continue
        cal = Calendar.from_ical(text)
        (event,) = cal.walk("VEVENT")
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [zone]
        assert "RDATE" not in text
        start = event["DTSTART"].dt.astimezone(dt.UTC).replace(tzinfo=None)
        end = event["DTEND"].dt.astimezone(dt.UTC).replace(tzinfo=None)
        assert (start, end) == (info.starts_at, info.ends_at), info.uid


def test_a_session_in_the_repeated_hour_is_written_in_utc():
    # Given a London session at 01:30 BST on the night clocks go back (01:30 happens twice)
    info = dataclasses.replace(
        INFO,
        timezone="Europe/London",
        starts_at=dt.datetime(2026, 10, 25, 0, 30),
        ends_at=dt.datetime(2026, 10, 25, 2, 0),
    )
    # When it is written
    text = build(info)
    # Then the start names one instant, and the end (02:00 GMT, not repeated) stays local
    assert "DTSTART:20261025T003000Z" in text
    assert "DTEND;TZID=Europe/London:20261025T020000" in text
    (read,) = read_with_icaljs([text])
    assert (read["start"], read["end"]) == ("2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z")


@pytest.mark.parametrize(
    "title",
    [
        "Plan END:VEVENT",
        "Plan\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged\nEND:VCALENDAR",
        "END:VEVENT; END:VCALENDAR, ok \\ done",
    ],
)
def test_a_title_with_calendar_syntax_round_trips(title):
    # Given a session whose title looks like the end of the event
    info = dataclasses.replace(INFO, title=title, timezone="Australia/Sydney")
    # When its invitation is written
    text = build(info)
    # Then icalendar and ical.js both read one event, with the title and the attendee intact
    cal = Calendar.from_ical(text)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == title
    assert str(event["ATTENDEE"]) == "mailto:ann@example.org"
    assert str(event["UID"]) == INFO.uid
    (read,) = read_with_icaljs([text])
    assert (read["uid"], read["summary"]) == (INFO.uid, title)
    assert read["start"] == iso(INFO.starts_at.replace(tzinfo=dt.UTC))
