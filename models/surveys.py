"""Surveys: satisfaction and recommendation (NPS) questions, and each person's answer."""

from __future__ import annotations

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from models.base import BaseModel, utcnow
from models.people import Person
from models.programme import Programme

#: Kinds of survey: during or at the end of the programme, or long after it ended.
SURVEY_KINDS = ("programme", "impact")

#: The scored questions a survey may ask (a comment is always welcome).
SURVEY_QUESTIONS = ("satisfaction", "nps")

#: A response's states: its email waits for room in the person's week, went, was answered.
RESPONSE_STATUSES = ("scheduled", "sent", "answered")

#: Months after the programme ends that the impact survey goes, unless it sets its own.
DEFAULT_IMPACT_MONTHS = 6


class Survey(BaseModel):
    """A survey sent to a programme's participants."""

    programme = ForeignKeyField(Programme, backref="surveys", on_delete="CASCADE")
    kind = CharField(default="programme")
    title = CharField()
    asks = CharField(default="satisfaction,nps")  # comma-separated SURVEY_QUESTIONS
    key = CharField(unique=True)  # makes creating it idempotent, e.g. "impact:4:2027-06-30"
    created_at = DateTimeField(default=utcnow)
    closes_at = DateTimeField(null=True)

    @property
    def questions(self) -> tuple[str, ...]:
        """The scored questions this survey asks, in SURVEY_QUESTIONS order."""
        chosen = {q.strip() for q in self.asks.split(",")}
        return tuple(q for q in SURVEY_QUESTIONS if q in chosen)


class SurveyResponse(BaseModel):
    """One person asked one survey, and their answer once given."""

    survey = ForeignKeyField(Survey, backref="responses", on_delete="CASCADE", index=False)
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="survey_responses", on_delete="CASCADE")
    status = CharField(default="scheduled")
    send_at = DateTimeField()
    sent_at = DateTimeField(null=True)
    satisfaction = SmallIntegerField(null=True)  # 1-5
    nps = SmallIntegerField(null=True)  # 0-10: how likely to recommend the programme
    comment = TextField(default="")
    answered_at = DateTimeField(null=True)
    source = CharField(default="")  # "email" or "form"

    class Meta:
        indexes = ((("survey", "person"), True),)


class SurveyPlan(BaseModel):
    """When a programme ends, and how many months later its impact survey goes."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", unique=True)
    ends_on = DateField(null=True)
    impact_months = IntegerField(default=DEFAULT_IMPACT_MONTHS)
