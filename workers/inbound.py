"""Inbound mail: store the raw bytes first, then read and apply them in an actor."""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import logging
from email.parser import BytesHeaderParser

import dramatiq
from peewee import IntegrityError

from models import InboundMessage, clock, db

logger = logging.getLogger(__name__)

#: How long a message being processed belongs to one worker.
LEASE = dt.timedelta(minutes=5)


def store_raw(
    raw: bytes, channel: str, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[InboundMessage, bool]:
    """Save a raw message unless it is already stored; return the row and whether it is new."""
    digest = hashlib.sha256(raw).hexdigest()
    existing = InboundMessage.get_or_none(InboundMessage.sha256 == digest)
    if existing is not None:
        return existing, False
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    message_id = str(headers.get("Message-ID") or "").strip()[:250]
    if message_id:
        same = InboundMessage.get_or_none(InboundMessage.message_id == message_id)
        if same is not None:
            return same, False
    try:
        with db.atomic():
            row = InboundMessage.create(
                raw=raw,
                sha256=digest,
                message_id=message_id,
                channel=channel,
                mail_from=mail_from[:250],
                rcpt_to=",".join(rcpt_to or [])[:2000],
                subject=str(headers.get("Subject") or "")[:500],
            )
    except IntegrityError:
        return InboundMessage.get(InboundMessage.sha256 == digest), False
    return row, True


def claim(message_id: int) -> InboundMessage | None:
    """Take a stored message for processing, or None if done or held by another worker."""
    now = clock.now()
    updated = (
        InboundMessage.update(
            status="processing", lease_until=now + LEASE, attempts=InboundMessage.attempts + 1
        )
        .where(
            (InboundMessage.id == message_id)
            & (
                (InboundMessage.status == "received")
                | ((InboundMessage.status == "processing") & (InboundMessage.lease_until < now))
            )
        )
        .execute()
    )
    return InboundMessage.get_by_id(message_id) if updated == 1 else None


def process(message_id: int) -> str:
    """Read one stored message and apply it; returns its final status."""
    from workers.pipeline import handle

    row = claim(message_id)
    if row is None:
        return "skipped"
    return handle(row)


@dramatiq.actor(queue_name="inbound", max_retries=3, time_limit=120_000)
def process_inbound(message_id: int) -> None:
    """Process one stored inbound message."""
    process(message_id)
