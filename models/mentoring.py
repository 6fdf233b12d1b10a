"""Mentor/mentee matching, groups and goals (the mentoring cycle)."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, JSONField, utcnow
from models.people import Person
from models.programme import Programme


class MentorProfile(BaseModel):
    """What a mentor offers or a mentee seeks: skills or goals, capacity, format, time."""

    person = ForeignKeyField(Person, backref="mentor_profiles", on_delete="CASCADE")
    programme = ForeignKeyField(Programme, backref="mentor_profiles", on_delete="CASCADE")
    skills = TextField(default="")
    capacity = IntegerField(default=2)
    format = CharField(default="one-to-one")  # one-to-one, group, either
    needs = JSONField(null=True)  # for mentees: assessed needs
    goals = TextField(default="")  # for mentees: "public speaking; delegation"
    languages = TextField(default="")  # spoken, "en; fr"
    availability = TextField(default="")  # own time zone: "Mon 16:00-18:00; Wed 15:00-17:00"
    orientation_done = BooleanField(default=False)  # for mentors: trained, may be matched
    orientation_date = DateField(null=True)  # when, if known


class MentoringGroup(BaseModel):
    """A mentoring pair or a thematic group meeting on a rhythm."""

    programme = ForeignKeyField(Programme, backref="groups", on_delete="CASCADE")
    mentor = ForeignKeyField(Person, backref="mentor_groups", on_delete="CASCADE")
    theme = CharField(default="")
    rhythm = CharField(default="biweekly")  # biweekly, monthly
    status = CharField(default="active")
    created_at = DateTimeField(default=utcnow)


class GroupMember(BaseModel):
    """A mentee in a mentoring group."""

    group = ForeignKeyField(MentoringGroup, backref="members", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="group_memberships", on_delete="CASCADE")

    class Meta:
        indexes = ((("group", "person"), True),)


class Goal(BaseModel):
    """A SMART goal a participant works toward, checked in on over time."""

    programme = ForeignKeyField(Programme, backref="goals", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="goals", on_delete="CASCADE")
    text = TextField()
    measure = CharField(default="")
    due_date = DateField(null=True)
    status = CharField(default="active")  # active, achieved, dropped
    progress = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
