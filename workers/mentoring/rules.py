"""A programme's matching rules: objective, session length, weeks, exclusions and overrides.

Reading the rules writes nothing (a programme without a settings row gets the defaults), so
a dry run of the matcher leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import IntegrityError

from models import (
    MatchExclusion,
    MatchSettings,
    OrientationOverride,
    Person,
    Programme,
    clock,
    db,
)
from workers.mentoring.availability import Span, check_zone
from workers.mentoring.errors import SettingsError
from workers.mentoring.matching import OBJECTIVES

#: Weeks a programme's matching looks at when it names none.
DEFAULT_WEEKS = 12

#: Shortest and longest session a programme may set, in minutes.
SESSION_MINUTES = (15, 8 * 60)

#: Fewest and most weeks of availability the matcher lays out.
WEEKS = (1, 104)


@dataclass(frozen=True)
class Rules:
    """A programme's matching rules as plain values."""

    objective: str = "participation"
    session_minutes: int = 60
    start_date: dt.date | None = None
    weeks: int = DEFAULT_WEEKS
    exclude_same_department: bool = False


def settings_row(programme: Programme) -> MatchSettings | None:
    """Return the programme's saved settings row, or None."""
    return MatchSettings.get_or_none(MatchSettings.programme == programme)


def rules_for(programme: Programme) -> Rules:
    """Return the programme's rules: saved ones, else the defaults."""
    row = settings_row(programme)
    if row is None:
        return Rules()
    return Rules(
        row.objective, row.session_minutes, row.start_date, row.weeks, row.exclude_same_department
    )


def check_rules(rules: Rules) -> Rules:
    """Return ``rules`` if every value is usable; raise SettingsError naming the bad one."""
    if rules.objective not in OBJECTIVES:
        raise SettingsError(f"objective must be one of {', '.join(OBJECTIVES)}")
    low, high = SESSION_MINUTES
    if not low <= rules.session_minutes <= high:
        raise SettingsError(f"session length must be {low} to {high} minutes")
    if not WEEKS[0] <= rules.weeks <= WEEKS[1]:
        raise SettingsError(f"weeks must be {WEEKS[0]} to {WEEKS[1]}")
    return rules


def save_rules(programme: Programme, rules: Rules) -> MatchSettings:
    """Check and store the programme's rules (creating its settings row if needed)."""
    check_rules(rules)
    values = {
        "objective": rules.objective,
        "session_minutes": rules.session_minutes,
        "start_date": rules.start_date,
        "weeks": rules.weeks,
        "exclude_same_department": rules.exclude_same_department,
        "updated_at": clock.now(),
    }
    return _upsert(programme, values)


def _upsert(programme: Programme, values: dict) -> MatchSettings:
    with db.atomic():
        row = settings_row(programme)
        if row is None:
            return MatchSettings.create(programme=programme, **values)
        MatchSettings.update(values).where(MatchSettings.id == row.id).execute()
    return MatchSettings.get_by_id(row.id)


def save_guide(programme: Programme, text: str | None) -> MatchSettings:
    """Store the programme's introductory guide (None: back to Tandem's default)."""
    return _upsert(programme, {"guide": text, "updated_at": clock.now()})


def first_monday(programme: Programme) -> dt.date:
    """Return the Monday on or after today, in the programme's time zone."""
    today = clock.now().replace(tzinfo=dt.UTC).astimezone(check_zone(programme.timezone)).date()
    return today + dt.timedelta(days=-today.weekday() % 7)


def span_for(programme: Programme, rules: Rules) -> Span:
    """Return the weeks availability is laid on: from the start date (or next Monday)."""
    start = rules.start_date or first_monday(programme)
    return Span(start, rules.weeks, programme.timezone or "UTC")


def exclusions(programme: Programme) -> list[MatchExclusion]:
    """Return the programme's excluded pairs with both people, by mentee name."""
    Mentor = Person.alias()
    return list(
        MatchExclusion.select(MatchExclusion, Person, Mentor)
        .join(Person, on=(MatchExclusion.mentee == Person.id))
        .switch(MatchExclusion)
        .join(Mentor, on=(MatchExclusion.mentor == Mentor.id))
        .where(MatchExclusion.programme == programme)
        .order_by(Person.name, Mentor.name)
    )


def add_exclusion(programme: Programme, mentee: Person, mentor: Person, by: str) -> bool:
    """Never match this pair in the programme; return False if it was excluded already."""
    if mentee.id == mentor.id:
        raise SettingsError("a person cannot be their own mentor")
    try:
        with db.atomic():
            MatchExclusion.create(programme=programme, mentee=mentee, mentor=mentor, created_by=by)
    except IntegrityError:
        return False
    return True


def remove_exclusion(programme: Programme, exclusion_id: int) -> int:
    """Allow an excluded pair again; return how many rows went (0 or 1)."""
    return (
        MatchExclusion.delete()
        .where((MatchExclusion.id == exclusion_id) & (MatchExclusion.programme == programme))
        .execute()
    )


def overrides(programme: Programme) -> set[int]:
    """Return the ids of the mentors who may be matched before orientation."""
    query = OrientationOverride.select(OrientationOverride.person).where(
        OrientationOverride.programme == programme
    )
    return {row.person_id for row in query}


def set_override(programme: Programme, person: Person, allowed: bool, by: str) -> None:
    """Let a mentor be matched before orientation, or take that back."""
    where = (OrientationOverride.programme == programme) & (OrientationOverride.person == person)
    if not allowed:
        OrientationOverride.delete().where(where).execute()
        return
    try:
        with db.atomic():
            OrientationOverride.create(programme=programme, person=person, created_by=by)
    except IntegrityError:  # allowed already
        pass
