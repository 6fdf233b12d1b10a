"""Inbound mail: store the raw bytes first, then read and apply them in an actor."""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import logging
import re
from email.parser import BytesHeaderParser

import dramatiq
from peewee import IntegrityError, InterfaceError, OperationalError

from models import InboundMessage, clock, db

logger = logging.getLogger(__name__)

#: How long a message being processed belongs to one worker.
LEASE = dt.timedelta(minutes=5)


#: Header fields of which a message must have at least one to be taken as mail.
MAIL_HEADERS = ("from", "to", "subject", "message-id", "date", "received", "return-path")

#: A header field line: a name of printable characters, then a colon (RFC 5322 2.2).
FIELD_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")


class NotMailError(ValueError):
    """The bytes given as a message are empty or do not start with mail headers."""


def looks_like_mail(raw: bytes) -> bool:
    """Tell whether ``raw`` starts with header fields, one of them a usual mail header."""
    stripped = raw.lstrip(b"\r\n")
    if not stripped.strip() or not FIELD_RE.match(stripped):
        return False
    names = {k.lower() for k in _headers(stripped).keys()}
    return bool(names.intersection(MAIL_HEADERS))


def _headers(raw: bytes):
    return BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)


def _header(headers, name: str, limit: int) -> str:
    text = " ".join(str(headers.get(name) or "").split())
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def store_raw(
    raw: bytes, channel: str, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[InboundMessage, bool]:
    """Save a raw message unless it is already stored; return the row and whether it is new.

    A known content hash or Message-ID means it is stored already; the row returned then
    carries only its id and status, the columns the ways in need.
    """
    digest = hashlib.sha256(raw).hexdigest()
    headers = _headers(raw)
    message_id = _header(headers, "Message-ID", 250)
    existing = _stored(digest, message_id)
    if existing is not None:
        return existing, False
    fields = {
        "raw": raw,
        "sha256": digest,
        "message_id": message_id,
        "channel": channel,
        "mail_from": _clean(mail_from, 250),
        "rcpt_to": _clean(",".join(rcpt_to or []), 2000),
        "subject": _header(headers, "Subject", 500),
    }
    try:
        with db.atomic():
            row_id = InboundMessage.insert(**fields).execute()
    except IntegrityError:
        return _stored(digest, message_id), False
    return InboundMessage(id=row_id, status="received", **fields), True


def _stored(digest: str, message_id: str) -> InboundMessage | None:
    match = InboundMessage.sha256 == digest
    if message_id:
        match |= InboundMessage.message_id == message_id
    return InboundMessage.select(InboundMessage.id, InboundMessage.status).where(match).first()


def _clean(text: str, limit: int) -> str:
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def enqueue(row: InboundMessage) -> bool:
    """Ask a worker to process a stored message; the scheduler retries if the broker is away."""
    if row.status != "received":
        return False
    try:
        process_inbound.send(row.id)
    except Exception:  # any broker failure: the row is safe, the scheduler will find it
        logger.warning("could not enqueue inbound message %s; the scheduler will", row.id)
        return False
    return True


def receive(
    raw: bytes, channel: str, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[InboundMessage, bool]:
    """Store a message (the one step that must succeed), then enqueue it for processing."""
    row, new = store_raw(raw, channel, mail_from, rcpt_to)
    enqueue(row)
    return row, new


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
    try:
        return handle(row)
    except (OperationalError, InterfaceError):
        release(message_id)
        raise


def release(message_id: int) -> None:
    """Hand a claimed message back after a database failure, so a retry can take it at once."""
    try:
        InboundMessage.update(status="received", lease_until=None).where(
            (InboundMessage.id == message_id) & (InboundMessage.status == "processing")
        ).execute()
    except (OperationalError, InterfaceError):
        logger.warning("could not release inbound message %s; its lease will expire", message_id)


@dramatiq.actor(queue_name="inbound", max_retries=3, time_limit=120_000)
def process_inbound(message_id: int) -> None:
    """Process one stored inbound message."""
    process(message_id)
