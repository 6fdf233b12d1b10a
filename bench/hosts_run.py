"""The part of ``bench/hosts.py`` that runs on the front host: the sink, the runs, the figures.

Started by ``bench/hosts.py`` inside the front namespace, with DATABASE_URL and REDIS_URL naming
the db host; it starts the listener and the scheduler here and the workers on the worker hosts.
"""

from __future__ import annotations

import collections
import email
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.bench_inbound import FINAL, make_targets
from bench.bench_trigger import make_cycle
from bench.hosts_net import HOSTS, PREFIX, in_ns
from bench.inbound_corpus import generate
from bench.mta_client import MTAClient, to_wire
from bench.support import ROOT, WORKER_NICE

#: The front host's address: the sink and the listener listen on it.
FRONT = HOSTS[f"{PREFIX}front"]

#: Ports on the front host.
SINK_PORT, MAILIN_PORT = 2500, 2525

#: Worker processes per host for each total.
SPREAD = {1: {"w1": 1}, 2: {"w1": 1, "w2": 1}, 4: {"w1": 2, "w2": 2}}

#: Threads per worker process, as the Procfile runs them.
THREADS = 4


class RecordingSink:
    """An SMTP server on the front host that records each accepted Message-ID."""

    def __init__(self) -> None:
        self.seen: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname=FRONT, port=SINK_PORT)

    async def handle_DATA(self, server, session, envelope):
        message_id = email.message_from_bytes(envelope.content).get("Message-ID", "")
        with self.lock:
            self.seen[message_id.strip()] += 1
        return "250 OK"

    def missing(self, expected: set[str]) -> int:
        """Return how many of ``expected`` have not arrived."""
        with self.lock:
            return sum(1 for m in expected if m not in self.seen)


class Deadline:
    """The run's global time limit."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds remaining (never below zero)."""
        return max(0.0, self.at - time.monotonic())


def start(command: list[str], log: Path) -> subprocess.Popen:
    """Start ``command`` with this environment, appending its output to ``log``."""
    out = open(log, "ab")  # noqa: SIM115
    return subprocess.Popen(command, cwd=ROOT, env=os.environ, stdout=out, stderr=out)


def start_workers(total: int, logs: Path) -> list[subprocess.Popen]:
    """Start ``total`` Dramatiq worker processes spread over the worker hosts."""
    procs = []
    for host, count in SPREAD[total].items():
        command = [*WORKER_NICE, sys.executable, "-m", "dramatiq", "workers.actors"]
        command += ["-p", str(count), "-t", str(THREADS)]
        procs.append(start(in_ns(f"{PREFIX}{host}", *command), logs / f"{host}.log"))
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    """Terminate processes and wait for them."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def people(replies: int) -> list:
    """Create the people the replies come from (a quarter as many, at most 500)."""
    return make_targets(min(500, max(1, replies // 4)))


def expected_ids(cycle_id: int) -> set[str]:
    """Return the Message-IDs of a cycle's outbox rows."""
    from models import OutboundEmail, db

    with db.connection_context():
        rows = OutboundEmail.select(OutboundEmail.message_id)
        rows = rows.where(OutboundEmail.idem_key.startswith(f"cycle:{cycle_id}:"))
        return {r.message_id for r in rows}


def finished() -> int:
    """Return how many stored inbound messages reached a final status."""
    from models import InboundMessage, db

    with db.connection_context():
        return InboundMessage.select().where(InboundMessage.status.in_(FINAL)).count()


def send_replies(messages: list, senders: int = 4) -> None:
    """Send the replies over ``senders`` pipelined SMTP connections to the front listener."""

    def sender(part: list) -> None:
        with MTAClient(FRONT, MAILIN_PORT, timeout=60) as conn:
            for mail_from, rcpts, raw in part:
                conn.send_wire(mail_from, rcpts, to_wire(raw))

    threads = [
        threading.Thread(target=sender, args=(messages[i::senders],)) for i in range(senders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait(done, deadline: Deadline, step: float = 0.1) -> bool:
    """Poll ``done()`` until it is true or the deadline passes; return whether it became true."""
    while not done():
        if not deadline.left():
            return False
        time.sleep(step)
    return True


def fan_out(sink: RecordingSink, emails: int, label: str, deadline: Deadline) -> tuple:
    """Trigger a cycle of ``emails`` / 2 stakeholders; return (seconds, expected Message-IDs)."""
    from workers.followup.trigger import trigger

    cycle_id = make_cycle(max(1, emails // 2), label)
    began = time.perf_counter()
    trigger(cycle_id)
    expected = expected_ids(cycle_id)
    wait(lambda: sink.missing(expected) == 0, deadline)
    return time.perf_counter() - began, expected


def fan_in(targets: list, replies: int, seed: int, deadline: Deadline) -> tuple[float, int]:
    """Send ``replies`` generated replies to the listener; return (seconds, unfinished)."""
    before = finished()
    messages = generate(targets, replies, seed=seed)
    began = time.perf_counter()
    send_replies(messages)
    wait(lambda: finished() >= before + replies, deadline)
    return time.perf_counter() - began, max(0, before + replies - finished())
