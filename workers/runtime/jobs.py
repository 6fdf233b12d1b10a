"""Due work stored as rows: schedule it idempotently, run it once via its handler."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import dramatiq
from peewee import SqliteDatabase

from models import Job, clock, db
from workers.runtime import broker  # noqa: F401  (the broker, before the actor is declared)
from workers.runtime.plainsql import cancel_sql, insert_row
from workers.runtime.scheduler import REENQUEUE_AFTER, Sweep, register

logger = logging.getLogger(__name__)

#: How long a running job belongs to one worker before the scheduler hands it on.
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
        Job.update(status="running", lease_until=now + LEASE, attempts=Job.attempts + 1)
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


@dramatiq.actor(queue_name="jobs", max_retries=0, time_limit=300_000)
def run_job(job_id: int) -> None:
    """Run one due job."""
    run(job_id)


def due_jobs(now: dt.datetime) -> list[int]:
    """Return pending jobs now due (not enqueued lately) and stalled ones; mark them enqueued."""
    fresh = (Job.status == "pending") & (
        Job.enqueued_at.is_null() | (Job.enqueued_at < now - REENQUEUE_AFTER)
    )
    stalled = (Job.status == "running") & (Job.lease_until < now)
    rows = (
        Job.select(Job.id)
        .where((Job.run_at <= now) & (fresh | stalled))
        .order_by(Job.run_at)
        .limit(BATCH)
    )
    ids = [r.id for r in rows]
    if ids:
        Job.update(enqueued_at=now).where(Job.id.in_(ids)).execute()
    return ids


def unmark_jobs(ids: list[int], now: dt.datetime) -> None:
    """Undo the enqueued marks of jobs the broker did not take, so the next pass finds them."""
    if ids:
        Job.update(enqueued_at=None).where(Job.id.in_(ids) & (Job.status == "pending")).execute()


register(Sweep("jobs", due_jobs, unmark_jobs, run_job))
