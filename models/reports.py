"""Report schedules and recognition: when personal reports go out, and the badges earned."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from models.base import BaseModel, utcnow
from models.people import Person
from models.programme import Programme

#: Badge kinds, in the order a report lists them.
BADGE_KINDS = (
    "first_submission",  # a first assignment submitted
    "all_on_time",  # every assignment due so far submitted on time (at least three)
    "goal_reached",  # a goal achieved
    "sessions_attended",  # a number of sessions attended
    "completed",  # the programme completed: a certificate goes with it
)


class ReportSchedule(BaseModel):
    """How often a programme's participants and their team get personal progress reports."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", unique=True)
    every_weeks = IntegerField(default=4)  # 0: reports are not sent
    to_team = BooleanField(default=True)  # copies to mentors, a digest to facilitators
    next_at = DateTimeField(null=True)  # when the next round goes out
    updated_at = DateTimeField(default=utcnow)


class Badge(BaseModel):
    """A milestone a participant reached, once per kind and programme."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="badges", on_delete="CASCADE")
    kind = CharField(max_length=32)
    detail = CharField(default="")  # what earned it, in words: "5 sessions attended"
    awarded_at = DateTimeField(default=utcnow)

    class Meta:
        # Unique per person and kind; shout-outs read a programme's badges by date.
        indexes = (
            (("programme", "person", "kind"), True),
            (("programme", "awarded_at"), False),
        )
