"""What progress tracking records: events, the weekly tables kept from them, and cohorts."""

from __future__ import annotations

import datetime as dt

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
)

from models.base import BaseModel, utcnow
from models.people import Person
from models.programme import Programme

#: The role of the people whose progress is tracked.
PARTICIPANT_ROLE = "mentee"

#: What an event can record; ``value`` carries the number where the kind has one.
EVENT_KINDS = (
    "reply",  # any email the participant wrote
    "relay",  # a message relayed through Tandem to a mentor or peer
    "submission",  # value: days late (negative when early)
    "attendance",
    "absence",
    "rsvp_accept",
    "rsvp_decline",
    "invitation_unanswered",  # a session started with no answer to its invitation
    "bounce",
    "self_assessment",  # value: mean Likert score, 1-5
    "satisfaction",  # value: 1-5
    "mentor_rating",  # value: the mentor's rating of the participant's progress, 1-5
    "goal_checkin",  # value: the goal's progress in percent; ref: "goal:<id>"
    "material_done",  # ref: "material:<id>"
    "peer",  # taking part in peer mentoring
)

#: Kinds counted as engagement, per person and per week.
ENGAGEMENT_KINDS = (
    "reply",
    "relay",
    "submission",
    "attendance",
    "self_assessment",
    "goal_checkin",
    "material_done",
    "peer",
)

#: Kinds that show the participant did something themselves (ends a silence).
ACTIVE_KINDS = (*ENGAGEMENT_KINDS, "rsvp_accept", "rsvp_decline", "satisfaction")

#: Kinds that are ratings on a 1-5 scale, whose fall is a risk signal.
RATING_KINDS = ("self_assessment", "satisfaction", "mentor_rating")


def week_of(at: dt.datetime | dt.date) -> dt.date:
    """Return the Monday of the week ``at`` falls in (weeks group engagement)."""
    day = at.date() if isinstance(at, dt.datetime) else at
    return day - dt.timedelta(days=day.weekday())


class Event(BaseModel):
    """One thing a participant did or failed to do, with when and how much.

    Events are recorded for a programme's participants only: figures over a whole programme
    read its rows without checking each person's membership.
    """

    programme = ForeignKeyField(Programme, backref="events", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=32)
    value = FloatField(null=True)
    at = DateTimeField(default=utcnow)
    week = DateField()  # week_of(at), stored so weeks group the same way on every database
    ref = CharField(default="")  # what the event is about, e.g. "goal:12", "session:4"

    class Meta:
        # Every rule and aggregate reads one kind for many people; with ``at`` and ``value``
        # in the index they never touch the table.
        indexes = ((("programme", "kind", "person", "at", "value"), False),)


#: The counting columns of the weekly tables.
WEEK_COUNTS = (
    "events",  # engagement events
    "replies",  # replies and relayed messages
    "submissions",
    "attended",
    "absent",
    "peer",
    *(f"{kind}_{part}" for kind in RATING_KINDS for part in ("sum", "n")),
)


#: Shards of a programme's week: concurrent writers seldom wait on the same row.
WEEK_SHARDS = 16


class WeekCounts(BaseModel):
    """The counts a week sums from events (fields shared by the two weekly tables)."""

    events = IntegerField(default=0)
    replies = IntegerField(default=0)
    submissions = IntegerField(default=0)
    attended = IntegerField(default=0)
    absent = IntegerField(default=0)
    peer = IntegerField(default=0)
    self_assessment_sum = FloatField(default=0)
    self_assessment_n = IntegerField(default=0)
    satisfaction_sum = FloatField(default=0)
    satisfaction_n = IntegerField(default=0)
    mentor_rating_sum = FloatField(default=0)
    mentor_rating_n = IntegerField(default=0)


class PersonWeek(WeekCounts):
    """A participant's week in numbers (engagement, attendance, ratings), kept from events."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    week = DateField()

    class Meta:
        indexes = ((("programme", "person", "week"), True),)


class ProgrammeWeek(WeekCounts):
    """A programme's week in numbers, summed over participants, in ``WEEK_SHARDS`` rows."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    week = DateField()
    shard = IntegerField()  # person id modulo WEEK_SHARDS
    active = IntegerField(default=0)  # participants with an engagement event that week

    class Meta:
        indexes = ((("programme", "week", "shard"), True),)


class Attendance(BaseModel):
    """A participant's sessions attended and missed so far, kept from events."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    attended = IntegerField(default=0)
    absent = IntegerField(default=0)

    class Meta:
        indexes = ((("programme", "person"), True),)


class Cohort(BaseModel):
    """A group of participants who start a programme together."""

    programme = ForeignKeyField(Programme, backref="cohorts", on_delete="CASCADE")
    name = CharField()
    starts_on = DateField(null=True)
    ends_on = DateField(null=True)

    class Meta:
        indexes = ((("programme", "name"), True),)


class CohortMember(BaseModel):
    """A participant's cohort (one per programme)."""

    cohort = ForeignKeyField(Cohort, backref="members", on_delete="CASCADE")
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="cohort_memberships", on_delete="CASCADE")

    class Meta:
        indexes = ((("programme", "person"), True),)
