"""Inbound messages due for processing, found by the scheduler: new ones and stalled claims."""

from __future__ import annotations

import datetime as dt

from models import InboundMessage
from workers.inbound.worker import process_inbound
from workers.runtime.scheduler import REENQUEUE_AFTER, Sweep, register

#: Messages enqueued per scheduler pass, so one pass stays short.
BATCH = 2000


def due_inbound(now: dt.datetime) -> list[int]:
    """Return stored messages waiting or whose claim's lease ran out; mark the waiting ones."""
    stalled = (InboundMessage.status == "processing") & (InboundMessage.lease_until < now)
    waiting = (InboundMessage.status == "received") & (InboundMessage.next_attempt_at <= now)
    rows = InboundMessage.select(InboundMessage.id).where(waiting | stalled).limit(BATCH)
    ids = [r.id for r in rows]
    if ids:
        InboundMessage.update(next_attempt_at=now + REENQUEUE_AFTER).where(
            InboundMessage.id.in_(ids) & (InboundMessage.status == "received")
        ).execute()
    return ids


def unmark_inbound(ids: list[int], now: dt.datetime) -> None:
    """Make messages the broker did not take due again at once."""
    if ids:
        InboundMessage.update(next_attempt_at=now).where(
            InboundMessage.id.in_(ids) & (InboundMessage.status == "received")
        ).execute()


register(Sweep("inbound", due_inbound, unmark_inbound, process_inbound))
