"""Mentor orientation: a session with a calendar invitation, and who attended it.

A coordinator sets up an orientation session and invites the programme's mentors who have
not done orientation; each gets a calendar invitation (their RSVP is recorded like any
other session's). Attendance is then recorded by a coordinator's tick on the page, or by the
facilitator's one-line reply (``attendance``); a mentor who attended has ``orientation_done``
set on their profile, which lets the matcher pair them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from models import (
    Membership,
    MentorProfile,
    Orientation,
    OrientationAttendance,
    Person,
    Programme,
    Rsvp,
    Session,
    clock,
    db,
)
from workers import settings as settings_mod
from workers.followup.common import organizer_address, session_ctx
from workers.mentoring.availability import AvailabilityError, check_zone
from workers.mentoring.errors import OrientationError
from workers.outbound import outbox
from workers.outbound.invites import SessionInfo, build
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs

#: The job that asks the facilitator who attended, once the session has ended.
CONFIRM_JOB = "mentoring.orientation_confirm"


@dataclass(frozen=True)
class OrientationSpec:
    """What a coordinator gives for an orientation session (times naive UTC)."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    location: str = ""
    facilitator_id: int | None = None


def create_orientation(programme: Programme, spec: OrientationSpec, by: str) -> Orientation:
    """Set up an orientation session; ask its facilitator who attended once it has ended."""
    if not spec.title.strip():
        raise OrientationError("the orientation needs a title")
    if spec.ends_at <= spec.starts_at:
        raise OrientationError("the orientation must end after it starts")
    try:
        check_zone(spec.timezone)
    except AvailabilityError as exc:
        raise OrientationError(str(exc)) from None
    with db.atomic():
        session = Session.create(
            programme=programme,
            title=spec.title.strip()[:200],
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            timezone=spec.timezone,
            location=spec.location.strip()[:250],
            uid=f"{uuid.uuid4()}@{settings_mod.get().reply_domain}",
        )
        orientation = Orientation.create(
            programme=programme, session=session, facilitator=spec.facilitator_id, created_by=by
        )
        if spec.facilitator_id is not None:
            key = f"orientation:{orientation.id}:confirm"
            jobs.schedule(CONFIRM_JOB, key, spec.ends_at, orientation_id=orientation.id)
    return orientation


def mentors_without_orientation(programme: Programme) -> list[Person]:
    """Return the programme's reachable mentors whose profile does not say orientation done."""
    done = MentorProfile.select(MentorProfile.person).where(
        (MentorProfile.programme == programme) & MentorProfile.orientation_done
    )
    query = (
        Person.select()
        .join(Membership)
        .where(
            (Membership.programme == programme)
            & (Membership.role == "mentor")
            & Person.id.not_in(done)
        )
        .order_by(Person.name, Person.id)
    )
    return [person for person in query if person.can_receive_email]


def invite_draft(orientation: Orientation, session: Session, person: Person) -> Draft:
    """Return the orientation's calendar invitation for one mentor."""
    organizer = organizer_address(person.id, session)
    info = SessionInfo(
        uid=session.uid,
        sequence=session.sequence,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=session.timezone,
        location=session.location,
        description="Orientation for mentors: how the programme works and what to expect.",
    )
    ics = build(
        info,
        method="REQUEST",
        organizer=organizer,
        organizer_name="Tandem",
        attendee=person.email,
        attendee_name=person.name,
        stamp=clock.now().replace(microsecond=0),
    )
    ctx = {
        "programme": orientation.programme.name,
        "session": session_ctx(session, person.timezone or session.timezone),
    }
    key = f"orientation:{orientation.id}:invite:{person.id}:seq{session.sequence}"
    return Draft(
        "mentoring-orientation",
        person,
        ctx,
        key,
        ("session", session.id),
        ics,
        "REQUEST",
        reply_to=organizer,
    )


def invite(orientation_id: int, people: list[Person] | None = None) -> int:
    """Invite mentors (by default every one without orientation) not invited yet; return
    the number of invitations queued."""
    orientation = Orientation.get_by_id(orientation_id)
    session = orientation.session
    if session.status == "cancelled":
        raise OrientationError("the orientation was cancelled")
    if people is None:
        people = mentors_without_orientation(orientation.programme)
    invited = {a.person_id for a in orientation.attendances}
    fresh = [person for person in people if person.id not in invited]
    with outbox.transaction():
        for person in fresh:
            OrientationAttendance.create(orientation=orientation, person=person)
        queue_many([invite_draft(orientation, session, person) for person in fresh])
    return len(fresh)


def attendance(orientation: Orientation) -> list[dict]:
    """Return each invited mentor with their RSVP and whether they attended, by name."""
    answers = Rsvp.select().where(Rsvp.session == orientation.session_id)
    rsvps = {rsvp.person_id: rsvp.partstat for rsvp in answers}
    rows = (
        OrientationAttendance.select(OrientationAttendance, Person)
        .join(Person)
        .where(OrientationAttendance.orientation == orientation)
        .order_by(Person.name, Person.id)
    )
    return [
        {
            "id": row.id,
            "person": row.person,
            "partstat": rsvps.get(row.person_id, "NEEDS-ACTION"),
            "attended": row.attended,
            "confirmed_by": row.confirmed_by,
        }
        for row in rows
    ]


def record_attendance(orientation: Orientation, attended: dict[int, bool], by: str) -> int:
    """Record who attended (person id -> yes or no) and mark their orientation; return the
    number of mentors whose record changed."""
    changed = 0
    day = orientation.session.starts_at.date()
    with db.atomic():
        for row in orientation.attendances:
            if row.person_id not in attended or row.attended == attended[row.person_id]:
                continue
            came = attended[row.person_id]
            OrientationAttendance.update(
                attended=came, confirmed_by=by, confirmed_at=clock.now()
            ).where(OrientationAttendance.id == row.id).execute()
            _mark_profile(orientation.programme_id, row.person_id, came, day)
            changed += 1
    return changed


def _mark_profile(programme_id: int, person_id: int, came: bool, day: dt.date) -> None:
    """Set or clear a mentor's orientation on their profile (creating it when missing)."""
    where = (MentorProfile.programme == programme_id) & (MentorProfile.person == person_id)
    values = {"orientation_done": came, "orientation_date": day if came else None}
    if MentorProfile.update(values).where(where).execute() == 0:
        MentorProfile.create(programme=programme_id, person=person_id, **values)


def orientations(programme: Programme) -> list[Orientation]:
    """Return the programme's orientation sessions, newest first."""
    return list(
        Orientation.select(Orientation, Session)
        .join(Session)
        .where(Orientation.programme == programme)
        .order_by(Session.starts_at.desc())
    )
