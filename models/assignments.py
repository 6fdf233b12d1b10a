"""What assignments add to the progress models: their options, submitted files and reviews."""

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

from models.base import BaseModel, utcnow
from models.people import Person
from models.progress import Assignment, Submission

#: What an assignment can be.
ASSIGNMENT_KINDS = ("quiz", "self-assessment", "case-study", "action-plan", "exercise")

#: What becomes of a file a participant sent with a submission.
FILE_STATUSES = ("stored", "refused")


class AssignmentOptions(BaseModel):
    """An assignment's answer key and reminder timings (empty: the programme's own)."""

    assignment = ForeignKeyField(Assignment, backref="options", on_delete="CASCADE", unique=True)
    answer_key = TextField(default="")
    reminder_days = CharField(default="")  # "3,1": days before the due time; "" the programme's
    overdue_days = CharField(default="1")  # days after the due time to say it is overdue
    cohort_name = CharField(default="")  # who it was set for, as the page shows it
    sent_at = DateTimeField(null=True)


class SubmissionFile(BaseModel):
    """A file sent with a submission: stored under a name Tandem made, or refused with why."""

    assignment = ForeignKeyField(Assignment, backref="files", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="submitted_files", on_delete="CASCADE")
    # None when every part of the reply was refused, so nothing counts as submitted.
    submission = ForeignKeyField(Submission, backref="files", null=True, on_delete="CASCADE")
    inbound = IntegerField(null=True)
    original_name = CharField(default="")  # escaped and shortened; never used as a path
    stored_name = CharField(default="")  # random, inside the upload folder; "" when refused
    content_type = CharField(default="")  # from the bytes, not from the name
    size = IntegerField(default=0)
    status = CharField(default="stored")
    reason = CharField(default="")
    created_at = DateTimeField(default=utcnow)


class Review(BaseModel):
    """A score and feedback on a submission, from a facilitator or from the quiz's key."""

    submission = ForeignKeyField(Submission, backref="reviews", on_delete="CASCADE")
    reviewer = ForeignKeyField(Person, backref="reviews", null=True, on_delete="SET NULL")
    score = FloatField(null=True)
    out_of = FloatField(null=True)
    feedback = TextField(default="")
    source = CharField(default="email")  # email, web or quiz
    automatic = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
