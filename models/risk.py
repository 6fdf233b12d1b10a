"""At-risk detection's settings and results: thresholds per programme, and flags raised."""

from __future__ import annotations

from peewee import CharField, DateTimeField, FloatField, ForeignKeyField, TextField

from models.base import BaseModel, JSONField, utcnow
from models.people import Person
from models.programme import Programme

#: Risk rule thresholds a programme gets unless its RiskRule row says otherwise.
DEFAULT_THRESHOLDS = {
    "overdue_grace_days": 1,  # an assignment counts as overdue this long after its due time
    "overdue_count": 2,  # assignments due in the window and still missing that make a signal
    "overdue_strong": 4,  # ... and a signal strong enough to flag alone
    "silence_days": 14,  # days without anything from the participant
    "silence_strong_days": 28,
    "window_days": 28,  # how far back invitations, sessions and bounces are counted
    "invitations_count": 2,  # declined or unanswered invitations in the window
    "missed_count": 2,  # sessions missed in the window
    "missed_strong": 3,
    "trend_values": 3,  # the last k ratings of a kind, compared with the ones before them
    "trend_drop": 1.0,  # points the mean of the last k lies below the mean of those before
    "rating_low": 2.0,  # a mean of the last k at or below this is a signal by itself
    "engagement_weeks": 3,  # recent complete weeks compared with the participant's earlier ones
    "engagement_drop": 0.6,  # share of their usual weekly engagement lost
    "engagement_min": 2.0,  # usual engagement events a week below which a fall means little
    "stalled_days": 28,  # an active goal whose progress has not risen for this long
    "bounce_count": 1,  # bounces in the window
    # A flag needs signals whose areas weigh this much together (each area counts once), or
    # one strong signal. A drop in the participant's own activity weighs most: it is what a
    # drop-out looks like, while a late piece of work or a stalled goal alone is everyday.
    "flag_score": 3,
    "weight_activity": 2,  # silence, engagement falling
    "weight_work": 1,  # overdue assignments
    "weight_sessions": 1,  # missed sessions, unanswered or declined invitations
    "weight_ratings": 1,  # falling or low ratings
    "weight_goals": 1,  # stalled goals
    "weight_reach": 1,  # bounced email
}

#: What came of an intervention, as the facilitator or mentor reports it.
OUTCOMES = ("", "re-engaged", "withdrew", "no-response", "other")


class RiskRule(BaseModel):
    """A programme's own risk thresholds, over the defaults."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", unique=True)
    thresholds = JSONField(default=dict)

    @classmethod
    def thresholds_for(cls, programme_id: int) -> dict:
        """Return the thresholds for a programme: the defaults, overridden by its own."""
        row = cls.get_or_none(cls.programme == programme_id)
        return {**DEFAULT_THRESHOLDS, **(row.thresholds if row else {})}


class RiskFlag(BaseModel):
    """A participant flagged at risk, why, and what was done about it."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="risk_flags", on_delete="CASCADE")
    reasons = JSONField()  # [{"signal", "words", "data"}], the plain words and what they rest on
    score = FloatField(default=0)
    raised_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    cleared_at = DateTimeField(null=True)
    intervention_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    intervention_sent_at = DateTimeField(null=True)
    outcome = CharField(default="")
    outcome_note = TextField(default="")

    class Meta:
        indexes = ((("programme", "cleared_at", "person"), False),)


# At most one open flag per participant, even when two refreshes race.
RiskFlag.add_index(
    RiskFlag.index(
        RiskFlag.programme, RiskFlag.person, unique=True, where=RiskFlag.cleared_at.is_null()
    )
)
