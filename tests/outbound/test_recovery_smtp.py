"""A connection cut between the final dot and the relay's answer: the email may have arrived,
so it is never sent again at once; it is retried after a pause with the same Message-ID, and
counted."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from models import OutboundEmail, Person, clock
from tests.outbound.cutting_smtp import CuttingSmtpServer
from workers import settings as settings_mod
from workers.outbound import delivery, lifetime, outbox, smtp


@pytest.fixture
def cutter(db):
    server = CuttingSmtpServer()
    before = settings_mod.get()
    settings_mod.configure(dataclasses.replace(before, smtp_url=server.url))
    smtp.discard()
    yield server
    smtp.discard()
    server.close()
    settings_mod.configure(before)


def queue(key: str) -> OutboundEmail:
    person = Person.get_or_create(name="Ada", email="ada@example.org")[0]
    return outbox.queue_email("ping", person, {"subject": "s", "body": "b"}, key=key)


@pytest.mark.parametrize("reused", [True, False], ids=["reused", "new connection"])
def test_it_does_not_send_again_at_once_when_the_answer_to_the_data_is_lost(cutter, reused):
    # Given a worker thread whose connection to the relay was used before (or is new)
    if reused:
        assert delivery.deliver(queue("first").id) == "sent"
    row = queue("second")
    # When the relay drops the connection after the final dot of the next email
    cutter.cut_next = True
    assert delivery.deliver(row.id) == "unconfirmed"
    # Then it arrived once, and is neither resent nor failed, but waits a while, counted
    assert cutter.received.count(row.message_id) == 1
    row = OutboundEmail.get_by_id(row.id)
    assert row.status == "queued" and row.unconfirmed == 1
    assert row.next_attempt_at > clock.now() + lifetime.UNCONFIRMED_PAUSE - dt.timedelta(seconds=5)
    assert "after the data was sent" in row.last_error
    # And after the pause it goes again with the same Message-ID
    clock.travel(lifetime.UNCONFIRMED_PAUSE)
    assert delivery.deliver(row.id) == "sent"
    assert cutter.received.count(row.message_id) == 2
    assert OutboundEmail.get_by_id(row.id).unconfirmed == 1


def test_it_sends_again_at_once_when_an_idle_connection_closed_before_the_data(cutter):
    # Given a connection that was used, then closed by the relay while idle
    assert delivery.deliver(queue("first").id) == "sent"
    conn, _ = smtp.connection(cutter.url)
    conn.sock.shutdown(2)
    # When the next email goes out
    row = queue("second")
    # Then it is sent on a new connection, once
    assert delivery.deliver(row.id) == "sent"
    assert cutter.received.count(row.message_id) == 1
    assert not OutboundEmail.get_by_id(row.id).unconfirmed
