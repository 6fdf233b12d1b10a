"""Before matching: mentors' orientation sessions and mentees' needs assessments."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from models.base import BaseModel, JSONField, utcnow
from models.cycle import Session
from models.people import Person
from models.programme import Programme

#: An assessment is sent, then answered (by reply or on the form; answering again updates it).
ASSESSMENT_STATUSES = ("sent", "answered")


class Orientation(BaseModel):
    """An orientation session for mentors, with its calendar invitation's session."""

    programme = ForeignKeyField(Programme, backref="orientations", on_delete="CASCADE")
    session = ForeignKeyField(Session, backref="+", on_delete="CASCADE")
    facilitator = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    created_by = CharField(default="")
    created_at = DateTimeField(default=utcnow)
    confirm_sent_at = DateTimeField(null=True)  # when the facilitator was asked who came

    class Meta:
        indexes = ((("session",), True),)


class OrientationAttendance(BaseModel):
    """A mentor invited to an orientation, and whether they attended."""

    orientation = ForeignKeyField(Orientation, backref="attendances", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    invited_at = DateTimeField(default=utcnow)
    attended = BooleanField(null=True)  # null: not recorded yet
    confirmed_by = CharField(default="")  # "user:3" (a tick) or "person:7" (a reply)
    confirmed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("orientation", "person"), True),)


class Assessment(BaseModel):
    """A mentee's needs questionnaire: when it went out and what they answered."""

    programme = ForeignKeyField(Programme, backref="assessments", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    status = CharField(default="sent")
    answers = JSONField(null=True)  # {"goals": "...", "format": "...", ...} as last accepted
    source = CharField(default="")  # email, form
    sent_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("programme", "person"), True),)
