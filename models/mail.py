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

#: Inbound states: received -> processing -> one of the final states ("duplicate": the same
#: reply as one applied shortly before, see AppliedReply).
INBOUND_STATUSES = (
    "received",
    "processing",
    "applied",
    "duplicate",
    "auto_reply",
    "bounce",
    "quarantined",
    "dismissed",
)


class SharedContext(BaseModel):
    """The part of a rendering context that many emails carry alike (a cycle's summary or
    brief, sent to every stakeholder), stored once and named by its content's SHA-256: a
    1,000-person cycle's summaries would otherwise hold the summary 1,000 times over."""

    digest = CharField(unique=True)
    data = JSONField()
    created_at = DateTimeField(default=utcnow)


class OutboundEmail(BaseModel):
    """One email to one address, written with the change that caused it.

    It is rendered from ``ctx`` over ``shared``'s data, when it has any (the email's own keys
    win), so every retry renders the same email.
    """

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
    status = CharField(default="queued")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    lease_until = DateTimeField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    # Schema migration 7, null when not set so rows written by older code need no value: the
    # worker process holding a "sending" row (its heartbeat's id), or that wrote a queued row
    # and is to enqueue its delivery after its commit; times its data went out
    # but the relay's answer was lost (it may have arrived); times a worker died holding it.
    claimed_by = CharField(null=True)
    unconfirmed = IntegerField(null=True)
    orphaned = IntegerField(null=True)
    # Schema migration 13: the References header of an email that answers another (the
    # thread's Message-IDs, oldest first); null when it answers nothing.
    references = TextField(null=True)
    # Schema migration 19: what this email's context shares with others; null when nothing.
    shared = ForeignKeyField(SharedContext, null=True)

    class Meta:
        # Workers claim due rows by status and time (schema migration 2); the index serves
        # queries by status alone too (migration 5 dropped the single-column ones).
        indexes = ((("status", "next_attempt_at"), False),)


class InboundMessage(BaseModel):
    """A message as received, stored before anything reads it; its bytes are an InboundRaw.

    ``raw`` reads and writes the bytes like a column: they load when first read (a claim
    loads them with the row) and ``save`` writes them. They live in a table of their own
    because SQLite rewrites a whole row, large values included, on every update, and this row
    is updated as the message moves on (claimed, applied); PostgreSQL keeps large values
    apart by itself.
    """

    sha256 = CharField(unique=True)
    message_id = CharField(index=True, default="")
    channel = CharField(default="smtp")  # smtp, pipe, http, imap, dev
    mail_from = CharField(default="")  # SMTP envelope sender
    rcpt_to = TextField(default="")  # envelope recipients, comma-separated
    sender = CharField(default="")  # parsed From address
    subject = TextField(default="")
    status = CharField(default="received")
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
    next_attempt_at = DateTimeField(default=utcnow)
    lease_until = DateTimeField(null=True)
    received_at = DateTimeField(default=utcnow)
    processed_at = DateTimeField(null=True)
    claimed_by = CharField(null=True)  # the worker processing it (schema migration 7)

    class Meta:
        # Workers claim due rows by status and time (schema migration 2); the index serves
        # queries by status alone too (migration 5 dropped the single-column ones).
        indexes = ((("status", "next_attempt_at"), False),)

    _raw: bytes | None = None
    _raw_changed = False

    @property
    def raw(self) -> bytes:
        """The message's bytes, as received."""
        if self._raw is None and self.id is not None:
            query = InboundRaw.select(InboundRaw.raw).where(InboundRaw.message == self.id)
            found = query.scalar()
            self._raw = bytes(found) if found is not None else b""
        return self._raw if self._raw is not None else b""

    @raw.setter
    def raw(self, value: bytes) -> None:
        self._raw, self._raw_changed = bytes(value), True

    def loaded_with(self, raw: bytes) -> InboundMessage:
        """Give the row its bytes as loaded from the database (``save`` leaves them be)."""
        self._raw = bytes(raw)
        return self

    def save(self, force_insert: bool = False, only=None) -> int:
        """Save the row, and its bytes when they were set, in one transaction."""
        with self._meta.database.atomic():
            rows = super().save(force_insert=force_insert, only=only)
            if self._raw_changed:
                query = InboundRaw.update(raw=self._raw).where(InboundRaw.message == self.id)
                if not query.execute():
                    InboundRaw.insert(message=self.id, raw=self._raw).execute()
        self._raw_changed = False
        return rows


class InboundRaw(BaseModel):
    """The bytes of one inbound message (see ``InboundMessage``; schema migration 4)."""

    message = ForeignKeyField(
        InboundMessage, primary_key=True, backref="raw_bytes", on_delete="CASCADE"
    )
    raw = BlobField()


class AppliedReply(BaseModel):
    """What one person's reply about one object said, when it was last applied, so the same
    reply sent again (a resend, Send pressed twice) is recorded as a duplicate instead."""

    digest = CharField(unique=True)  # sha256 of the person, the object and the trimmed text
    message = ForeignKeyField(InboundMessage, backref="applied_replies", on_delete="CASCADE")
    applied_at = DateTimeField(default=utcnow)


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
