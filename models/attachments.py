"""Files sent with outbox emails."""

from __future__ import annotations

from peewee import BlobField, CharField, ForeignKeyField

from models.base import BaseModel
from models.mail import OutboundEmail


class EmailAttachment(BaseModel):
    """A file sent with an outbox email (a certificate, a relayed attachment)."""

    email = ForeignKeyField(OutboundEmail, backref="attachments", on_delete="CASCADE")
    filename = CharField()
    content_type = CharField(default="application/octet-stream")
    data = BlobField()
