"""The same reply sent again under a new Message-ID is applied once and kept as a duplicate."""

from __future__ import annotations

import datetime as dt

import pytest

from models import InboundMessage, MetricValue, OutboundEmail, Report, clock
from tests import mailfactory as mf
from tests.followup_data import make_programme
from workers.followup import trigger
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker

#: John's answer to his update request: a metric value and a comment.
ANSWER = "Retention rate: 78\nComment: good momentum"


@pytest.fixture
def world(db):
    """A triggered cycle: John has his update request, with its reply address."""
    world = make_programme()
    trigger.trigger(world["cycle"].id)
    john = world["people"]["john"]
    request = OutboundEmail.get(
        (OutboundEmail.kind == "update-request") & (OutboundEmail.person == john)
    )
    return {**world, "john": john, "address": request.reply_to}


def store(world, text: str = ANSWER, sender: str = "john@example.org") -> InboundMessage:
    """Store John's answer as a new message (each copy gets its own Message-ID)."""
    row, new = inbound_store.store_raw(mf.reply(sender, world["address"], text), "smtp")
    assert new
    return row


def outcome(row: InboundMessage) -> tuple[str, str]:
    row = InboundMessage.get_by_id(row.id)
    return row.status, row.detail


def recorded() -> tuple[int, int, int]:
    """Return how many metric values, reports and confirmations there are."""
    confirmations = OutboundEmail.select().where(OutboundEmail.kind == "confirmation").count()
    return MetricValue.select().count(), Report.select().count(), confirmations


def test_a_reply_sent_again_is_applied_once(world):
    # Given John's answer, applied
    first = store(world)
    inbound_worker.process(first.id)
    assert outcome(first)[0] == "applied"
    # When his mail client sends it again under a new Message-ID, spaced differently
    again = store(world, "  retention rate: 78\n\nComment:   good momentum  ")
    inbound_worker.process(again.id)
    # Then it is kept as a duplicate of the first, and nothing is recorded or sent twice
    assert outcome(again) == ("duplicate", f"duplicate of message {first.id}, applied already")
    assert recorded() == (1, 1, 1)


def test_two_copies_in_one_batch_are_applied_once(world):
    first, again = store(world), store(world)

    statuses = inbound_worker.process_many([first.id, again.id])

    assert sorted(statuses.values()) == ["applied", "duplicate"]
    assert outcome(again) == ("duplicate", f"duplicate of message {first.id}, applied already")
    assert recorded() == (1, 1, 1)


def test_a_different_answer_or_another_day_is_applied(world):
    # Given John's answer, applied
    inbound_worker.process(store(world).id)
    # When he then sends a different value, and the first one again a day later
    changed = store(world, "Retention rate: 79")
    inbound_worker.process(changed.id)
    clock.travel(dt.timedelta(days=1, minutes=1))
    later = store(world)
    inbound_worker.process(later.id)
    # Then both are applied
    assert (outcome(changed)[0], outcome(later)[0]) == ("applied", "applied")
    assert MetricValue.select().count() == 3
