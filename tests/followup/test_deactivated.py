"""A deactivated person gets no more email: nothing is queued for them, nothing delivered."""

from __future__ import annotations

import datetime as dt

from models import AuditEvent, OutboundEmail, Person, clock
from tests.followup.test_followup_cycle import emails, run_due
from tests.followup_data import make_programme
from workers.followup import items, trigger
from workers.outbound import delivery, outbox
from workers.workspace.people import deactivate_person, reactivate_person


def test_it_invites_and_reminds_only_active_stakeholders(db):
    # Given a cycle with three stakeholders, Ken deactivated before the trigger
    world = make_programme()
    ken = world["people"]["ken"]
    deactivate_person(ken)
    # When the cycle is triggered
    assert trigger.trigger(world["cycle"].id) == 4
    # Then John and Maria get an invitation and a request each; Ken gets nothing
    assert emails("invite", ken) == [] and emails("update-request", ken) == []
    assert len(emails("update-request")) == 2
    # And the 72-hour reminder leaves him out, without counting him as bounced
    clock.freeze(dt.datetime(2026, 11, 5, 14, 1))
    assert run_due() == ["cycle.reminder"]
    assert sorted(e.person_id for e in emails("reminder")) == sorted(
        [world["people"]["john"].id, world["people"]["maria"].id]
    )
    assert not AuditEvent.select().where(AuditEvent.verb == "cycle.reminder_skipped").exists()


def test_it_sends_no_brief_or_item_reminder_to_a_deactivated_person(db):
    world = make_programme()
    john = world["people"]["john"]
    trigger.trigger(world["cycle"].id)
    deactivate_person(john)
    clock.freeze(dt.datetime(2026, 11, 10, 12, 0))
    assert "cycle.brief" in run_due()
    assert emails("brief", john) == [] and len(emails("brief")) == 2
    # An item John owns falls due: no reminder, no overdue note to him
    item = world["items"][0]
    assert items.send_item_reminder(item.id, 3) is False
    clock.freeze(dt.datetime(2026, 11, 22, 12, 0))
    assert items.send_overdue(item.id) is True
    assert emails("item-overdue", john) == []
    assert len(emails("coordinator-overdue")) == 1


def test_it_does_not_email_a_deactivated_owner_about_a_new_item(db):
    world = make_programme()
    maria = world["people"]["maria"]
    deactivate_person(maria)
    item = items.create_item(world["programme"].id, "Survey", maria, dt.date(2026, 12, 1))
    assert item.owner_id == maria.id
    assert emails("item-assigned", maria) == []


def test_delivery_refuses_an_email_queued_before_the_person_was_deactivated(smtp_sink):
    # Given an email queued for Ada, who is then deactivated
    ada = Person.create(name="Ada Lovelace", email="ada@example.org")
    row = outbox.queue_email("ping", ada, {"subject": "Hello", "body": "Hi"}, key="ping:1")
    deactivate_person(ada)
    # When a worker takes it
    assert delivery.deliver(row.id) == "failed"
    # Then it is failed with a clear reason, nothing is sent, and the address is not blamed
    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "failed"
    assert row.last_error == "not sent: ada@example.org was deactivated by a coordinator"
    assert smtp_sink.messages == []
    assert Person.get_by_id(ada.id).bounce_state == "ok"
    # And once reactivated, a new email goes out
    reactivate_person(ada)
    again = outbox.queue_email("ping", ada, {"subject": "Hello", "body": "Hi"}, key="ping:2")
    assert delivery.deliver(again.id) == "sent"
