"""What the cycle status page shows: metric series, action item rows, RSVPs, progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from models import (
    ActionItem,
    ActionItemUpdate,
    Cycle,
    Metric,
    MetricValue,
    OutboundEmail,
    Person,
    Rsvp,
    clock,
)
from models.cycle import Session
from workers.reports.series import Series

#: Most cycles shown on a metric chart (the latest ones, up to the cycle shown).
MAX_CYCLES = 8

#: RSVP answers as (label, badge class), by iCalendar PARTSTAT.
RSVP_BADGES = {
    "ACCEPTED": ("accepted", "good"),
    "DECLINED": ("declined", "bad"),
    "TENTATIVE": ("tentative", "warn"),
    "DELEGATED": ("delegated", ""),
}


def _starts(cycle: Cycle, sessions: dict[int, Session]) -> dt.datetime:
    session = sessions.get(cycle.id)
    return session.starts_at if session else cycle.created_at


def timeline(cycle: Cycle) -> tuple[list[Cycle], dict[int, Session]]:
    """Return the programme's cycles up to ``cycle`` in session order, and their sessions."""
    cycles = list(Cycle.select().where(Cycle.programme == cycle.programme_id))
    sessions = {
        s.cycle_id: s
        for s in Session.select().where(Session.cycle.in_([c.id for c in cycles]))
        if s.cycle_id is not None
    }
    cycles.sort(key=lambda c: (_starts(c, sessions), c.id))
    shown = [c for c in cycles if c.status != "cancelled" or c.id == cycle.id]
    upto = [c.id for c in shown].index(cycle.id) + 1
    return shown[max(0, upto - MAX_CYCLES) : upto], sessions


def metric_series(cycle: Cycle) -> list[tuple[Metric, Series]]:
    """Return each of the programme's metrics with its value in each cycle so far."""
    cycles, sessions = timeline(cycle)
    metrics = list(
        Metric.select().where(Metric.programme == cycle.programme_id).order_by(Metric.name)
    )
    latest: dict[tuple[int, int], float] = {}
    rows = (
        MetricValue.select()
        .where(
            MetricValue.metric.in_([m.id for m in metrics])
            & MetricValue.cycle.in_([c.id for c in cycles])
        )
        .order_by(MetricValue.reported_at, MetricValue.id)
    )
    for row in rows:
        latest[(row.metric_id, row.cycle_id)] = row.value
    result = []
    for metric in metrics:
        points = []
        for c in cycles:
            session = sessions.get(c.id)
            short = session.starts_at.strftime("%d %b") if session else c.title
            points.append((short, c.title, latest.get((metric.id, c.id))))
        series = Series(
            name=metric.name,
            unit=metric.unit,
            baseline=metric.baseline,
            target=metric.target,
            direction=metric.direction,
            points=points,
        )
        result.append((metric, series))
    return result


@dataclass
class ItemRow:
    """An action item with its last update and whether it is overdue."""

    item: ActionItem
    last: ActionItemUpdate | None
    overdue: bool


def _window(cycle: Cycle) -> tuple[dt.datetime, dt.datetime | None]:
    """Return when the cycle's window opens, and when the next cycle's opens (None: still open).

    A cancelled cycle never opened a window: the one after it, drafted from it, ends this one.
    """
    start = cycle.triggered_at or cycle.created_at
    ends, parents = [], [cycle.id]
    while parents:
        later = list(Cycle.select().where(Cycle.previous.in_(parents)))
        ends += [c.triggered_at or c.created_at for c in later if c.status != "cancelled"]
        parents = [c.id for c in later if c.status == "cancelled"]
    return start, (min(ends) if ends else None)


def item_rows(cycle: Cycle) -> list[ItemRow]:
    """Return the programme's open items and those created, completed or updated this cycle."""
    programme_items = list(
        ActionItem.select(ActionItem, Person)
        .join(Person, on=(ActionItem.owner == Person.id), join_type=JOIN.LEFT_OUTER)
        .where(ActionItem.programme == cycle.programme_id)
    )
    start, end = _window(cycle)
    updates: dict[int, list[ActionItemUpdate]] = {}
    query = (
        ActionItemUpdate.select(ActionItemUpdate, Person)
        .join(Person, on=(ActionItemUpdate.by == Person.id), join_type=JOIN.LEFT_OUTER)
        .where(ActionItemUpdate.item.in_([i.id for i in programme_items]))
        .order_by(ActionItemUpdate.at, ActionItemUpdate.id)
    )
    for update in query:
        updates.setdefault(update.item_id, []).append(update)
    today = clock.now().date()

    def during(when: dt.datetime | None) -> bool:
        return when is not None and when >= start and (end is None or when < end)

    rows = []
    for item in programme_items:
        history = updates.get(item.id, [])
        still_open = item.status in ("open", "blocked")
        if not (
            still_open
            or item.cycle_id == cycle.id
            or during(item.completed_at)
            or any(during(u.at) for u in history)
        ):
            continue
        overdue = still_open and item.due_date is not None and item.due_date < today
        rows.append(ItemRow(item, history[-1] if history else None, overdue))
    order = {"blocked": 0, "open": 1, "done": 2, "cancelled": 3}
    rows.sort(key=lambda r: (order.get(r.item.status, 4), r.item.due_date or dt.date.max))
    return rows


def rsvp_badge(rsvp: Rsvp | None) -> tuple[str, str]:
    """Return the label and badge class of a stakeholder's answer to the invitation."""
    if rsvp is None or rsvp.partstat == "NEEDS-ACTION":
        return "no answer", ""
    if rsvp.proposed_start is not None:
        return "proposed new time", "warn"
    return RSVP_BADGES.get(rsvp.partstat, (rsvp.partstat.lower(), ""))


def overview(cycle: Cycle, people: list, rows: list[ItemRow], session: Session | None) -> dict:
    """Return the counts for the summary bar: answers, items by status, days left."""
    now = clock.now()

    def days_until(when: dt.datetime | None) -> int | None:
        return None if when is None else (when.date() - now.date()).days

    counts = {"done": 0, "open": 0, "blocked": 0}
    for row in rows:
        if row.item.status in counts:
            counts[row.item.status] += 1
    return {
        "answered": sum(1 for p in people if p.responded_at),
        "people": len(people),
        "items": counts,
        "overdue": sum(1 for r in rows if r.overdue),
        "to_session": days_until(session.starts_at if session else None),
        "to_deadline": days_until(cycle.reply_deadline),
    }


def undelivered(cycle: Cycle, session: Session | None) -> list[OutboundEmail]:
    """Return the cycle's emails Tandem gave up delivering (its own or its session's), with
    why in ``last_error``, newest first."""
    about_cycle = (OutboundEmail.object_type == "cycle") & (OutboundEmail.object_id == cycle.id)
    about_session = (OutboundEmail.object_type == "session") & (
        OutboundEmail.object_id == (session.id if session else 0)
    )
    return list(
        OutboundEmail.select()
        .where((OutboundEmail.status == "failed") & (about_cycle | about_session))
        .order_by(OutboundEmail.id.desc())
    )
