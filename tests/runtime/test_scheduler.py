"""The scheduler: one holder of the lock, catching up on past-due work, surviving the broker."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import subprocess
import sys

from dramatiq.brokers.redis import RedisBroker

from models import InboundMessage, Job, OutboundEmail, Person, clock
from tests import services
from workers.outbound import outbox
from workers.runtime import jobs, scheduler


def queued_counts(broker) -> dict[str, int]:
    """How many messages wait in the real Redis, per queue."""
    return {q: broker.client.hlen(f"dramatiq:{q}.msgs") for q in ("mail", "inbound", "jobs")}


def make_due_work(ago: dt.timedelta) -> None:
    """Write one email, one inbound message and one job, all due ``ago`` in the past."""
    person = Person.create(name="Ada", email="ada@example.org")
    email = outbox.queue_email("ping", person, {"subject": "s", "body": "b"}, key="ping:old")
    OutboundEmail.update(next_attempt_at=clock.now() - ago).where(
        OutboundEmail.id == email.id
    ).execute()
    InboundMessage.create(raw=b"Subject: hi\r\n\r\nhello\r\n", sha256="a" * 64)
    InboundMessage.update(next_attempt_at=clock.now() - ago).execute()
    jobs.schedule("test.noop", "noop:old", clock.now() - ago)


def test_it_lets_exactly_one_scheduler_hold_the_lock(db):
    assert scheduler.acquire_lock(holder="first") is True
    assert scheduler.acquire_lock(holder="second") is False
    assert scheduler.acquire_lock(holder="first") is True


def test_it_hands_the_lock_on_when_its_holder_stops_renewing(db):
    assert scheduler.acquire_lock(holder="first") is True
    clock.travel(scheduler.LOCK_TTL + dt.timedelta(seconds=1))

    assert scheduler.acquire_lock(holder="second") is True
    assert scheduler.acquire_lock(holder="first") is False


def test_it_frees_the_lock_when_released(db):
    assert scheduler.acquire_lock(holder="first") is True
    scheduler.release_lock(holder="first")

    assert scheduler.acquire_lock(holder="second") is True


def test_it_catches_up_on_work_that_fell_due_while_it_was_down(db, redis_broker):
    # Given work that fell due three days ago, and work not due yet
    make_due_work(ago=dt.timedelta(days=3))
    jobs.schedule("test.noop", "noop:later", clock.now() + dt.timedelta(hours=1))
    # When the scheduler comes back and ticks once
    counts = scheduler.tick()
    # Then everything past due is enqueued, and nothing else
    assert counts == {"emails": 1, "inbound": 1, "jobs": 1, "tracking-daily": 0}
    assert queued_counts(redis_broker) == {"mail": 1, "inbound": 1, "jobs": 1}
    assert Job.get(Job.key == "noop:later").enqueued_at is None


def test_it_enqueues_due_work_once_and_again_if_the_message_was_lost(db, redis_broker):
    # Given due work that was enqueued once
    make_due_work(ago=dt.timedelta(minutes=1))
    assert scheduler.tick() == {"emails": 1, "inbound": 1, "jobs": 1, "tracking-daily": 0}
    # When the next pass comes soon after, it leaves that work alone
    assert scheduler.tick() == {"emails": 0, "inbound": 0, "jobs": 0, "tracking-daily": 0}
    # Then when nobody took it for a while (the message was lost), it is enqueued again
    clock.travel(scheduler.REENQUEUE_AFTER + dt.timedelta(seconds=1))
    assert scheduler.tick() == {"emails": 1, "inbound": 1, "jobs": 1, "tracking-daily": 0}


def test_it_survives_a_broker_outage_and_finds_the_work_next_pass(db, redis_broker, caplog):
    # Given due work and a broker that nothing answers
    make_due_work(ago=dt.timedelta(minutes=1))
    dead = RedisBroker(url=f"redis://127.0.0.1:{services.free_port()}/0", middleware=[])
    # When a pass tries to enqueue it
    with caplog.at_level(logging.WARNING, logger="workers.runtime.scheduler"):
        counts = scheduler.tick(broker=dead)
    # Then the failure is logged, not raised, and nothing counts as enqueued
    assert counts == {"emails": 0, "inbound": 0, "jobs": 0, "tracking-daily": 0}
    assert "broker unavailable" in caplog.text
    # And the next pass, with the broker back, enqueues all of it at once
    assert scheduler.tick() == {"emails": 1, "inbound": 1, "jobs": 1, "tracking-daily": 0}
    assert queued_counts(redis_broker) == {"mail": 1, "inbound": 1, "jobs": 1}


def test_it_runs_a_pass_only_while_holding_the_lock(db, redis_broker):
    make_due_work(ago=dt.timedelta(minutes=1))
    assert scheduler.acquire_lock(holder="someone-else") is True

    assert scheduler.run_once() is None
    assert queued_counts(redis_broker) == {"mail": 0, "inbound": 0, "jobs": 0}


def test_it_takes_the_lock_at_once_from_a_killed_scheduler_of_this_host(db):
    # given: the lock held by a scheduler of this host whose process has ended (SIGKILLed, it
    # could not release it), and one held by a process that still runs
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    dead = f"{socket.gethostname()}:{ended.pid}:abc123"
    assert scheduler.acquire_lock(holder=dead) is True

    # when / then: a new scheduler takes it before the lock expires
    assert scheduler.acquire_lock(holder="new") is True
    alive = f"{socket.gethostname()}:{os.getppid()}:abc123"
    assert scheduler.acquire_lock(name="other", holder=alive) is True
    assert scheduler.acquire_lock(name="other", holder="new") is False


def test_a_holder_on_another_host_keeps_the_lock_until_it_expires(db):
    # given: the lock held by a scheduler on another machine
    assert scheduler.acquire_lock(holder="elsewhere.example:1:abc123") is True

    # when / then: this host cannot tell whether it runs, so it waits for the expiry
    assert scheduler.acquire_lock(holder="new") is False
