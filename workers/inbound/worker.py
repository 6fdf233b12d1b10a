"""The inbound actors: claim stored messages, run the pipeline, hand them back on failure."""

from __future__ import annotations

import logging

import dramatiq

from models import InboundMessage, clock
from workers.inbound.claim import CLAIMABLE, LEASE, Claim, load
from workers.inbound.pipeline import handle_many
from workers.inbound.store import store_raw
from workers.runtime import (
    broker,  # noqa: F401  (the broker, before the actors are declared)
    heartbeat,
)
from workers.runtime.sqlite_lock import write_lock

logger = logging.getLogger(__name__)

#: Most messages one batch actor message may name.
MAX_BATCH = 100


def enqueue(row: InboundMessage) -> bool:
    """Ask a worker to process a stored message; the scheduler retries if the broker is away."""
    if row.status != "received":
        return False
    return enqueue_many([row.id])


def enqueue_many(message_ids: list[int]) -> bool:
    """Ask a worker to process stored messages together; the scheduler retries on failure."""
    if not message_ids:
        return False
    try:
        if len(message_ids) == 1:
            process_inbound.send(message_ids[0])
        else:
            process_inbound_batch.send(list(message_ids))
    except Exception:  # any broker failure: the rows are safe, the scheduler will find them
        logger.warning("could not enqueue inbound messages %s; the scheduler will", message_ids)
        return False
    return True


def receive(
    raw: bytes, channel: str, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[InboundMessage, bool]:
    """Store a message (the one step that must succeed), then enqueue it for processing."""
    row, new = store_raw(raw, channel, mail_from, rcpt_to)
    enqueue(row)
    return row, new


def process(message_id: int) -> str:
    """Read one stored message and apply it; returns its final status."""
    return process_many([message_id]).get(message_id, "skipped")


def process_many(message_ids: list[int]) -> dict[int, str]:
    """Claim the free messages among ``message_ids`` and apply them; return id -> status.

    The messages are read one by one and applied in a few transactions (see
    ``workers.inbound.pipeline.handle_many``); when the write lock is taken, the claim waits while
    they are read (see ``Claim``). If the database fails, every message claimed is handed
    back before the error is raised, so a retry takes them. Messages still unread when half
    the lease has gone are handed back too: once it runs out, another worker may take them.
    """
    claim = Claim(message_ids)
    if claim.attempt():
        rows = load(claim.taken)
    else:  # read the ones the claim may take while it waits
        rows = load(claim.ids, CLAIMABLE)
    try:
        statuses = handle_many(rows, give_back_at=clock.now() + LEASE / 2, claim=claim)
    except BaseException:  # a database error, or the actor's time limit: hand them all back
        release(sorted(claim.taken or ()))
        raise
    late = [row_id for row_id in sorted(claim.taken or ()) if row_id not in statuses]
    if late:
        release(late)
        enqueue_many(late)
    return statuses


def release(message_ids: int | list[int]) -> None:
    """Hand claimed messages back after a failure, so a retry can take them at once.

    The failure may have been the database connection: the hand-back then runs on a new
    one, and if the database is down, the worker's heartbeat retries it until it answers.
    """
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    if ids:
        heartbeat.hand_back(give_back, ids)


def give_back(ids: list[int]) -> None:
    """Put this worker's claims on these messages back to "received"."""
    held = InboundMessage.status == "processing"
    if heartbeat.holder():
        held &= InboundMessage.claimed_by == heartbeat.holder()
    with write_lock():
        InboundMessage.update(status="received", lease_until=None).where(
            InboundMessage.id.in_(ids) & held
        ).execute()


@dramatiq.actor(queue_name="inbound", max_retries=3, time_limit=120_000)
def process_inbound(message_id: int) -> None:
    """Process one stored inbound message."""
    process_many([message_id])


@dramatiq.actor(queue_name="inbound", max_retries=3, time_limit=240_000)
def process_inbound_batch(message_ids: list[int]) -> None:
    """Process several stored inbound messages (the listener sends them in small batches)."""
    process_many([int(i) for i in message_ids][:MAX_BATCH])
