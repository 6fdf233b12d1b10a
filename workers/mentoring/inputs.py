"""What the matcher is given: a programme's mentees and mentors, read from the database.

A mentee already in an active pair or group of the programme is not matched again, and each
mentor's capacity is what their active pairs leave free. People who were deactivated, or whose
address bounced for good, are left out: Tandem could not introduce them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from models import (
    GroupMember,
    Membership,
    MentoringGroup,
    MentorProfile,
    Person,
    Programme,
)
from workers.mentoring import rules as rules_mod
from workers.mentoring.availability import AvailabilityError, Window, parse_windows
from workers.mentoring.matching import MatchOptions
from workers.mentoring.rules import Rules
from workers.mentoring.scoring import FORMATS, MenteeProfile, split_tags
from workers.mentoring.scoring import MentorProfile as MentorInput

#: Mentoring roles, as memberships name them.
ROLES = ("mentee", "mentor")


@dataclass
class Roster:
    """The matcher's inputs for one programme, and the people behind each email."""

    mentees: list[MenteeProfile] = field(default_factory=list)
    mentors: list[MentorInput] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)  # email -> person

    def pairs_within(self, pairs) -> list[tuple[str, str]]:
        """Return the (mentee, mentor) email pairs whose two people are on this roster."""
        mentees = {m.email for m in self.mentees}
        mentors = {m.email for m in self.mentors}
        return [(a, b) for a, b in pairs if a in mentees and b in mentors]


def windows(text: str) -> tuple[Window, ...]:
    """Return the weekly windows a stored availability holds (none if it cannot be read)."""
    try:
        return tuple(parse_windows(text or ""))
    except AvailabilityError:  # checked on the way in; an old row is treated as not given
        return ()


def _format(text: str) -> str:
    return text if text in FORMATS else "either"


def _members(programme: Programme) -> dict[str, list[tuple[Person, str]]]:
    """Return the reachable people holding each mentoring role, with their departments."""
    query = (
        Membership.select(Membership, Person)
        .join(Person)
        .where(
            (Membership.programme == programme)
            & Membership.role.in_(ROLES)
            & Person.deactivated_at.is_null()
            & (Person.bounce_state != "hard")
        )
        .order_by(Person.name, Person.id)
    )
    found: dict[str, list[tuple[Person, str]]] = {role: [] for role in ROLES}
    for member in query:
        department = member.person.department or member.department or ""
        found[member.role].append((member.person, department))
    return found


def _profiles(programme: Programme) -> dict[int, MentorProfile]:
    query = MentorProfile.select().where(MentorProfile.programme == programme)
    profiles: dict[int, MentorProfile] = {}
    for profile in query.order_by(MentorProfile.id):
        profiles.setdefault(profile.person_id, profile)
    return profiles


def active_pairs(programme: Programme) -> tuple[set[int], Counter]:
    """Return the mentees in active pairs or groups, and how many each mentor has."""
    query = (
        GroupMember.select(GroupMember.person, MentoringGroup.mentor)
        .join(MentoringGroup)
        .where((MentoringGroup.programme == programme) & (MentoringGroup.status == "active"))
        .tuples()
    )
    paired, load = set(), Counter()
    for mentee_id, mentor_id in query:
        paired.add(mentee_id)
        load[mentor_id] += 1
    return paired, load


def load_roster(programme: Programme) -> Roster:
    """Read the programme's unpaired mentees and its mentors into the matcher's profiles."""
    members, profiles = _members(programme), _profiles(programme)
    paired, load = active_pairs(programme)
    roster = Roster()
    for person, department in members["mentee"]:
        if person.id in paired:
            continue
        p = profiles.get(person.id) or MentorProfile(format="either")
        roster.mentees.append(
            MenteeProfile(
                person.email,
                person.timezone or programme.timezone,
                department,
                goals=split_tags(p.goals),
                languages=split_tags(p.languages),
                format=_format(p.format),
                availability=windows(p.availability),
            )
        )
        roster.people[person.email] = person
    for person, department in members["mentor"]:
        p = profiles.get(person.id) or MentorProfile()
        roster.mentors.append(
            MentorInput(
                person.email,
                person.timezone or programme.timezone,
                department,
                skills=split_tags(p.skills),
                languages=split_tags(p.languages),
                format=_format(p.format),
                capacity=max(p.capacity - load[person.id], 0),
                availability=windows(p.availability),
                orientation_done=p.orientation_done,
            )
        )
        roster.people[person.email] = person
    return roster


def match_options(programme: Programme, roster: Roster, rules: Rules, locked=()) -> MatchOptions:
    """Return the matcher's options: the programme's rules, exclusions and overrides."""
    excluded = [(row.mentee.email, row.mentor.email) for row in rules_mod.exclusions(programme)]
    allowed = rules_mod.overrides(programme)
    return MatchOptions(
        span=rules_mod.span_for(programme, rules),
        objective=rules.objective,
        session_minutes=rules.session_minutes,
        locked=roster.pairs_within(locked),
        excluded_pairs=roster.pairs_within(excluded),
        exclude_same_department=rules.exclude_same_department,
        orientation_overrides=[p.email for p in roster.people.values() if p.id in allowed],
    )
