"""Owned, dated action items and their history."""

from __future__ import annotations

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, utcnow
from models.cycle import Cycle
from models.people import Person
from models.programme import Programme

#: Statuses of an action item.
ITEM_STATUSES = ("open", "done", "blocked", "cancelled")


class ActionItem(BaseModel):
    """Something a person has to do by a date, carried across cycles until done."""

    programme = ForeignKeyField(Programme, backref="action_items", on_delete="CASCADE")
    cycle = ForeignKeyField(Cycle, null=True, backref="action_items", on_delete="SET NULL")
    title = TextField()
    owner = ForeignKeyField(Person, null=True, backref="action_items", on_delete="SET NULL")
    due_date = DateField(null=True)
    status = CharField(default="open")
    percent = IntegerField(default=0)
    blocked_reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    completed_at = DateTimeField(null=True)

    @classmethod
    def open_for(cls, programme, owner=None):
        """Return the items of ``programme`` not yet done, optionally for one owner."""
        query = cls.select().where(
            (cls.programme == programme) & (cls.status.in_(("open", "blocked")))
        )
        if owner is not None:
            query = query.where(cls.owner == owner)
        return query.order_by(cls.due_date, cls.id)


class ActionItemUpdate(BaseModel):
    """One change to an action item, with who made it and where it came from."""

    item = ForeignKeyField(ActionItem, backref="updates", on_delete="CASCADE")
    status = CharField()
    percent = IntegerField(null=True)
    note = TextField(default="")
    by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    source = CharField(default="web")  # web, email
    inbound = IntegerField(null=True)
    late = CharField(default="")
    at = DateTimeField(default=utcnow)
