"""A mentoring pair across London and New York, and the helpers its tests share."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

from icalendar import Calendar

from models import (
    GroupMember,
    MatchSettings,
    Membership,
    MentoringGroup,
    MentorProfile,
    OutboundEmail,
    Person,
    Programme,
    clock,
)
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build

#: Before the spring clock changes: New York moves on 14 March 2027, London on 28 March.
SPRING = dt.datetime(2027, 2, 22, 9, 0)


def make_pair(
    mentor_hours: str = "Mon 16:00-17:00",
    mentee_hours: str = "Mon 11:00-12:00",
    rhythm: str = "biweekly",
    start: dt.date = dt.date(2027, 3, 1),
    weeks: int = 12,
    paired: bool = True,
) -> dict:
    """Create a programme and a pair: Maya in London mentoring Ben in New York (left for the
    matcher to pair when ``paired`` is false)."""
    clock.freeze(SPRING)
    programme = Programme.create(name="Prefect Mentoring", kind="mentoring", timezone="UTC")
    MatchSettings.create(programme=programme, start_date=start, weeks=weeks, session_minutes=60)
    cora = Person.create(name="Cora Coordinator", email="cora@example.org")
    Membership.create(programme=programme, person=cora, role="coordinator")
    maya = Person.create(name="Maya Mentor", email="maya@example.org", timezone="Europe/London")
    ben = Person.create(name="Ben Pupil", email="ben@example.org", timezone="America/New_York")
    for person, role, hours in ((maya, "mentor", mentor_hours), (ben, "mentee", mentee_hours)):
        Membership.create(programme=programme, person=person, role=role)
        MentorProfile.create(
            person=person,
            programme=programme,
            availability=hours,
            goals="public speaking" if role == "mentee" else "",
            skills="public speaking" if role == "mentor" else "",
            capacity=1 if role == "mentor" else 0,
            languages="en",
            orientation_done=role == "mentor",
        )
    world = {"programme": programme, "maya": maya, "ben": ben, "cora": cora}
    if paired:
        world["group"] = MentoringGroup.create(programme=programme, mentor=maya, rhythm=rhythm)
        GroupMember.create(group=world["group"], person=ben)
    return world


def message(row: OutboundEmail):
    """Return an outbox row as the message its recipient receives."""
    return email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)


def text_of(row: OutboundEmail) -> str:
    """Return the text body of an outbox row."""
    return message(row).get_body(("plain",)).get_content()


def calendar_of(row: OutboundEmail) -> Calendar:
    """Return the calendar part of an outbox row, parsed."""
    part = next(p for p in message(row).walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def sent(kind: str, to: str) -> list[OutboundEmail]:
    """Return the emails of ``kind`` queued for ``to``, oldest first."""
    return list(
        OutboundEmail.select()
        .where((OutboundEmail.kind == kind) & (OutboundEmail.to_addr == to))
        .order_by(OutboundEmail.id)
    )


def process(raw: bytes) -> str:
    """Store and process one inbound message; return its status."""
    stored, _ = inbound_store.store_raw(raw, "smtp")
    return inbound_worker.process(stored.id)
