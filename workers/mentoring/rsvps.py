"""Calendar answers to a mentoring series: for the whole series or for one occurrence.

Clients answer one occurrence with a REPLY carrying RECURRENCE-ID, written in UTC, in the
series' TZID or in a zone of their own (Outlook names Windows zones with a VTIMEZONE), or as
a date for all-day events; it is compared as an instant. Outlook leaves ORGANIZER out, so the
UID and the ATTENDEE decide. Outlook sends COUNTER for a single occurrence, iOS a REPLY with
the proposed time in a parameter. A declined or countered occurrence gets other times
offered to everyone; a declined series goes to the coordinator.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from peewee import IntegrityError

from models import Occurrence, OccurrenceRsvp, Person, Rsvp, SessionSeries, clock, db
from models.cycle import PARTSTATS
from workers import settings as settings_mod
from workers.followup.common import coordinators
from workers.inbound import errors
from workers.inbound.kinds import session_reader, to_utc
from workers.mentoring import reschedule
from workers.mentoring.invitations import RHYTHM_TEXT, attendees
from workers.outbound import outbox
from workers.outbound.invites import describe_time
from workers.reading.itip import CalendarReply, parse_all
from workers.tracking import events
from workers.tracking.engagement import RSVP_KINDS


def instant(value: str, zone: str) -> dt.datetime | dt.date | None:
    """Read a RECURRENCE-ID (ISO text) as naive UTC; a bare date stays a date (all-day)."""
    text = (value or "").strip()
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    return to_utc(text, zone)


def find_occurrence(series: SessionSeries, recurrence_id: str) -> Occurrence | None:
    """Return the occurrence a RECURRENCE-ID names, compared as an instant (or local day)."""
    zone = series.session.timezone
    when = instant(recurrence_id, zone)
    if when is None:
        return None
    rows = Occurrence.select().where(Occurrence.series == series)
    if isinstance(when, dt.datetime):
        return rows.where(Occurrence.recurrence_id == when).first()
    tz = ZoneInfo(zone)
    for row in rows:
        if row.recurrence_id.replace(tzinfo=dt.UTC).astimezone(tz).date() == when:
            return row
    return None


@session_reader
def apply_series_reply(row, parsed, cal: CalendarReply, session_id: int):
    """Apply a calendar answer to a mentoring series; None when the session is not one."""
    series = SessionSeries.get_or_none(SessionSeries.session == session_id)
    if series is None:
        return None
    person = _attendee(series, row, cal)
    answers = [c for c in _components(parsed, cal) if c.uid.strip() == cal.uid.strip()] or [cal]
    done = [_apply_one(series, person, answer) for answer in answers]
    return person, "; ".join(done)


def _attendee(series: SessionSeries, row, cal: CalendarReply) -> Person:
    """Return the attendee who answered: one of the series' people, writing from their address."""
    address = (cal.attendee or "").strip().lower().removeprefix("mailto:")
    person = Person.by_email(address) if address else None
    people = {a.person.id for a in attendees(series.group)}
    if person is None or person.id not in people or not person.owns_address(row.sender):
        raise errors.CalendarSenderMismatchError(f"{row.sender} answered for {address or '?'}")
    return person


def _components(parsed, cal: CalendarReply) -> list[CalendarReply]:
    """Return every answer in the message's calendar parts (one per occurrence answered)."""
    found = []
    for method, text in getattr(parsed, "calendar_parts", []) or []:
        for answer in parse_all(text, sender=getattr(parsed, "sender", "") or ""):
            answer.method = answer.method or (method or "").upper() or cal.method
            found.append(answer)
    return found


def _apply_one(series: SessionSeries, person: Person, answer: CalendarReply) -> str:
    """Apply one component: to its occurrence when it names one, else to the whole series."""
    partstat = (answer.partstat or "").upper()
    counter = (answer.method or "").upper() == "COUNTER"
    proposed = to_utc(answer.dtstart, series.session.timezone) if answer.dtstart else None
    if not answer.recurrence_id:
        return _apply_series(series, person, answer, partstat, proposed)
    occurrence = find_occurrence(series, answer.recurrence_id)
    if occurrence is None:
        raise errors.UnknownEventError(
            f"no session of series {series.id} at {answer.recurrence_id}"
        )
    rsvp = OccurrenceRsvp.get_or_none(
        (OccurrenceRsvp.occurrence == occurrence) & (OccurrenceRsvp.person == person)
    )
    if rsvp is not None and answer.sequence < rsvp.sequence:
        raise errors.StaleCalendarReplyError(f"SEQUENCE {answer.sequence} < {rsvp.sequence}")
    before = rsvp.partstat if rsvp else "NEEDS-ACTION"
    values = {
        "partstat": partstat if partstat in PARTSTATS and not counter else before,
        "proposed_start": proposed,
        "proposed_end": to_utc(answer.dtend, series.session.timezone) if answer.dtend else None,
        "comment": (answer.comment or "")[:2000],
        "sequence": answer.sequence,
        "updated_at": clock.now(),
    }
    _save(occurrence, person, values)
    _record(series, person, values["partstat"], before, f"occurrence:{occurrence.id}")
    if occurrence.status == "scheduled" and occurrence.starts_at > clock.now():
        if proposed is not None:
            reschedule.propose(series.group, "counter", person, occurrence, proposed)
        elif values["partstat"] == "DECLINED" and before != "DECLINED":
            reschedule.propose(series.group, "decline", person, occurrence)
    return f"{answer.method or 'REPLY'} {values['partstat']} for occurrence {occurrence.id}"


def _save(occurrence: Occurrence, person: Person, values: dict) -> None:
    where = (OccurrenceRsvp.occurrence == occurrence) & (OccurrenceRsvp.person == person)
    if OccurrenceRsvp.update(values).where(where).execute():
        return
    try:
        with db.atomic():
            OccurrenceRsvp.create(occurrence=occurrence, person=person, **values)
    except IntegrityError:  # another worker recorded this person's first answer meanwhile
        OccurrenceRsvp.update(values).where(where).execute()


def _apply_series(series, person, answer: CalendarReply, partstat: str, proposed) -> str:
    """Record an answer to the whole series; a decline or a counter goes to the coordinator."""
    session_id = series.session_id
    rsvp = Rsvp.get_or_none((Rsvp.session == session_id) & (Rsvp.person == person))
    if rsvp is not None and answer.sequence < rsvp.sequence:
        raise errors.StaleCalendarReplyError(f"SEQUENCE {answer.sequence} < {rsvp.sequence}")
    before = rsvp.partstat if rsvp else "NEEDS-ACTION"
    counter = (answer.method or "").upper() == "COUNTER"
    rsvp = rsvp or Rsvp(session=session_id, person=person)
    if partstat in PARTSTATS and not counter:
        rsvp.partstat = partstat
    rsvp.proposed_start, rsvp.comment = proposed, (answer.comment or "")[:2000]
    rsvp.sequence, rsvp.updated_at = answer.sequence, clock.now()
    rsvp.save()
    _record(series, person, rsvp.partstat, before, f"series:{series.id}")
    if (rsvp.partstat == "DECLINED" and before != "DECLINED") or proposed is not None:
        _tell_coordinators(series, person, rsvp)
    return f"{answer.method or 'REPLY'} {rsvp.partstat} for series {series.id}"


def _record(series, person: Person, partstat: str, before: str, ref: str) -> None:
    """Count a mentee's new answer as an event (tracking reads it for engagement and risk)."""
    kind = RSVP_KINDS.get(partstat)
    mentee = any(a.person.id == person.id and a.role == "mentee" for a in attendees(series.group))
    if kind and partstat != before and mentee:
        events.record(series.programme_id, person.id, kind, ref=ref)


def _tell_coordinators(series: SessionSeries, person: Person, rsvp: Rsvp) -> None:
    role = next((a.role for a in attendees(series.group) if a.person.id == person.id), "")
    url = f"{settings_mod.get().base_url}/mentoring/{series.programme_id}/groups/{series.group_id}"
    for coordinator in coordinators(series.programme_id):
        if coordinator is None or not coordinator.can_receive_email:
            continue
        proposed = rsvp.proposed_start
        length = series.session.ends_at - series.session.starts_at
        ctx = {
            "programme": series.programme.name,
            "person": person.name,
            "role": role,
            "answer": "declined" if rsvp.partstat == "DECLINED" else "answered",
            "title": series.session.title,
            "rhythm": RHYTHM_TEXT[series.rhythm],
            "proposed": describe_time(proposed, proposed + length, coordinator.timezone)
            if proposed
            else "",
            "comment": rsvp.comment,
            "url": url,
        }
        key = f"series:{series.id}:declined:{person.id}:{rsvp.sequence}:{coordinator.id}"
        outbox.queue_email("mentoring-series-declined", coordinator, ctx, key=key)
