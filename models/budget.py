"""Optional emails per person and week: each programme's budget, and the places taken in it."""

from __future__ import annotations

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from models.base import BaseModel, utcnow
from models.people import Person
from models.programme import Programme

#: Optional emails a person gets per week unless the programme sets its own budget.
DEFAULT_PER_WEEK = 2


class OptionalBudget(BaseModel):
    """A programme's own budget of optional emails (surveys, self-assessments, nudges) a week."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", unique=True)
    per_week = IntegerField(default=DEFAULT_PER_WEEK)

    @classmethod
    def per_week_for(cls, programme_id: int) -> int:
        """Return the programme's budget: its own, or the default."""
        row = cls.get_or_none(cls.programme == programme_id)
        return row.per_week if row else DEFAULT_PER_WEEK


class OptionalSend(BaseModel):
    """One optional email's place in a person's week: slot ``slot`` of week ``week``.

    A person's places are counted over every programme (one inbox); the unique
    (person, week, slot) index lets two writers never take the same place.
    """

    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=32)
    ref = CharField()  # what the email is about, e.g. "survey:4"; one place per person and ref
    week = DateField()  # the Monday of the week it goes
    slot = IntegerField()
    send_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("person", "week", "slot"), True),
            (("person", "ref"), True),
        )
