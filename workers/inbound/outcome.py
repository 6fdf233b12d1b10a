"""How an inbound message ends: applied, recorded, or quarantined with its reason (and maybe a
rejection to its sender); and the columns learnt about it on the way."""

from __future__ import annotations

import logging

from models import InboundMessage, clock
from workers.inbound import errors, rejections
from workers.runtime.plainsql import update_by_id
from workers.runtime.sqlite_lock import write_lock

logger = logging.getLogger(__name__)

#: Longest text kept in a row's text columns (the raw message keeps everything).
MAX_TEXT = 20_000


def finish(row: InboundMessage, status: str, **fields) -> str:
    """Record the final status of a message (and what was learnt about it)."""
    note(row, reason="", **fields)
    values = {"status": status, "processed_at": clock.now(), "lease_until": None, **_fields(row)}
    with write_lock():
        update_by_id(InboundMessage, row.id, values)
    row.status = status
    return status


def quarantine(row: InboundMessage, error: errors.InboundError) -> str:
    """Keep the message with the error's class name as reason, and answer the sender if due."""
    note(row, reason=error.reason, detail=clean(error.detail, MAX_TEXT))
    values = {"status": "quarantined", "processed_at": clock.now(), "lease_until": None}
    with write_lock():
        update_by_id(InboundMessage, row.id, {**values, **_fields(row)})
    row.status = "quarantined"
    logger.info("inbound message %s quarantined: %s", row.id, error.reason)
    rejections.reject(row, error)
    return "quarantined"


#: Row columns the pipeline fills in as it learns about a message.
LEARNT = (
    "sender",
    "subject",
    "kind",
    "reason",
    "detail",
    "reply_text",
    "person",
    "object_type",
    "object_id",
    "in_reply_to",
)


def note(row: InboundMessage, **fields) -> None:
    """Record on the row (not yet in the database) what was learnt about the message."""
    for name, value in fields.items():
        setattr(row, name, value)


def _fields(row: InboundMessage) -> dict:
    """Return the learnt columns changed while processing (the others are stored already)."""
    return {name: row.__data__.get(name) for name in LEARNT if name in row._dirty}


def clean(text: str, limit: int) -> str:
    """Return text safe for any database column: no NUL, no lone surrogates, at most ``limit``."""
    text = str(text or "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]
