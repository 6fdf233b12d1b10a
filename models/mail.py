"""The outbox of emails Tandem sends and the raw messages it receives."""

from __future__ import annotations

from peewee import (
    BigIntegerField,
    BlobField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, JSONField, utcnow
from models.people import Person

#: Outbound states: queued -> sending -> sent, or failed (permanent) / bounced (reported later).
OUTBOUND_STATUSES = ("queued", "sending", "sent", "failed", "bounced")

#: Inbound states: received -> processing -> one of the final states.
INBOUND_STATUSES = (
    "received",
    "processing",
    "applied",
    "auto_reply",
    "bounce",
    "quarantined",
    "dismissed",
)


class OutboundEmail(BaseModel):
    """One email to one address, written with the change that caused it."""

    kind = CharField()  # template name, e.g. "update-request"
    to_addr = CharField()
    person = ForeignKeyField(Person, null=True, backref="emails", on_delete="SET NULL")
    ctx = JSONField(default=dict)
    subject = TextField(default="")
    message_id = CharField(unique=True)
    idem_key = CharField(unique=True)
    reply_to = CharField(default="")
    in_reply_to = CharField(default="")
    calendar = TextField(null=True)  # iCalendar text for a text/calendar part
    calendar_method = CharField(default="")
    object_type = CharField(default="")
    object_id = IntegerField(null=True)
    status = CharField(default="queued", index=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    lease_until = DateTimeField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        # Workers claim due rows by status and time (schema migration 2).
        indexes = ((("status", "next_attempt_at"), False),)


class InboundMessage(BaseModel):
    """A raw message as received, stored before anything reads it."""

    raw = BlobField()
    sha256 = CharField(unique=True)
    message_id = CharField(index=True, default="")
    channel = CharField(default="smtp")  # smtp, pipe, http, imap, dev
    mail_from = CharField(default="")  # SMTP envelope sender
    rcpt_to = TextField(default="")  # envelope recipients, comma-separated
    sender = CharField(default="")  # parsed From address
    subject = TextField(default="")
    status = CharField(default="received", index=True)
    kind = CharField(default="")  # reply, calendar_reply, auto_reply, bounce, unreadable
    reason = CharField(default="")  # error class name when quarantined
    detail = TextField(default="")
    reply_text = TextField(default="")
    parsed = JSONField(null=True)
    person = ForeignKeyField(Person, null=True, backref="inbound", on_delete="SET NULL")
    object_type = CharField(default="")
    object_id = IntegerField(null=True)
    in_reply_to = ForeignKeyField(OutboundEmail, null=True, backref="replies", on_delete="SET NULL")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    lease_until = DateTimeField(null=True)
    received_at = DateTimeField(default=utcnow)
    processed_at = DateTimeField(null=True)

    class Meta:
        # Workers claim due rows by status and time (schema migration 2).
        indexes = ((("status", "next_attempt_at"), False),)


class Rejection(BaseModel):
    """A rejection email sent for one sender and reason on one day (at most one)."""

    email = CharField()
    reason = CharField()
    day = CharField()  # YYYY-MM-DD

    class Meta:
        indexes = ((("email", "reason", "day"), True),)


class ImapCursor(BaseModel):
    """How far IMAP polling of one mailbox got: its UIDVALIDITY and the last UID taken."""

    mailbox = CharField(unique=True)  # user@host:port/MAILBOX, never the password
    uidvalidity = BigIntegerField(default=0)
    last_uid = BigIntegerField(default=0)
    updated_at = DateTimeField(default=utcnow)
