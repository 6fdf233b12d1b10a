"""A pair's action plan: owned, dated steps, added and updated by reply or on the page, and
revisited in the email before each session."""

from __future__ import annotations

import datetime as dt

from models import MentoringGroup, Occurrence, Person, PlanItem, clock
from workers.grammar.items import Status
from workers.grammar.notes import NewItem
from workers.mentoring.invitations import attendees

#: Most open items a plan may hold (a plan is a few steps, not a task list).
MAX_OPEN = 30


def open_items(group: MentoringGroup) -> list[PlanItem]:
    """Return the plan's open items, numbered by their order here."""
    return list(
        PlanItem.select()
        .where((PlanItem.group == group) & (PlanItem.status == "open"))
        .order_by(PlanItem.due_date.is_null(), PlanItem.due_date, PlanItem.id)
    )


def plan_ctx(group: MentoringGroup) -> list[dict]:
    """Return the open items as plain values, numbered as replies name them."""
    return [
        {
            "number": number,
            "title": item.title,
            "owner": item.owner.name if item.owner_id else "",
            "due": item.due_date.isoformat() if item.due_date else "",
            "percent": item.percent,
        }
        for number, item in enumerate(open_items(group), 1)
    ]


def owner_for(group: MentoringGroup, ref: str, writer: Person) -> Person:
    """Return who an item names (an email, a name or a first name of the group), else the writer."""
    ref = ref.strip().lower()
    for attendee in attendees(group) if ref else []:
        person = attendee.person
        names = {person.email, person.name.lower(), person.name.lower().split()[0]}
        if ref in names:
            return person
    return writer


def add_items(
    group: MentoringGroup, items: list[NewItem], writer: Person, occurrence: Occurrence | None
) -> list[str]:
    """Add new plan items; return what was recorded, one line each."""
    room = MAX_OPEN - len(open_items(group))
    recorded = []
    for item in items[: max(room, 0)]:
        if not item.title:
            continue
        owner = owner_for(group, item.owner_ref, writer)
        PlanItem.create(
            group=group,
            owner=owner,
            title=item.title[:500],
            due_date=item.due,
            occurrence=occurrence,
        )
        due = f", by {item.due.isoformat()}" if item.due else ""
        recorded.append(f"New in the plan: {item.title[:200]} ({owner.name}{due})")
    return recorded


def update_items(group: MentoringGroup, updates: dict[int, Status]) -> tuple[list[str], list[str]]:
    """Apply "Plan 2: done"-style updates by number; return (recorded, problems)."""
    items = open_items(group)
    recorded, problems = [], []
    for number, status in sorted(updates.items()):
        if not 1 <= number <= len(items):
            problems.append(f"Plan {number}: the plan has {len(items)} open items")
            continue
        recorded.append(_apply(items[number - 1], status))
    return recorded, problems


def _apply(item: PlanItem, status: Status) -> str:
    values: dict = {"updated_at": clock.now()}
    said = status.status
    if said == "done":
        values |= {"status": "done", "percent": 100, "done_at": clock.now()}
    elif said == "percent" and status.percent is not None:
        values["percent"] = max(0, min(100, status.percent))
    if status.reason:
        values["note"] = status.reason[:1000]
    if status.due is not None:
        values["due_date"] = status.due
    PlanItem.update(values).where(PlanItem.id == item.id).execute()
    state = "done" if said == "done" else f"{values.get('percent', item.percent)}%"
    if said == "blocked":
        state = f"blocked: {status.reason}"
    due = f", now due {status.due.isoformat()}" if status.due else ""
    return f"{item.title[:200]}: {state}{due}"


def overdue(group: MentoringGroup, today: dt.date) -> list[PlanItem]:
    """Return the plan's open items past their date."""
    return [i for i in open_items(group) if i.due_date is not None and i.due_date < today]
