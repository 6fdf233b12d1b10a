"""The long-term impact survey: sent a number of months after the programme ends.

A programme's end is the date on its survey plan, or else the day its last cohort ends.
Saving the plan schedules one job at that end plus ``impact_months`` (09:00 UTC); moving the
end moves the job. When it runs it creates the impact survey, once, and asks everyone.
"""

from __future__ import annotations

import calendar
import datetime as dt

from peewee import fn

from models import Cohort, Job, Programme, SurveyPlan
from models.surveys import DEFAULT_IMPACT_MONTHS
from workers.runtime import jobs
from workers.tracking.surveys import SurveyError, create_survey, send_survey

#: The job that sends the impact survey.
IMPACT_JOB = "tracking.impact_survey"

#: Longest wait after the end a plan may set, in months.
MAX_MONTHS = 36

#: The time of day (UTC) the impact survey goes.
SEND_TIME = dt.time(9, 0)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_for(programme_id: int) -> SurveyPlan:
    """Return the programme's survey plan (unsaved defaults when it has none)."""
    found = SurveyPlan.get_or_none(SurveyPlan.programme == programme_id)
    return found or SurveyPlan(programme=programme_id, impact_months=DEFAULT_IMPACT_MONTHS)


def programme_end(programme_id: int) -> dt.date | None:
    """Return the day the programme ends: its plan's, or its last cohort's."""
    plan = plan_for(programme_id)
    if plan.ends_on is not None:
        return plan.ends_on
    last = Cohort.select(fn.MAX(Cohort.ends_on)).where(Cohort.programme == programme_id).scalar()
    return dt.date.fromisoformat(last) if isinstance(last, str) else last


def impact_due(programme_id: int) -> dt.datetime | None:
    """Return when the impact survey goes, or None while the end is not known."""
    end = programme_end(programme_id)
    if end is None:
        return None
    return dt.datetime.combine(add_months(end, plan_for(programme_id).impact_months), SEND_TIME)


def save_plan(programme: Programme, ends_on: dt.date | None, months: int) -> dt.datetime | None:
    """Save when the programme ends and the impact survey's delay; return when it will go."""
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise SurveyError(f"the impact survey goes 1 to {MAX_MONTHS} months after the end")
    (
        SurveyPlan.insert(programme=programme.id, ends_on=ends_on, impact_months=months)
        .on_conflict(
            conflict_target=[SurveyPlan.programme],
            preserve=[SurveyPlan.ends_on, SurveyPlan.impact_months],
        )
        .execute()
    )
    return schedule_impact(programme.id)


def schedule_impact(programme_id: int) -> dt.datetime | None:
    """(Re)schedule the programme's impact survey job; return when it will run."""
    prefix = f"tracking:impact:{programme_id}:"
    due = impact_due(programme_id)
    keep = f":{due.date().isoformat()}" if due else ""
    jobs.cancel(prefix, keep_suffix=keep)
    if due is not None:
        key = f"{prefix}{due.date().isoformat()}"
        job = jobs.schedule(
            IMPACT_JOB, key, due, programme=programme_id, due=due.date().isoformat()
        )
        if job.status == "cancelled":  # the end moved away and back again
            Job.update(status="pending", enqueued_at=None).where(Job.id == job.id).execute()
    return due


def send_impact_survey(programme_id: int, due: str) -> dict[str, int]:
    """Create the impact survey for the end behind ``due`` (once) and ask every participant."""
    programme = Programme.get_by_id(programme_id)
    months = plan_for(programme_id).impact_months
    survey = create_survey(
        programme,
        f"{programme.name}: {months} months on",
        kind="impact",
        key=f"impact:{programme_id}:{due}",
    )
    return send_survey(survey)


@jobs.handler(IMPACT_JOB)
def run_impact_survey(payload: dict) -> None:
    """Send a programme's long-term impact survey."""
    send_impact_survey(payload["programme"], payload["due"])
