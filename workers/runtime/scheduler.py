"""The scheduler: one process that finds due work in the database and enqueues it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid

import dramatiq
from peewee import DatabaseError, IntegrityError

from models import InboundMessage, Job, Lease, OutboundEmail, clock, db
from workers.dbmiddleware import write_transaction

logger = logging.getLogger(__name__)

#: The scheduler's lock is held this long per renewal; a dead scheduler's lock expires.
LOCK_TTL = dt.timedelta(seconds=30)

#: After enqueueing a row, wait this long before enqueueing it again (the message may be lost).
REENQUEUE_AFTER = dt.timedelta(minutes=3)

#: Rows enqueued per kind per pass, so one pass stays short.
BATCH = 2000

HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire_lock(name: str = "scheduler", holder: str = HOLDER) -> bool:
    """Take or renew the named lock; return False when another live holder has it."""
    now = clock.now()
    with db.atomic():
        renewed = (
            Lease.update(holder=holder, expires_at=now + LOCK_TTL)
            .where((Lease.name == name) & ((Lease.holder == holder) | (Lease.expires_at < now)))
            .execute()
        )
        if renewed:
            return True
        try:
            with db.atomic():
                Lease.create(name=name, holder=holder, expires_at=now + LOCK_TTL)
            return True
        except IntegrityError:
            return False


def release_lock(name: str = "scheduler", holder: str = HOLDER) -> None:
    """Give the lock up so another scheduler can start at once."""
    Lease.delete().where((Lease.name == name) & (Lease.holder == holder)).execute()


def _due_emails(now: dt.datetime) -> list[int]:
    """Return queued emails now due, and those whose worker's lease ran out; mark them enqueued.

    On a queued row ``lease_until`` means "a delivery message is on its way until then".
    """
    not_enqueued = OutboundEmail.lease_until.is_null() | (OutboundEmail.lease_until < now)
    waiting = (
        (OutboundEmail.status == "queued") & (OutboundEmail.next_attempt_at <= now) & not_enqueued
    )
    stalled = (OutboundEmail.status == "sending") & (OutboundEmail.lease_until < now)
    rows = OutboundEmail.select(OutboundEmail.id).where(waiting | stalled).limit(BATCH)
    ids = [r.id for r in rows]
    if ids:
        # A stalled row goes back to the queue: the worker that held it is gone.
        OutboundEmail.update(status="queued", lease_until=now + REENQUEUE_AFTER).where(
            OutboundEmail.id.in_(ids) & (waiting | stalled)
        ).execute()
    return ids


def _due_inbound(now: dt.datetime) -> list[int]:
    stalled = (InboundMessage.status == "processing") & (InboundMessage.lease_until < now)
    waiting = (InboundMessage.status == "received") & (InboundMessage.next_attempt_at <= now)
    rows = InboundMessage.select(InboundMessage.id).where(waiting | stalled).limit(BATCH)
    ids = [r.id for r in rows]
    if ids:
        InboundMessage.update(next_attempt_at=now + REENQUEUE_AFTER).where(
            InboundMessage.id.in_(ids) & (InboundMessage.status == "received")
        ).execute()
    return ids


def _due_jobs(now: dt.datetime) -> list[int]:
    fresh = (Job.status == "pending") & (
        Job.enqueued_at.is_null() | (Job.enqueued_at < now - REENQUEUE_AFTER)
    )
    stalled = (Job.status == "running") & (Job.lease_until < now)
    rows = (
        Job.select(Job.id)
        .where((Job.run_at <= now) & (fresh | stalled))
        .order_by(Job.run_at)
        .limit(BATCH)
    )
    ids = [r.id for r in rows]
    if ids:
        Job.update(enqueued_at=now).where(Job.id.in_(ids)).execute()
    return ids


def _unmark(kind: str, ids: list[int], now: dt.datetime) -> None:
    """Undo the enqueued marks of rows the broker did not take, so the next pass finds them."""
    if not ids:
        return
    if kind == "emails":
        OutboundEmail.update(lease_until=None).where(
            OutboundEmail.id.in_(ids) & (OutboundEmail.status == "queued")
        ).execute()
    elif kind == "inbound":
        InboundMessage.update(next_attempt_at=now).where(
            InboundMessage.id.in_(ids) & (InboundMessage.status == "received")
        ).execute()
    else:
        Job.update(enqueued_at=None).where(Job.id.in_(ids) & (Job.status == "pending")).execute()


def tick(broker: dramatiq.Broker | None = None) -> dict[str, int]:
    """Enqueue every piece of due work once; return how many of each kind were enqueued.

    Work missed while the scheduler was down is simply past due, so it is found here too.
    When the broker fails, the rest is left for the next pass and the error is logged.
    """
    from workers.delivery import deliver_email
    from workers.inbound import process_inbound
    from workers.jobs import run_job

    broker = broker or dramatiq.get_broker()
    now = clock.now()
    with write_transaction():
        due = {"emails": _due_emails(now), "inbound": _due_inbound(now), "jobs": _due_jobs(now)}
    actors = {"emails": deliver_email, "inbound": process_inbound, "jobs": run_job}
    counts = dict.fromkeys(due, 0)
    for kind, ids in due.items():
        for row_id in ids:
            try:
                broker.enqueue(actors[kind].message(row_id))
            except Exception as exc:  # any broker's error: log it, keep the work for later
                logger.warning("broker unavailable, %s left for the next pass: %s", kind, exc)
                for rest_kind, rest in due.items():
                    _unmark(rest_kind, rest[counts[rest_kind] :], now)
                return counts
            counts[kind] += 1
    return counts


def run_once() -> dict[str, int] | None:
    """Run one scheduler pass if this process holds the lock; database errors are logged."""
    try:
        with db.connection_context():
            if not acquire_lock():
                return None
            return tick()
    except DatabaseError:
        logger.exception("scheduler pass failed; trying again next pass")
        return None


def run_forever(interval: float, stop=None) -> None:
    """Tick every ``interval`` seconds while holding the lock; ``stop()`` ends the loop."""
    logger.info("scheduler %s starting (every %ss)", HOLDER, interval)
    try:
        while not (stop and stop()):
            counts = run_once()
            if counts and any(counts.values()):
                logger.info("enqueued %s", counts)
            time.sleep(interval)
    finally:
        with db.connection_context():
            release_lock()
