"""Thread headers standing in for a reply token: unguessable Message-IDs, few references read,
and only from the email's own recipient while a reply address on it would still be valid."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from email.utils import make_msgid

from models import ActionItem, EmailAlias, InboundMessage, OutboundEmail, clock
from tests import mailfactory as mf
from workers import settings as settings_mod
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.inbound.match import thread_ids
from workers.outbound import outbox
from workers.outbound.delivery import deliver
from workers.reading.message import parse_message

#: A Message-ID Tandem writes: 32 hex digits (128 random bits) at the reply domain.
MESSAGE_ID_RE = re.compile(r"^<[0-9a-f]{32}@tandem\.test>$")


def run(raw: bytes, mail_from: str = "") -> InboundMessage:
    row, _ = inbound_store.store_raw(raw, "smtp", mail_from, ["tandem@tandem.test"])
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


def update_request(ada, item, key: str = "ping") -> OutboundEmail:
    """Queue the email Tandem sends Ada about her item; return its row."""
    with outbox.transaction():
        sent = outbox.queue_email(
            "ping", ada, {"subject": "s", "body": "b"}, key=key, about=("item", item.id)
        )
    return OutboundEmail.get_by_id(sent.id)


def answer(sender: str, references: list[str], body: str = "done") -> bytes:
    """Return a reply without a reply token, naming ``references`` in its thread headers."""
    raw = mf.reply(sender, "tandem@tandem.test", body, in_reply_to=references[-1])
    return raw.replace(
        f"References: {references[-1]}".encode(), f"References: {' '.join(references)}".encode()
    )


def test_message_ids_carry_128_random_bits(db):
    ada = mf.make_person()
    item = mf.make_item(ada)

    ids = [update_request(ada, item, key=f"k{n}").message_id for n in range(200)]

    assert all(MESSAGE_ID_RE.match(m) for m in ids), ids[:3]
    assert len(set(ids)) == len(ids)
    # Nothing in them comes from what an outsider could know, such as the idempotency key.
    assert len({m[1:9] for m in ids}) > 150


def test_a_retry_sends_the_message_id_stored_when_queued(smtp_sink):
    # Given an email queued once (queueing it again changes nothing)
    ada = mf.make_person()
    item = mf.make_item(ada)
    sent = update_request(ada, item)
    assert update_request(ada, item).message_id == sent.message_id
    # When its first delivery fails for a while, and a retry gets through
    settings = settings_mod.get()
    settings_mod.configure(dataclasses.replace(settings, smtp_url="smtp://127.0.0.1:9"))
    assert deliver(sent.id) == "deferred"
    settings_mod.configure(settings)
    clock.travel(dt.timedelta(hours=1))
    assert deliver(sent.id) == "sent"
    # Then the message that arrived carries the Message-ID stored on the row at first
    [message] = smtp_sink.parsed()
    assert message["Message-ID"] == sent.message_id


def test_it_reads_only_in_reply_to_and_the_end_of_references():
    guesses = [make_msgid(domain="tandem.test") for _ in range(49)]
    raw = answer("ada@example.org", ["<right@tandem.test>", *guesses])

    ids = thread_ids(parse_message(raw))

    assert len(ids) <= 6
    assert "<right@tandem.test>" not in ids


def test_a_forged_list_of_guesses_changes_nothing(db):
    # Given Ada's item and the email Tandem sent her about it
    ada = mf.make_person()
    item = mf.make_item(ada)
    sent = update_request(ada, item)
    # When an outsider sends "done" as Ada, with the right Message-ID among 49 guesses
    guesses = [make_msgid(domain="tandem.test") for _ in range(49)]
    row = run(answer("ada@example.org", [sent.message_id, *guesses]), "eve@evil.example")
    # Then nothing changed
    assert (row.status, row.reason) == ("quarantined", "UnmatchedReplyError")
    assert ActionItem.get_by_id(item.id).status == "open"


def test_a_thread_match_needs_the_address_the_email_went_to(db):
    # Given Ada, who also writes from another address, and an email Tandem sent her
    ada = mf.make_person()
    EmailAlias.create(person=ada, email="ada@home.example.net")
    item = mf.make_item(ada)
    sent = update_request(ada, item)
    # When a reply without a token comes from her other address
    row = run(answer("ada@home.example.net", [sent.message_id]))
    # Then the thread headers do not stand in for a token
    assert (row.status, row.reason) == ("quarantined", "SenderMismatchError")
    assert ActionItem.get_by_id(item.id).status == "open"
    # But from the address the email went to, it is applied
    assert run(answer("ada@example.org", [sent.message_id], "done!")).status == "applied"
    assert ActionItem.get_by_id(item.id).status == "done"


def test_a_thread_match_lasts_as_long_as_a_reply_address(db):
    # Given an email Tandem sent Ada longer ago than a reply address lives
    ada = mf.make_person()
    item = mf.make_item(ada)
    days = settings_mod.get().reply_token_days
    clock.travel(dt.timedelta(days=-days - 1))
    old = update_request(ada, item, key="old")
    clock.reset()
    clock.travel(dt.timedelta(days=-days + 1))
    recent = update_request(ada, item, key="recent")
    clock.reset()
    # When she answers it without a token
    row = run(answer("ada@example.org", [old.message_id]))
    # Then it is kept as expired, and an answer to the newer email is applied
    assert (row.status, row.reason) == ("quarantined", "ExpiredThreadError")
    assert ActionItem.get_by_id(item.id).status == "open"
    assert run(answer("ada@example.org", [recent.message_id], "done!")).status == "applied"
