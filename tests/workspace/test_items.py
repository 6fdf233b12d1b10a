"""Action items added, edited, reassigned, updated and closed on the page, all audited."""

from __future__ import annotations

import datetime as dt

import pytest

from models import (
    ActionItem,
    ActionItemUpdate,
    AuditEvent,
    Job,
    OutboundEmail,
    Person,
    Programme,
    clock,
)
from workers.workspace import items
from workers.workspace.errors import ItemError


@pytest.fixture
def world(db):
    clock.freeze(dt.datetime(2026, 11, 2, 9, 0))
    programme = Programme.create(name="Retention review", timezone="Europe/London")
    john = Person.create(name="John Smith", email="john@example.org", timezone="America/New_York")
    maria = Person.create(name="Maria Lopez", email="maria@example.org")
    return programme, john, maria


def _verbs(item) -> list[str]:
    query = AuditEvent.select().where(
        (AuditEvent.object_type == "ActionItem") & (AuditEvent.object_id == item.id)
    )
    return [e.verb for e in query.order_by(AuditEvent.id)]


def test_it_adds_an_item_emails_the_owner_and_schedules_reminders(world):
    programme, john, _ = world
    item = items.add_item(
        programme, title="Exit interview script", owner=john, due="2026-11-20", actor="user:1"
    )
    assert (item.owner_id, item.due_date, item.status) == (john.id, dt.date(2026, 11, 20), "open")
    assert [e.kind for e in OutboundEmail.select()] == ["item-assigned"]
    assert Job.select().where(Job.key.startswith(f"item:{item.id}:reminder:")).count() == 2
    event = AuditEvent.get(AuditEvent.verb == "item.created")
    assert (event.actor, event.data["owner_id"], event.data["due"]) == (
        "user:1",
        john.id,
        "2026-11-20",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  ", "due": ""}, "title"),
        ({"title": "Survey", "due": "next week"}, "due_date"),
    ],
)
def test_it_names_the_bad_field(world, fields, field):
    programme, john, _ = world
    with pytest.raises(ItemError) as caught:
        items.add_item(programme, owner=john, **fields)
    assert caught.value.field == field
    assert ActionItem.select().count() == 0


def test_it_moves_the_reminders_when_the_due_date_changes(world):
    programme, john, _ = world
    item = items.add_item(programme, title="Survey", owner=john, due="2026-11-20")
    changed = items.edit_item(item, title="Staff survey", due="2026-11-27", actor="user:1")
    assert changed == {
        "title": ["Survey", "Staff survey"],
        "due_date": ["2026-11-20", "2026-11-27"],
    }
    pending = Job.select().where(Job.key.startswith(f"item:{item.id}:") & (Job.status == "pending"))
    assert {j.key.rsplit(":", 1)[1] for j in pending} == {"2026-11-27"}
    assert _verbs(item) == ["item.created", "item.edited"]


def test_it_reassigns_an_item_and_tells_the_new_owner(world):
    programme, john, maria = world
    item = items.add_item(programme, title="Survey", owner=john, due="2026-11-20")
    assert items.reassign_item(item, maria, actor="user:1") is True
    assert items.reassign_item(item, maria, actor="user:1") is False
    assert ActionItem.get_by_id(item.id).owner_id == maria.id
    assigned = OutboundEmail.select().where(OutboundEmail.kind == "item-assigned")
    assert [e.person_id for e in assigned.order_by(OutboundEmail.id)] == [john.id, maria.id]
    assert _verbs(item) == ["item.created", "item.reassigned"]


def test_it_updates_progress_as_a_reply_would_and_reopens(world):
    programme, john, _ = world
    item = items.add_item(programme, title="Survey", owner=john, due="2026-11-20")
    items.update_progress(item, status="blocked", reason="no budget", percent="40")
    item = ActionItem.get_by_id(item.id)
    assert (item.status, item.percent, item.blocked_reason) == ("blocked", 40, "no budget")
    items.close_item(item, status="done", actor="user:1")
    assert ActionItem.get_by_id(item.id).status == "done"
    items.update_progress(ActionItem.get_by_id(item.id), status="open")
    item = ActionItem.get_by_id(item.id)
    assert (item.status, item.percent, item.completed_at) == ("open", 99, None)
    assert _verbs(item) == ["item.created", "item.progress", "item.closed", "item.progress"]
    assert ActionItemUpdate.select().where(ActionItemUpdate.source == "web").count() == 4


def test_it_cancels_an_item_and_its_reminders(world):
    programme, john, _ = world
    item = items.add_item(programme, title="Survey", owner=john, due="2026-11-20")
    items.close_item(item, status="cancelled", actor="user:1")
    assert ActionItem.get_by_id(item.id).status == "cancelled"
    pending = Job.select().where(Job.key.startswith(f"item:{item.id}:") & (Job.status == "pending"))
    assert pending.count() == 0


def test_it_refuses_a_percentage_over_100(world):
    programme, john, _ = world
    item = items.add_item(programme, title="Survey", owner=john, due="2026-11-20")
    with pytest.raises(ItemError) as caught:
        items.update_progress(item, status="open", percent="150")
    assert caught.value.field == "percent"
