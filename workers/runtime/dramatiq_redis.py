"""The one place that touches private parts of Dramatiq's Redis broker.

Dramatiq hands a dead consumer's unacknowledged messages back to their queue only during
"maintenance", which a random broker command runs for the one queue it touches, and it calls
a consumer dead when its process has not sent a command for ``heartbeat_timeout``. Two things
here make that prompt and dependable:

- :func:`beat_consumers` records this process's consumer heartbeat, as every broker command
  does, from Tandem's heartbeat thread: a worker whose threads are all busy on long messages
  sends no command for a while, and must not look dead;
- :func:`requeue_dead_consumers` runs the maintenance for every declared queue, once per
  scheduler pass, through the broker's own Lua script, so no queue waits for a lucky command.

Measured (``tests/runtime/test_recovery_acks.py``, dramatiq 2.2.1): messages a SIGKILLed worker
had fetched were back in their queue 10.6-10.7 s after the kill (heartbeat timeout 10 s,
scheduler passes every 0.5 s in the test; every 5 s in production, so up to 15 s), against
20-45 s with Dramatiq's random maintenance alone.

On a Dramatiq upgrade, re-check in ``dramatiq/brokers/redis.py`` and ``redis/dispatch.lua``:
the heartbeat key (``<namespace>:__heartbeats__``, a sorted set of broker ids scored in
milliseconds), the order of the dispatch script's arguments (command, timestamp, queue name,
broker id, heartbeat timeout, dead message TTL, do maintenance, max unpack size), that
``qsize`` still only reads, and ``RedisBroker._max_unpack_size``.
"""

from __future__ import annotations

import time

from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name


def _millis() -> int:
    return int(time.time() * 1000)


def beat_consumers(broker: RedisBroker) -> None:
    """Record that this process's consumers are alive, as each broker command would."""
    broker.client.zadd(f"{broker.namespace}:__heartbeats__", {broker.broker_id: _millis()})


def requeue_dead_consumers(broker: RedisBroker) -> None:
    """Run Dramatiq's maintenance on every declared queue and its delay queue: messages held
    by consumers whose heartbeat is older than the broker's timeout go back to their queue."""
    dispatch = broker.scripts["dispatch"]
    unpack = broker._max_unpack_size()
    for queue in sorted(broker.get_declared_queues()):
        for name in (queue, dq_name(queue)):
            # "qsize" only reads; the "1" asks for maintenance on this queue first.
            args = ["qsize", _millis(), name, broker.broker_id, broker.heartbeat_timeout]
            args += [broker.dead_message_ttl, "1", unpack]
            dispatch(args=args, keys=[broker.namespace])
