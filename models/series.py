"""Recurring mentoring sessions: a series per pair or group, its occurrences and answers."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, JSONField, utcnow
from models.cycle import Session
from models.mentoring import MentoringGroup
from models.people import Person
from models.programme import Programme

#: How often a series meets; "once" is a single (ad-hoc or panel) event.
RHYTHMS = ("biweekly", "monthly", "once")

#: Kinds of series: a mentor and a mentee, a thematic group, a panel of mentors, and an
#: extra session someone asked for.
SERIES_KINDS = ("pair", "group", "panel", "adhoc")

#: Life of one occurrence.
OCCURRENCE_STATUSES = ("scheduled", "cancelled", "held")


class SessionSeries(BaseModel):
    """One calendar invitation (a UID and an RRULE) for a mentoring pair or group.

    The Session row carries the UID, SEQUENCE, the series' time zone (its TZID) and the first
    occurrence's times; the rule and the cancelled occurrences are kept here.
    """

    programme = ForeignKeyField(Programme, backref="series", on_delete="CASCADE")
    group = ForeignKeyField(MentoringGroup, backref="series", on_delete="CASCADE")
    session = ForeignKeyField(Session, backref="+", on_delete="CASCADE", unique=True)
    kind = CharField(default="pair")
    rhythm = CharField(default="biweekly")
    rrule = CharField(default="")  # "FREQ=WEEKLY;INTERVAL=2;COUNT=6"; "" for one event
    stamp = DateTimeField(default=utcnow)  # DTSTAMP of the version last sent
    notes = JSONField(default=list)  # [{"start": iso, "names": [...]}]: outside availability
    status = CharField(default="active")  # active, cancelled
    created_at = DateTimeField(default=utcnow)


class Occurrence(BaseModel):
    """One meeting of a series: the instant its rule gives, and when it really takes place."""

    series = ForeignKeyField(SessionSeries, backref="occurrences", on_delete="CASCADE")
    recurrence_id = DateTimeField()  # naive UTC: the start the rule gives (RECURRENCE-ID)
    starts_at = DateTimeField()  # naive UTC, moved when the occurrence is rescheduled
    ends_at = DateTimeField()
    status = CharField(default="scheduled")
    sequence = IntegerField(default=0)  # SEQUENCE of the last override or cancel sent for it
    moved = BooleanField(default=False)
    feedback_asked_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("series", "recurrence_id"), True),)


class OccurrenceRsvp(BaseModel):
    """A person's answer to one occurrence, and whether they attended it."""

    occurrence = ForeignKeyField(Occurrence, backref="rsvps", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    partstat = CharField(default="NEEDS-ACTION")
    proposed_start = DateTimeField(null=True)
    proposed_end = DateTimeField(null=True)
    comment = TextField(default="")
    sequence = IntegerField(default=0)
    updated_at = DateTimeField(default=utcnow)
    attended = BooleanField(null=True)  # null: not recorded
    attended_by = CharField(default="")  # "user:3" or "person:7"

    class Meta:
        indexes = ((("occurrence", "person"), True),)


class GroupMentor(BaseModel):
    """A further mentor of a group or panel (the first is ``MentoringGroup.mentor``)."""

    group = ForeignKeyField(MentoringGroup, backref="co_mentors", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("group", "person"), True),)


class SlotProposal(BaseModel):
    """Times offered to a pair: for a declined occurrence, or a session asked for ad hoc."""

    group = ForeignKeyField(MentoringGroup, backref="slot_proposals", on_delete="CASCADE")
    occurrence = ForeignKeyField(Occurrence, null=True, backref="+", on_delete="CASCADE")
    reason = CharField(default="decline")  # decline, counter, adhoc
    asked_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    slots = JSONField(default=list)  # [[start, end], ...] naive UTC ISO
    status = CharField(default="open")  # open, chosen, closed
    chosen = IntegerField(null=True)  # 1-based number of the slot taken
    created_at = DateTimeField(default=utcnow)


class PairSettings(BaseModel):
    """How a programme runs its pairs' sessions and messages."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", unique=True)
    rhythm = CharField(default="biweekly")  # the default for new pairs
    hide_addresses = BooleanField(default=False)  # people write through the relay only
    updated_at = DateTimeField(default=utcnow)
