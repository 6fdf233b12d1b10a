"""Demo materials and self-assessment for the prefects' programme, and a prefect at risk.

A newcomer sees the Materials and self-assessment page with three materials (one already
done) and four competences. The prefect who handed in neither past assignment joined three
weeks ago and has not written since, so the first daily pass (run by the scheduler as soon
as the demo loads, or ``flask --app web tracking daily ID``) flags them, with the reasons,
and emails the intervention to their mentor or the facilitator.
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from models import Assignee, Membership, Person, Programme, clock
from models.tracking import PARTICIPANT_ROLE
from workers.tracking import materials, selfassess

#: The programme's materials: kind, title, address.
MATERIALS = [
    ("module", "Listening to understand", "https://learn.example.org/prefects/listening"),
    ("reading", "Handling conflict in the corridor", "https://learn.example.org/prefects/conflict"),
    ("video", "Speaking to a year group", "https://video.example.org/prefects/assembly"),
]

#: The competences the self-assessment asks about.
COMPETENCES = ["Listening", "Giving feedback", "Handling conflict", "Speaking to a group"]

#: How long ago the prefect at risk joined.
JOINED_DAYS_AGO = 21


def load(programme: Programme) -> None:
    """Add the materials and competences, one completion, and backdate the silent prefect."""
    added = [materials.add_material(programme.id, *spec) for spec in MATERIALS]
    selfassess.set_competences(programme.id, COMPETENCES)
    mentees = _mentees(programme)
    if mentees:
        materials.complete(added[0], mentees[0].id, "web")
    for person in _missing_all_work(programme):
        joined = clock.now() - dt.timedelta(days=JOINED_DAYS_AGO)
        Membership.update(created_at=joined).where(
            (Membership.programme == programme)
            & (Membership.person == person)
            & (Membership.role == PARTICIPANT_ROLE)
        ).execute()


def _mentees(programme: Programme) -> list[Person]:
    return list(
        Person.select()
        .join(Membership, on=(Membership.person == Person.id))
        .where((Membership.programme == programme) & (Membership.role == PARTICIPANT_ROLE))
        .order_by(Person.id)
    )


def _missing_all_work(programme: Programme) -> list[int]:
    """Return the prefects with work set who handed none of it in, and are past its due time."""
    query = (
        Assignee.select(Assignee.person)
        .where((Assignee.programme == programme) & (Assignee.due_at < clock.now()))
        .group_by(Assignee.person)
        .having(fn.COUNT(Assignee.submitted_at) == 0)
    )
    return [row.person_id for row in query]
