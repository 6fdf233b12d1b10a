"""The daily tracking pass of each programme, as a job the scheduler creates every morning.

Each pass refreshes the at-risk flags (raising, updating, clearing), sends the intervention
of every open flag not sent yet, tells whoever intervened when a flag has cleared, sends the
self-assessments that are due, and asks who attended the sessions that ended. The job's key
names the programme and the day, so the scheduler may create it on every tick and it still
runs once a day; each step is safe to run again, so a failed pass is simply retried.
"""

from __future__ import annotations

import datetime as dt
import logging

from models import Job, Programme, clock
from workers.runtime import jobs
from workers.runtime.scheduler import Pass, Sweep, register
from workers.tracking.atrisk import refresh_flags
from workers.tracking.headcount import send_checks
from workers.tracking.interventions import send_pending, tell_cleared
from workers.tracking.selfassess import send_due_checks

logger = logging.getLogger(__name__)

#: The job kind of a programme's daily pass.
DAILY_JOB = "tracking.daily"

#: The hour (UTC) the daily pass runs: before people's working day in Europe and Africa.
DAILY_HOUR = 6

#: Programme kinds whose participants are tracked (a follow-up programme has none).
TRACKED_KINDS = ("tracking", "mentoring")


def run_daily(programme_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Run one programme's daily pass; return what it did, by step."""
    now = now or clock.now()
    raised = refresh_flags(programme_id, now)
    done = {
        "raised": len(raised),
        "interventions": send_pending(programme_id),
        "cleared_told": tell_cleared(programme_id, now),
        "self_checks": send_due_checks(programme_id, now),
        "headcounts": send_checks(programme_id, now),
    }
    logger.info("daily pass of programme %s: %s", programme_id, done)
    return done


@jobs.handler(DAILY_JOB)
def run_daily_job(payload: dict) -> None:
    """Run the daily pass of the programme the job names."""
    run_daily(payload["programme_id"])


def daily_key(programme_id: int, day: dt.date) -> str:
    """Return the key of a programme's daily job on ``day`` (one job per programme and day)."""
    return f"tracking-daily:{programme_id}:{day.isoformat()}"


def tracked_programmes() -> list[int]:
    """Return the ids of the programmes not archived whose participants are tracked."""
    query = Programme.select(Programme.id, Programme.kind).where(Programme.archived_at.is_null())
    return [p.id for p in query if any(p.has_kind(kind) for kind in TRACKED_KINDS)]


def schedule_today(here: Pass) -> dict[str, list[int]]:
    """Create today's daily job of every tracked programme once the hour has come.

    The jobs sweep enqueues them; this sweep enqueues nothing itself.
    """
    today = here.now.date()
    run_at = dt.datetime.combine(today, dt.time(DAILY_HOUR))
    if here.now < run_at:
        return {}
    keys = {daily_key(pid, today): pid for pid in tracked_programmes()}
    if not keys:
        return {}
    have = {row.key for row in Job.select(Job.key).where(Job.key.in_(list(keys)))}
    for key, programme_id in keys.items():
        if key not in have:
            jobs.insert(DAILY_JOB, key, run_at, {"programme_id": programme_id})
    return {}


def _nothing_to_unmark(ids: list[int], now: dt.datetime) -> None:
    """The sweep marks nothing enqueued: the jobs it creates are the jobs sweep's."""


register(Sweep("tracking-daily", schedule_today, _nothing_to_unmark, jobs.job_message))
