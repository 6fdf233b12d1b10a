"""The scheduler: one process that finds due work in the database and enqueues it.

Each pass also repairs what a fault left behind: it frees the claims of workers whose
heartbeat stopped, enqueues everything again at once when Redis lost its queues, and hands a
dead Dramatiq consumer's messages back to their queue (``workers.runtime.recovery``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dramatiq
from peewee import IntegrityError

from models import Lease, clock, db
from workers.runtime import recovery
from workers.runtime.dbmiddleware import DB_ERRORS, write_transaction

logger = logging.getLogger(__name__)

#: The scheduler's lock is held this long per renewal; a dead scheduler's lock expires.
LOCK_TTL = dt.timedelta(seconds=30)

#: After enqueueing a row, wait this long before enqueueing it again (the message may be lost).
REENQUEUE_AFTER = dt.timedelta(minutes=3)

HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

#: Why a row is enqueued, as the log says it.
DUE = "due"
NOT_TAKEN = f"not taken within {REENQUEUE_AFTER.seconds // 60} min"
QUEUE_LOST = "Redis lost its queue"
WORKER_GONE = "its worker stopped beating"
LEASE_OVER = "its lease ran out"


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
        current = Lease.get_or_none(Lease.name == name)
        if current is not None and holder_gone(current.holder):
            taken = (
                Lease.update(holder=holder, expires_at=now + LOCK_TTL)
                .where((Lease.name == name) & (Lease.holder == current.holder))
                .execute()
            )
            if taken:
                logger.warning("scheduler %s is gone: its lock is taken at once", current.holder)
                return True
        try:
            with db.atomic():
                Lease.create(name=name, holder=holder, expires_at=now + LOCK_TTL)
            return True
        except IntegrityError:
            return False


def holder_gone(holder: str) -> bool:
    """Tell whether a lock holder was a process of this host that no longer runs (killed, it
    could not release the lock); a holder on another host is judged by the lock's expiry."""
    host, _, rest = holder.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def release_lock(name: str = "scheduler", holder: str = HOLDER) -> None:
    """Give the lock up so another scheduler can start at once."""
    Lease.delete().where((Lease.name == name) & (Lease.holder == holder)).execute()


@dataclass(frozen=True)
class Pass:
    """What one pass knows: the time, the claim holders whose heartbeat stopped, and whether
    the broker lost its queues (then no row is "on its way" any more)."""

    now: dt.datetime
    dead: frozenset[str] = frozenset()
    lost: bool = False


def one_each(ids: list[int]) -> list[list[int]]:
    """Split ids into one message per row."""
    return [[row_id] for row_id in ids]


def no_holders() -> set[str]:
    return set()


@dataclass(frozen=True)
class Sweep:
    """One kind of due work: how to find it (marking it enqueued) with why each row is due,
    how to undo that mark, the message that runs some of its rows, how rows are split into
    messages, and who holds its claimed rows."""

    name: str
    find: Callable[[Pass], dict[str, list[int]]]
    unmark: Callable[[list[int], dt.datetime], None]
    message: Callable[[list[int]], dramatiq.Message]
    split: Callable[[list[int]], list[list[int]]] = one_each
    holders: Callable[[], set[str]] = field(default=no_holders)


#: The registered sweeps by name; each package registers its own when imported.
SWEEPS: dict[str, Sweep] = {}


def register(sweep: Sweep) -> Sweep:
    """Add a kind of due work to every scheduler pass."""
    SWEEPS[sweep.name] = sweep
    return sweep


def tick(broker: dramatiq.Broker | None = None) -> dict[str, int]:
    """Enqueue every piece of due work once; return how many rows of each kind were enqueued.

    1. Look at Redis: reachable, for how long, still holding the queue marker.
    2. Read who holds claimed rows; find the holders whose heartbeat expired.
    3. Find each sweep's due rows (marking them enqueued) and enqueue them, in batches.
    4. If the queues were lost and all went back, write the marker again.
    5. Hand dead consumers' messages back to their queues.
    Work missed while the scheduler was down is simply past due, so it is found here too.
    When the broker fails, the rest is left for the next pass and the error is logged.
    """
    broker = broker or dramatiq.get_broker()
    client = getattr(broker, "client", None)
    state = recovery.look(client)
    if state.lost:
        logger.warning(
            "Redis holds no queue marker (it is new, or restarted without its data, %s s ago):"
            " enqueueing again every row that was on its way",
            state.uptime,
        )
    held = set().union(*(sweep.holders() for sweep in SWEEPS.values()))  # reads: no lock
    here = Pass(clock.now(), recovery.dead_holders(client, state, held), state.lost)
    if here.dead:
        logger.warning("workers stopped beating, freeing their claims: %s", sorted(here.dead))
    with write_transaction():
        due = {name: sweep.find(here) for name, sweep in SWEEPS.items()}
    counts, complete = _enqueue(broker, due, here.now)
    if state.lost and complete:
        recovery.mark_intact(client)
    recovery.requeue_dead_consumers(broker)
    return counts


def _enqueue(broker, due: dict[str, dict[str, list[int]]], now) -> tuple[dict[str, int], bool]:
    """Send each sweep's rows in its batches; on a broker error, unmark what was not sent."""
    counts = dict.fromkeys(due, 0)
    for name, reasons in due.items():
        ids = sorted(row_id for rows in reasons.values() for row_id in rows)
        batches = SWEEPS[name].split(ids)
        for number, batch in enumerate(batches):
            try:
                broker.enqueue(SWEEPS[name].message(batch))
            except Exception as exc:  # any broker's error: log it, keep the work for later
                logger.warning("broker unavailable, %s left for the next pass: %s", name, exc)
                SWEEPS[name].unmark([i for b in batches[number:] for i in b], now)
                for rest in list(due)[list(due).index(name) + 1 :]:
                    SWEEPS[rest].unmark([i for rows in due[rest].values() for i in rows], now)
                return counts, False
            counts[name] += len(batch)
        if ids:
            why = ", ".join(f"{len(rows)} {reason}" for reason, rows in reasons.items() if rows)
            logger.info("enqueued %s %s in %s messages (%s)", len(ids), name, len(batches), why)
    return counts, True


def run_once() -> dict[str, int] | None:
    """Run one scheduler pass if this process holds the lock; database errors are logged."""
    try:
        with db.connection_context():
            if not acquire_lock():
                return None
            return tick()
    except DB_ERRORS:
        logger.exception("scheduler pass failed; trying again next pass")
        return None


def run_forever(interval: float, stop=None) -> None:
    """Tick every ``interval`` seconds while holding the lock; ``stop()`` ends the loop."""
    logger.info("scheduler %s starting (every %ss)", HOLDER, interval)
    try:
        while not (stop and stop()):
            run_once()
            time.sleep(interval)
    finally:
        with db.connection_context():
            release_lock()
