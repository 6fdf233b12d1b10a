"""Due work stored as rows: schedule it idempotently, run it once via its handler."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import dramatiq
from peewee import SqliteDatabase

from models import Job, clock, db
from workers.runtime import (
    broker,  # noqa: F401  (the broker, before the actor is declared)
    heartbeat,
)
from workers.runtime.dbmiddleware import database_cause
from workers.runtime.plainsql import cancel_sql, insert_row
from workers.runtime.scheduler import (
    DUE,
    LEASE_OVER,
    NOT_TAKEN,
    QUEUE_LOST,
    REENQUEUE_AFTER,
    WORKER_GONE,
    Pass,
    Sweep,
    one_each,
    register,
)

logger = logging.getLogger(__name__)

#: How long a running job belongs to one worker before the scheduler hands it on; a worker
#: that dies loses it within seconds (its heartbeat stops), so this bounds a hung one.
LEASE = dt.timedelta(minutes=10)

#: A job that fails this many times stops being retried and is shown as failed.
MAX_ATTEMPTS = 5

#: Jobs enqueued per scheduler pass, so one pass stays short.
BATCH = 2000

#: Handlers by job kind; a handler takes the job's payload dict.
HANDLERS: dict[str, Callable[[dict], None]] = {}


class UnknownJobKind(KeyError):
    """A job row names a handler nobody registered."""


def handler(kind: str) -> Callable[[Callable[[dict], None]], Callable[[dict], None]]:
    """Register the decorated function as the handler for jobs of ``kind``."""

    def register(func: Callable[[dict], None]) -> Callable[[dict], None]:
        HANDLERS[kind] = func
        return func

    return register


def schedule(kind: str, key: str, run_at: dt.datetime, **payload) -> Job:
    """Create the job ``key`` due at ``run_at`` unless it exists; return the row."""
    job = insert(kind, key, run_at, payload)
    return job if job is not None else Job.get(Job.key == key)


def insert(kind: str, key: str, run_at: dt.datetime, payload: dict) -> Job | None:
    """Create the job ``key`` in one statement and return it, or None when the key exists."""
    job = Job(kind=kind, key=key, run_at=run_at, payload=payload)
    job.id = insert_row(Job, job.__data__, or_ignore=True)
    return job if job.id is not None else None


def reschedule(key: str, run_at: dt.datetime) -> int:
    """Move a pending job to a new time; returns the number of rows changed."""
    return (
        Job.update(run_at=run_at, enqueued_at=None)
        .where((Job.key == key) & (Job.status == "pending"))
        .execute()
    )


def key_starts(prefix: str):
    """Return the condition "the job's key starts with ``prefix``".

    On SQLite it is a range over the key's unique index (keys compare byte by byte there),
    instead of a LIKE that reads every pending job.
    """
    if prefix and isinstance(db.obj, SqliteDatabase):
        return (Job.key >= prefix) & (Job.key < _key_after(prefix))
    return Job.key.startswith(prefix)


def cancel(key_prefix: str, keep_suffix: str = "") -> int:
    """Cancel pending jobs whose key starts with ``key_prefix``, but not those whose key ends
    with ``keep_suffix`` (when given); return how many were cancelled.

    Item reminders are rescheduled on most changes a reply makes, so the statement is written
    once per database and shape (the same conditions :func:`key_starts` writes).
    """
    sqlite = isinstance(db.obj, SqliteDatabase) and bool(key_prefix)
    params = ["cancelled", "pending"]
    if sqlite:
        params += [key_prefix, _key_after(key_prefix)]
    else:
        params.append(_like_escaped(key_prefix) + "%")
    if keep_suffix:
        params.append("%" + _like_escaped(keep_suffix))
    return db.execute_sql(cancel_sql(sqlite, bool(keep_suffix), db.obj.param), params).rowcount


def _key_after(prefix: str) -> str:
    """Return the first key past every key that starts with ``prefix`` (byte order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def claim(job_id: int) -> Job | None:
    """Take a due job for this worker, or None if it is done or held by another."""
    now = clock.now()
    updated = (
        Job.update(
            status="running",
            lease_until=now + LEASE,
            attempts=Job.attempts + 1,
            claimed_by=heartbeat.holder(),
        )
        .where(
            (Job.id == job_id)
            & (Job.run_at <= now)
            & ((Job.status == "pending") | ((Job.status == "running") & (Job.lease_until < now)))
        )
        .execute()
    )
    return Job.get_by_id(job_id) if updated == 1 else None


def run(job_id: int) -> str:
    """Run one due job through its handler; safe to call twice. Returns what happened."""
    job = claim(job_id)
    if job is None:
        return "skipped"
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise UnknownJobKind(job.kind)
        func(job.payload)
    except Exception as exc:
        if database_cause(exc) is not None:
            # Not the job's fault: it goes back as it was, for the scheduler's next pass; if
            # the database is down, the message waits for it (workers.runtime.dbmiddleware).
            if heartbeat.hand_back(give_back, [job.id]):
                return "handed back"
            raise
        failed = job.attempts >= MAX_ATTEMPTS
        Job.update(
            status="failed" if failed else "pending",
            lease_until=None,
            enqueued_at=None,
            run_at=clock.now() + dt.timedelta(minutes=2**job.attempts),
            last_error=f"{type(exc).__name__}: {exc}",
        ).where(Job.id == job.id).execute()
        logger.exception("job %s (%s) failed", job.id, job.kind)
        return "failed"
    Job.update(status="done", done_at=clock.now(), lease_until=None).where(
        Job.id == job.id
    ).execute()
    return "done"


def give_back(ids: list[int]) -> None:
    """Put this worker's running jobs back to pending, due now, for the scheduler's next pass."""
    held = Job.status == "running"
    if heartbeat.holder():
        held &= Job.claimed_by == heartbeat.holder()
    Job.update(status="pending", lease_until=None, enqueued_at=None).where(
        Job.id.in_(ids) & held
    ).execute()


# A handler's errors are recorded on the job, never raised: what reaches Dramatiq's retries is
# a database error around the claim, worth another try on a new connection.
@dramatiq.actor(queue_name="jobs", max_retries=3, time_limit=300_000)
def run_job(job_id: int) -> None:
    """Run one due job."""
    run(job_id)


def due_jobs(here: Pass) -> dict[str, list[int]]:
    """Return pending jobs now due (not enqueued lately) and stalled ones, by why; put stalled
    ones back to pending and mark them all enqueued."""
    now = here.now
    fresh = Job.status == "pending"
    if not here.lost:
        fresh &= Job.enqueued_at.is_null() | (Job.enqueued_at < now - REENQUEUE_AFTER)
    over = Job.lease_until < now
    if here.dead:
        over |= Job.claimed_by.in_(sorted(here.dead))
    stalled = (Job.status == "running") & over
    rows = (
        Job.select(Job.id, Job.status, Job.enqueued_at, Job.claimed_by)
        .where((Job.run_at <= now) & (fresh | stalled))
        .order_by(Job.run_at)
        .limit(BATCH)
    )
    reasons: dict[str, list[int]] = {}
    for row in rows:
        reasons.setdefault(_why(row, here), []).append(row.id)
    ids = [row_id for found in reasons.values() for row_id in found]
    if ids:
        Job.update(status="pending", lease_until=None, enqueued_at=now).where(
            Job.id.in_(ids) & (fresh | stalled)
        ).execute()
    return reasons


def _why(row: Job, here: Pass) -> str:
    if row.status == "running":
        return WORKER_GONE if row.claimed_by in here.dead else LEASE_OVER
    if row.enqueued_at is None:
        return DUE
    return QUEUE_LOST if row.enqueued_at >= here.now - REENQUEUE_AFTER else NOT_TAKEN


def running_holders() -> set[str]:
    """Return the workers running jobs."""
    query = Job.select(Job.claimed_by).where(Job.status == "running").distinct()
    return {row.claimed_by for row in query if row.claimed_by}


def job_message(ids: list[int]) -> dramatiq.Message:
    """Return the message that runs one job (jobs go one per message: each may take long)."""
    return run_job.message(ids[0])


def unmark_jobs(ids: list[int], now: dt.datetime) -> None:
    """Undo the enqueued marks of jobs the broker did not take, so the next pass finds them."""
    if ids:
        Job.update(enqueued_at=None).where(Job.id.in_(ids) & (Job.status == "pending")).execute()


register(Sweep("jobs", due_jobs, unmark_jobs, job_message, one_each, running_holders))
