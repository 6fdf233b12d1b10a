"""Assignments, submissions and feedback (the progress-tracking cycle)."""

from __future__ import annotations

import datetime as dt

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


class Assignee(BaseModel):
    """A participant an assignment is set for, with their own due time and first submission."""

    assignment = ForeignKeyField(
        Assignment, backref="assignees", on_delete="CASCADE", index=False
    )  # the unique (assignment, person) index serves
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="assigned", on_delete="CASCADE")
    due_at = DateTimeField()  # the assignment's, or the cohort's or person's own
    submitted_at = DateTimeField(null=True)  # the first submission decides whether it was late

    class Meta:
        # Rates and overdue counts read (programme, due_at) ranges without touching the table.
        indexes = (
            (("assignment", "person"), True),
            (("programme", "due_at", "person", "submitted_at"), False),
        )

    @classmethod
    def set_for(
        cls, assignment: Assignment, person_ids: list[int], due_at: dt.datetime | None = None
    ) -> int:
        """Set ``assignment`` for these people (due at ``due_at`` or its own); return the count."""
        rows = [
            {
                "assignment": assignment.id,
                "programme": assignment.programme_id,
                "person": person_id,
                "due_at": due_at or assignment.due_at,
            }
            for person_id in person_ids
        ]
        for start in range(0, len(rows), 500):
            (
                cls.insert_many(rows[start : start + 500])
                .on_conflict(conflict_target=[cls.assignment, cls.person], preserve=[cls.due_at])
                .execute()
            )
        return len(rows)
