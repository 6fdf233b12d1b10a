"""What the assignment emails show: plain values, due times in each reader's own zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from models import Assignment, AssignmentOptions, Person, Programme

#: How a kind is named in emails and on the page.
KIND_LABELS = {
    "quiz": "Quiz",
    "self-assessment": "Self-assessment",
    "case-study": "Case study",
    "action-plan": "Action plan",
    "exercise": "Exercise",
}


def local_due(due_at: dt.datetime, zone: str) -> str:
    """Return a due time as a person reads it, in their zone: ``Fri 11 Dec 2026, 17:00 (UTC)``."""
    name = zone or "UTC"
    local = due_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(name))
    return f"{local:%a %d %b %Y, %H:%M} ({name})"


def assignment_ctx(assignment: Assignment, person: Person, due_at: dt.datetime) -> dict:
    """Return what the assignment emails show about it, for one person."""
    options = AssignmentOptions.get_or_none(AssignmentOptions.assignment == assignment.id)
    return {
        "programme": Programme.get_by_id(assignment.programme_id).name,
        "title": assignment.title,
        "kind": KIND_LABELS.get(assignment.kind, assignment.kind),
        "quiz": assignment.kind == "quiz" and bool(options and options.answer_key),
        "instructions": assignment.instructions,
        "due": local_due(due_at, person.timezone),
    }
