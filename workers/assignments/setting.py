"""Create an assignment, set it for a cohort or for people with their own due time, send it."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from models import (
    Assignee,
    Assignment,
    AssignmentOptions,
    CohortMember,
    Membership,
    Person,
    Programme,
    clock,
    db,
)
from models.assignments import ASSIGNMENT_KINDS
from workers.assignments import quiz
from workers.assignments.context import assignment_ctx
from workers.assignments.errors import InvalidAssignment
from workers.assignments.reminders import schedule_reminders
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many

#: Roles an assignment is set for when it goes to everyone.
PARTICIPANT_ROLES = ("mentee", "participant")

#: Longest title and instructions.
MAX_TITLE, MAX_INSTRUCTIONS = 200, 10_000

#: A due time as typed: a date, optionally with a time (local to the programme).
DUE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?$")

#: The time of day a due date without a time means.
DEFAULT_DUE_HOUR = 17


def parse_due(text: str, zone: str) -> dt.datetime:
    """Read ``2026-12-11`` or ``2026-12-11 17:00`` in ``zone``; return naive UTC."""
    found = DUE_RE.match((text or "").strip())
    try:
        day = dt.date.fromisoformat(found.group(1)) if found else None
        hour, minute = (
            (int(found.group(2)), int(found.group(3)))
            if found and found.group(2)
            else (DEFAULT_DUE_HOUR, 0)
        )
        local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(zone or "UTC"))
    except (TypeError, ValueError, OverflowError):
        raise InvalidAssignment(
            "give the due date as YYYY-MM-DD (and a time if you like, HH:MM)", field="due"
        ) from None
    due = local.astimezone(dt.UTC).replace(tzinfo=None)
    if due <= clock.now():
        raise InvalidAssignment("the due date must be in the future", field="due")
    return due


def parse_days(text: str, field: str = "reminder_days") -> str:
    """Check a list of days such as ``3,1``; return it tidied ("" keeps the programme's)."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not all(p.isdigit() and 0 < int(p) <= 60 for p in parts):
        raise InvalidAssignment("give days as whole numbers from 1 to 60, such as 3,1", field=field)
    return ",".join(str(d) for d in sorted({int(p) for p in parts}, reverse=True))


def participants(programme: Programme, cohort_id: int | None = None) -> list[int]:
    """Return the ids of the programme's participants, or of one cohort's."""
    if cohort_id is not None:
        query = CohortMember.select(CohortMember.person).where(
            (CohortMember.programme == programme) & (CohortMember.cohort == cohort_id)
        )
        return [row.person_id for row in query]
    query = (
        Membership.select(Membership.person)
        .where((Membership.programme == programme) & Membership.role.in_(PARTICIPANT_ROLES))
        .distinct()
    )
    return [row.person_id for row in query]


def create_assignment(programme: Programme, values: dict, cohort=None) -> Assignment:
    """Create an assignment from form values, set it for a cohort (or everyone) and send it.

    ``values`` holds title, kind, due, instructions, answer_key and reminder_days as typed.
    """
    title = " ".join(str(values.get("title", "")).split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidAssignment(f"the title must be 1 to {MAX_TITLE} characters", field="title")
    kind = values.get("kind") or "case-study"
    if kind not in ASSIGNMENT_KINDS:
        raise InvalidAssignment("choose what kind of assignment it is", field="kind")
    due = parse_due(values.get("due", ""), programme.timezone)
    key = str(values.get("answer_key", "")).strip()
    if key and kind != "quiz":
        raise InvalidAssignment("only a quiz has an answer key", field="answer_key")
    if key:
        quiz.parse_key(key)
    days = parse_days(values.get("reminder_days", ""))
    people = participants(programme, cohort.id if cohort is not None else None)
    if not people:
        raise InvalidAssignment(
            "nobody takes part in it yet: add participants first", field="cohort"
        )
    with outbox.transaction():
        assignment = Assignment.create(
            programme=programme,
            title=title,
            kind=kind,
            instructions=str(values.get("instructions", ""))[:MAX_INSTRUCTIONS].strip(),
            due_at=due,
        )
        AssignmentOptions.create(
            assignment=assignment,
            answer_key=key,
            reminder_days=days,
            cohort_name=cohort.name if cohort is not None else "",
        )
        set_for(assignment, people)
    return assignment


def set_for(
    assignment: Assignment, person_ids: list[int], due_at: dt.datetime | None = None
) -> int:
    """Set the assignment for these people (their own due time if given), send it to those
    who have not had it, and schedule the reminders; return how many were sent."""
    with outbox.transaction():
        Assignee.set_for(assignment, person_ids, due_at)
        sent = send_assignment(assignment)
        schedule_reminders(assignment)
    return sent


def send_assignment(assignment: Assignment) -> int:
    """Email the assignment to each assignee it was not sent to; return how many were queued."""
    rows = (
        Assignee.select(Assignee, Person)
        .join(Person, on=(Assignee.person == Person.id))
        .where(Assignee.assignment == assignment.id)
    )
    drafts = [
        Draft(
            "assignment",
            row.person,
            assignment_ctx(assignment, row.person, row.due_at),
            f"assignment:{assignment.id}:sent:{row.person.id}",
            ("assignment", assignment.id),
        )
        for row in rows
        if row.person.can_receive_email
    ]
    with outbox.transaction():
        ids = queue_many(drafts)
        AssignmentOptions.update(sent_at=clock.now()).where(
            AssignmentOptions.assignment == assignment.id
        ).execute()
    return len(ids)


def set_due_for(assignment: Assignment, person_id: int, due_at: dt.datetime) -> None:
    """Give one person their own due time and move their reminders with it."""
    with db.atomic():
        Assignee.update(due_at=due_at).where(
            (Assignee.assignment == assignment.id) & (Assignee.person == person_id)
        ).execute()
        schedule_reminders(assignment)


def set_due_by_choice(assignment: Assignment, who: str, due_text: str) -> int:
    """Set the assignment, due at ``due_text``, for a cohort (``c<id>``) or a participant
    (``p<id>``) of its programme: they get it if they did not have it; return how many sent."""
    programme = Programme.get_by_id(assignment.programme_id)
    due = parse_due(due_text, programme.timezone)
    kind, _, number = (who or "").partition(":")
    people = []
    if number.isdigit() and kind == "cohort":
        people = participants(programme, int(number))
    elif number.isdigit() and kind == "person" and int(number) in participants(programme):
        people = [int(number)]
    if not people:
        raise InvalidAssignment("choose a cohort or a participant of the programme", field="who")
    return set_for(assignment, people, due)
