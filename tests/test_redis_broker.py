"""The Redis consumer fetches again as soon as a busy worker frees up (on a real Redis)."""

from __future__ import annotations

import threading
import time

import dramatiq
import pytest

from workers.redis_broker import PromptRedisConsumer, TandemRedisBroker

QUEUE = "prompt-consumer-test"


@pytest.fixture
def broker(redis_broker):
    """A broker of its own on the tests' Redis: no other test's worker consumes its queue."""
    return TandemRedisBroker(client=redis_broker.client, middleware=[])


def _enqueue(broker, count: int) -> None:
    broker.declare_queue(QUEUE)
    for n in range(count):
        broker.enqueue(dramatiq.Message(QUEUE, "noop", (n,), {}, {}))


def test_the_workers_consume_with_the_prompt_consumer(redis_broker):
    assert isinstance(redis_broker.consume(QUEUE, prefetch=1, timeout=1000), PromptRedisConsumer)


def test_a_consumer_whose_prefetch_is_taken_does_not_back_off(broker):
    _enqueue(broker, 2)
    consumer = broker.consume(QUEUE, prefetch=1, timeout=50)
    first = next(consumer)
    assert first is not None and first.args == (0,)

    # Dramatiq's own consumer counts each of these as a miss and sleeps twice as long after
    # each one (up to the timeout), so the worker finishing `first` waited for it.
    assert [next(consumer) for _ in range(10)] == [None] * 10
    assert consumer.misses == 0

    consumer.ack(first)
    second = next(consumer)
    assert second is not None and second.args == (1,)
    consumer.ack(second)


def test_a_waiting_consumer_wakes_when_its_worker_acks(broker):
    _enqueue(broker, 2)
    consumer = broker.consume(QUEUE, prefetch=1, timeout=30_000)
    first = next(consumer)
    threading.Timer(0.1, consumer.ack, (first,)).start()  # the worker thread finishing
    began = time.monotonic()
    assert next(consumer) is None  # woken by the ack, long before its 30 s timeout
    second = next(consumer)
    assert time.monotonic() - began < 10
    assert second is not None and second.args == (1,)
    consumer.ack(second)


def test_an_empty_queue_still_backs_off(broker):
    _enqueue(broker, 0)
    consumer = broker.consume(QUEUE, prefetch=2, timeout=50)
    assert next(consumer) is None
    assert next(consumer) is None
    assert consumer.misses == 2
    _enqueue(broker, 1)
    message = next(consumer)
    assert message is not None and consumer.misses == 0
    consumer.ack(message)
