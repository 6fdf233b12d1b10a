"""iCalendar invitations (iTIP REQUEST and CANCEL) for one attendee of a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText
from icalendar.parser import Contentline

#: PRODID of every calendar object Tandem writes.
PRODID = "-//Tandem//Follow-up sessions//EN"

#: The iTIP methods Tandem sends.
METHODS = ("REQUEST", "CANCEL")


class InviteError(ValueError):
    """The session cannot be written as an invitation (bad method, zone or times)."""


@dataclass(frozen=True)
class SessionInfo:
    """What an invitation says about a session (times naive UTC, as stored)."""

    uid: str
    sequence: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    location: str = ""
    description: str = ""


@lru_cache(maxsize=64)
def _vtimezone_text(zone: str, year: int) -> str:
    """Return the VTIMEZONE block for ``zone`` around ``year`` (built once per zone)."""
    cal = Calendar()
    event = Event()
    tz = ZoneInfo(zone)
    event.add("dtstart", dt.datetime(year, 6, 1, 12, tzinfo=tz))
    cal.add_component(event)
    cal.add_missing_timezones()
    blocks = [c.to_ical().decode() for c in cal.subcomponents if c.name == "VTIMEZONE"]
    return "".join(blocks)


def _address(email: str, name: str = "", **params: str) -> vCalAddress:
    addr = vCalAddress(f"mailto:{email}")
    if name:
        addr.params["CN"] = vText(name)
    addr.params.update(params)
    return addr


def _line(name: str, address: vCalAddress) -> str:
    """Return one folded content line for an ORGANIZER or ATTENDEE property."""
    line = Contentline.from_parts(name, address.params, address.to_ical().decode())
    return line.to_ical().decode() + "\r\n"


@lru_cache(maxsize=32)
def _template(info: SessionInfo, method: str, stamp: dt.datetime) -> str:
    """Return the calendar of ``info`` without its people (shared by every recipient)."""
    if method not in METHODS:
        raise InviteError(f"unsupported method {method!r}")
    if info.ends_at <= info.starts_at:
        raise InviteError("the session must end after it starts")
    tz = ZoneInfo(info.timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", info.uid)
    event.add("sequence", info.sequence)
    event.add("dtstamp", stamp.replace(tzinfo=dt.UTC))
    event.add("dtstart", info.starts_at.replace(tzinfo=dt.UTC).astimezone(tz))
    event.add("dtend", info.ends_at.replace(tzinfo=dt.UTC).astimezone(tz))
    event.add("summary", info.title)
    if info.location:
        event.add("location", info.location)
    if info.description:
        event.add("description", info.description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    text = cal.to_ical().decode()
    vtz = _vtimezone_text(info.timezone, info.starts_at.year)
    return text.replace("BEGIN:VEVENT", vtz + "BEGIN:VEVENT", 1)


def build(
    info: SessionInfo,
    *,
    method: str,
    organizer: str,
    organizer_name: str,
    attendee: str,
    attendee_name: str,
    stamp: dt.datetime,
) -> str:
    """Return the iCalendar text of a REQUEST or CANCEL of ``info`` for one attendee."""
    # 10,000 invitations share one rendered event; only the two people lines differ.
    people = _line("ORGANIZER", _address(organizer, organizer_name)) + _line(
        "ATTENDEE",
        _address(
            attendee,
            attendee_name,
            ROLE="REQ-PARTICIPANT",
            PARTSTAT="NEEDS-ACTION",
            RSVP="TRUE",
            CUTYPE="INDIVIDUAL",
        ),
    )
    return _template(info, method, stamp).replace("END:VEVENT", people + "END:VEVENT", 1)


def local_time(when: dt.datetime, zone: str) -> dt.datetime:
    """Return naive-UTC ``when`` as an aware time in ``zone``."""
    return when.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))


def describe_time(starts_at: dt.datetime, ends_at: dt.datetime, zone: str) -> str:
    """Return a session's time as read in ``zone``: 'Tue 1 Dec 2026, 14:00–15:00 (Europe/Paris)'."""
    start, end = local_time(starts_at, zone), local_time(ends_at, zone)
    day = f"{start:%a} {start.day} {start:%b %Y}"
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M} ({zone})"
    return f"{day} {start:%H:%M} – {end:%a} {end.day} {end:%b %Y} {end:%H:%M} ({zone})"
