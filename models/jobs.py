"""Due work as rows: reminders, deadlines and summaries, plus the scheduler's lock."""

from __future__ import annotations

from peewee import CharField, DateTimeField, IntegerField, TextField

from models.base import BaseModel, JSONField, utcnow

#: Job states: pending -> running -> done (or failed after too many attempts).
JOB_STATUSES = ("pending", "running", "done", "failed", "cancelled")


class Job(BaseModel):
    """A piece of work due at ``run_at``; ``key`` makes scheduling it idempotent."""

    kind = CharField()  # handler name, e.g. "cycle.reminder"
    key = CharField(unique=True)
    run_at = DateTimeField(index=True)
    payload = JSONField(default=dict)
    status = CharField(default="pending")
    attempts = IntegerField(default=0)
    enqueued_at = DateTimeField(null=True)
    lease_until = DateTimeField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    done_at = DateTimeField(null=True)
    claimed_by = CharField(null=True)  # the worker running it (schema migration 7)

    class Meta:
        # The pending jobs of one object, by key prefix ("item:5:"): schema migration 3. It
        # serves queries by status alone too (migration 5 dropped the single-column one).
        indexes = ((("status", "key"), False),)


class Lease(BaseModel):
    """A named lock held until ``expires_at`` (the single scheduler holds one)."""

    name = CharField(primary_key=True)
    holder = CharField()
    expires_at = DateTimeField()
    last_tick = DateTimeField(null=True)
