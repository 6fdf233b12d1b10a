"""The scheduler command prints, at INFO, what each pass enqueues and why."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from models import Person
from workers.outbound import outbox

ROOT = Path(__file__).resolve().parents[2]

#: The flask command of the virtualenv running the tests.
FLASK = Path(sys.executable).parent / "flask"


def read_until(proc: subprocess.Popen, text: str, timeout: float) -> list[str]:
    """Return the lines ``proc`` printed up to the first containing ``text``."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            lines.append(line)
            if text in line or not line:
                return lines
    return lines


def test_the_scheduler_says_what_it_enqueues_and_why(db, redis_broker):
    # Given an email due for delivery that nobody enqueued
    person = Person.create(name="Ada", email="ada@example.org")
    outbox.queue_email("ping", person, {"subject": "s", "body": "b"}, key="ping:1")
    # When the scheduler command runs
    env = {**os.environ, "DATABASE_URL": db.tandem_url, "SCHEDULER_INTERVAL": "1"}
    proc = subprocess.Popen(
        [str(FLASK), "--app", "web", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = read_until(proc, "enqueued 1 emails", timeout=60)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    # Then its log says so, with the reason
    said = "".join(lines)
    assert "INFO" in said and "enqueued 1 emails in 1 messages (1 due)" in said, said
