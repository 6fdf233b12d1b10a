"""The audit trail as coordinators read it: who did what to a programme or an item, and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import g
from peewee import Query

from models import ActionItem, ActionItemUpdate, AuditEvent, Metric, Person, Programme, User

#: What each recorded verb means, in words.
VERBS = {
    "programme.created": "created the programme",
    "programme.edited": "edited the programme",
    "programme.archived": "archived the programme",
    "programme.unarchived": "brought the programme back from the archive",
    "people.imported": "imported people from a CSV file",
    "metric.created": "defined a metric",
    "metric.edited": "changed a metric",
    "metric.value_recorded": "recorded a metric value",
    "metric.value_corrected": "corrected a metric value",
    "item.created": "added an action item",
    "item.edited": "edited an action item",
    "item.reassigned": "reassigned an action item",
    "item.progress": "updated an action item's progress",
    "item.closed": "closed an action item",
    "membership.added": "gave a role",
    "membership.removed": "took a role away",
    "person.created": "added a person",
    "person.updated": "edited a person",
    "person.email_changed": "changed a person's email",
    "person.alias_added": "added an address",
    "person.alias_removed": "removed an address",
    "person.deactivated": "deactivated a person",
    "person.reactivated": "reactivated a person",
}

#: Data keys not worth showing (the programme is the page's own; ids ending ``_id`` neither).
HIDDEN_KEYS = ("programme", "via")

#: Longest rendering of the details of one event.
MAX_DETAILS = 300


@dataclass(frozen=True)
class TrailRow:
    """One line of the trail: when, who, what and the details."""

    at: dt.datetime
    who: str
    what: str
    details: str = ""


def current_actor() -> str:
    """Name the logged-in coordinator in the audit trail ("user:3")."""
    return f"user:{g.user.id}"


def current_person() -> Person | None:
    """Return the logged-in coordinator's person, who item updates are recorded as by."""
    return Person.get_or_none(Person.id == g.user.person_id) if g.user.person_id else None


def _names(events: list[AuditEvent]) -> dict[str, str]:
    users = {
        int(e.actor[5:]) for e in events if e.actor.startswith("user:") and e.actor[5:].isdigit()
    }
    people = {
        int(e.actor[7:]) for e in events if e.actor.startswith("person:") and e.actor[7:].isdigit()
    }
    names = {f"user:{u.id}": u.name for u in User.select().where(User.id.in_(list(users)))}
    for person in Person.select().where(Person.id.in_(list(people))):
        names[f"person:{person.id}"] = f"{person.name} (by email)"
    return names


def _who(actor: str, names: dict[str, str]) -> str:
    if actor in names:
        return names[actor]
    if actor.startswith("cli"):
        return "command line" + (f" ({actor[4:]})" if actor[4:] else "")
    return "Tandem" if actor == "system" else actor


def _value(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{_value(value[0])} → {_value(value[1])}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return "—" if value is None or value == "" else str(value)


def _change(old, new) -> list[str]:
    """Say what changed between an ``old`` and a ``new`` value (or dict of values)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [f"{k}: {_value([old.get(k), v])}" for k, v in new.items() if old.get(k) != v]
    return [_value([old, new])]


def describe(data: dict | None) -> str:
    """Render an event's data as one short line ("status: open → done; percent: 40 → 100")."""
    data = dict(data or {})
    parts = _change(data.pop("old"), data.pop("new")) if {"old", "new"} <= set(data) else []
    shown = {k: v for k, v in data.items() if k not in HIDDEN_KEYS and not k.endswith("_id")}
    parts += [f"{k}: {_value(v)}" for k, v in shown.items()]
    text = "; ".join(parts)
    return text if len(text) <= MAX_DETAILS else text[: MAX_DETAILS - 1] + "…"


def rows(events: Query | list[AuditEvent]) -> list[TrailRow]:
    """Turn audit events into trail rows, naming their actors in two queries."""
    events = list(events)
    names = _names(events)
    return [
        TrailRow(e.at, _who(e.actor, names), VERBS.get(e.verb, e.verb), describe(e.data))
        for e in events
    ]


def about_programme(programme: Programme) -> Query:
    """Select the events about a programme, its metrics and its items, newest first."""
    metrics = Metric.select(Metric.id).where(Metric.programme == programme)
    items = ActionItem.select(ActionItem.id).where(ActionItem.programme == programme)
    return (
        AuditEvent.select()
        .where(
            ((AuditEvent.object_type == "Programme") & (AuditEvent.object_id == programme.id))
            | ((AuditEvent.object_type == "Metric") & AuditEvent.object_id.in_(metrics))
            | ((AuditEvent.object_type == "ActionItem") & AuditEvent.object_id.in_(items))
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def about(obj) -> Query:
    """Select the events about one object (an item, a metric, a person), newest first."""
    return (
        AuditEvent.select()
        .where((AuditEvent.object_type == type(obj).__name__) & (AuditEvent.object_id == obj.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def item_history(item: ActionItem) -> list[TrailRow]:
    """Return an item's audit events and the updates replies made to it, newest first."""
    trail = rows(about(item))
    by_email = (
        ActionItemUpdate.select()
        .where((ActionItemUpdate.item == item) & (ActionItemUpdate.source == "email"))
        .order_by(ActionItemUpdate.at.desc())
    )
    for update in by_email:
        who = f"{update.by.name} (by email)" if update.by_id else "by email"
        details = f"status {update.status}, {update.percent or 0}%"
        details += f"; {update.note}" if update.note else ""
        details += "; late" if update.late else ""
        trail.append(TrailRow(update.at, who, "replied with progress", details))
    return sorted(trail, key=lambda row: row.at, reverse=True)
