"""Cycles, their sessions, participants, RSVPs and metrics."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, JSONField, utcnow
from models.people import Person
from models.programme import Programme

#: Life of a cycle, in order.
CYCLE_STATUSES = ("draft", "triggered", "held", "summarised", "closed", "cancelled")

#: RSVP answers, as iCalendar PARTSTAT values.
PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED")


class Cycle(BaseModel):
    """One round of a programme: a follow-up review or a mentoring period."""

    programme = ForeignKeyField(Programme, backref="cycles", on_delete="CASCADE")
    kind = CharField(default="followup")
    title = CharField()
    objectives = TextField(default="")
    status = CharField(default="draft")
    previous = ForeignKeyField("self", null=True, backref="next_cycles", on_delete="SET NULL")
    reply_deadline = DateTimeField(null=True)
    auto_trigger_at = DateTimeField(null=True)
    triggered_at = DateTimeField(null=True)
    summary_sent_at = DateTimeField(null=True)
    notes = TextField(default="")  # decisions and next steps from the session
    summary = JSONField(null=True)
    created_at = DateTimeField(default=utcnow)


class Session(BaseModel):
    """A meeting with a calendar invitation (stable UID, rising SEQUENCE)."""

    programme = ForeignKeyField(Programme, backref="sessions", on_delete="CASCADE")
    cycle = ForeignKeyField(Cycle, null=True, backref="sessions", on_delete="CASCADE")
    title = CharField()
    starts_at = DateTimeField()  # naive UTC
    ends_at = DateTimeField()
    timezone = CharField(default="UTC")  # the organiser's zone, for VTIMEZONE
    location = CharField(default="")
    uid = CharField(unique=True)
    sequence = IntegerField(default=0)
    status = CharField(default="scheduled")  # scheduled, cancelled, held
    created_at = DateTimeField(default=utcnow)


class Participant(BaseModel):
    """A person taking part in a cycle, and whether they have reported."""

    cycle = ForeignKeyField(Cycle, backref="participants", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="participations", on_delete="CASCADE")
    role = CharField(default="stakeholder")
    department = CharField(default="")
    responded_at = DateTimeField(null=True)
    late = BooleanField(default=False)

    class Meta:
        indexes = ((("cycle", "person"), True),)


class Rsvp(BaseModel):
    """A person's answer to a session invitation, from their calendar client."""

    session = ForeignKeyField(Session, backref="rsvps", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="rsvps", on_delete="CASCADE")
    partstat = CharField(default="NEEDS-ACTION")
    proposed_start = DateTimeField(null=True)
    proposed_end = DateTimeField(null=True)
    comment = TextField(default="")
    sequence = IntegerField(default=0)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("session", "person"), True),)


class Metric(BaseModel):
    """A measure a programme tracks across cycles, with baseline and target."""

    programme = ForeignKeyField(Programme, backref="metrics", on_delete="CASCADE")
    name = CharField()
    unit = CharField(default="")
    owner = ForeignKeyField(Person, null=True, backref="metrics", on_delete="SET NULL")
    baseline = FloatField(null=True)
    target = FloatField(null=True)
    direction = CharField(default="up")  # "up" or "down" is good

    class Meta:
        indexes = ((("programme", "name"), True),)


class MetricValue(BaseModel):
    """A reported value of a metric in one cycle."""

    metric = ForeignKeyField(Metric, backref="values", on_delete="CASCADE")
    cycle = ForeignKeyField(Cycle, null=True, backref="metric_values", on_delete="CASCADE")
    value = FloatField()
    reported_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    reported_at = DateTimeField(default=utcnow)
    inbound = IntegerField(null=True)  # InboundMessage id it came from


class Report(BaseModel):
    """What a participant said in a progress reply: barriers and comments."""

    cycle = ForeignKeyField(Cycle, backref="reports", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="reports", on_delete="CASCADE")
    barriers = TextField(default="")
    comment = TextField(default="")
    late = BooleanField(default=False)
    inbound = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
