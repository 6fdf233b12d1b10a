"""iCalendar invitations (iTIP REQUEST and CANCEL) for one attendee of a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

from workers.outbound.vtimezone import vtimezone

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
    # A series: its RRULE ("FREQ=WEEKLY;INTERVAL=2;COUNT=6"), the starts it skips (EXDATE)
    # and the last instant it covers (for the VTIMEZONE's years); all naive UTC.
    rrule: str = ""
    exdates: tuple[dt.datetime, ...] = ()
    until: dt.datetime | None = None
    # One occurrence of a series (a CANCEL or a moved occurrence): its RECURRENCE-ID.
    recurrence_id: dt.datetime | None = None


def _address(email: str, name: str = "", **params: str) -> vCalAddress:
    addr = vCalAddress(f"mailto:{email}")
    if name:
        addr.params["CN"] = vText(name)
    addr.params.update(params)
    return addr


def _when(naive_utc: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Return a stored time as written in the invitation: local, or UTC if the wall time repeats."""
    local = naive_utc.replace(tzinfo=dt.UTC).astimezone(tz)
    other = local.replace(fold=1 - local.fold)
    # A wall time of the hour clocks go back through names two instants, and readers differ on
    # which one they take (ical.js the later, RFC 5545 the earlier); UTC names one.
    if other.utcoffset() != local.utcoffset():
        return local.astimezone(dt.UTC)
    return local


#: How every calendar Tandem writes ends, after its one VEVENT.
TAIL = "END:VEVENT\r\nEND:VCALENDAR\r\n"


@lru_cache(maxsize=32)
def _shared_text(info: SessionInfo, method: str, stamp: dt.datetime) -> str:
    """Return the encoded calendar of ``info`` without people, up to the end of its VEVENT.

    Every attendee's copy of an invitation shares this text (the VTIMEZONE is most of it), so
    it is encoded once per session, method and DTSTAMP rather than once per attendee.
    """
    if method not in METHODS:
        raise InviteError(f"unsupported method {method!r}")
    if info.ends_at <= info.starts_at:
        raise InviteError("the session must end after it starts")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    ends = max(info.ends_at, info.until or info.ends_at)
    first, last = (local_time(t, info.timezone).year for t in (info.starts_at, ends))
    cal.add_component(vtimezone(info.timezone, range(first, last + 1)))
    cal.add_component(_event(info, method, stamp))
    # The library escapes line breaks inside values, so the text ends with exactly TAIL.
    return cal.to_ical().decode().removesuffix(TAIL)


def _event(info: SessionInfo, method: str, stamp: dt.datetime) -> Event:
    """Return the VEVENT of ``info`` without its organizer and attendee."""
    tz = ZoneInfo(info.timezone)
    event = Event()
    event.add("uid", info.uid)
    event.add("sequence", info.sequence)
    event.add("dtstamp", stamp.replace(tzinfo=dt.UTC))
    event.add("dtstart", _when(info.starts_at, tz))
    event.add("dtend", _when(info.ends_at, tz))
    _add_recurrence(event, info, tz)
    event.add("summary", info.title)
    if info.location:
        event.add("location", info.location)
    if info.description:
        event.add("description", info.description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _add_recurrence(event: Event, info: SessionInfo, tz: ZoneInfo) -> None:
    """Add a series' RRULE and EXDATEs, or one occurrence's RECURRENCE-ID, in the series' TZID."""
    if info.rrule:
        event.add("rrule", vRecur.from_ical(info.rrule))
    for skipped in sorted(info.exdates):
        event.add("exdate", _local(skipped, tz))
    if info.recurrence_id is not None:
        event.add("recurrence-id", _local(info.recurrence_id, tz))


def _local(naive_utc: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Return a stored time as a wall time of ``tz`` (how a series names its occurrences)."""
    return naive_utc.replace(tzinfo=dt.UTC).astimezone(tz)


def build(
    info: SessionInfo,
    *,
    method: str,
    organizer: str,
    organizer_name: str,
    attendee: str,
    attendee_name: str,
    stamp: dt.datetime,
    others: tuple[tuple[str, str], ...] = (),
) -> str:
    """Return the iCalendar text of a REQUEST or CANCEL of ``info`` for one attendee.

    ``others`` (email, name) are further attendees listed beside them (a pair or a group).
    """
    people = Event()
    people.add("organizer", _address(organizer, organizer_name))
    people.add(
        "attendee",
        _address(
            attendee,
            attendee_name,
            ROLE="REQ-PARTICIPANT",
            PARTSTAT="NEEDS-ACTION",
            RSVP="TRUE",
            CUTYPE="INDIVIDUAL",
        ),
    )
    for email, name in others:
        people.add("attendee", _address(email, name, ROLE="REQ-PARTICIPANT", CUTYPE="INDIVIDUAL"))
    return _shared_text(info, method, stamp) + _lines(people) + TAIL


def _lines(event: Event) -> str:
    """Return the encoded (escaped and folded) property lines of ``event``, without BEGIN/END."""
    lines = [
        event.content_line(name, value).to_ical().decode()
        for name, value in event.property_items(recursive=False)
        if name not in ("BEGIN", "END")
    ]
    return "".join(f"{line}\r\n" for line in lines)


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
