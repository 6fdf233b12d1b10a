"""Mail helpers for the tracking tests: read a queued email as sent, reply to it as a client."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from models import OutboundEmail
from tests.followup.test_followup_e2e import gmail_reply, outlook_reply
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build

__all__ = ["gmail_reply", "outlook_reply", "message", "process", "sent", "text_of"]


def sent(kind: str) -> list[OutboundEmail]:
    """Return the queued emails of ``kind``, oldest first."""
    return list(OutboundEmail.select().where(OutboundEmail.kind == kind).order_by(OutboundEmail.id))


def message(row: OutboundEmail) -> EmailMessage:
    """Return the email as delivery would send it."""
    return email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)


def text_of(row: OutboundEmail) -> str:
    """Return the text part of a queued email."""
    return message(row).get_body(("plain",)).get_content()


def process(raw: bytes) -> str:
    """Store a raw reply and run the inbound pipeline on it; return its outcome."""
    stored, _ = inbound_store.store_raw(raw, "smtp")
    return inbound_worker.process(stored.id)
