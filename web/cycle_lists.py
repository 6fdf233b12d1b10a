"""The cycle page's long lists, a page at a time, and its counts from the database.

A cycle may have 10,000 stakeholders, each owning items: the page counts them with SQL
aggregates and loads one page of each list (and only those rows' RSVPs and last updates),
so it answers in the same time for 10 people as for 10,000 (bench/load.py).
"""

from __future__ import annotations

import datetime as dt

from peewee import JOIN, Case, fn

from models import ActionItem, ActionItemUpdate, Cycle, Participant, Person, Rsvp, clock
from models.cycle import Session
from web.cycle_status import ItemRow, _window
from web.paging import Page, paginate

#: Rows of each list on one page.
PER_PAGE = 50

#: The order of the item list: blocked first, then open, done, cancelled.
STATUS_ORDER = (("blocked", 0), ("open", 1), ("done", 2), ("cancelled", 3))


def _stakeholders(cycle: Cycle):
    return Participant.select().where(
        (Participant.cycle == cycle) & (Participant.role == "stakeholder")
    )


def stakeholder_page(cycle: Cycle, total: int | None = None) -> Page:
    """Return the requested page of the cycle's stakeholders with their people, by name."""
    query = (
        _stakeholders(cycle)
        .select(Participant, Person)
        .join(Person)
        .order_by(Person.name, Person.id)
    )
    return paginate(query, PER_PAGE, total=total)


def rsvps_of(session: Session | None, people: list[Participant]) -> dict[int, Rsvp]:
    """Return the session's RSVPs of the people listed, by person id."""
    if session is None or not people:
        return {}
    query = Rsvp.select().where(
        (Rsvp.session == session) & Rsvp.person.in_([p.person_id for p in people])
    )
    return {r.person_id: r for r in query}


def _during(field, start: dt.datetime, end: dt.datetime | None):
    return (field >= start) & (field < end) if end is not None else (field >= start)


def _items_shown(cycle: Cycle):
    """Return the condition for the programme's open items and those created, completed or
    updated this cycle (what ``cycle_status.item_rows`` keeps, in SQL)."""
    start, end = _window(cycle)
    updated = ActionItemUpdate.select(ActionItemUpdate.id).where(
        (ActionItemUpdate.item == ActionItem.id) & _during(ActionItemUpdate.at, start, end)
    )
    return (ActionItem.programme == cycle.programme_id) & (
        ActionItem.status.in_(("open", "blocked"))
        | (ActionItem.cycle == cycle.id)
        | _during(ActionItem.completed_at, start, end)
        | fn.EXISTS(updated)
    )


def _overdue(today: dt.date):
    return ActionItem.status.in_(("open", "blocked")) & (ActionItem.due_date < today)


def item_page(cycle: Cycle, total: int | None = None) -> tuple[Page, list[ItemRow]]:
    """Return the requested page of the cycle's items and their rows (last update, overdue)."""
    query = (
        ActionItem.select(ActionItem, Person)
        .join(Person, on=(ActionItem.owner == Person.id), join_type=JOIN.LEFT_OUTER)
        .where(_items_shown(cycle))
        .order_by(
            Case(ActionItem.status, STATUS_ORDER, 4),
            ActionItem.due_date.is_null(),
            ActionItem.due_date,
            ActionItem.id,
        )
    )
    page = paginate(query, PER_PAGE, total=total)
    last: dict[int, ActionItemUpdate] = {}
    if page.items:
        updates = (
            ActionItemUpdate.select(ActionItemUpdate, Person)
            .join(Person, on=(ActionItemUpdate.by == Person.id), join_type=JOIN.LEFT_OUTER)
            .where(ActionItemUpdate.item.in_([i.id for i in page.items]))
            .order_by(ActionItemUpdate.at, ActionItemUpdate.id)
        )
        last = {u.item_id: u for u in updates}
    today = clock.now().date()
    late = {
        i.id
        for i in page.items
        if i.status in ("open", "blocked") and i.due_date is not None and i.due_date < today
    }
    rows = [ItemRow(item, last.get(item.id), item.id in late) for item in page.items]
    return page, rows


def overview(cycle: Cycle, session: Session | None) -> dict:
    """Return the counts for the summary bar (answers, items by status, days left) and the
    lengths of both lists, in two queries."""
    now = clock.now()

    def days_until(when: dt.datetime | None) -> int | None:
        return None if when is None else (when.date() - now.date()).days

    people, answered = (
        _stakeholders(cycle)
        .select(fn.COUNT(Participant.id), fn.COUNT(Participant.responded_at))
        .scalar(as_tuple=True)
    )
    overdue = Case(None, ((_overdue(now.date()), 1),), 0)
    by_status = {
        status: (count, late or 0)
        for status, count, late in ActionItem.select(
            ActionItem.status, fn.COUNT(ActionItem.id), fn.SUM(overdue)
        )
        .where(_items_shown(cycle))
        .group_by(ActionItem.status)
        .tuples()
    }
    return {
        "answered": answered or 0,
        "people": people or 0,
        "items": {s: by_status.get(s, (0, 0))[0] for s in ("done", "open", "blocked")},
        "shown": sum(count for count, _ in by_status.values()),
        "overdue": sum(late for _, late in by_status.values()),
        "to_session": days_until(session.starts_at if session else None),
        "to_deadline": days_until(cycle.reply_deadline),
    }
