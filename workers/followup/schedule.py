"""The follow-up cycle's due work as job rows; each stage registers the handler for its own."""

from __future__ import annotations

import datetime as dt

from models import Cycle, Job, Session, clock
from workers import settings as settings_mod
from workers.runtime import jobs
from workers.workspace.programmes import programme_timing


def put(kind: str, key: str, run_at: dt.datetime, **payload) -> Job:
    """Schedule job ``key`` at ``run_at``, or move it there if it is still pending."""
    created = jobs.insert(kind, key, run_at, payload)
    if created is not None:
        return created
    job = Job.select(Job.id, Job.status, Job.run_at).where(Job.key == key).get()
    if job.status == "cancelled":
        Job.update(status="pending", run_at=run_at, enqueued_at=None).where(
            Job.id == job.id
        ).execute()
    elif job.status == "pending" and job.run_at != run_at:
        jobs.reschedule(key, run_at)
    return job


def summary_due(session: Session) -> dt.datetime:
    """Return the latest time the summary may go out: the programme's summary delay after."""
    hours = programme_timing(session.programme).summary_within_hours
    return session.ends_at + dt.timedelta(hours=hours)


def schedule_cycle(cycle: Cycle, session: Session) -> None:
    """Schedule (or move) the reminders, brief, notes request and summary of a triggered cycle."""
    settings = settings_mod.get()
    _schedule_reminders(cycle, programme_timing(cycle.programme).reminder_hours)
    put(
        "cycle.brief",
        f"cycle:{cycle.id}:brief",
        session.starts_at - dt.timedelta(hours=settings.brief_before_hours),
        cycle_id=cycle.id,
    )
    put("cycle.notes_request", f"cycle:{cycle.id}:notes", session.ends_at, cycle_id=cycle.id)
    put("cycle.summary", f"cycle:{cycle.id}:summary", summary_due(session), cycle_id=cycle.id)


def _schedule_reminders(cycle: Cycle, reminder_hours: tuple[int, ...]) -> None:
    """Schedule the programme's reminders still ahead; cancel past or unconfigured ones."""
    now = clock.now()
    prefix = f"cycle:{cycle.id}:reminder:"
    wanted = []
    for hours in reminder_hours if cycle.reply_deadline is not None else ():
        run_at = cycle.reply_deadline - dt.timedelta(hours=hours)
        if run_at > now:
            put("cycle.reminder", f"{prefix}{hours}", run_at, cycle_id=cycle.id, hours=hours)
            wanted.append(f"{prefix}{hours}")
    stale = jobs.key_starts(prefix) & (Job.status == "pending") & Job.key.not_in(wanted)
    Job.update(status="cancelled").where(stale).execute()


def schedule_auto_trigger(cycle: Cycle) -> None:
    """Schedule the automatic trigger of a drafted cycle at ``cycle.auto_trigger_at``."""
    if cycle.auto_trigger_at is not None:
        put(
            "cycle.auto_trigger",
            f"cycle:{cycle.id}:auto-trigger",
            cycle.auto_trigger_at,
            cycle_id=cycle.id,
        )


def cancel_cycle_jobs(cycle_id: int) -> int:
    """Cancel every pending job of a cycle."""
    return jobs.cancel(f"cycle:{cycle_id}:")
