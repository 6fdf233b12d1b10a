"""What each scheduler pass learns from Redis: whether the broker lost its queues, and which
claim holders stopped beating; and the pass's own upkeep of Dramatiq's queues.

**Lost queues.** A marker key sits in Redis beside the queues. If it is missing, Redis lost
its data (a restart without persistence, a flush, a failover to an empty replica): every row
marked as enqueued is enqueued again at once instead of after ``REENQUEUE_AFTER``. The marker
is written back once that succeeded.

**Dead holders.** A holder is dead when its heartbeat key (``workers.runtime.heartbeat``) has
expired. Nothing is judged while Redis has been up, or reachable from here, for less than a
heartbeat's lifetime: right after a restart or an outage no key is there yet, though every
worker is alive.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from workers.runtime import dramatiq_redis, heartbeat

logger = logging.getLogger(__name__)

#: The marker whose absence means Redis lost the queues.
MARKER = "tandem:queues-intact"

#: When (time.monotonic) this process last failed to reach Redis: heartbeats written while
#: it was away may be missing for a while after, though their workers live.
_unreachable_at = float("-inf")


@dataclass(frozen=True)
class RedisState:
    """Redis as one pass saw it: reachable, up for how long, holding the marker or not."""

    reachable: bool
    uptime: int = 0
    run_id: str = ""
    marked: bool = True

    @property
    def lost(self) -> bool:
        """Tell whether the queues were lost since the marker was written."""
        return self.reachable and not self.marked


def look(client: redis.Redis | None) -> RedisState:
    """Read Redis's uptime and run id (INFO) and whether the marker is there, in one trip."""
    if client is None:  # not a Redis broker
        return RedisState(reachable=False)
    try:
        pipe = client.pipeline(transaction=False)
        pipe.info("server")
        pipe.exists(MARKER)
        info, marked = pipe.execute()
    except redis.RedisError as exc:
        global _unreachable_at
        _unreachable_at = time.monotonic()
        logger.warning("Redis unreachable: %s", exc)
        return RedisState(reachable=False)
    return RedisState(True, int(info.get("uptime_in_seconds", 0)), info.get("run_id", ""), marked)


def mark_intact(client: redis.Redis) -> None:
    """Write the marker: the queues now hold everything the database says is enqueued."""
    try:
        client.set(MARKER, "1")
    except redis.RedisError as exc:
        logger.warning("could not write the queue marker: %s", exc)


def dead_holders(client: redis.Redis, state: RedisState, holders: Iterable[str]) -> frozenset:
    """Return the holders among ``holders`` whose heartbeat has expired."""
    names = sorted({h for h in holders if h})
    settled = time.monotonic() - _unreachable_at >= heartbeat.TTL_SECONDS
    if not names or not settled or not state.reachable or state.uptime < heartbeat.TTL_SECONDS:
        return frozenset()
    try:
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.exists(heartbeat.key(name))
        alive = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("could not read heartbeats: %s", exc)
        return frozenset()
    return frozenset(name for name, beating in zip(names, alive, strict=True) if not beating)


def requeue_dead_consumers(broker) -> None:
    """Hand the messages of dead Dramatiq consumers back to their queues (every queue)."""
    try:
        dramatiq_redis.requeue_dead_consumers(broker)
    except (redis.RedisError, AttributeError) as exc:  # AttributeError: not a Redis broker
        logger.debug("no consumer maintenance this pass: %s", exc)
