"""Killing worker processes mid-delivery loses no email, and duplicates stay within the window."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest

from models import OutboundEmail, Person, clock, init_db
from models import db as proxy
from models.migrations import migrate
from tests.conftest import SmtpSink
from workers import settings as settings_mod
from workers.outbound import outbox
from workers.runtime import scheduler

#: Project root, put on the workers' PYTHONPATH.
ROOT = Path(__file__).resolve().parents[2]

#: Emails queued before the crash.
COUNT = 300


class SlowSink(SmtpSink):
    """The SMTP sink, taking a little time per message so a kill lands mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.message_ids.append(str(headers["Message-ID"]))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sqlite_file(tmp_path):
    """A migrated SQLite file the test and the worker processes share."""
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    before = settings_mod.get()
    database = init_db(url)
    database.connect(reuse_if_open=True)
    migrate()
    settings_mod.configure(dataclasses.replace(before, database_url=url))
    yield url
    database.close()
    proxy.initialize(None)
    settings_mod.configure(before)


@pytest.fixture
def sink():
    server = SlowSink()
    server.controller.start()
    yield server
    server.controller.stop()


def start_workers(db_url: str, smtp_url: str, lease_seconds: int, log: Path) -> subprocess.Popen:
    """Start ``dramatiq workers.actors -p 1 -t 4`` in its own process group."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "SMTP_URL": smtp_url,
        "DELIVERY_LEASE_SECONDS": str(lease_seconds),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "dramatiq", "workers.actors", "-p", "1", "-t", "4"]
    with open(log, "ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal the whole process group of ``proc`` and wait for it."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_until(predicate, timeout: float, what: str, log: Path, every=None) -> None:
    """Poll ``predicate`` until it holds, calling ``every()`` about twice a second meanwhile."""
    deadline = time.monotonic() + timeout
    last = 0.0
    while not predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
            raise AssertionError(f"timed out waiting for {what}; workers said:\n{tail}")
        if every and time.monotonic() - last > 0.5:
            every()
            last = time.monotonic()
        time.sleep(0.02)


def queue_emails(count: int) -> list[str]:
    with outbox.transaction():
        people = [Person.create(name=f"P{i}", email=f"p{i}@example.org") for i in range(count)]
        rows = [
            outbox.queue_email("ping", p, {"subject": "Hi", "body": "b"}, key=f"crash:{p.id}")
            for p in people
        ]
    return [row.message_id for row in rows]


def test_it_delivers_every_email_after_a_worker_is_killed(
    sqlite_file, sink, redis_broker, tmp_path
):
    log = tmp_path / "workers.log"
    # Given 300 queued emails and worker processes with a short lease sending them
    expected = queue_emails(COUNT)
    first = start_workers(sqlite_file, sink.url, lease_seconds=2, log=log)
    try:
        wait_until(lambda: len(sink.messages) >= COUNT // 4, 60, "the first deliveries", log)
    finally:
        # When the workers are killed with SIGKILL mid-way
        stop(first, signal.SIGKILL)
    arrived_before = len(sink.messages)
    in_flight = OutboundEmail.select().where(OutboundEmail.status == "sending").count()
    assert arrived_before < COUNT, "every email arrived before the kill; nothing was tested"
    # And the lease of the rows they held runs out
    time.sleep(2.5)
    # Then new workers and scheduler passes deliver every email
    # (their lease is long, because the scheduler's clock is moved past its own enqueue marks
    # to find the emails the dead workers had prefetched from Redis)
    second = start_workers(sqlite_file, sink.url, lease_seconds=600, log=log)
    clock.travel(scheduler.REENQUEUE_AFTER + dt.timedelta(seconds=1))
    try:
        wait_until(
            lambda: set(sink.message_ids) >= set(expected), 30, "every email", log, scheduler.tick
        )
        wait_until(
            lambda: OutboundEmail.select().where(OutboundEmail.status != "sent").count() == 0,
            10,
            "every row marked sent",
            log,
        )
    finally:
        stop(second)
    received = list(sink.message_ids)
    duplicates = len(received) - len(set(received))
    print(
        f"\nkilled after {arrived_before}/{COUNT} arrived; {in_flight} rows were sending; "
        f"{duplicates} duplicates"
    )
    assert set(received) == set(expected)
    assert duplicates <= in_flight
