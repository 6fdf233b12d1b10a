"""What the coordinator's mentoring page lists: mentors and mentees with where each stands.

A handful of queries for the whole programme, so the page does not ask the database once
per person.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import Assessment, Membership, MentorProfile, Person, Programme
from workers.mentoring import rules as rules_mod
from workers.mentoring.inputs import ROLES, active_pairs


@dataclass
class PersonRow:
    """One mentor or mentee, with their profile and their place in the cycle."""

    person: Person
    role: str
    department: str
    profile: MentorProfile | None = None
    assessment: Assessment | None = None
    override: bool = False
    paired: bool = False
    load: int = 0

    @property
    def oriented(self) -> bool:
        """Tell whether the mentor has done orientation."""
        return bool(self.profile and self.profile.orientation_done)

    @property
    def assessment_status(self) -> str:
        """Return "answered", "sent" or "not sent" for a mentee's questionnaire."""
        return self.assessment.status if self.assessment else "not sent"


def people(programme: Programme) -> dict[str, list[PersonRow]]:
    """Return the programme's mentors and mentees (each by name) with their state."""
    profiles: dict[int, MentorProfile] = {}
    for profile in MentorProfile.select().where(MentorProfile.programme == programme):
        profiles.setdefault(profile.person_id, profile)
    assessments = {a.person_id: a for a in programme.assessments}
    allowed = rules_mod.overrides(programme)
    paired, load = active_pairs(programme)
    rows: dict[str, list[PersonRow]] = {role: [] for role in ROLES}
    query = (
        Membership.select(Membership, Person)
        .join(Person)
        .where((Membership.programme == programme) & Membership.role.in_(ROLES))
        .order_by(Person.name, Person.id)
    )
    for member in query:
        person = member.person
        rows[member.role].append(
            PersonRow(
                person,
                member.role,
                person.department or member.department or "",
                profiles.get(person.id),
                assessments.get(person.id),
                person.id in allowed,
                person.id in paired,
                load[person.id],
            )
        )
    return rows


def member_of(programme: Programme, person_id: int, role: str) -> Person | None:
    """Return the person if they hold ``role`` in the programme, else None."""
    return (
        Person.select()
        .join(Membership)
        .where(
            (Person.id == person_id)
            & (Membership.programme == programme)
            & (Membership.role == role)
        )
        .first()
    )


def staff(programme: Programme) -> list[Membership]:
    """Return who may facilitate an orientation: the programme's facilitators and
    coordinators, with their people, by name."""
    return list(
        Membership.select(Membership, Person)
        .join(Person)
        .where(
            (Membership.programme == programme)
            & Membership.role.in_(("facilitator", "coordinator"))
        )
        .order_by(Person.name, Person.id)
    )
