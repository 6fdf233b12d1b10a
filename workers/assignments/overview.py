"""What the assignments page shows: per assignment, who has it, who submitted, on time."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, Case, fn

from models import Assignee, Assignment, AssignmentOptions, Person, Submission, SubmissionFile


@dataclass
class AssignmentRow:
    """One line of the assignments list, with its counts (aggregated in the database)."""

    assignment: Assignment
    cohort: str
    assigned: int
    submitted: int
    on_time: int

    @property
    def on_time_rate(self) -> int | None:
        """Return the share of submissions made on time, in percent (None before any)."""
        return round(100 * self.on_time / self.submitted) if self.submitted else None


def assignment_rows(programme_id: int) -> list[AssignmentRow]:
    """Return the programme's assignments, latest due first, with their submission counts."""
    on_time = Case(None, [(Assignee.submitted_at <= Assignee.due_at, 1)], 0)
    query = (
        Assignment.select(
            Assignment,
            AssignmentOptions.cohort_name,
            fn.COUNT(Assignee.id).alias("assigned"),
            fn.COUNT(Assignee.submitted_at).alias("submitted"),
            fn.COALESCE(fn.SUM(on_time), 0).alias("on_time"),
        )
        .join(Assignee, JOIN.LEFT_OUTER, on=(Assignee.assignment == Assignment.id))
        .join_from(
            Assignment,
            AssignmentOptions,
            JOIN.LEFT_OUTER,
            on=(AssignmentOptions.assignment == Assignment.id),
        )
        .where(Assignment.programme == programme_id)
        .group_by(Assignment.id, AssignmentOptions.cohort_name)
        .order_by(Assignment.due_at.desc(), Assignment.id.desc())
        .objects()
    )
    return [
        AssignmentRow(a, a.cohort_name or "", a.assigned, a.submitted, int(a.on_time))
        for a in query
    ]


def assignees(assignment: Assignment) -> list[dict]:
    """Return each assignee with their due time, submission, score and files, by name."""
    rows = (
        Assignee.select(Assignee, Person, Submission)
        .join(Person, on=(Assignee.person == Person.id))
        .join_from(
            Assignee,
            Submission,
            JOIN.LEFT_OUTER,
            on=(Submission.assignment == Assignee.assignment)
            & (Submission.person == Assignee.person),
        )
        .where(Assignee.assignment == assignment.id)
        .order_by(Person.name)
    )
    files = {}
    for item in SubmissionFile.select().where(SubmissionFile.assignment == assignment.id):
        files.setdefault(item.person_id, []).append(item)
    out = []
    for row in rows:
        submission = getattr(row, "submission", None)
        out.append(
            {
                "person": row.person,
                "due_at": row.due_at,
                "submitted_at": row.submitted_at,
                "late": row.submitted_at is not None and row.submitted_at > row.due_at,
                "submission": submission if submission and submission.id else None,
                "files": files.get(row.person_id, []),
            }
        )
    return out
