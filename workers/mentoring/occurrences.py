"""A series' occurrences: expanded from the invitation itself, kept as rows, each with its jobs.

The occurrences are what ``recurring-ical-events`` reads in the series' own invitation (RRULE,
EXDATE and TZID, through daylight-saving changes), exactly as a calendar client expands it;
each becomes an ``Occurrence`` row keyed by its RECURRENCE-ID, so answers, attendance and
feedback attach to it. One occurrence can be moved or cancelled without touching the series.
"""

from __future__ import annotations

import datetime as dt

import recurring_ical_events
from icalendar import Calendar

from models import Occurrence, OccurrenceRsvp, Session, SessionSeries, clock, db
from workers import settings as settings_mod
from workers.mentoring.errors import SessionError
from workers.mentoring.invitations import next_stamp, occurrence_drafts, series_info
from workers.outbound import outbox
from workers.outbound.invites import build
from workers.outbound.outbox import queue_many
from workers.runtime import jobs

#: After an occurrence ends: ask for feedback and reflection.
END_JOB = "mentoring.occurrence_end"

#: Before an occurrence: remind both people, with the action plan and goals to revisit.
BEFORE_JOB = "mentoring.occurrence_before"

#: How long before an occurrence its reminder goes out.
BEFORE = dt.timedelta(days=2)

#: How far ahead a series is expanded (its COUNT ends it long before).
HORIZON = dt.timedelta(days=3 * 366)


def series_calendar(series: SessionSeries) -> str:
    """Return the series' invitation as an iCalendar text (for expanding it)."""
    domain = settings_mod.get().reply_domain
    return build(
        series_info(series),
        method="REQUEST",
        organizer=f"tandem@{domain}",
        organizer_name="Tandem",
        attendee=series.group.mentor.email,
        attendee_name=series.group.mentor.name,
        stamp=series.stamp.replace(microsecond=0),
    )


def expand(series: SessionSeries) -> list[tuple[dt.datetime, dt.datetime, dt.datetime]]:
    """Return (RECURRENCE-ID, start, end) of every occurrence, naive UTC, in order."""
    cal = Calendar.from_ical(series_calendar(series))
    first = series.session.starts_at.replace(tzinfo=dt.UTC)
    found = []
    for event in recurring_ical_events.of(cal).between(first, first + HORIZON):
        start, end = (_utc(event[name].dt) for name in ("DTSTART", "DTEND"))
        rid = event.get("RECURRENCE-ID")
        found.append((_utc(rid.dt) if rid is not None else start, start, end))
    return sorted(found)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def materialize(series: SessionSeries) -> list[Occurrence]:
    """Make a row (and its jobs) for each occurrence not kept yet; return the new ones."""
    known = {o.recurrence_id for o in series.occurrences}
    fresh = []
    for rid, start, end in expand(series):
        if rid in known:
            continue
        occurrence = Occurrence.create(
            series=series, recurrence_id=rid, starts_at=start, ends_at=end
        )
        schedule_jobs(occurrence)
        fresh.append(occurrence)
    return fresh


def schedule_jobs(occurrence: Occurrence) -> None:
    """Schedule the reminder before an occurrence and the feedback request after it."""
    key = f"mentoring-occurrence:{occurrence.id}"
    jobs.schedule(END_JOB, f"{key}:end", occurrence.ends_at, occurrence_id=occurrence.id)
    before = occurrence.starts_at - BEFORE
    if before > clock.now():
        jobs.schedule(BEFORE_JOB, f"{key}:before", before, occurrence_id=occurrence.id)


def upcoming(series: SessionSeries) -> list[Occurrence]:
    """Return the series' occurrences still to come, soonest first."""
    return list(
        Occurrence.select()
        .where(
            (Occurrence.series == series)
            & (Occurrence.status == "scheduled")
            & (Occurrence.ends_at > clock.now())
        )
        .order_by(Occurrence.starts_at)
    )


def _bump(occurrence: Occurrence) -> int:
    """Raise the series' SEQUENCE and DTSTAMP for a change to one occurrence; return it."""
    series = occurrence.series
    session = series.session
    sequence = session.sequence + 1
    Session.update(sequence=sequence).where(Session.id == session.id).execute()
    session.sequence = sequence
    series.stamp = next_stamp(series)
    SessionSeries.update(stamp=series.stamp).where(SessionSeries.id == series.id).execute()
    occurrence.sequence = sequence
    return sequence


def cancel_occurrence(occurrence_id: int, why: str = "") -> Occurrence:
    """Cancel one occurrence: a CANCEL with its RECURRENCE-ID to everyone, the series left be."""
    with outbox.transaction():
        occurrence = Occurrence.get_by_id(occurrence_id)
        if occurrence.status != "scheduled":
            raise SessionError(f"that session is {occurrence.status} already")
        _bump(occurrence)
        occurrence.status = "cancelled"
        occurrence.save()
        jobs.cancel(f"mentoring-occurrence:{occurrence.id}:")
        queue_many(occurrence_drafts(occurrence, "CANCEL", why))
    return occurrence


def move_occurrence(occurrence_id: int, start: dt.datetime, why: str = "") -> Occurrence:
    """Move one occurrence to ``start`` (naive UTC), keeping its length; everyone is told."""
    with outbox.transaction():
        occurrence = Occurrence.get_by_id(occurrence_id)
        if occurrence.status != "scheduled":
            raise SessionError(f"that session is {occurrence.status}")
        length = occurrence.ends_at - occurrence.starts_at
        _bump(occurrence)
        occurrence.starts_at, occurrence.ends_at = start, start + length
        occurrence.moved = True
        occurrence.save()
        # A new time needs new answers: earlier ones were for the old time.
        OccurrenceRsvp.update(
            partstat="NEEDS-ACTION", proposed_start=None, proposed_end=None
        ).where(OccurrenceRsvp.occurrence == occurrence).execute()
        jobs.cancel(f"mentoring-occurrence:{occurrence.id}:")
        _reschedule(occurrence)
        queue_many(occurrence_drafts(occurrence, "REQUEST", why))
    return occurrence


def _reschedule(occurrence: Occurrence) -> None:
    """Schedule a moved occurrence's jobs again (cancelled ones keep their keys: reopen them)."""
    with db.atomic():
        for suffix, when in (
            ("end", occurrence.ends_at),
            ("before", occurrence.starts_at - BEFORE),
        ):
            key = f"mentoring-occurrence:{occurrence.id}:{suffix}"
            kind = END_JOB if suffix == "end" else BEFORE_JOB
            if suffix == "before" and when <= clock.now():
                continue
            job = jobs.schedule(kind, key, when, occurrence_id=occurrence.id)
            if job.status == "cancelled":
                type(job).update(status="pending", run_at=when, enqueued_at=None).where(
                    type(job).id == job.id
                ).execute()
            else:
                jobs.reschedule(key, when)
