"""Matching mentees to mentors: a programme's rules, and the proposals a coordinator reviews."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, JSONField, utcnow
from models.mentoring import MentoringGroup
from models.people import Person
from models.programme import Programme

#: Life of a proposal: a draft is reviewed, then approved or replaced by a newer draft.
PROPOSAL_STATUSES = ("draft", "approved", "superseded")


class MatchSettings(BaseModel):
    """How a programme matches: objective, session length, weeks, exclusions, guide."""

    programme = ForeignKeyField(Programme, backref="match_settings", on_delete="CASCADE")
    objective = CharField(default="participation")  # participation, score
    session_minutes = IntegerField(default=60)
    start_date = DateField(null=True)  # null: the Monday on or after the day of matching
    weeks = IntegerField(default=12)
    exclude_same_department = BooleanField(default=False)
    guide = TextField(null=True)  # the introductory guide; null: Tandem's default
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme",), True),)


class MatchExclusion(BaseModel):
    """A pair a coordinator says must never be matched."""

    programme = ForeignKeyField(Programme, backref="match_exclusions", on_delete="CASCADE")
    mentee = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    mentor = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    created_by = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme", "mentee", "mentor"), True),)


class OrientationOverride(BaseModel):
    """A mentor a coordinator lets be matched before orientation."""

    programme = ForeignKeyField(Programme, backref="orientation_overrides", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    created_by = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme", "person"), True),)


class MatchProposal(BaseModel):
    """One run of the matcher, kept for review: its pairs and the mentees it left over."""

    programme = ForeignKeyField(Programme, backref="match_proposals", on_delete="CASCADE")
    status = CharField(default="draft")
    objective = CharField(default="participation")
    session_minutes = IntegerField(default=60)
    start_date = DateField()
    weeks = IntegerField()
    unmatched = JSONField(default=list)  # [{"mentee": email, "reason": "..."}]
    total_score = FloatField(default=0.0)
    created_by = CharField(default="")
    created_at = DateTimeField(default=utcnow)
    approved_by = CharField(default="")
    approved_at = DateTimeField(null=True)


class ProposedPair(BaseModel):
    """A mentee with a mentor in a proposal: the score, its parts and their shared hours."""

    proposal = ForeignKeyField(MatchProposal, backref="pairs", on_delete="CASCADE")
    mentee = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    mentor = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    score = FloatField()
    parts = JSONField(default=dict)  # {"goals": 40.0, "time": 30.0, ...}
    shared_hours = FloatField(default=0.0)  # per week, averaged over the programme's weeks
    locked = BooleanField(default=False)
    status = CharField(default="proposed")  # proposed, approved
    group = ForeignKeyField(MentoringGroup, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("proposal", "mentee"), True),)
