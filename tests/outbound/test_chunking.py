"""A relay that offers CHUNKING (RFC 3030) gets each email in counted chunks, then an empty
last chunk whose answer alone says whether it took the email; a relay without it gets DATA."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import threading

import pytest

from models import OutboundEmail, Person
from tests.chunking_smtp import ChunkingController
from tests.services import free_port
from workers import settings as settings_mod
from workers.outbound import delivery, outbox, smtp


class ChunkingRelay:
    """A relay that offers CHUNKING and keeps what it takes; ``answer`` replaces its answer
    to the last chunk, and ``drop`` closes the connection there instead of answering."""

    def __init__(self) -> None:
        self.taken: list[dict] = []
        self.answer = ""
        self.drop = False
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = ChunkingController(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.drop:
                server.transport.abort()
                return "421 dropped"
            if self.answer:
                return self.answer
            self.taken.append({"data": envelope.original_content, "chunks": envelope.chunks})
        return "250 OK"


@pytest.fixture
def relay(settings):
    server = ChunkingRelay()
    server.controller.start()
    settings_mod.configure(
        dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{server.port}")
    )
    smtp.discard()
    yield server
    smtp.discard()
    settings_mod.configure(settings)
    server.controller.stop()


def queue(body: str, key: str = "k") -> OutboundEmail:
    person = Person.create(name="Ada Lovelace", email="ada@example.org", timezone="UTC")
    return outbox.queue_email("ping", person, {"subject": "Hello", "body": body}, key=key)


def test_it_sends_in_chunks_to_a_relay_that_offers_them(relay):
    # Given an email larger than one chunk, with a line that DATA would have dot-stuffed
    body = ".starts with a dot\n" + "x" * (smtp.CHUNK + 1000)
    row = queue(body)

    # When it is delivered
    assert delivery.deliver(row.id) == "sent"

    # Then the relay took it in full chunks, the rest, and an empty last one, byte for byte
    [taken] = relay.taken
    *full, rest, last = [len(c) for c in taken["chunks"]]
    assert full and set(full) == {smtp.CHUNK} and 0 < rest <= smtp.CHUNK and last == 0
    assert sum(full) + rest == len(taken["data"])
    message = email.message_from_bytes(taken["data"], policy=email.policy.default)
    assert message["Message-ID"] == row.message_id
    assert message.get_body(("plain",)).get_content().splitlines()[2] == ".starts with a dot"
    assert b"\r\n.." not in taken["data"]  # nothing dot-stuffed
    assert OutboundEmail.get_by_id(row.id).status == "sent"


def test_a_refused_last_chunk_keeps_the_email_for_later(relay):
    relay.answer = "451 4.3.0 Try again later"
    row = queue("Hello")

    assert delivery.deliver(row.id) == "deferred"

    stored = OutboundEmail.get_by_id(row.id)
    assert (stored.status, stored.unconfirmed) == ("queued", None)
    assert "451" in stored.last_error and relay.taken == []


def test_a_connection_lost_at_the_last_chunk_is_an_unconfirmed_send(relay):
    # Given a relay that closes the connection instead of answering the last chunk
    relay.drop = True
    row = queue("Hello")

    # When the email is delivered, the outcome is unknown: it is not sent again at once
    assert delivery.deliver(row.id) == "unconfirmed"
    stored = OutboundEmail.get_by_id(row.id)
    assert (stored.status, stored.unconfirmed) == ("queued", 1)

    # And once the pause is over, it goes out with the same Message-ID
    relay.drop = False
    OutboundEmail.update(next_attempt_at=OutboundEmail.created_at).execute()
    assert delivery.deliver(row.id) == "sent"
    assert row.message_id.encode() in relay.taken[0]["data"]
