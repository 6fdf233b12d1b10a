"""Inbound messages due for processing, found by the scheduler: new ones and stalled claims."""

from __future__ import annotations

import dramatiq

from models import InboundMessage
from workers.inbound.worker import process_inbound_batch
from workers.runtime.scheduler import (
    DUE,
    LEASE_OVER,
    QUEUE_LOST,
    REENQUEUE_AFTER,
    WORKER_GONE,
    Pass,
    Sweep,
    register,
)

#: Messages enqueued per scheduler pass, so one pass stays short.
BATCH = 2000

#: Messages per batch message: a batch is claimed and applied by one worker thread.
PER_MESSAGE = 40


def due_inbound(here: Pass) -> dict[str, list[int]]:
    """Return stored messages waiting, and claims whose worker stopped beating or whose lease
    ran out, by why; put the claims back to "received" and mark them all enqueued.

    On a received row a ``next_attempt_at`` in the future means "a message is on its way",
    unless Redis lost its queues.
    """
    now = here.now
    waiting = InboundMessage.status == "received"
    if not here.lost:
        waiting &= InboundMessage.next_attempt_at <= now
    over = InboundMessage.lease_until < now
    if here.dead:
        over |= InboundMessage.claimed_by.in_(sorted(here.dead))
    stalled = (InboundMessage.status == "processing") & over
    rows = (
        InboundMessage.select(
            InboundMessage.id,
            InboundMessage.status,
            InboundMessage.next_attempt_at,
            InboundMessage.claimed_by,
        )
        .where(waiting | stalled)
        .limit(BATCH)
    )
    reasons: dict[str, list[int]] = {}
    for row in rows:
        reasons.setdefault(_why(row, here), []).append(row.id)
    ids = [row_id for found in reasons.values() for row_id in found]
    if ids:
        InboundMessage.update(
            status="received", lease_until=None, next_attempt_at=now + REENQUEUE_AFTER
        ).where(InboundMessage.id.in_(ids) & (waiting | stalled)).execute()
    return reasons


def _why(row: InboundMessage, here: Pass) -> str:
    if row.status == "processing":
        return WORKER_GONE if row.claimed_by in here.dead else LEASE_OVER
    return QUEUE_LOST if row.next_attempt_at > here.now else DUE


def unmark_inbound(ids: list[int], now) -> None:
    """Make messages the broker did not take due again at once."""
    if ids:
        InboundMessage.update(next_attempt_at=now).where(
            InboundMessage.id.in_(ids) & (InboundMessage.status == "received")
        ).execute()


def batch_message(ids: list[int]) -> dramatiq.Message:
    """Return the message that processes these stored messages together."""
    return process_inbound_batch.message(ids)


def split(ids: list[int]) -> list[list[int]]:
    """Split ids into batch messages of PER_MESSAGE at most."""
    return [ids[start : start + PER_MESSAGE] for start in range(0, len(ids), PER_MESSAGE)]


def processing_holders() -> set[str]:
    """Return the workers holding messages being processed."""
    query = (
        InboundMessage.select(InboundMessage.claimed_by)
        .where(InboundMessage.status == "processing")
        .distinct()
    )
    return {row.claimed_by for row in query if row.claimed_by}


register(Sweep("inbound", due_inbound, unmark_inbound, batch_message, split, processing_holders))
