"""Messages that are not replies in words: bounces and calendar replies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import IntegrityError

from models import AuditEvent, InboundMessage, OutboundEmail, Person, Rsvp, Session, clock, db
from models.cycle import PARTSTATS
from workers import settings as settings_mod
from workers.inbound import errors
from workers.outbound.tokens import parse_bounce_address
from workers.runtime.plainsql import first_where, insert_row, row_by_id, update_by_id
from workers.tracking import engagement

#: Soft bounces (4.x.x) an address may collect before it is treated as hard-bounced.
SOFT_BOUNCE_LIMIT = 3

#: The columns of a sent email that recording its bounce reads.
BOUNCED_COLUMNS = ("id", "person", "to_addr", "message_id")

#: DSN actions that say the email did not arrive (a "delayed" notice is not a failure).
FAILED_ACTIONS = ("failed", "")


def bounced_email(row: InboundMessage, parsed, bounce) -> OutboundEmail | None:
    """Find the Tandem email a bounce reports: by VERP return path, else by Message-ID."""
    secret = settings_mod.get().verification_keys
    email_id = getattr(bounce, "verp_email_id", None)
    if email_id is None:
        for address in [*row.rcpt_to.split(","), *(parsed.to or [])]:
            email_id = parse_bounce_address(secret, str(address)) if address else None
            if email_id is not None:
                break
    if email_id is not None:
        return row_by_id(OutboundEmail, email_id, BOUNCED_COLUMNS)
    original = (getattr(bounce, "original_message_id", "") or "").strip()
    if not original:
        return None
    found = first_where(OutboundEmail, BOUNCED_COLUMNS, message_id=original)
    recipient = (getattr(bounce, "recipient", "") or "").strip().lower()
    # Without a signed return path, the report must at least name the address we wrote to.
    if found is not None and recipient and recipient != found.to_addr.lower():
        return None
    return found


def record_bounce(row: InboundMessage, parsed, bounce) -> str:
    """Mark the bounced email and its person's address; return what was recorded."""
    if bounce is None:
        return "bounce without details"
    outbound = bounced_email(row, parsed, bounce)
    if outbound is None:
        return f"bounce for an email Tandem cannot identify ({bounce.recipient or '?'})"
    row.in_reply_to = outbound
    action = (bounce.action or "").lower()
    if action not in FAILED_ACTIONS:
        return f"{action} notice for email {outbound.id}, nothing marked"
    diagnostic = f"{bounce.status or ''} {bounce.diagnostic or ''}".strip()[:2000]
    update_by_id(OutboundEmail, outbound.id, {"status": "bounced", "last_error": diagnostic})
    state = _mark_person(outbound.person_id, bool(bounce.hard)) if outbound.person_id else "-"
    row.person = outbound.person_id
    if outbound.person_id:
        engagement.note_everywhere(outbound.person_id, "bounce", f"email:{outbound.id}")
    AuditEvent.record("email.bounced", outbound, status=bounce.status, hard=bool(bounce.hard))
    return f"email {outbound.id} bounced ({bounce.status or 'no status'}); address {state}"


def _mark_person(person_id: int, hard: bool) -> str:
    person = row_by_id(Person, person_id, ("id", "bounce_state", "soft_bounces"))
    if hard:
        state, soft = "hard", person.soft_bounces
    else:
        soft = person.soft_bounces + 1
        state = "hard" if soft >= SOFT_BOUNCE_LIMIT else "soft"
    if person.bounce_state == "hard":
        state = "hard"
    update_by_id(Person, person_id, {"bounce_state": state, "soft_bounces": soft})
    return state


#: Calendar answers about sessions that another part of Tandem reads itself (a mentoring
#: series, answered per occurrence): each takes (row, parsed, cal, session id) and returns
#: (person, summary), or None when the session is not one of its own.
SESSION_READERS: list[Callable[..., tuple[Person, str] | None]] = []


def session_reader(func: Callable[..., tuple[Person, str] | None]) -> Callable:
    """Register the decorated function as a reader of calendar answers (SESSION_READERS)."""
    SESSION_READERS.append(func)
    return func


def apply_calendar(row: InboundMessage, parsed, cal) -> tuple[Person, str]:
    """Update the attendee's RSVP from a calendar REPLY or COUNTER; return person and summary."""
    session = first_where(Session, ("id", "programme", "timezone"), uid=(cal.uid or "").strip())
    if session is None:
        raise errors.UnknownEventError(f"no session with UID {cal.uid!r}")
    row.object_type, row.object_id = "session", session.id
    for reader in SESSION_READERS:
        found = reader(row, parsed, cal, session.id)
        if found is not None:
            return found
    attendee = (cal.attendee or "").strip().lower().removeprefix("mailto:")
    person = _person_by_email(attendee) if attendee else None
    if person is None or not person.owns_address(row.sender):
        raise errors.CalendarSenderMismatchError(f"{row.sender} answered for {attendee or '?'}")
    rsvp = first_where(Rsvp, None, session=session.id, person=person.id)
    if rsvp is None:
        rsvp = Rsvp(session=session.id, person=person.id)
    sequence = int(cal.sequence or 0)
    if sequence < rsvp.sequence:
        raise errors.StaleCalendarReplyError(f"SEQUENCE {sequence} < {rsvp.sequence} recorded")
    partstat = (cal.partstat or "").upper()
    counter = (cal.method or "").upper() == "COUNTER"
    if partstat in PARTSTATS and not (counter and partstat == "NEEDS-ACTION"):
        rsvp.partstat = partstat
    if cal.dtstart:
        rsvp.proposed_start = to_utc(cal.dtstart, session.timezone)
        rsvp.proposed_end = to_utc(cal.dtend, session.timezone) if cal.dtend else None
    rsvp.comment = (cal.comment or "")[:2000]
    rsvp.sequence = sequence
    rsvp.updated_at = clock.now()
    rsvp.id = _save_answer(rsvp, {name: rsvp.__data__.get(name) for name in RSVP_ANSWER})
    AuditEvent.record("rsvp.updated", rsvp, actor=f"person:{person.id}", partstat=rsvp.partstat)
    engagement.note_rsvp(session.programme_id, person.id, rsvp.partstat, session.id)
    return person, f"{cal.method or 'REPLY'} {rsvp.partstat} for session {session.id}"


#: The columns of an RSVP a calendar answer sets.
RSVP_ANSWER = ("partstat", "proposed_start", "proposed_end", "comment", "sequence", "updated_at")


def _save_answer(rsvp: Rsvp, values: dict) -> int:
    """Write the answer to the RSVP row (made when it is the first); return the row's id."""
    if rsvp.id is not None:
        update_by_id(Rsvp, rsvp.id, values)
        return rsvp.id
    whose = {"session": rsvp.session_id, "person": rsvp.person_id}
    try:
        with db.atomic():
            return insert_row(Rsvp, {**whose, **values})
    except IntegrityError:  # another worker recorded this person's first answer meanwhile
        found = first_where(Rsvp, ("id",), **whose)
        update_by_id(Rsvp, found.id, values)
        return found.id


def _person_by_email(address: str) -> Person | None:
    """Return the person with this address (one cached statement), else by an alias."""
    return first_where(Person, None, email=address) or Person.by_email(address)


def to_utc(value, timezone: str = "UTC") -> dt.datetime | None:
    """Read an ISO date or date-time (naive ones in ``timezone``) as naive UTC, or None."""
    try:
        when = value if isinstance(value, dt.date) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    if when.tzinfo is None:
        try:
            when = when.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(tzinfo=None)
