"""Read iTIP calendar messages (RFC 5546) that calendar clients send: REPLY, COUNTER, ..."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import icalendar

#: Methods that answer an invitation: the attendee's RSVP or a counter-proposal.
REPLY_METHODS = ("REPLY", "COUNTER")

#: Components that carry an event or a task someone is invited to.
COMPONENTS = ("VEVENT", "VTODO")

#: Participation states RFC 5545 defines; anything else is read as NEEDS-ACTION.
PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED")

#: Apple sends "propose new time" as a REPLY with this ATTENDEE parameter.
APPLE_PROPOSAL = "TO-ALL-PROPOSED-NEW-TIME"

#: One ``;NAME=value`` parameter; names hold no ``=``, so matching stays linear.
PARAM_RE = re.compile(r';([^=;:"]+)=("[^"]*"|[^;"]*)')

#: Comment properties, first found wins (Apple puts the attendee's note in its own property).
COMMENT_PROPS = ("COMMENT", "X-CALENDARSERVER-PRIVATE-COMMENT", "X-RESPONSE-COMMENT")


@dataclass
class CalendarReply:
    """What one iTIP object says: method, event UID, attendee and their answer."""

    method: str
    uid: str
    attendee: str
    partstat: str
    sequence: int = 0
    dtstart: str | None = None  # proposed start (COUNTER, or Apple's proposal in a REPLY)
    dtend: str | None = None
    recurrence_id: str | None = None
    comment: str = ""
    organizer: str = ""


def parse_calendar(ics_text: str, sender: str = "") -> CalendarReply | None:
    """Read the first event of an iCalendar text; None when there is none to read."""
    try:
        return _parse_strictly(ics_text, sender)
    except Exception:  # icalendar raises many kinds of error on broken input
        return _parse_loosely(ics_text, sender)


def parse_all(ics_text: str, sender: str = "") -> list[CalendarReply]:
    """Read every event of an iCalendar text: a reply may answer several occurrences of a
    series at once, one component per RECURRENCE-ID."""
    try:
        cal = icalendar.Calendar.from_ical(ics_text)
        method = str(cal.get("METHOD", "")).strip().upper()
        return [_read_component(c, method, sender) for c in cal.walk() if c.name in COMPONENTS]
    except Exception:  # icalendar raises many kinds of error on broken input
        found = _parse_loosely(ics_text, sender)
        return [found] if found is not None else []


def _parse_strictly(ics_text: str, sender: str) -> CalendarReply | None:
    cal = icalendar.Calendar.from_ical(ics_text)
    method = str(cal.get("METHOD", "")).strip().upper()
    for comp in cal.walk():
        if comp.name in COMPONENTS:
            return _read_component(comp, method, sender)
    return None


def _read_component(comp: icalendar.cal.Component, method: str, sender: str) -> CalendarReply:
    attendees = comp.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    chosen = _choose_attendee(
        [
            (str(a), {k.upper(): str(v) for k, v in getattr(a, "params", {}).items()})
            for a in attendees
        ],
        sender,
    )
    address, params = chosen or ("", {})
    reply = CalendarReply(
        method=method,
        uid=str(_first(comp, "UID") or "").strip(),
        attendee=address_of(address),
        partstat=_partstat(params),
        sequence=_sequence(_first(comp, "SEQUENCE")),
        recurrence_id=_when(comp, "RECURRENCE-ID"),
        comment=next((str(_first(comp, p)).strip() for p in COMMENT_PROPS if p in comp), ""),
        organizer=address_of(str(_first(comp, "ORGANIZER") or "")),
    )
    if method == "COUNTER":
        reply.dtstart, reply.dtend = _when(comp, "DTSTART"), _when(comp, "DTEND")
    elif APPLE_PROPOSAL in params:
        reply.dtstart = _apple_proposal(params[APPLE_PROPOSAL])
    return reply


def _choose_attendee(
    attendees: list[tuple[str, dict[str, str]]], sender: str
) -> tuple[str, dict[str, str]] | None:
    """Prefer the sender's own line, then one that answered, then the first."""
    attendees = [(_email_of(address, params), params) for address, params in attendees]
    sender = sender.strip().lower()
    for address, params in attendees:
        if sender and address_of(address) == sender:
            return address, params
    for address, params in attendees:
        if _partstat(params) != "NEEDS-ACTION":
            return address, params
    return attendees[0] if attendees else None


def _email_of(address: str, params: dict[str, str]) -> str:
    """Use the EMAIL parameter (RFC 7986) when the calendar address is not an email."""
    email = params.get("EMAIL", "").strip().strip('"')
    if "@" not in address_of(address) and "@" in email:
        return email
    return address


def address_of(value: str) -> str:
    """Return the lower-case email of a calendar address, without ``mailto:``."""
    value = value.strip().strip('"').strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    return value.strip().lower()


def _partstat(params: dict[str, str]) -> str:
    value = params.get("PARTSTAT", "NEEDS-ACTION").strip().strip('"').upper()
    return value if value in PARTSTATS else "NEEDS-ACTION"


def _sequence(value: object) -> int:
    try:
        return int(str(value).strip()) if value is not None else 0
    except ValueError:
        return 0


def _first(comp: icalendar.cal.Component, name: str) -> object:
    """Return a property's value, the first one when a broken object repeats it."""
    value = comp.get(name)
    return value[0] if isinstance(value, list) and value else value


def _when(comp: icalendar.cal.Component, name: str) -> str | None:
    prop = _first(comp, name)
    if prop is None:
        return None
    value = getattr(prop, "dt", prop)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).strip() or None


def _apple_proposal(value: str) -> str | None:
    match = re.search(r"DTSTART:(\d{8}T\d{6}Z?)", value)
    return _iso(match.group(1)) if match else None


def _iso(value: str) -> str:
    """Turn an iCalendar date or date-time (``20201225T083000Z``) into ISO 8601."""
    value = value.strip()
    try:
        if len(value) == 8:
            return dt.datetime.strptime(value, "%Y%m%d").date().isoformat()
        parsed = dt.datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        return value
    return (parsed.replace(tzinfo=dt.UTC) if value.endswith("Z") else parsed).isoformat()


def _parse_loosely(ics_text: str, sender: str) -> CalendarReply | None:
    """Read the few lines we need from iCalendar text the strict parser refuses."""
    lines = re.sub(r"\r?\n[ \t]", "", ics_text).splitlines()
    props: dict[str, str] = {}
    attendees: list[tuple[str, dict[str, str]]] = []
    in_comp = False
    for line in lines:
        name, params, value = _split_line(line)
        if name == "BEGIN" and value.upper() in COMPONENTS:
            in_comp = True
        elif name == "END" and value.upper() in COMPONENTS:
            break
        elif name == "ATTENDEE" and in_comp:
            attendees.append((value, params))
        elif name and (in_comp or name == "METHOD"):
            props.setdefault(name, value)
    if not in_comp:
        return None
    address, params = _choose_attendee(attendees, sender) or ("", {})
    method = props.get("METHOD", "").upper()
    reply = CalendarReply(
        method=method,
        uid=props.get("UID", ""),
        attendee=address_of(address),
        partstat=_partstat(params),
        sequence=_sequence(props.get("SEQUENCE")),
        recurrence_id=_iso(props["RECURRENCE-ID"]) if "RECURRENCE-ID" in props else None,
        comment=next((props[p] for p in COMMENT_PROPS if p in props), ""),
        organizer=address_of(props.get("ORGANIZER", "")),
    )
    if method == "COUNTER":
        reply.dtstart = _iso(props["DTSTART"]) if "DTSTART" in props else None
        reply.dtend = _iso(props["DTEND"]) if "DTEND" in props else None
    return reply


def _split_line(line: str) -> tuple[str, dict[str, str], str]:
    """Split ``NAME;P=V;Q="a:b":value`` into name, parameters and value, quotes respected."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, value = line[:index], line[index + 1 :]
            break
    else:
        return "", {}, ""
    name = head.split(";", 1)[0].strip()
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        return "", {}, ""
    params = {k.strip().upper(): v.strip('"') for k, v in PARAM_RE.findall(head)}
    return name.upper(), params, value.strip()
