"""Messages a killed worker had taken from Redis go back to their queue within seconds: each
scheduler pass runs Dramatiq's maintenance on every queue (``workers.runtime.dramatiq_redis``)."""

from __future__ import annotations

import time

from tests.runtime.test_recovery_heartbeat import kill, start_claimer
from workers.outbound import outbox
from workers.runtime import scheduler
from workers.runtime.broker import HEARTBEAT_TIMEOUT

#: Seconds within which the messages must be back: the consumer heartbeat's timeout, plus
#: scheduler passes.
BOUND = HEARTBEAT_TIMEOUT / 1000 + 10


def test_it_requeues_what_a_killed_consumer_had_fetched(db, redis_broker):
    # Given three delivery messages fetched by a worker process, none acknowledged
    for _ in range(3):
        outbox.deliver_emails.send([10**6])
    proc, _ = start_claimer(db.tandem_url, "messages", 3)
    assert redis_broker.client.llen("dramatiq:mail") == 0
    # When the worker is killed
    kill(proc)
    killed = time.monotonic()
    # Then scheduler passes put the messages back in the queue within seconds
    while redis_broker.client.llen("dramatiq:mail") < 3:
        assert time.monotonic() - killed < BOUND, "the messages are still held by the dead worker"
        scheduler.tick()
        time.sleep(0.5)
    print(f"\nmessages back {time.monotonic() - killed:.1f} s after the kill")
