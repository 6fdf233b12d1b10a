"""The daily tracking pass of each programme, as a job the scheduler creates every morning.

Each pass refreshes the at-risk flags (raising, updating, clearing), sends the intervention
of every open flag not sent yet, tells whoever intervened when a flag has cleared, sends
the self-assessments that are due, and awards the badges earned (with the certificates of
those who completed). Every hour a smaller pass asks who attended the sessions that
have ended. A job's key names the programme and the day (or hour), so the scheduler may
create it on every tick and it still runs once; each step is safe to run again, so a failed
pass is simply retried.
"""

from __future__ import annotations

import datetime as dt
import logging

from models import Job, Programme, clock
from workers.reports.recognition import recognise
from workers.runtime import jobs
from workers.runtime.scheduler import Pass, Sweep, register
from workers.tracking.atrisk import refresh_flags
from workers.tracking.headcount import send_checks
from workers.tracking.interventions import send_pending, tell_cleared
from workers.tracking.selfassess import send_due_checks

logger = logging.getLogger(__name__)

#: The job kind of a programme's daily pass.
DAILY_JOB = "tracking.daily"

#: The job kind of a programme's hourly "who attended?" pass.
HEADCOUNT_JOB = "tracking.headcount"

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
        "badges": sum(len(people) for people in recognise(programme_id, now).values()),
    }
    logger.info("daily pass of programme %s: %s", programme_id, done)
    return done


@jobs.handler(DAILY_JOB)
def run_daily_job(payload: dict) -> None:
    """Run the daily pass of the programme the job names."""
    run_daily(payload["programme_id"])


@jobs.handler(HEADCOUNT_JOB)
def run_headcount_job(payload: dict) -> None:
    """Ask who attended the programme's sessions that have ended."""
    send_checks(payload["programme_id"])


def daily_key(programme_id: int, day: dt.date) -> str:
    """Return the key of a programme's daily job on ``day`` (one job per programme and day)."""
    return f"tracking-daily:{programme_id}:{day.isoformat()}"


def tracked_programmes() -> list[int]:
    """Return the ids of the programmes not archived whose participants are tracked."""
    query = Programme.select(Programme.id, Programme.kind).where(Programme.archived_at.is_null())
    return [p.id for p in query if any(p.has_kind(kind) for kind in TRACKED_KINDS)]


def schedule_today(here: Pass) -> dict[str, list[int]]:
    """Create this hour's attendance pass and, from ``DAILY_HOUR``, today's daily pass of
    every tracked programme, each once.

    The jobs sweep enqueues them; this sweep enqueues nothing itself.
    """
    hour = here.now.replace(minute=0, second=0, microsecond=0)
    wanted: dict[str, tuple[str, dt.datetime, int]] = {}
    for pid in tracked_programmes():
        wanted[f"tracking-headcount:{pid}:{hour.isoformat()}"] = (HEADCOUNT_JOB, hour, pid)
        if here.now.hour >= DAILY_HOUR:
            run_at = dt.datetime.combine(here.now.date(), dt.time(DAILY_HOUR))
            wanted[daily_key(pid, here.now.date())] = (DAILY_JOB, run_at, pid)
    if not wanted:
        return {}
    have = {row.key for row in Job.select(Job.key).where(Job.key.in_(list(wanted)))}
    for key, (kind, run_at, programme_id) in wanted.items():
        if key not in have:
            jobs.insert(kind, key, run_at, {"programme_id": programme_id})
    return {}


def _nothing_to_unmark(ids: list[int], now: dt.datetime) -> None:
    """The sweep marks nothing enqueued: the jobs it creates are the jobs sweep's."""


register(Sweep("tracking-daily", schedule_today, _nothing_to_unmark, jobs.job_message))
