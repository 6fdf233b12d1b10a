"""Demo mentoring programme: mentors and assessed mentees in London and New York, and a proposal.

The people carry what the CSV import and the needs assessment would give them (skills or goals,
languages, format, weekly availability in their own time zone, orientation for mentors), so the
first run opens on a draft match proposal: pairs across the two zones with their score's parts,
one mentor still waiting for orientation, and one mentee left unmatched with the reason.
"""

from __future__ import annotations

from models import Assessment, Membership, MentorProfile, Person, Programme, clock
from workers.mentoring import proposals

#: The mentoring programme of the demo.
MENTORING_NAME = "Prefect Mentoring 2026-27"

#: Mentors: name, email, time zone, skills, languages, capacity, format, availability,
#: orientation done.
MENTORS = [
    (
        "Priya Shah",
        "priya.shah@example.org",
        "Europe/London",
        "public speaking; conflict resolution; confidence",
        "English; Hindi",
        2,
        "one-to-one",
        "Mon 16:00-18:00; Wed 15:00-17:00",
        True,
    ),
    (
        "Marcus Lee",
        "marcus.lee@example.org",
        "America/New_York",
        "organisation; sport; teamwork",
        "English; Spanish",
        3,
        "either",
        "Tue 10:00-12:00; Thu 11:00-13:00",
        True,
    ),
    (
        "Hannah Becker",
        "hannah.becker@example.org",
        "Europe/London",
        "time management; delegation",
        "English; German",
        2,
        "one-to-one",
        "Tue 15:00-17:00",
        False,  # booked on the next orientation session: not matched yet
    ),
]

#: Mentees (new prefects), as assessed: name, email, time zone, goals, languages, availability.
MENTEES = [
    (
        "Ella Morgan",
        "ella.morgan@example.org",
        "Europe/London",
        "public speaking; confidence",
        "English",
        "Mon 16:30-18:00; Fri 12:00-13:00",
    ),
    (
        "Noah Clarke",
        "noah.clarke@example.org",
        "Europe/London",
        "teamwork; organisation",
        "English",
        "Thu 16:00-18:00",  # 11:00-13:00 in New York, most weeks
    ),
    (
        "Sofia Alvarez",
        "sofia.alvarez@example.org",
        "America/New_York",
        "conflict resolution; confidence",
        "English; Spanish",
        "Wed 10:00-12:00",  # 15:00-17:00 in London, most weeks
    ),
    (
        "Jayden Reyes",
        "jayden.reyes@example.org",
        "America/New_York",
        "sport; teamwork",
        "English",
        "Tue 09:30-12:00",
    ),
    (
        "Amelia Hughes",
        "amelia.hughes@example.org",
        "Europe/London",
        "debating; delegation",
        "English",
        "Sat 09:00-10:00",  # no mentor meets on Saturdays: left unmatched, with the reason
    ),
]


def load(coordinator: Person) -> Programme:
    """Create the mentoring programme, its people and profiles, and a draft match proposal."""
    programme = Programme.create(
        name=MENTORING_NAME,
        kind="mentoring",
        timezone="Europe/London",
        description="New prefects matched with experienced mentors, meeting every two weeks.",
    )
    _join(programme, coordinator, "coordinator")
    today = clock.now().date()
    for name, email, zone, skills, languages, capacity, fmt, hours, oriented in MENTORS:
        mentor = _person(name, email, zone, "mentor")
        _join(programme, mentor, "mentor")
        MentorProfile.create(
            person=mentor,
            programme=programme,
            skills=skills,
            languages=languages,
            capacity=capacity,
            format=fmt,
            availability=hours,
            orientation_done=oriented,
            orientation_date=today if oriented else None,
        )
    for name, email, zone, goals, languages, hours in MENTEES:
        _add_mentee(programme, _person(name, email, zone, "mentee"), goals, languages, hours)
    proposals.propose(programme, by=coordinator.email)
    return programme


def _add_mentee(programme: Programme, mentee: Person, goals: str, languages: str, hours: str):
    """Add a mentee whose needs assessment is answered, as a reply would have answered it."""
    _join(programme, mentee, "mentee")
    answers = {"goals": goals, "format": "either", "languages": languages, "availability": hours}
    now = clock.now()
    Assessment.create(
        programme=programme,
        person=mentee,
        status="answered",
        answers=answers,
        source="email",
        sent_at=now,
        answered_at=now,
    )
    MentorProfile.create(
        person=mentee,
        programme=programme,
        capacity=0,
        format="either",
        goals=goals,
        languages=languages,
        availability=hours,
        needs={"answers": answers, "source": "email", "answered_at": now.isoformat()},
    )


def _person(name: str, email: str, timezone: str, roles: str) -> Person:
    person, _ = Person.get_or_create(
        email=email, defaults={"name": name, "timezone": timezone, "roles": roles}
    )
    return person


def _join(programme: Programme, person: Person, role: str) -> None:
    Membership.get_or_create(programme=programme, person=person, role=role)
