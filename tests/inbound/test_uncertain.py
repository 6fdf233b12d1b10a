"""A bounce or a reply read with little confidence is kept for a person, with the reason."""

from __future__ import annotations

import pytest

from models import ActionItemUpdate, InboundMessage
from tests import mailfactory as mf
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.inbound.appliers import APPLIERS

#: An Exchange report that names no address: which email failed would be a guess.
NAMELESS_BOUNCE = (
    b"From: System Administrator <postmaster@corp.example.com>\r\nTo: t@tandem.test\r\n"
    b"Subject: Undeliverable: Your update\r\nMessage-ID: <nb1@corp.example.com>\r\n\r\n"
    b"Your message did not reach some or all of the intended recipients.\r\n\r\n"
    b"The following recipient(s) could not be reached:\r\n\r\n      'Bob Smith'\r\n"
)

#: A forwarded message sent to a reply address with no word of the person's own.
FORWARD_ALONE = (
    "---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\n"
    "Subject: Budget\n\n2 done\n"
)


@pytest.fixture
def item_applier(monkeypatch):
    """Replies about items record a real ActionItemUpdate."""
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)


def run(raw: bytes) -> InboundMessage:
    row, _ = inbound_store.store_raw(raw, "smtp", "", None)
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


def test_it_keeps_a_bounce_that_names_nobody(db):
    row = run(NAMELESS_BOUNCE)
    assert (row.status, row.reason) == ("quarantined", "UncertainReadingError")
    assert "free-text bounce" in row.detail


def test_it_keeps_a_forward_sent_without_a_word_instead_of_applying_it(db, item_applier):
    ada = mf.make_person()
    item = mf.make_item(ada)
    to = mf.reply_address(ada, "item", item.id)
    row = run(mf.reply("ada@example.org", to, FORWARD_ALONE, quoted=""))
    assert (row.status, row.reason) == ("quarantined", "UncertainReadingError")
    assert ActionItemUpdate.select().count() == 0
