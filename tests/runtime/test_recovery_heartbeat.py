"""A worker that dies loses its claims within seconds, not at the end of their lease: the
scheduler frees what a holder whose heartbeat stopped held, and leaves a live one's alone."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import InboundMessage, Job, OutboundEmail, Person, clock
from workers.outbound import outbox
from workers.runtime import heartbeat, jobs, recovery, scheduler

ROOT = Path(__file__).resolve().parent.parent.parent

#: Seconds within which a dead worker's claim must be back: its heartbeat's time to live,
#: plus scheduler passes. The leases are 2 to 10 minutes.
BOUND = heartbeat.TTL_SECONDS + 10

#: Each kind of claim: its model, its claimed status, the status it goes back to, its queue.
KINDS = {
    "email": (OutboundEmail, "sending", "queued", "mail"),
    "inbound": (InboundMessage, "processing", "received", "inbound"),
    "job": (Job, "running", "pending", "jobs"),
}


def make_row(kind: str) -> int:
    """Write one row of ``kind`` that a worker may claim now."""
    if kind == "email":
        person = Person.create(name="Ada", email="ada@example.org")
        return outbox.queue_email("ping", person, {"subject": "s", "body": "b"}, key="p:1").id
    if kind == "inbound":
        return InboundMessage.create(raw=b"Subject: hi\r\n\r\nhello\r\n", sha256="a" * 64).id
    return jobs.schedule("test.noop", "noop:1", clock.now()).id


def start_claimer(url: str, kind: str, row_id: int) -> tuple[subprocess.Popen, str]:
    """Start a beating worker process that claims the row; return it and what it said after
    "claimed" (its holder id, and for ``written`` the email's id)."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.runtime.claimer", url, kind, str(row_id)]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, start_new_session=True, text=True
    )
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("claimed "):
        kill(proc)
        pytest.fail(f"the claiming worker did not start: {line!r}")
    return proc, line.removeprefix("claimed ").strip()


def kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def current(kind: str, row_id: int):
    model = KINDS[kind][0]
    return model.select(model.status, model.claimed_by).where(model.id == row_id).get()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_it_frees_a_killed_worker_s_claim_within_seconds(db, redis_broker, kind):
    # Given a worker process that beats and holds a claim on a row
    row_id = make_row(kind)
    proc, holder = start_claimer(db.tandem_url, kind, row_id)
    _, claimed, free, queue = KINDS[kind]
    assert (current(kind, row_id).status, current(kind, row_id).claimed_by) == (claimed, holder)
    # When it is killed
    kill(proc)
    killed = time.monotonic()
    # Then scheduler passes free the row and enqueue it again within seconds
    while current(kind, row_id).status == claimed:
        assert time.monotonic() - killed < BOUND, f"{kind} still claimed after {BOUND} s"
        scheduler.tick()
        time.sleep(0.5)
    print(f"\n{kind} freed {time.monotonic() - killed:.1f} s after the kill")
    assert current(kind, row_id).status == free
    assert redis_broker.client.hlen(f"dramatiq:{queue}.msgs") >= 1


def test_it_enqueues_what_a_killed_worker_wrote_but_did_not_enqueue(db, redis_broker):
    # Given a worker process that committed an email and was killed before enqueueing it
    person = Person.create(name="Ada", email="ada@example.org")
    proc, line = start_claimer(db.tandem_url, "written", person.id)
    holder, row_id = line.split()[0], int(line.split()[1])
    row = OutboundEmail.get_by_id(row_id)
    assert (row.status, row.claimed_by) == ("queued", holder)
    assert row.lease_until > clock.now() + scheduler.REENQUEUE_AFTER / 2
    assert redis_broker.client.hlen("dramatiq:mail.msgs") == 0
    kill(proc)
    killed = time.monotonic()
    # Then scheduler passes enqueue it within seconds, not once its 3 min lease runs out
    while redis_broker.client.hlen("dramatiq:mail.msgs") == 0:
        assert time.monotonic() - killed < BOUND, f"email not enqueued after {BOUND} s"
        scheduler.tick()
        time.sleep(0.5)
    print(f"\nwritten email enqueued {time.monotonic() - killed:.1f} s after the kill")
    row = OutboundEmail.get_by_id(row_id)
    assert (row.status, row.claimed_by, row.orphaned) == ("queued", None, None)


def test_it_leaves_a_live_worker_s_claim_alone(db, redis_broker):
    # Given a beating worker holding an email
    row_id = make_row("email")
    proc, holder = start_claimer(db.tandem_url, "email", row_id)
    try:
        # When scheduler passes run for longer than a heartbeat lives
        deadline = time.monotonic() + heartbeat.TTL_SECONDS + 2
        while time.monotonic() < deadline:
            scheduler.tick()
            time.sleep(0.5)
        # Then the email is still the worker's
        assert (current("email", row_id).status, current("email", row_id).claimed_by) == (
            "sending",
            holder,
        )
    finally:
        kill(proc)
    assert OutboundEmail.get_by_id(row_id).orphaned is None


def test_it_judges_no_worker_while_redis_has_just_started(redis_broker):
    # Given a holder with no heartbeat key, seen by a Redis up for less than a heartbeat's life
    young = recovery.RedisState(reachable=True, uptime=heartbeat.TTL_SECONDS - 1)
    old = recovery.RedisState(reachable=True, uptime=heartbeat.TTL_SECONDS)
    # Then it counts as dead only once every live worker has had time to beat again
    assert recovery.dead_holders(redis_broker.client, young, ["gone:1:x"]) == frozenset()
    assert recovery.dead_holders(redis_broker.client, old, ["gone:1:x"]) == {"gone:1:x"}
