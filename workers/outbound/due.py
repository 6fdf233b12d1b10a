"""Emails due for delivery, found by the scheduler: queued ones now due, and stalled sends."""

from __future__ import annotations

import dramatiq
from peewee import fn

from models import OutboundEmail, clock
from workers.outbound.outbox import batches, deliver_emails
from workers.runtime.scheduler import (
    DUE,
    LEASE_OVER,
    NOT_TAKEN,
    QUEUE_LOST,
    REENQUEUE_AFTER,
    WORKER_GONE,
    Pass,
    Sweep,
    register,
)

#: Emails enqueued per scheduler pass, so one pass stays short.
BATCH = 2000


def due_emails(here: Pass) -> dict[str, list[int]]:
    """Return queued emails now due and stalled sends, by why; mark them enqueued.

    On a queued row ``lease_until`` means "a delivery message is on its way until then",
    unless Redis lost its queues, or the worker that wrote the row (``claimed_by``) stopped
    beating: it was to enqueue that message after its commit. A "sending" row whose worker
    stopped beating, or whose lease ran out, goes back to the queue, counted as orphaned.
    """
    now = here.now
    dead = OutboundEmail.claimed_by.in_(sorted(here.dead))
    waiting = (OutboundEmail.status == "queued") & (OutboundEmail.next_attempt_at <= now)
    if not here.lost:
        free = OutboundEmail.lease_until.is_null() | (OutboundEmail.lease_until < now)
        waiting &= (free | dead) if here.dead else free
    over = OutboundEmail.lease_until < now
    if here.dead:
        over |= dead
    stalled = (OutboundEmail.status == "sending") & over
    rows = (
        OutboundEmail.select(
            OutboundEmail.id,
            OutboundEmail.status,
            OutboundEmail.lease_until,
            OutboundEmail.claimed_by,
        )
        .where(waiting | stalled)
        .limit(BATCH)
    )
    reasons: dict[str, list[int]] = {}
    for row in rows:
        reasons.setdefault(_why(row, here), []).append(row.id)
    mark = now + REENQUEUE_AFTER
    freed = reasons.get(WORKER_GONE, []) + reasons.get(LEASE_OVER, [])
    if freed:
        OutboundEmail.update(
            status="queued",
            lease_until=mark,
            orphaned=fn.COALESCE(OutboundEmail.orphaned, 0) + 1,
        ).where(OutboundEmail.id.in_(freed) & stalled).execute()
    waited = [i for why in (DUE, NOT_TAKEN, QUEUE_LOST, WORKER_GONE) for i in reasons.get(why, [])]
    if waited:
        # Rows freed just above are among them, queued and marked now: this only clears their
        # dead holder, as it clears a dead writer's.
        OutboundEmail.update(lease_until=mark, claimed_by=None).where(
            OutboundEmail.id.in_(waited) & waiting
        ).execute()
    return reasons


def _why(row: OutboundEmail, here: Pass) -> str:
    if row.status == "sending":
        return WORKER_GONE if row.claimed_by in here.dead else LEASE_OVER
    if row.lease_until is None:
        return DUE
    if row.lease_until < here.now:
        return NOT_TAKEN
    return QUEUE_LOST if here.lost else WORKER_GONE


def unmark_emails(ids: list[int], now) -> None:
    """Undo the enqueued marks of emails the broker did not take, so the next pass finds them."""
    if ids:
        OutboundEmail.update(lease_until=None).where(
            OutboundEmail.id.in_(ids) & (OutboundEmail.status == "queued")
        ).execute()


def delivery_message(ids: list[int]) -> dramatiq.Message:
    """Return the message that delivers these emails (its time limit grows with their number)."""
    limit = len(ids) * deliver_emails.options["time_limit"]
    return deliver_emails.message_with_options(args=(ids,), time_limit=limit)


def holders() -> set[str]:
    """Return the workers holding emails being sent, or written and still to be enqueued."""
    to_enqueue = (OutboundEmail.status == "queued") & (OutboundEmail.lease_until > clock.now())
    query = (
        OutboundEmail.select(OutboundEmail.claimed_by)
        .where(
            ((OutboundEmail.status == "sending") | to_enqueue)
            & OutboundEmail.claimed_by.is_null(False)
        )
        .distinct()
    )
    return {row.claimed_by for row in query if row.claimed_by}


register(Sweep("emails", due_emails, unmark_emails, delivery_message, batches, holders))
