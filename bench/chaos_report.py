"""What the chaos run measures: work in flight and done (to time a fault's recovery), and the
final figures of emails, replies and summaries, read from the database, the relay and the
stakeholders' mail servers."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from peewee import fn

from models import ActionItemUpdate, Cycle, InboundMessage, Job, Lease, OutboundEmail, clock, db
from workers.followup.common import session_of

#: Inbound states a message ends in.
FINAL = ("applied", "duplicate", "auto_reply", "bounce", "quarantined", "dismissed")

#: Summaries must have gone out this long after their session ended.
SUMMARY_WITHIN = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Snapshot:
    """Work done so far, and the rows claimed (in flight) and due but not taken (waiting)."""

    done: int
    flight: frozenset[tuple[str, int]]
    waiting: frozenset[tuple[str, int]]


def snapshot() -> Snapshot:
    """Count finished rows and name the claimed ones and those waiting to be taken."""
    now = clock.now()
    email, inbound = OutboundEmail, InboundMessage
    with db.connection_context():
        done = email.select().where(email.status == "sent").count()
        done += inbound.select().where(inbound.status.in_(FINAL)).count()
        done += Job.select().where(Job.status == "done").count()
        flight = {("email", r.id) for r in email.select(email.id).where(email.status == "sending")}
        flight |= {("inbound", r.id) for r in inbound.select(inbound.id).where(
            inbound.status == "processing")}  # fmt: skip
        flight |= {("job", r.id) for r in Job.select(Job.id).where(Job.status == "running")}
        waiting = {("email", r.id) for r in email.select(email.id).where(
            (email.status == "queued") & (email.next_attempt_at <= now))}  # fmt: skip
        waiting |= {("inbound", r.id) for r in inbound.select(inbound.id).where(
            inbound.status == "received")}  # fmt: skip
    return Snapshot(done, frozenset(flight), frozenset(waiting))


def scheduler_pass() -> tuple[str, dt.datetime | None]:
    """Return the scheduler lock's holder and its last renewal."""
    with db.connection_context():
        lease = Lease.get_or_none(Lease.name == "scheduler")
    return (lease.holder, lease.expires_at) if lease else ("", None)


def resumed(before: Snapshot, now: Snapshot) -> bool:
    """Tell whether work resumed: everything in flight at the fault has been let go or
    finished, and of the work waiting then, some has been taken and done (or tried)."""
    if before.flight & now.flight:
        return False
    return not before.waiting or bool(before.waiting - now.waiting - now.flight)


def wait_resumed(before: Snapshot, start: float, extra=None, timeout: float = 120.0) -> float:
    """Return seconds from ``start`` (a fault, ``before`` taken just ahead of it) until work
    resumed and ``extra()`` holds, when given; ``timeout`` if never."""
    while time.monotonic() - start < timeout:
        try:
            ok = resumed(before, snapshot()) and (extra is None or extra())
        except Exception:  # the database is being cut: ask again
            db.close()
            ok = False
        if ok:
            return time.monotonic() - start
        time.sleep(0.2)
    return timeout


def idle() -> bool:
    """Tell whether nothing is claimed, so the clock may jump without running out leases."""
    return not snapshot().flight


def email_figures(accepted: dict[str, int]) -> dict[str, int]:
    """Return emails expected (every outbox row), delivered, lost, duplicated, and failed."""
    with db.connection_context():
        rows = list(OutboundEmail.select(OutboundEmail.message_id, OutboundEmail.status))
    expected = {r.message_id for r in rows}
    delivered = {m for m in expected if accepted.get(m)}
    return {
        "expected": len(expected),
        "delivered": len(delivered),
        "lost": len(expected - delivered),
        "duplicated": sum(1 for m, n in accepted.items() if n > 1),
        "duplicates": sorted(m for m, n in accepted.items() if n > 1),
        "failed": sum(1 for r in rows if r.status == "failed"),
        "bounced": sum(1 for r in rows if r.status == "bounced"),
        "queued": sum(1 for r in rows if r.status in ("queued", "sending")),
    }


def reply_figures(sent: list[str]) -> dict[str, int]:
    """Return replies sent (distinct Message-IDs the listener took), stored, applied (or
    recorded as a duplicate, auto-reply or bounce), quarantined, applied twice, unfinished."""
    ids = set(sent)
    with db.connection_context():
        rows = list(
            InboundMessage.select(
                InboundMessage.id, InboundMessage.message_id, InboundMessage.status
            ).where(InboundMessage.message_id.in_(list(ids)))  # fmt: skip
        )
        twice_items = (
            ActionItemUpdate.select(ActionItemUpdate.inbound, ActionItemUpdate.item)
            .where(ActionItemUpdate.inbound.is_null(False))
            .group_by(ActionItemUpdate.inbound, ActionItemUpdate.item)
            .having(fn.COUNT(ActionItemUpdate.id) > 1)
            .count()
        )
    by_id: dict[str, list[str]] = {}
    for row in rows:
        by_id.setdefault(row.message_id, []).append(row.status)
    final = {m for m, statuses in by_id.items() if all(s in FINAL for s in statuses)}
    return {
        "sent": len(ids),
        "stored": len(by_id),
        "applied": sum(1 for s in by_id.values() if "applied" in s),
        "recorded": sum(
            1 for m in final if "applied" not in by_id[m] and "quarantined" not in by_id[m]
        ),  # fmt: skip
        "quarantined": sum(1 for s in by_id.values() if "quarantined" in s),
        "applied_twice": sum(1 for s in by_id.values() if s.count("applied") > 1) + twice_items,
        "unfinished": len(ids) - len(final),
    }


def summary_figures(cycle_id: int) -> dict[str, int]:
    """Return the summaries due (one per recipient, once the cycle's deadline has passed or it
    was sent) and those sent within SUMMARY_WITHIN of the session's end."""
    with db.connection_context():
        cycle = Cycle.get_by_id(cycle_id)
        deadline = session_of(cycle).ends_at + SUMMARY_WITHIN
        rows = list(
            OutboundEmail.select(OutboundEmail.status, OutboundEmail.sent_at).where(
                OutboundEmail.idem_key.startswith(f"cycle:{cycle_id}:summary:")
            )
        )
    on_time = sum(1 for r in rows if r.status == "sent" and r.sent_at <= deadline)
    due = len(rows) if rows or clock.now() < deadline else 1  # none at all, past due: late
    return {"due": due, "on_time": on_time, "late": due - on_time,
            "cycle_sent_at": cycle.summary_sent_at, "deadline": deadline}  # fmt: skip


def notes_request(cycle_id: int) -> OutboundEmail | None:
    """Return the cycle's notes request once delivered."""
    with db.connection_context():
        return OutboundEmail.get_or_none(
            OutboundEmail.idem_key.startswith(f"cycle:{cycle_id}:notes")
            & (OutboundEmail.status == "sent")
        )


def summary_queued(cycle_id: int) -> bool:
    """Tell whether the cycle's summary has been written to the outbox."""
    with db.connection_context():
        return Cycle.get_by_id(cycle_id).summary_sent_at is not None


def next_job_before(when: dt.datetime) -> tuple[dt.datetime, str] | None:
    """Return the time and kind of the earliest pending job due before ``when``, if any."""
    with db.connection_context():
        job = (
            Job.select(Job.run_at, Job.kind)
            .where((Job.status == "pending") & (Job.run_at < when) & (Job.run_at > clock.now()))
            .order_by(Job.run_at)
            .first()
        )
    return (job.run_at, job.kind) if job else None


def jobs_caught_up() -> bool:
    """Tell whether every job due by now has run."""
    with db.connection_context():
        return (
            not Job.select()
            .where(Job.status.in_(("pending", "running")) & (Job.run_at <= clock.now()))
            .exists()
        )


def held_by(pid: int) -> int:
    """Return how many rows a worker process still holds (claimed and not let go)."""
    mark = f"%:{pid}:%"
    with db.connection_context():
        count = (
            OutboundEmail.select()
            .where((OutboundEmail.status == "sending") & OutboundEmail.claimed_by**mark)
            .count()
        )
        count += (
            InboundMessage.select()
            .where((InboundMessage.status == "processing") & InboundMessage.claimed_by**mark)
            .count()
        )
        count += Job.select().where((Job.status == "running") & Job.claimed_by**mark).count()
    return count


def describe(message_id: str) -> str:
    """Say what the outbox row of a Message-ID went through (for an email that arrived twice)."""
    with db.connection_context():
        row = OutboundEmail.get_or_none(OutboundEmail.message_id == message_id)
    if row is None:
        return f"{message_id}: no outbox row"
    return (
        f"email {row.id} ({row.kind}): {row.attempts} attempts, taken over from a dead worker"
        f" {row.orphaned or 0} times, answer lost {row.unconfirmed or 0} times"
    )
