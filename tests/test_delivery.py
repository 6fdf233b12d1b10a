"""Outbound email: outbox rows delivered over real SMTP by a real worker."""

from __future__ import annotations

from models import OutboundEmail, Person
from workers import outbox


def make_person(email="ada@example.org", name="Ada Lovelace", tz="Europe/London"):
    return Person.create(name=name, email=email, timezone=tz)


def test_it_delivers_a_queued_email_through_the_worker(smtp_sink, redis_broker, redis_worker):
    # Given a person and an email written in a transaction
    person = make_person()
    with outbox.transaction():
        row = outbox.queue_email(
            "ping",
            person,
            {"subject": "Hello", "body": "First ping"},
            key="ping:1",
            about=("cycle", 1),
        )
    # When the worker has drained the queue
    redis_broker.join("mail", timeout=10_000)
    redis_worker.join()
    # Then the sink has it, with a signed reply address, and the row is sent
    [msg] = smtp_sink.parsed()
    assert msg["Message-ID"] == row.message_id
    assert msg["Subject"] == "Hello"
    assert "reply+" in msg["Reply-To"]
    assert "First ping" in msg.get_body(("plain",)).get_content()
    assert OutboundEmail.get_by_id(row.id).status == "sent"
    raw = smtp_sink.messages[0]["data"]
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
