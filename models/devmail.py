"""Mail caught by the dev mail catcher, shown in the dev mailbox."""

from __future__ import annotations

from peewee import BlobField, CharField, DateTimeField, IntegerField, TextField

from models.base import BaseModel, utcnow


class CaughtMail(BaseModel):
    """One message the dev mail catcher accepted, stored once per Message-ID."""

    raw = BlobField()
    dedupe_key = CharField(unique=True)  # sha256 of the Message-ID, or of the bytes without one
    message_id = TextField(default="")
    mail_from = TextField(default="")  # SMTP envelope sender
    rcpt_to = TextField(default="")  # envelope recipients, comma-separated
    subject = TextField(default="")
    size = IntegerField(default=0)
    deliveries = IntegerField(default=1)  # times it was handed over; more than 1 = a resend
    received_at = DateTimeField(default=utcnow, index=True)

    @property
    def recipients(self) -> list[str]:
        """Return the envelope recipients as a list."""
        return [r for r in self.rcpt_to.split(",") if r]

    @classmethod
    def newest(cls, limit: int = 200):
        """Return the most recently caught messages first."""
        return cls.select().order_by(cls.received_at.desc(), cls.id.desc()).limit(limit)
