"""Export a programme's people as CSV, with the columns the import reads back.

One row per person, their roles in the programme joined by semicolons; a mentoring
programme adds the mentoring columns. Importing the file again changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from models import EmailAlias, Membership, MentorProfile, Person, Programme
from workers.workspace.people_plan import chunks
from workers.workspace.people_rows import FORMULA_STARTS

#: The columns every export has, named as a coordinator would name them.
PEOPLE_COLUMNS = (
    "Name",
    "Email",
    "Aliases",
    "Time zone",
    "Department",
    "Language",
    "Role",
    "Active",
)

#: The columns a mentoring programme's export adds (issue 14's spreadsheet).
MENTORING_COLUMNS = (
    "Skills",
    "Goals",
    "Languages",
    "Capacity",
    "Format",
    "Availability",
    "Orientation",
)


def _members(programme: Programme) -> tuple[list[Person], dict[int, list[str]]]:
    roles: dict[int, list[str]] = {}
    query = (
        Membership.select(Membership.person, Membership.role)
        .where(Membership.programme == programme)
        .order_by(Membership.id)
        .tuples()
    )
    for person_id, role in query:
        roles.setdefault(person_id, []).append(role)
    people = []
    for batch in chunks(list(roles)):
        people.extend(Person.select().where(Person.id.in_(batch)))
    people.sort(key=lambda person: (person.name.lower(), person.email))
    return people, roles


def _aliases(person_ids: list[int]) -> dict[int, list[str]]:
    aliases: dict[int, list[str]] = {}
    for batch in chunks(person_ids):
        query = (
            EmailAlias.select(EmailAlias.person, EmailAlias.email)
            .where(EmailAlias.person.in_(batch))
            .order_by(EmailAlias.email)
            .tuples()
        )
        for person_id, email in query:
            aliases.setdefault(person_id, []).append(email)
    return aliases


def _orientation(profile: MentorProfile) -> str:
    if profile.orientation_date is not None:
        return profile.orientation_date.isoformat()
    return "done" if profile.orientation_done else ""


def _profile_cells(profile: MentorProfile | None) -> list[str]:
    if profile is None:
        return [""] * len(MENTORING_COLUMNS)
    return [
        profile.skills,
        profile.goals,
        profile.languages,
        str(profile.capacity),
        profile.format,
        profile.availability,
        _orientation(profile),
    ]


def export_rows(programme: Programme) -> Iterator[list[str]]:
    """Yield the header, then one row per person in the programme, by name."""
    mentoring = programme.has_kind("mentoring")
    yield [*PEOPLE_COLUMNS, *(MENTORING_COLUMNS if mentoring else ())]
    people, roles = _members(programme)
    aliases = _aliases([person.id for person in people])
    profiles: dict[int, MentorProfile] = {}
    query = MentorProfile.select().where(MentorProfile.programme == programme)
    for profile in query.order_by(MentorProfile.id):
        profiles.setdefault(profile.person_id, profile)  # the first, as the import reads it
    for person in people:
        row = [
            person.name,
            person.email,
            "; ".join(aliases.get(person.id, ())),
            person.timezone,
            person.department or "",
            person.language or "",
            "; ".join(roles[person.id]),
            "yes" if person.is_active else "no",
        ]
        if mentoring:
            row += _profile_cells(profiles.get(person.id))
        yield row


def inert(cell: object) -> object:
    """Return a cell a spreadsheet shows as text: a formula gets a leading apostrophe, which
    the import takes off again."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def export_csv(programme: Programme, out: TextIO) -> int:
    """Write the programme's people to ``out`` as CSV and return how many people it wrote."""
    writer = csv.writer(out)
    rows = export_rows(programme)
    writer.writerow(next(rows))
    count = 0
    for row in rows:
        # Names and goals are typed by people: "=HYPERLINK(...)" must stay text.
        writer.writerow([inert(cell) for cell in row])
        count += 1
    return count
