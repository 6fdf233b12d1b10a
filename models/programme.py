"""Programmes and who takes part in them."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from models.base import BaseModel, utcnow
from models.people import Person

#: Kinds of programme, one per cycle of the design.
PROGRAMME_KINDS = ("followup", "mentoring")

#: Roles a person can hold within a programme.
MEMBER_ROLES = ("coordinator", "stakeholder", "mentor", "mentee", "facilitator")


class Programme(BaseModel):
    """A leadership programme or a series of follow-up reviews."""

    name = CharField(unique=True)
    kind = CharField(default="followup")
    description = TextField(default="")
    timezone = CharField(default="UTC")
    created_at = DateTimeField(default=utcnow)


class Membership(BaseModel):
    """A person's role in a programme (a person may hold several)."""

    programme = ForeignKeyField(Programme, backref="memberships", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="memberships", on_delete="CASCADE")
    role = CharField()
    department = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme", "person", "role"), True),)
