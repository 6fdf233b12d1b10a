"""A Redis restart without persistence is noticed at once: the next scheduler pass enqueues
every row that was on its way again, in batches, instead of waiting three minutes per row."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import redis as redis_lib
from dramatiq.brokers.redis import RedisBroker

from models import InboundMessage, Job, Person, clock
from tests.services import free_port, redis_server_binary, wait_for_port
from workers.outbound import outbox
from workers.runtime import jobs, scheduler

ROOT = Path(__file__).resolve().parents[2]

#: Emails, inbound messages and jobs on their way when Redis restarts.
EMAILS, INBOUND, JOBS = 120, 50, 2


class EmptyingRedis:
    """A redis-server without persistence on a port of its own, restartable on that port."""

    def __init__(self, appendonly: str = "no") -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="tandem-redis-restart-")
        self.appendonly = appendonly
        self.start()

    def start(self) -> None:
        command = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", self.appendonly, "--dir", self.dir]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def restart(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.start()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_redis():
    server = EmptyingRedis()
    yield server
    server.stop()


def make_work_on_its_way() -> None:
    """Queue emails (their delivery enqueued after commit), and store inbound messages and
    jobs that are due; nothing of it is taken by a worker."""
    with outbox.transaction():
        drafts = [
            outbox.Draft(
                "ping", Person.create(name=f"P{i}", email=f"p{i}@example.org"), {}, f"k{i}"
            )
            for i in range(EMAILS)
        ]
        outbox.queue_many(drafts)
    for i in range(INBOUND):
        InboundMessage.create(raw=b"Subject: hi\r\n\r\nhello\r\n", sha256=f"{i:064d}")
    for i in range(JOBS):
        jobs.schedule("test.noop", f"noop:{i}", clock.now())


def messages(client: redis_lib.Redis) -> dict[str, int]:
    return {q: client.hlen(f"dramatiq:{q}.msgs") for q in ("mail", "inbound", "jobs")}


def test_it_enqueues_again_at_once_in_batches_after_redis_lost_its_queues(
    db, redis_broker, private_redis
):
    # Given a scheduler on a Redis, and work on its way through it
    broker = RedisBroker(url=f"redis://127.0.0.1:{private_redis.port}/0", middleware=[])
    scheduler.tick(broker)
    make_work_on_its_way()
    first = scheduler.tick(broker)
    assert first == {"emails": 0, "inbound": INBOUND, "jobs": JOBS, "tracking-daily": 0}
    assert scheduler.tick(broker) == {"emails": 0, "inbound": 0, "jobs": 0, "tracking-daily": 0}
    # When Redis restarts empty
    private_redis.restart()
    # Then the next pass enqueues every row on its way again, emails and messages in batches
    again = scheduler.tick(broker)
    assert again == {"emails": EMAILS, "inbound": INBOUND, "jobs": JOBS, "tracking-daily": 0}
    sent = messages(broker.client)
    assert sent["mail"] == len(outbox.batches(list(range(EMAILS)))) < EMAILS / 5
    assert sent["inbound"] == 2 and sent["jobs"] == JOBS
    # And once that is done, the following passes leave the rows alone again
    assert scheduler.tick(broker) == {"emails": 0, "inbound": 0, "jobs": 0, "tracking-daily": 0}
    assert Job.select().where(Job.enqueued_at.is_null()).count() == 0


def test_it_does_not_enqueue_again_when_redis_kept_its_data(db, redis_broker):
    # Given a Redis that keeps its data (AOF), with work on its way
    server = EmptyingRedis(appendonly="yes")
    try:
        broker = RedisBroker(url=f"redis://127.0.0.1:{server.port}/0", middleware=[])
        scheduler.tick(broker)
        make_work_on_its_way()
        scheduler.tick(broker)
        # When it restarts
        redis_lib.Redis(port=server.port).shutdown()  # saves the append-only file
        server.proc.wait()
        server.start()
        # Then nothing is enqueued twice
        assert scheduler.tick(broker) == {"emails": 0, "inbound": 0, "jobs": 0, "tracking-daily": 0}
    finally:
        server.stop()


def load_runner():
    spec = importlib.util.spec_from_file_location("tandem_run", ROOT / "scripts" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_run_s_private_redis_keeps_an_append_only_file(tmp_path):
    run = load_runner()
    server = run.PrivateRedis(tmp_path)
    try:
        client = redis_lib.Redis.from_url(server.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
    finally:
        server.stop()
