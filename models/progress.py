"""Assignments, submissions and feedback (the progress-tracking cycle)."""

from __future__ import annotations

from peewee import CharField, DateTimeField, FloatField, ForeignKeyField, IntegerField, TextField

from models.base import BaseModel, utcnow
from models.people import Person
from models.programme import Programme


class Assignment(BaseModel):
    """Work set for participants with a deadline: quiz, self-assessment, case study, plan."""

    programme = ForeignKeyField(Programme, backref="assignments", on_delete="CASCADE")
    title = CharField()
    kind = CharField(default="case-study")
    instructions = TextField(default="")
    due_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)


class Submission(BaseModel):
    """A participant's answer to an assignment, usually by email."""

    assignment = ForeignKeyField(Assignment, backref="submissions", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="submissions", on_delete="CASCADE")
    text = TextField(default="")
    score = FloatField(null=True)
    feedback = TextField(default="")
    inbound = IntegerField(null=True)
    submitted_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("assignment", "person"), True),)
