"""The scheduler: one process that finds due work in the database and enqueues it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from peewee import DatabaseError, IntegrityError

from models import Lease, clock, db
from workers.runtime.dbmiddleware import write_transaction

logger = logging.getLogger(__name__)

#: The scheduler's lock is held this long per renewal; a dead scheduler's lock expires.
LOCK_TTL = dt.timedelta(seconds=30)

#: After enqueueing a row, wait this long before enqueueing it again (the message may be lost).
REENQUEUE_AFTER = dt.timedelta(minutes=3)

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


@dataclass(frozen=True)
class Sweep:
    """One kind of due work: how to find it (marking it enqueued), how to undo that mark, and
    the actor that runs one row of it."""

    name: str
    find: Callable[[dt.datetime], list[int]]
    unmark: Callable[[list[int], dt.datetime], None]
    actor: dramatiq.Actor


#: The registered sweeps by name; each package registers its own when imported.
SWEEPS: dict[str, Sweep] = {}


def register(sweep: Sweep) -> Sweep:
    """Add a kind of due work to every scheduler pass."""
    SWEEPS[sweep.name] = sweep
    return sweep


def tick(broker: dramatiq.Broker | None = None) -> dict[str, int]:
    """Enqueue every piece of due work once; return how many of each kind were enqueued.

    Work missed while the scheduler was down is simply past due, so it is found here too.
    When the broker fails, the rest is left for the next pass and the error is logged.
    """
    broker = broker or dramatiq.get_broker()
    now = clock.now()
    with write_transaction():
        due = {name: sweep.find(now) for name, sweep in SWEEPS.items()}
    counts = dict.fromkeys(due, 0)
    for name, ids in due.items():
        for row_id in ids:
            try:
                broker.enqueue(SWEEPS[name].actor.message(row_id))
            except Exception as exc:  # any broker's error: log it, keep the work for later
                logger.warning("broker unavailable, %s left for the next pass: %s", name, exc)
                for rest_name, rest in due.items():
                    SWEEPS[rest_name].unmark(rest[counts[rest_name] :], now)
                return counts
            counts[name] += 1
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
