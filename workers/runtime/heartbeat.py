"""Worker heartbeats: a worker process says it is alive every few seconds, and the rows it
claims name it, so the scheduler frees a dead worker's claims within seconds of its death.

Each worker process beats from a thread of its own: a Redis key per process that expires
``TTL_SECONDS`` after the last beat, and Dramatiq's heartbeat for its consumers, so neither
depends on a worker thread being free. A claim records :func:`holder`; the scheduler frees
claims whose holder's key is gone (``workers.runtime.recovery``). A process that is not a
worker (a command, the web app) has no holder: its claims wait for their lease, as before.

The beat also retries what the process could not write while the database was away
(:func:`hand_back`): claims it must give back, so the database never keeps them for a dead
lease of a live worker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

import dramatiq
import redis

from models import db
from workers.runtime import dramatiq_redis
from workers.runtime.dbmiddleware import DB_ERRORS, discard_connection

logger = logging.getLogger(__name__)

#: Seconds between two beats of one worker process.
BEAT_SECONDS = 2.0

#: A worker whose last beat is older than this is dead (the key's time to live).
TTL_SECONDS = 10

#: Redis key of a worker process's heartbeat, followed by its holder id.
KEY_PREFIX = "tandem:worker:"

_lock = threading.Lock()
_holder = ""
_owed: list[tuple[Callable[[list[int]], object], list[int]]] = []


def holder() -> str:
    """Return the id this process's claims record: its heartbeat's, or "" when it has none."""
    return _holder


def key(holder_id: str) -> str:
    """Return the Redis key of a holder's heartbeat."""
    return KEY_PREFIX + holder_id


def beat(broker) -> None:
    """Say once that this process is alive (to Tandem and to Dramatiq); retry what is owed."""
    try:
        broker.client.set(key(_holder), "1", ex=TTL_SECONDS)
        dramatiq_redis.beat_consumers(broker)
    except redis.RedisError as exc:
        logger.warning("heartbeat not written: %s", exc)
    if _owed:
        settle_owed()


def hand_back(func: Callable[[list[int]], object], ids: list[int]) -> bool:
    """Run ``func(ids)``, a write that gives claims back; on a database error, replace the
    connection and try once more, then keep it for the next beats. Tell whether it ran."""
    for _ in range(2):
        try:
            func(ids)
            return True
        except DB_ERRORS as exc:
            logger.warning("could not hand back %s (%s); will retry", ids, exc)
            discard_connection()
    with _lock:
        _owed.append((func, list(ids)))
    return False


def settle_owed() -> None:
    """Run the hand-backs the database refused before, on a connection of this thread."""
    with _lock:
        owed = list(_owed)
        _owed.clear()
    left = []
    for func, ids in owed:
        try:
            with db.connection_context():
                func(ids)
            logger.info("handed back %s once the database answered", ids)
        except DB_ERRORS:
            left.append((func, ids))
            discard_connection()
    with _lock:
        _owed[:0] = left


class Heartbeat(dramatiq.Middleware):
    """Beat from a thread while the process runs a worker; stop, and remove the key, after."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.workers = 0

    def after_worker_boot(self, broker, worker) -> None:
        global _holder
        with _lock:
            self.workers += 1
            if self.thread is not None:
                return
            _holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            self.stop.clear()
            self.thread = threading.Thread(
                target=self._run, args=(broker,), name="tandem-heartbeat", daemon=True
            )
        beat(broker)
        self.thread.start()

    def _run(self, broker) -> None:
        while not self.stop.wait(BEAT_SECONDS):
            beat(broker)

    def after_worker_shutdown(self, broker, worker) -> None:
        global _holder
        with _lock:
            self.workers -= 1
            thread, gone = self.thread, _holder
            if self.workers > 0 or thread is None:
                return
            self.thread, _holder = None, ""
        self.stop.set()
        thread.join()
        try:
            broker.client.delete(key(gone))
        except redis.RedisError:
            pass  # it expires by itself
