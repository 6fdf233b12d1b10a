"""The scheduler: one process that finds due work in the database and enqueues it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid

from peewee import IntegrityError

from models import InboundMessage, Job, Lease, OutboundEmail, clock, db

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
    stalled = (OutboundEmail.status == "sending") & (OutboundEmail.lease_until < now)
    waiting = (OutboundEmail.status == "queued") & (OutboundEmail.next_attempt_at <= now)
    rows = OutboundEmail.select(OutboundEmail.id).where(waiting | stalled).limit(BATCH)
    ids = [r.id for r in rows]
    if ids:
        OutboundEmail.update(next_attempt_at=now + REENQUEUE_AFTER).where(
            OutboundEmail.id.in_(ids) & (OutboundEmail.status == "queued")
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


def tick() -> dict[str, int]:
    """Enqueue every piece of due work once; return how many of each kind were enqueued.

    Work missed while the scheduler was down is simply past due, so it is found here too.
    """
    from workers.delivery import deliver_email
    from workers.inbound import process_inbound
    from workers.jobs import run_job

    now = clock.now()
    with db.atomic():
        emails, inbound, jobs = _due_emails(now), _due_inbound(now), _due_jobs(now)
    for email_id in emails:
        deliver_email.send(email_id)
    for message_id in inbound:
        process_inbound.send(message_id)
    for job_id in jobs:
        run_job.send(job_id)
    return {"emails": len(emails), "inbound": len(inbound), "jobs": len(jobs)}


def run_forever(interval: float, stop=None) -> None:
    """Tick every ``interval`` seconds while holding the lock; ``stop()`` ends the loop."""
    logger.info("scheduler %s starting (every %ss)", HOLDER, interval)
    try:
        while not (stop and stop()):
            with db.connection_context():
                if acquire_lock():
                    counts = tick()
                    if any(counts.values()):
                        logger.info("enqueued %s", counts)
            time.sleep(interval)
    finally:
        with db.connection_context():
            release_lock()
