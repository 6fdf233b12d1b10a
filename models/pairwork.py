"""What a mentoring pair or group builds between sessions: feedback, plans, goals, messages."""

from __future__ import annotations

from peewee import (
    BlobField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, utcnow
from models.mentoring import Goal, MentoringGroup
from models.people import Person
from models.programme import Programme
from models.series import Occurrence

#: Life of an action-plan item.
PLAN_STATUSES = ("open", "done", "dropped")


class SessionFeedback(BaseModel):
    """What one person said after one session: the mentor's rating of progress and notes, or
    the mentee's satisfaction and reflection."""

    occurrence = ForeignKeyField(Occurrence, backref="feedback", on_delete="CASCADE")
    group = ForeignKeyField(MentoringGroup, backref="feedback", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    role = CharField()  # mentor, mentee
    rating = IntegerField(null=True)  # 1-5: progress (mentor) or satisfaction (mentee)
    text = TextField(default="")  # notes (mentor) or reflection (mentee)
    inbound = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("occurrence", "person"), True),)


class PlanItem(BaseModel):
    """One step of a pair's action plan: owned, dated, revisited at the next session."""

    group = ForeignKeyField(MentoringGroup, backref="plan_items", on_delete="CASCADE")
    owner = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    title = TextField()
    due_date = DateField(null=True)
    status = CharField(default="open")
    percent = IntegerField(default=0)
    note = TextField(default="")
    occurrence = ForeignKeyField(Occurrence, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    done_at = DateTimeField(null=True)


class GoalTarget(BaseModel):
    """The measurable side of a SMART goal: where it starts, its target and where it stands."""

    goal = ForeignKeyField(Goal, backref="targets", on_delete="CASCADE", unique=True)
    baseline = FloatField(default=0.0)
    target = FloatField()
    unit = CharField(default="")
    current = FloatField(null=True)
    achieved_at = DateTimeField(null=True)


class GoalCheckin(BaseModel):
    """One progress report on a goal, by reply or on the page."""

    goal = ForeignKeyField(Goal, backref="checkins", on_delete="CASCADE")
    value = FloatField(null=True)
    percent = IntegerField()
    note = TextField(default="")
    by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    inbound = IntegerField(null=True)
    at = DateTimeField(default=utcnow)


class RelayMessage(BaseModel):
    """A message one person of a pair or group sent the others through Tandem."""

    group = ForeignKeyField(MentoringGroup, backref="relayed", on_delete="CASCADE")
    sender = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    inbound = IntegerField(unique=True)
    recipients = IntegerField(default=0)
    subject = TextField(default="")
    at = DateTimeField(default=utcnow)


class Resource(BaseModel):
    """A link or a file in a programme's resource library, tagged by theme."""

    programme = ForeignKeyField(Programme, backref="resources", on_delete="CASCADE")
    title = CharField()
    url = CharField(default="")
    tags = TextField(default="")  # "public speaking; budgets"
    filename = CharField(default="")
    content_type = CharField(default="")
    data = BlobField(null=True)
    created_by = CharField(default="")
    created_at = DateTimeField(default=utcnow)
