"""Remind participants before an assignment falls due, and tell them when it is overdue.

Jobs are kept per assignment and due time (a cohort shares one, a person may have their
own); each job finds, when it runs, who still has not submitted, so nobody is reminded
after submitting. The days come from the assignment, else from the programme's
``item_reminder_days``; the overdue note goes ``overdue_days`` after the due time.
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

from models import Assignee, Assignment, AssignmentOptions, Person, Programme, Submission, clock
from workers.assignments.context import assignment_ctx
from workers.followup.schedule import put
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs
from workers.workspace.programmes import programme_timing


def _days(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in (text or "").split(",") if part.strip().isdigit())


def timings(assignment: Assignment) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return (days before the due time to remind, days after it to say it is overdue)."""
    options = AssignmentOptions.get_or_none(AssignmentOptions.assignment == assignment.id)
    before = _days(options.reminder_days) if options else ()
    if not before:
        before = programme_timing(Programme.get_by_id(assignment.programme_id)).item_reminder_days
    after = _days(options.overdue_days) if options else (1,)
    return before, after


def schedule_reminders(assignment: Assignment) -> int:
    """Schedule (or move) the reminders and overdue notes of every due time; return how many."""
    jobs.cancel(f"assignment:{assignment.id}:")  # those still right are put back below
    before, after = timings(assignment)
    dues = Assignee.select(Assignee.due_at).where(Assignee.assignment == assignment.id).distinct()
    now, count = clock.now(), 0
    for row in dues:
        due = row.due_at.isoformat()
        moments = [("reminder", d, row.due_at - dt.timedelta(days=d)) for d in before]
        moments += [("overdue", d, row.due_at + dt.timedelta(days=d)) for d in after]
        for what, days, run_at in moments:
            if run_at > now:
                key = f"assignment:{assignment.id}:{what}:{days}:{due}"
                put(
                    f"assignment.{what}",
                    key,
                    run_at,
                    assignment_id=assignment.id,
                    days=days,
                    due=due,
                )
                count += 1
    return count


def waiting(assignment: Assignment, due_at: dt.datetime) -> list[Person]:
    """Return who has the assignment due at ``due_at`` and has not submitted it, reachable."""
    theirs = (Submission.assignment == assignment.id) & (Submission.person == Assignee.person)
    query = (
        Person.select(Person)
        .join(Assignee, on=(Assignee.person == Person.id))
        .where(
            (Assignee.assignment == assignment.id)
            & (Assignee.due_at == due_at)
            & Assignee.submitted_at.is_null()
            & ~fn.EXISTS(Submission.select(Submission.id).where(theirs))
        )
    )
    return [person for person in query if person.can_receive_email]


def send_chasers(assignment_id: int, what: str, days: int, due: str) -> int:
    """Send the reminder (``what`` "reminder") or overdue note to whoever has not submitted."""
    assignment = Assignment.get_or_none(Assignment.id == assignment_id)
    if assignment is None:
        return 0
    due_at = dt.datetime.fromisoformat(due)
    drafts = []
    for person in waiting(assignment, due_at):
        ctx = {**assignment_ctx(assignment, person, due_at), "days": days}
        key = f"assignment:{assignment.id}:{what}:{days}:{due}:{person.id}"
        drafts.append(Draft(f"assignment-{what}", person, ctx, key, ("assignment", assignment.id)))
    with outbox.transaction():
        return len(queue_many(drafts))


@jobs.handler("assignment.reminder")
def run_reminder(payload: dict) -> None:
    """Remind whoever has not submitted that the assignment falls due soon."""
    send_chasers(payload["assignment_id"], "reminder", payload["days"], payload["due"])


@jobs.handler("assignment.overdue")
def run_overdue(payload: dict) -> None:
    """Tell whoever has not submitted that the assignment is overdue."""
    send_chasers(payload["assignment_id"], "overdue", payload["days"], payload["due"])
