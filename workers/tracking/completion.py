"""Programme completion: who has done all the work due and attended enough sessions."""

from __future__ import annotations

import datetime as dt

from peewee import JOIN, Join, fn

from models import Assignee, Attendance, Event, Membership
from workers.tracking.scope import Scope, among, count_rows, participants

#: Share of their recorded sessions a participant must attend to complete the programme.
COMPLETION_ATTENDANCE = 0.75


def rate(part: int | float | None, whole: int | float | None) -> float | None:
    """Return part/whole rounded for a page, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def programme_completion(scope: Scope, now: dt.datetime) -> dict:
    """Return who has done all work due so far and attended enough of their sessions."""
    cutoff = scope.until(now)
    missing = Assignee.select(Assignee.person).where(
        (Assignee.programme == scope.programme_id)
        & (Assignee.due_at < cutoff)
        & (Assignee.submitted_at.is_null() | (Assignee.submitted_at >= cutoff))
        & among(Assignee.person, scope)
    )
    people = participants(scope)
    total = people.count()
    poor = _poor_attendance(scope, cutoff, now)
    completed = people.where(
        Membership.person.not_in(missing) & Membership.person.not_in(poor)
    ).count()
    return {"participants": total, "completed": completed, "rate": rate(completed, total)}


def _poor_attendance(scope: Scope, cutoff: dt.datetime, now: dt.datetime):
    """Return a query of the participants who missed too many of their sessions by ``cutoff``."""
    missed_share = 1 - COMPLETION_ATTENDANCE
    if cutoff >= now:
        # Nothing is recorded ahead of its time, so the running tally is the count up to now.
        return Attendance.select(Attendance.person).where(
            (Attendance.programme == scope.programme_id)
            & (Attendance.absent > (Attendance.attended + Attendance.absent) * missed_share)
            & among(Attendance.person, scope)
        )
    absent, attended = (_sessions(scope, kind, cutoff) for kind in ("absence", "attendance"))
    return (
        Event.select(absent.c.person)
        .from_(Join(absent, attended, JOIN.LEFT_OUTER, on=(attended.c.person == absent.c.person)))
        .where(absent.c.n > (absent.c.n + fn.COALESCE(attended.c.n, 0)) * missed_share)
    )


def _sessions(scope: Scope, kind: str, cutoff: dt.datetime):
    """Return a subquery of how many sessions each participant attended or missed."""
    return (
        Event.select(Event.person.alias("person"), count_rows().alias("n"))
        .where(
            (Event.programme == scope.programme_id)
            & (Event.kind == kind)
            & (Event.at < cutoff)
            & among(Event.person, scope)
        )
        .group_by(Event.person)
        .alias(kind)
    )
