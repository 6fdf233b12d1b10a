"""Attendance from RSVPs plus one line: after each session its facilitator or mentor is asked
"Who attended?" and answers ``all``, ``all but Sam`` or names; nobody ticks a register.

A mentoring occurrence is asked of the group's mentor, about its mentees (unless the mentor's
feedback already said who came); a programme session of the programme's facilitator (else
its coordinator), about the participants invited to it. The daily pass asks about the sessions
that ended in the last ``LOOKBACK``; each is asked once (the check's row is unique per
session). The answer marks each person and counts as attendance or absence events.
"""

from __future__ import annotations

import datetime as dt

from models import (
    AttendanceCheck,
    AttendanceMark,
    Membership,
    Occurrence,
    OccurrenceRsvp,
    Person,
    Programme,
    Rsvp,
    Session,
    SessionSeries,
    clock,
    db,
)
from models.tracking import PARTICIPANT_ROLE
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.mentoring.invitations import attendees
from workers.outbound import outbox
from workers.outbound.invites import describe_time
from workers.runtime.plainsql import row_by_id
from workers.tracking import events
from workers.tracking.headcount_grammar import HeadcountError, read_headcount
from workers.tracking.interventions import staff_of

#: How far back the daily pass looks for sessions that ended without a check.
LOOKBACK = dt.timedelta(days=3)


def invited(subject: str, subject_id: int) -> tuple[list[Person], dict[int, str]]:
    """Return the participants a session was for, by name, and their calendar answers."""
    if subject == "occurrence":
        occurrence = Occurrence.get_by_id(subject_id)
        people = [a.person for a in attendees(occurrence.series.group) if a.role == "mentee"]
        rows = OccurrenceRsvp.select().where(OccurrenceRsvp.occurrence == subject_id)
    else:
        session = Session.get_by_id(subject_id)
        mentees = Membership.select(Membership.person).where(
            (Membership.programme == session.programme_id) & (Membership.role == PARTICIPANT_ROLE)
        )
        query = (
            Person.select().join(Rsvp).where((Rsvp.session == subject_id) & Person.id.in_(mentees))
        )
        people = list(query)
        rows = Rsvp.select().where(Rsvp.session == subject_id)
    answers = {row.person_id: row.partstat for row in rows}
    return sorted(people, key=lambda p: (p.name, p.id)), answers


def _ended(
    programme_id: int, now: dt.datetime
) -> list[tuple[str, int, str, dt.datetime, dt.datetime]]:
    """Return (subject, id, title, start, end) of the sessions that ended lately."""
    since = now - LOOKBACK
    occurrences = (
        Occurrence.select(Occurrence, SessionSeries, Session)
        .join(SessionSeries)
        .join(Session)
        .where(
            (SessionSeries.programme == programme_id)
            & (Occurrence.status != "cancelled")
            & (Occurrence.ends_at > since)
            & (Occurrence.ends_at <= now)
        )  # fmt: skip
    )
    in_series = SessionSeries.select(SessionSeries.session)
    sessions = Session.select().where(
        (Session.programme == programme_id) & (Session.status != "cancelled")
        & (Session.ends_at > since) & (Session.ends_at <= now) & Session.id.not_in(in_series)
    )  # fmt: skip
    found = [
        ("occurrence", o.id, o.series.session.title, o.starts_at, o.ends_at) for o in occurrences
    ]
    return found + [("session", s.id, s.title, s.starts_at, s.ends_at) for s in sessions]


def _asked(subject: str, subject_id: int, programme_id: int) -> Person | None:
    if subject == "occurrence":
        mentor = Occurrence.get_by_id(subject_id).series.group.mentor
        return mentor if mentor.can_receive_email else None
    return staff_of(programme_id)


def send_checks(programme_id: int, now: dt.datetime | None = None) -> int:
    """Ask "who attended?" about every session of the programme that ended lately; return how
    many were asked (each session once)."""
    now = now or clock.now()
    asked_before = {
        (c.subject, c.subject_id)
        for c in AttendanceCheck.select().where(AttendanceCheck.programme == programme_id)
    }
    programme = Programme.get_by_id(programme_id)
    sent = 0
    for subject, subject_id, title, start, end in _ended(programme_id, now):
        if (subject, subject_id) in asked_before:
            continue
        people, answers = invited(subject, subject_id)
        to = _asked(subject, subject_id, programme_id)
        if not people or to is None or _all_known(subject, subject_id, people):
            continue
        ctx = {"programme": programme.name, "title": title,
               "when": describe_time(start, end, to.timezone),
               "people": [{"number": n, "name": p.name,
                           "rsvp": answers.get(p.id, "NEEDS-ACTION").lower()}
                          for n, p in enumerate(people, 1)]}  # fmt: skip
        with outbox.transaction():
            check = AttendanceCheck.create(
                programme=programme_id,
                subject=subject,
                subject_id=subject_id,
                asked=to,
                sent_at=now,
            )
            key = f"headcount:{subject}:{subject_id}"
            outbox.queue_email("headcount", to, ctx, key=key, about=("headcount", check.id))
        sent += 1
    return sent


def _all_known(subject: str, subject_id: int, people: list[Person]) -> bool:
    """Tell whether the mentor's feedback already said who came to an occurrence."""
    if subject != "occurrence":
        return False
    known = OccurrenceRsvp.select().where(
        (OccurrenceRsvp.occurrence == subject_id) & OccurrenceRsvp.attended.is_null(False)
    )
    return {row.person_id for row in known} >= {p.id for p in people}


def record_marks(check: AttendanceCheck, marks: dict[int, bool], by: str) -> list[str]:
    """Keep who attended (person id -> came); count changes as events; return what changed."""
    now, changed = clock.now(), []
    with db.atomic():
        for person_id, came in marks.items():
            where = (AttendanceMark.check == check.id) & (AttendanceMark.person == person_id)
            before = AttendanceMark.get_or_none(where)
            if before is not None and before.attended == came:
                continue
            if before is None:
                AttendanceMark.create(
                    check=check.id, person=person_id, attended=came, updated_at=now
                )
            else:
                AttendanceMark.update(attended=came, updated_at=now).where(where).execute()
            if check.subject == "occurrence" and not _set_rsvp(
                check.subject_id, person_id, came, by
            ):
                continue  # the mentor's feedback recorded it already
            kind = "attendance" if came else "absence"
            ref = f"{check.subject}:{check.subject_id}"
            events.replace(check.programme_id, person_id, kind, ref, events.SESSION_KINDS, now)
            changed.append(person_id)
    return changed


def _set_rsvp(occurrence_id: int, person_id: int, came: bool, by: str) -> bool:
    """Mark the occurrence's own record; False when it already said the same."""
    where = (OccurrenceRsvp.occurrence == occurrence_id) & (OccurrenceRsvp.person == person_id)
    row = OccurrenceRsvp.get_or_none(where)
    if row is not None and row.attended == came:
        return False
    if row is None:
        OccurrenceRsvp.create(
            occurrence=occurrence_id, person=person_id, attended=came, attended_by=by
        )
    else:
        OccurrenceRsvp.update(attended=came, attended_by=by).where(where).execute()
    return True


@applier("headcount")
def apply_headcount(ctx: ReplyContext) -> str:
    """Record who attended from the one-line answer, and confirm it."""
    check = row_by_id(AttendanceCheck, ctx.object_id)
    if check is None or check.asked_id != ctx.person.id:
        raise UnknownObjectError(f"attendance check {ctx.object_id} does not exist")
    people, _ = invited(check.subject, check.subject_id)
    try:
        came = read_headcount(ctx.reply_text, [p.name for p in people], (ctx.person.name,))
    except HeadcountError as exc:
        raise AmbiguousReplyError(
            "the answer names nobody clearly", not_understood=[str(exc)]
        ) from None
    marks = {p.id: n in came for n, p in enumerate(people, 1)}
    with outbox.transaction():
        record_marks(check, marks, f"person:{ctx.person.id}")
        AttendanceCheck.update(answered_at=clock.now()).where(
            AttendanceCheck.id == check.id
        ).execute()
        recorded = [f"{p.name}: {'attended' if marks[p.id] else 'did not attend'}" for p in people]
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {"title": "who attended", "recorded": recorded, "not_understood": [], "late": False},
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("headcount", check.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"{len(came)} of {len(people)} attended"
