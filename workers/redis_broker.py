"""Dramatiq's Redis broker, with a consumer that fetches again as soon as a worker is free.

Dramatiq's Redis consumer treats "every message I may prefetch is still being processed"
like "the queue is empty": it sleeps with an exponential backoff that grows to the worker
timeout (a second) for as long as the worker is busy. A worker that finished its last
prefetched message then waited up to that second, idle, while its queue was full. Here a
consumer whose prefetch is all taken waits for the worker thread's next ack or nack instead,
and keeps dramatiq's backoff for an empty queue.

It subclasses dramatiq's private ``_RedisConsumer``: after upgrading dramatiq, rerun
``tests/test_redis_broker.py``.
"""

from __future__ import annotations

import threading

from dramatiq.brokers.redis import RedisBroker, _RedisConsumer


class PromptRedisConsumer(_RedisConsumer):
    """A Redis consumer that fetches the moment a worker thread frees a prefetch slot."""

    def __init__(self, broker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self._freed = threading.Event()

    def ack(self, message) -> None:
        try:
            super().ack(message)
        finally:
            self._freed.set()

    def nack(self, message) -> None:
        try:
            super().nack(message)
        finally:
            self._freed.set()

    def __next__(self):
        if not self.message_cache and self.outstanding_message_count >= self.prefetch:
            # Busy, not idle: wait for a slot (at most the timeout, so the consumer thread
            # still sees a shutdown), then look again without counting a miss.
            self._freed.wait(self.timeout / 1000)
            self._freed.clear()
            return None
        return super().__next__()


class TandemRedisBroker(RedisBroker):
    """The Redis broker Tandem's workers consume with (see the module's docstring)."""

    @property
    def consumer_class(self):
        return PromptRedisConsumer
