"""Programmes and who takes part in them."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.base import BaseModel, utcnow
from models.people import Person

#: Kinds of programme, one per cycle of the design; a programme may use several.
PROGRAMME_KINDS = ("followup", "mentoring", "tracking")

#: Roles a person can hold within a programme.
MEMBER_ROLES = ("stakeholder", "mentor", "mentee", "participant", "facilitator", "coordinator")

#: Timings a programme may set for itself; null means the environment setting of the same name.
TIMING_FIELDS = (
    "reply_deadline_hours",
    "reminder_hours",
    "summary_within_hours",
    "item_reminder_days",
)


class Programme(BaseModel):
    """A leadership programme or a series of follow-up reviews."""

    name = CharField(unique=True)
    kind = CharField(default="followup")  # comma-separated PROGRAMME_KINDS: "followup,tracking"
    description = TextField(default="")
    timezone = CharField(default="UTC")
    created_at = DateTimeField(default=utcnow)
    archived_at = DateTimeField(null=True)
    reply_deadline_hours = IntegerField(null=True)
    reminder_hours = CharField(null=True)  # "72,24": hours before the reply deadline
    summary_within_hours = IntegerField(null=True)
    item_reminder_days = CharField(null=True)  # "3,1": days before an item falls due
    selfassess_weeks = IntegerField(null=True)  # weeks between self-assessments (4 unless set)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds this programme uses, in PROGRAMME_KINDS order."""
        chosen = {k.strip() for k in self.kind.split(",")}
        return tuple(k for k in PROGRAMME_KINDS if k in chosen)

    def has_kind(self, kind: str) -> bool:
        """Tell whether the programme uses ``kind`` (one of PROGRAMME_KINDS)."""
        return kind in self.kinds

    @property
    def is_archived(self) -> bool:
        """Tell whether a coordinator archived the programme (hidden, data kept)."""
        return self.archived_at is not None

    @classmethod
    def current(cls):
        """Select the programmes not archived, by name."""
        return cls.select().where(cls.archived_at.is_null()).order_by(cls.name)


class Membership(BaseModel):
    """A person's role in a programme (a person may hold several)."""

    programme = ForeignKeyField(Programme, backref="memberships", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="memberships", on_delete="CASCADE")
    role = CharField()
    department = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme", "person", "role"), True),)
