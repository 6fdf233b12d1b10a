"""Small programmes for the tracking tests, built through the same calls Tandem uses."""

from __future__ import annotations

import datetime as dt

from models import (
    Assignee,
    Assignment,
    Cohort,
    CohortMember,
    GroupMember,
    Membership,
    MentoringGroup,
    Person,
    Programme,
)
from workers.tracking.events import record

#: A Monday morning: day 0 of every test programme.
T0 = dt.datetime(2026, 11, 2, 9, 0)


def day(n: float, hour: int = 9) -> dt.datetime:
    """Return the time ``n`` days after T0, at ``hour`` o'clock."""
    return T0.replace(hour=hour) + dt.timedelta(days=n)


def programme(name: str = "Workshop") -> Programme:
    """Create a programme."""
    return Programme.create(name=name, kind="tracking", created_at=T0)


def participant(prog: Programme, name: str, department: str = "", cohort=None) -> Person:
    """Create a participant who joined at T0, in a department and a cohort."""
    person = Person.create(name=name, email=f"{name.lower().replace(' ', '.')}@example.org")
    Membership.create(
        programme=prog, person=person, role="mentee", department=department, created_at=T0
    )
    if cohort is not None:
        CohortMember.create(cohort=cohort, programme=prog, person=person)
    return person


def cohort(prog: Programme, name: str) -> Cohort:
    """Create a cohort."""
    return Cohort.create(programme=prog, name=name)


def mentor(prog: Programme, name: str, mentees: list[Person]) -> Person:
    """Create a mentor with a group of these mentees."""
    person = Person.create(name=name, email=f"{name.lower()}@example.org")
    Membership.create(programme=prog, person=person, role="mentor", created_at=T0)
    group = MentoringGroup.create(programme=prog, mentor=person)
    for mentee in mentees:
        GroupMember.create(group=group, person=mentee)
    return person


def assignment(prog: Programme, title: str, due: dt.datetime, people: list[Person]) -> Assignment:
    """Create an assignment due at ``due`` and set it for these people."""
    created = Assignment.create(programme=prog, title=title, due_at=due, created_at=T0)
    Assignee.set_for(created, [p.id for p in people])
    return created


def events(prog: Programme, person: Person, kind: str, days: list[float], value=None, ref=""):
    """Record one event of ``kind`` on each of these days."""
    for n in days:
        record(prog.id, person.id, kind, day(n), value, ref)
